/**
 * A misspelled argument of a lookup fails loudly, naming the argument and the closest valid one, and sends nothing.
 * (The resources' misspelled arguments are rows of test/mistakes/mistakes.test.ts, through the real host.)
 */
import { describe, expect, it } from "vitest";
import { getSecretLists, getSecretValue } from "../../provider/netactuate/lookups";
import { getSecrets } from "../../provider/tensordock/lookups";
import { getSecretKeys } from "../../provider/walletcrew/lookups";
import { ResourceError } from "../../provider/kit";
import { withSandbox } from "../support/sandbox";

const sandbox = withSandbox();

describe("lookups", () => {
  const LOOKUPS = [
    {
      name: "tensordock.getSecrets",
      call: () => getSecrets({ conection: {} } as never),
      meant: "connection",
    },
    {
      name: "walletcrew.getSecretKeys",
      call: () => getSecretKeys({ tenant: "demo" } as never),
      meant: "tenantId",
    },
    {
      name: "netactuate.getSecretValue",
      call: () => getSecretValue({ key: "K", connection: { apiKee: "x" } } as never),
      meant: "apiKey",
    },
    {
      name: "netactuate.getSecretLists",
      call: () => getSecretLists({ conection: {} } as never),
      meant: "connection",
    },
  ];

  it.each(LOOKUPS)(
    "$name names an unknown argument and the closest valid one, sending nothing",
    async ({ call, meant, name }) => {
      const before = sandbox.current.log.length;
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ResourceError);
      expect((error as Error).message).toMatch(
        new RegExp(`^${name.replace(".", "\\.")}: .*unknown argument`),
      );
      expect((error as Error).message).toContain(`did you mean \`${meant}\`?`);
      expect(sandbox.current.log.slice(before)).toEqual([]);
    },
  );
});
