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
 * The configure request the kit's providers read, from what the engine sends: the provider's inputs by key
 * (`tensordockApiToken`), or its variables (`secretstack:config:tensordockApiToken`, the form the engine
 * writes, or `secretstack:tensordockApiToken`). Each kit key answers with its provider key's value.
 */
export function kitConfigure(settings: ReadonlyMap<string, string>): ConfigureRequest {
  const byKitKey = new Map<string, string>();
  for (const { key, spec } of PLUGIN_SETTINGS) {
    const value =
      settings.get(key) ?? settings.get(`${PACKAGE}:config:${key}`) ?? settings.get(`${PACKAGE}:${key}`);
    if (value !== undefined) byKitKey.set(spec.configKey, value);
  }
  return { config: { get: (key: string) => byKitKey.get(key) } };
}

const KIT_KEYS = PLUGIN_SETTINGS.map(({ key, spec }) => ({
  pattern: new RegExp(`(?<![\\w:])${spec.configKey}(?![\\w])`, "g"),
  key: `${PACKAGE}:${key}`,
})).filter(({ key }, i) => PLUGIN_SETTINGS[i]?.spec.configKey !== key);

/**
 * A message of the kit in the plugin's terms: the stack config keys it names (`walletcrew:tenantId`) become
 * the provider's (`secretstack:walletcrewTenantId`), which is what a program of the plugin sets.
 */
export function inPluginTerms(message: string): string {
  return KIT_KEYS.reduce((text, { pattern, key }) => text.replace(pattern, key), message);
}

/** Records the provider's configuration for every resource (the kit's `configure`, which never throws). */
export async function configureAll(settings: ReadonlyMap<string, string>): Promise<void> {
  const request = kitConfigure(settings);
  await Promise.all(RESOURCES.map((r) => r.provider.configure(request)));
}
