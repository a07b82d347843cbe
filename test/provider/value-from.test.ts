import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkSourced,
  FINGERPRINT_PREFIX,
  fingerprint,
  readValue,
  saltOf,
  sourcedVerdict,
  storedOutputs,
  UNKNOWN,
  ValueSourceError,
  valueArguments,
  valueFromSchema,
} from "../../provider/kit";

const CANARY = "canary-value-from-7f3a91";

afterEach(() => {
  delete process.env.SECRETSTACK_TEST_VALUE;
});

describe("valueFrom sources", () => {
  it("accepts exactly one of env and file, naming the rule otherwise", () => {
    expect(valueFromSchema.safeParse({ env: "HF_TOKEN" }).success).toBe(true);
    expect(valueFromSchema.safeParse({ file: "secrets/hf.txt" }).success).toBe(true);
    for (const bad of [{}, { env: "A", file: "b" }]) {
      const parsed = valueFromSchema.safeParse(bad);
      expect(parsed.error?.issues[0]?.message).toContain("exactly one source");
    }
    expect(valueFromSchema.safeParse({ env: "1BAD" }).error?.issues[0]?.message).toContain(
      "environment variable name",
    );
    expect(valueFromSchema.safeParse({ envv: "A" }).success).toBe(false);
  });

  it("reads a variable as it is, and names an unset one without any value", async () => {
    process.env.SECRETSTACK_TEST_VALUE = `${CANARY}\n`;
    expect(await readValue({ env: "SECRETSTACK_TEST_VALUE" })).toBe(`${CANARY}\n`);
    delete process.env.SECRETSTACK_TEST_VALUE;
    const error = await readValue({ env: "SECRETSTACK_TEST_VALUE" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueSourceError);
    expect((error as Error).message).toMatch(/environment variable SECRETSTACK_TEST_VALUE is not set/);
  });

  it("reads a file with one trailing line break removed, and names a missing one with its path", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "secretstack-value-from-"));
    const file = path.join(dir, "hf.txt");
    writeFileSync(file, `${CANARY}\n\n`);
    expect(await readValue({ file })).toBe(`${CANARY}\n`);
    writeFileSync(file, `${CANARY}\r\n`);
    expect(await readValue({ file })).toBe(CANARY);
    const missing = path.join(dir, "absent.txt");
    const error = (await readValue({ file: missing }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`file ${missing} does not exist`);
    expect(error.message).not.toContain(CANARY);
  });
});

describe("valueFrom fingerprints", () => {
  it("carry their salt, are stable for one value and salt, differ across values and salts, and never hold the value", async () => {
    const a = await fingerprint(CANARY);
    expect(a.startsWith(FINGERPRINT_PREFIX)).toBe(true);
    expect(a).not.toContain(CANARY);
    const salt = saltOf(a);
    expect(salt).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(await fingerprint(CANARY, salt)).toBe(a);
    expect(await fingerprint(CANARY)).toBe(a);
    expect(await fingerprint(`${CANARY}x`, salt)).not.toBe(a);
    const other = await fingerprint(CANARY, "another-salt-of-this-length");
    expect(other).not.toBe(a);
    expect(saltOf(other)).toBe("another-salt-of-this-length");
    expect(saltOf("sha256:abc")).toBeUndefined();
  });

  it("derive each distinct value once per process: a thousand requests of one value share one derivation", async () => {
    const first = fingerprint("shared-value");
    const all = Array.from({ length: 1000 }, () => fingerprint("shared-value"));
    expect(new Set(all).size).toBe(1);
    expect(all[0]).toBe(first);
    expect(new Set(await Promise.all(all)).size).toBe(1);
  });
});

const inputs = z
  .object({
    key: z.string(),
    ...valueArguments(z.string().max(8, { error: "must be at most 8 characters" })),
  })
  .strict();

describe("the value field's rule", () => {
  it("refuses value with valueFrom, and neither, naming the argument", async () => {
    const both = await checkSourced({ key: "k", value: "v", valueFrom: { env: "X" } }, {}, { inputs });
    expect(both).toEqual({
      failures: [{ property: "valueFrom", reason: expect.stringContaining("not both") }],
    });
    const neither = await checkSourced({ key: "k" }, {}, { inputs });
    expect(neither).toEqual({
      failures: [{ property: "value", reason: expect.stringContaining("is required") }],
    });
    expect(
      await checkSourced({ key: "k" }, { imported: true }, { inputs, optional: (o) => o.imported === true }),
    ).toEqual({
      inputs: { key: "k" },
    });
  });

  it("puts the fingerprint of what the source holds in place of the value, and passes an unknown source", async () => {
    process.env.SECRETSTACK_TEST_VALUE = "short";
    const checked = await checkSourced(
      { key: "k", valueFrom: { env: "SECRETSTACK_TEST_VALUE" } },
      {},
      { inputs },
    );
    expect(checked).toEqual({
      inputs: {
        key: "k",
        valueFrom: { env: "SECRETSTACK_TEST_VALUE" },
        valueFingerprint: await fingerprint("short"),
      },
    });
    const unknown = { key: "k", valueFrom: { env: UNKNOWN } };
    expect(await checkSourced(unknown, {}, { inputs })).toEqual({ inputs: unknown });
  });

  it("validates what the source holds by the value's rules, naming the source and never the value", async () => {
    process.env.SECRETSTACK_TEST_VALUE = CANARY;
    const checked = await checkSourced(
      { key: "k", valueFrom: { env: "SECRETSTACK_TEST_VALUE" } },
      {},
      { inputs },
    );
    expect(checked).toEqual({
      failures: [
        {
          property: "valueFrom",
          reason: "the value of environment variable SECRETSTACK_TEST_VALUE: must be at most 8 characters",
        },
      ],
    });
    expect(JSON.stringify(checked)).not.toContain(CANARY);
  });

  it("keeps the stored salt, so an unchanged source makes no change and a changed one does", async () => {
    const stored = await fingerprint("one", "salt-of-the-stored-resource");
    process.env.SECRETSTACK_TEST_VALUE = "one";
    const args = { key: "k", valueFrom: { env: "SECRETSTACK_TEST_VALUE" } };
    const checked = (await checkSourced(args, { valueFingerprint: stored }, { inputs })) as {
      inputs: Record<string, unknown>;
    };
    expect(checked.inputs.valueFingerprint).toBe(stored);
    const plain = () => "update" as const;
    const old = { key: "k", valueFrom: args.valueFrom, valueFingerprint: stored };
    expect(await sourcedVerdict(old, checked.inputs, "update", plain)).toBe("same");
    const two = {
      ...checked.inputs,
      valueFingerprint: await fingerprint("two", "salt-of-the-stored-resource"),
    };
    expect(await sourcedVerdict(old, two, "replace", plain)).toBe("replace");
    expect(await sourcedVerdict(old, { ...checked.inputs, valueVersion: 2 }, "replace", plain)).toBe(
      "replace",
    );
  });

  it("moves between value and valueFrom as an update when the value is the same, as the value's change otherwise", async () => {
    const print = await fingerprint("one", "salt-of-the-stored-resource");
    const sourced = { key: "k", valueFrom: { env: "X" }, valueFingerprint: print };
    const plain = () => "same" as const;
    expect(await sourcedVerdict({ key: "k", value: "one" }, sourced, "replace", plain)).toBe("update");
    expect(await sourcedVerdict({ key: "k", value: "two" }, sourced, "replace", plain)).toBe("replace");
    expect(await sourcedVerdict(sourced, { key: "k", value: "one" }, "replace", plain)).toBe("update");
    expect(await sourcedVerdict(sourced, { key: "k", value: "two" }, "replace", plain)).toBe("replace");
    expect(
      await sourcedVerdict({ key: "k", value: "one" }, { key: "k", value: "one" }, "replace", plain),
    ).toBe("same");
  });

  it("stores a sourced resource's outputs without the value, fingerprinting a value the API returned", async () => {
    const print = await fingerprint("one", "salt-of-the-stored-resource");
    const inputs = { key: "k", valueFrom: { env: "X" }, valueFingerprint: print };
    expect(await storedOutputs({ key: "k", value: "one" }, inputs)).toEqual(inputs);
    const drifted = await storedOutputs({ key: "k", value: "changed" }, inputs);
    expect(drifted.value).toBeUndefined();
    expect(drifted.valueFingerprint).toBe(await fingerprint("changed", "salt-of-the-stored-resource"));
    expect(await storedOutputs({ key: "k" }, inputs)).toEqual(inputs);
    expect(await storedOutputs({ key: "k", value: "one" }, { key: "k", value: "one" })).toEqual({
      key: "k",
      value: "one",
    });
  });
});
