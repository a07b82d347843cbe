import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it, vi } from "vitest";

type Registry = typeof import("../../provider/netactuate/keyRegistry");
/** A fresh registry per test, as each program process has its own: the modules are loaded anew. */
let claimKey: Registry["claimKey"];
let claimListName: Registry["claimListName"];

interface Internals<T> {
  promise(): Promise<T>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
}

/**
 * Resolves an output outside a program through the SDK's internal accessors. A failed apply rejects all
 * three of its promises, so all three are observed: none is left as an unhandled rejection.
 */
function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  const internals = output as unknown as Internals<T>;
  internals.isKnown.catch(() => undefined);
  internals.isSecret.catch(() => undefined);
  return internals.promise();
}

beforeEach(async () => {
  vi.resetModules();
  ({ claimKey, claimListName } = await import("../../provider/netactuate/keyRegistry"));
});

describe("the program-side key registry", () => {
  it("passes a key declared once, keeping it plain even with a secret connection", async () => {
    const key = claimKey("db", "DB_PASSWORD", {
      apiKey: pulumi.secret("na_key"),
      baseUrl: "http://127.0.0.1:1/api",
    });
    expect(await resolved(key)).toBe("DB_PASSWORD");
    expect(await pulumi.isSecret(key)).toBe(false);
  });

  it("keeps a secret key secret", async () => {
    expect(await pulumi.isSecret(claimKey("db", pulumi.secret("DB_PASSWORD"), undefined))).toBe(true);
  });

  it("fails every resource declaring one key in one account, naming all of them", async () => {
    const outcomes = await Promise.allSettled(
      ["token-a", "token-b"].map((name) => resolved(claimKey(name, "API_TOKEN", undefined))),
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(
        /"token-a" and "token-b" declare the same key "API_TOKEN"/,
      );
    }
  });

  it("lets two accounts hold the same key", async () => {
    const a = claimKey("prod", "API_TOKEN", { apiKey: "na_prod_key" });
    const b = claimKey("staging", "API_TOKEN", { apiKey: "na_staging_key" });
    expect(await Promise.all([resolved(a), resolved(b)])).toEqual(["API_TOKEN", "API_TOKEN"]);
  });

  it("fails a key declared without a connection and again with the same account's key given explicitly", async () => {
    vi.stubEnv("NETACTUATE_API_KEY", "na_env_key");
    try {
      const outcomes = await Promise.allSettled([
        resolved(claimKey("implicit", "SHARED", undefined)),
        resolved(claimKey("explicit", "SHARED", { apiKey: "na_env_key" })),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("holds back other NetActuate resources of a program with a clash", async () => {
    // Observed at once: both fail, and a rejection nobody observes would be reported as unhandled.
    const clashing = Promise.allSettled(
      [claimKey("one", "K", undefined), claimKey("two", "K", undefined)].map(resolved),
    );
    await expect(resolved(claimListName("list", "app", undefined))).rejects.toThrow(
      /^netactuate.SecretList "list" is not created: .*"one" and "two" declare the same key "K"/,
    );
    expect((await clashing).map((o) => o.status)).toEqual(["rejected", "rejected"]);
  });

  it("passes a list name declared once, and fails two lists with one name, naming both", async () => {
    expect(await resolved(claimListName("only", "app", undefined))).toBe("app");
    const outcomes = await Promise.allSettled(
      ["a", "b"].map((name) => resolved(claimListName(name, "shared", undefined))),
    );
    for (const outcome of outcomes) {
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(
        /netactuate.SecretList resources "a" and "b" declare the same list name "shared": NetActuate list names are unique/,
      );
    }
  });
});
