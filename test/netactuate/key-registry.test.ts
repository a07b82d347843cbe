import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { afterKeyClaims, claimKey, resetKeyClaims } from "../../provider/netactuate/keyRegistry";

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

beforeEach(() => {
  resetKeyClaims();
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

  it("holds back other NetActuate resources of a program with a clash", async () => {
    const clashing = [claimKey("one", "K", undefined), claimKey("two", "K", undefined)];
    await expect(resolved(afterKeyClaims('netactuate.SecretList "list"', "app"))).rejects.toThrow(
      /^netactuate.SecretList "list" is not created: .*"one" and "two" declare the same key "K"/,
    );
    await Promise.allSettled(clashing.map(resolved));
    resetKeyClaims();
    expect(await resolved(afterKeyClaims('netactuate.SecretList "list"', "app"))).toBe("app");
  });
});
