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
 * Records the given namespaced keys (e.g. `tensordock:apiToken`) from a configure request, replacing what an
 * earlier request recorded for them (a key now absent is forgotten). Empty values are kept, so that reading
 * them can say so. Never throws: the host caches a provider before `configure()` resolves and never retries a
 * failed one, so a missing or unusable setting is reported later by the method that needs it.
 */
export function recordConfig(req: ConfigureRequest | undefined, keys: readonly string[]): void {
  for (const key of keys) {
    let value: unknown;
    try {
      value = req?.config.get(key);
    } catch {
      // A config object that cannot answer is the same as an absent key.
    }
    if (typeof value === "string") recorded.set(key, value);
    else recorded.delete(key);
  }
}

/** The recorded stack config value of `key`, if any. */
export function recordedConfig(key: string): string | undefined {
  return recorded.get(key);
}
