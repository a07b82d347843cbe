/**
 * Stack configuration captured by a provider's `configure()`, shared by every provider module in the host
 * process. Nothing here is ever serialized: provider modules are loaded by `require()`, and these values
 * live only in the host's memory.
 */

/** The part of Pulumi's dynamic-provider configure request we use. */
export interface ConfigureRequest {
  config: { get(key: string): string | undefined };
}

const recorded = new Map<string, string>();

/**
 * Records the given namespaced keys (e.g. `tensordock:apiToken`) from a configure request.
 * Never throws: the host caches a provider before `configure()` resolves and never retries a failed one,
 * so a missing credential is reported later by the method that needs it.
 */
export function recordConfig(req: ConfigureRequest | undefined, keys: readonly string[]): void {
  for (const key of keys) {
    try {
      const value = req?.config.get(key);
      if (typeof value === "string" && value !== "") recorded.set(key, value);
    } catch {
      // A config object that cannot answer is the same as an absent key.
    }
  }
}

/** Forgets recorded configuration (tests only). */
export function resetConfig(): void {
  recorded.clear();
}

/** Where a setting may come from, in precedence order after the resource's own `connection` arg. */
export interface SettingSource {
  /** Namespaced stack config key, e.g. `tensordock:apiToken`. */
  configKey: string;
  /** Environment variable, e.g. `TENSORDOCK_API_TOKEN`. */
  envVar: string;
}

/**
 * Resolves one setting: the resource's `connection` value, then stack config, then the environment.
 * Empty strings count as absent.
 */
export function resolveSetting(fromArg: string | undefined, source: SettingSource): string | undefined {
  if (fromArg !== undefined && fromArg !== "") return fromArg;
  const fromConfig = recorded.get(source.configKey);
  if (fromConfig !== undefined) return fromConfig;
  const fromEnv = process.env[source.envVar];
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
}

/**
 * The error for a credential that no source provides. It names every place the user can set it,
 * and never a value.
 */
export class MissingCredentialError extends Error {
  constructor(api: string, what: string, source: SettingSource, connectionField: string) {
    super(
      `${api} ${what} is not set: set the ${source.configKey} stack config (secret), the ${source.envVar} ` +
        `environment variable, or the resource's connection.${connectionField}`,
    );
    this.name = "MissingCredentialError";
  }
}
