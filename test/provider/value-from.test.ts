import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  FINGERPRINT_PREFIX,
  fingerprint,
  readValue,
  ValueSourceError,
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
  it("are stable for one value and stack, differ across values and stacks, and never hold the value", async () => {
    const a = await fingerprint(CANARY, "proj/dev");
    expect(a.startsWith(FINGERPRINT_PREFIX)).toBe(true);
    expect(a).not.toContain(CANARY);
    expect(await fingerprint(CANARY, "proj/dev")).toBe(a);
    expect(await fingerprint(`${CANARY}x`, "proj/dev")).not.toBe(a);
    expect(await fingerprint(CANARY, "proj/prod")).not.toBe(a);
  });

  it("derive each distinct value once per process: a thousand requests of one value share one derivation", async () => {
    const first = fingerprint("shared-value", "proj/many");
    const all = Array.from({ length: 1000 }, () => fingerprint("shared-value", "proj/many"));
    expect(new Set(all).size).toBe(1);
    expect(all[0]).toBe(first);
    expect(new Set(await Promise.all(all)).size).toBe(1);
  });
});
