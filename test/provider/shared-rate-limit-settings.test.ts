/**
 * The shared rate limit's one setting, read once by the kit for all three APIs: stack config
 * `secretstack:rateLimitRedisUrl`, then `SECRETSTACK_RATE_LIMIT_REDIS_URL`. Unset, every limiter paces its process
 * alone; set, the sdk's rate limit carries it. Its URL may hold Redis's password: no message repeats it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rateLimitOf, recordConfig, recordedConfig, SettingError, SHARED_SETTINGS } from "../../provider/kit";
import { NETACTUATE_SETTINGS } from "../../provider/netactuate/connection";
import secretList from "../../provider/netactuate/secretList.provider";
import secretValue from "../../provider/netactuate/secretValue.provider";
import { TENSORDOCK_SETTINGS } from "../../provider/tensordock/connection";
import genericSecret from "../../provider/tensordock/genericSecret.provider";
import sshKey from "../../provider/tensordock/sshKey.provider";
import { WALLETCREW_SETTINGS } from "../../provider/walletcrew/connection";
import tenantSecret from "../../provider/walletcrew/tenantSecret.provider";

const ENV = SHARED_SETTINGS.rateLimitRedisUrl.envVar;
const KEY = SHARED_SETTINGS.rateLimitRedisUrl.configKey;
const CANARY = "canary-redis-password-7f3a";

function config(values: Record<string, string>): void {
  recordConfig({ config: { get: (key) => values[key] } }, [KEY]);
}

const saved = process.env[ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
  config({});
});

describe("the shared rate limit setting", () => {
  it("is named secretstack:rateLimitRedisUrl and SECRETSTACK_RATE_LIMIT_REDIS_URL", () => {
    expect(KEY).toBe("secretstack:rateLimitRedisUrl");
    expect(ENV).toBe("SECRETSTACK_RATE_LIMIT_REDIS_URL");
  });

  it.each([
    ["tensordock:SshKey", sshKey],
    ["tensordock:GenericSecret", genericSecret],
    ["walletcrew:TenantSecret", tenantSecret],
    ["netactuate:SecretList", secretList],
    ["netactuate:SecretValue", secretValue],
  ])("is recorded, with every API's settings, by the configure of %s", async (_type, provider) => {
    const tables = [TENSORDOCK_SETTINGS, WALLETCREW_SETTINGS, NETACTUATE_SETTINGS];
    const keys = [KEY, ...tables.flatMap((t) => Object.values(t).map((s) => s.configKey))];
    const values = Object.fromEntries(keys.map((k, i) => [k, `value-${i}`]));
    await provider.configure({ config: { get: (key) => values[key] } });
    for (const key of keys) expect(recordedConfig(key), key).toBe(values[key]);
    // A key absent from a later configure is forgotten.
    await provider.configure({ config: { get: () => undefined } });
    for (const key of keys) expect(recordedConfig(key), key).toBeUndefined();
  });

  it("leaves the rate limit unshared when unset", () => {
    delete process.env[ENV];
    expect(rateLimitOf(100)).toEqual({ requestsPerMinute: 100 });
  });

  it("shares the rate limit through the Redis URL of the environment", () => {
    process.env[ENV] = `redis://:${CANARY}@redis.internal:6379/2`;
    const limit = rateLimitOf(100);
    expect(limit).toMatchObject({
      requestsPerMinute: 100,
      shared: { redisUrl: `redis://:${CANARY}@redis.internal:6379/2` },
    });
    expect(limit === false ? undefined : typeof limit.shared?.onNotice).toBe("function");
  });

  it("prefers stack config to the environment", () => {
    process.env[ENV] = "redis://env-host:6379";
    config({ [KEY]: "rediss://config-host:6380" });
    expect(rateLimitOf(100)).toMatchObject({ shared: { redisUrl: "rediss://config-host:6380" } });
  });

  it("stays off with the rate limit: nothing to share", () => {
    process.env[ENV] = "redis://127.0.0.1:6379";
    expect(rateLimitOf(false)).toBe(false);
  });

  it("refuses an empty value, naming where it was set", () => {
    process.env[ENV] = "  ";
    expect(() => rateLimitOf(100)).toThrow(SettingError);
    expect(() => rateLimitOf(100)).toThrow(
      /set but empty in environment variable SECRETSTACK_RATE_LIMIT_REDIS_URL/,
    );
  });

  it.each([`http://:${CANARY}@redis.internal:6379`, `${CANARY}@redis.internal:6379`])(
    "refuses a URL that is not redis:// or rediss:// without repeating it (%#)",
    (url) => {
      config({ [KEY]: url });
      let message = "";
      try {
        rateLimitOf(100);
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).toMatch(
        /rate limit Redis URL from stack config secretstack:rateLimitRedisUrl must be a redis/,
      );
      expect(message).not.toContain(CANARY);
    },
  );
});
