/**
 * The provider's configuration: one `secretstack:` key per setting of the kit's tables, named after the
 * setting's own stack config key (`tensordock:apiToken` → `secretstack:tensordockApiToken`; the shared
 * `secretstack:rateLimitRedisUrl` keeps its name). `Configure` hands them to every resource's `configure`
 * under the kit's keys, so the settings read them after the resource's `connection` and before the
 * environment variables, exactly as stack config of the dynamic resources.
 */
import type { ConfigureRequest } from "../kit/config";
import { SHARED_SETTINGS, type SettingSpec } from "../kit/settings";
import { API_SETTINGS, PACKAGE, RESOURCES } from "./resources";

/** One key of the provider's configuration. */
export interface PluginSetting {
  /** The key in the provider's namespace, without it: `tensordockApiToken`. */
  key: string;
  /** The kit's setting behind it. */
  spec: SettingSpec;
}

/** The provider key of a kit stack config key. */
export function pluginKeyOf(configKey: string): string {
  const [namespace = "", field = ""] = configKey.split(":");
  return namespace === PACKAGE ? field : `${namespace}${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}

/** Every provider config key, from the kit's tables (each API's, then the shared ones). */
export const PLUGIN_SETTINGS: readonly PluginSetting[] = [
  ...Object.values(API_SETTINGS).flatMap((table) => Object.values(table)),
  ...Object.values(SHARED_SETTINGS),
].map((spec) => ({ key: pluginKeyOf(spec.configKey), spec }));

/** Keys the engine may add to a provider's inputs that are not settings. */
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);

/** True when `key` (without the namespace) is one the provider knows or the engine adds. */
export function isKnownKey(key: string): boolean {
  return ENGINE_KEYS.has(key) || key.startsWith("__") || PLUGIN_SETTINGS.some((s) => s.key === key);
}

/**
 * The configure request the kit's providers read, from the variables the engine sends (`secretstack:<key>`, or
 * the key alone as an explicit provider's inputs): each kit key answers with its provider key's value.
 */
export function kitConfigure(variables: ReadonlyMap<string, string>): ConfigureRequest {
  const byKitKey = new Map<string, string>();
  for (const { key, spec } of PLUGIN_SETTINGS) {
    const value = variables.get(`${PACKAGE}:${key}`) ?? variables.get(key);
    if (value !== undefined) byKitKey.set(spec.configKey, value);
  }
  return { config: { get: (key: string) => byKitKey.get(key) } };
}

/** Records the provider's configuration for every resource (the kit's `configure`, which never throws). */
export async function configureAll(variables: ReadonlyMap<string, string>): Promise<void> {
  const request = kitConfigure(variables);
  await Promise.all(RESOURCES.map((r) => r.provider.configure(request)));
}
