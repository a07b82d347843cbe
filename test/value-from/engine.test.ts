/**
 * `valueFrom` through the real dynamic-provider host, against the sandbox: one table for the three resources
 * whose value may come from a source, each with an environment variable and with a file. The value is read by
 * the provider only; the state keeps a fingerprint; a changed source shows at preview with no request and is
 * sent by the next `up`; a value changed outside Pulumi shows on refresh where the API can read it; a missing
 * source is named; refresh and destroy never need it.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { changes, deployProgram, NO_CHANGES, type ProgramStack } from "../support/deploy";
import { canary, findLeak, plainSecretFields } from "../support/leaks";
import { REPO_ROOT } from "../support/process";
import { EMPTY_SANDBOX, type TestSandbox, withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
/** Source files live in an ignored folder, named relative to the program's directory as users write them. */
const FILES = path.join(REPO_ROOT, ".test-work", "value-from");

interface Row {
  resource: "tensordock.GenericSecret" | "walletcrew.TenantSecret" | "netactuate.SecretValue";
  /** The resource's arguments besides its value, given the sandbox (a SecretValue needs a list). */
  args: (sandbox: TestSandbox, tag: string) => Promise<Record<string, unknown>>;
  /** What a changed value is: an update in place, or another object (TensorDock has no update). */
  change: "updated" | "replaced";
  /** The value the API holds for the object with this id; `undefined` where the API never returns it. */
  remote?: (sandbox: TestSandbox, id: string) => Promise<string>;
  /** Sets the value outside Pulumi. */
  tamper?: (sandbox: TestSandbox, id: string, value: string) => Promise<void>;
}

const ROWS: Row[] = [
  {
    resource: "tensordock.GenericSecret",
    args: async (_s, tag) => ({ name: `vf-${tag}` }),
    change: "replaced",
  },
  {
    resource: "walletcrew.TenantSecret",
    args: async (_s, tag) => ({ key: `vf-${tag}` }),
    change: "updated",
    remote: (s, id) => s.clients.walletcrew.demo!.retrieve(id.slice(id.indexOf("/") + 1)),
    tamper: async (s, id, value) => {
      await s.clients.walletcrew.demo!.put(id.slice(id.indexOf("/") + 1), { value });
    },
  },
  {
    resource: "netactuate.SecretValue",
    args: async (s, tag) => ({
      key: `VF_${tag.toUpperCase().replace(/-/g, "_")}`,
      listId: String((await s.clients.netactuate.lists.create({ name: `vf-list-${tag}` })).id),
    }),
    change: "updated",
    remote: async (s, id) =>
      (await s.clients.netactuate.values.listAll()).find((v) => String(v.id) === id)!.value,
    tamper: async (s, id, value) => {
      const found = (await s.clients.netactuate.values.listAll()).find((v) => String(v.id) === id)!;
      await s.clients.netactuate.values.update(found.listId, found.id, { key: found.key, value });
    },
  },
];

type Source = "env" | "file";
const CASES = ROWS.flatMap((row) => (["env", "file"] as const).map((source) => ({ ...row, source })));

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
  rmSync(FILES, { recursive: true, force: true });
});

/** A source of one test: where the value lives, how to set or remove it, and the `valueFrom` naming it. */
function sourceOf(kind: Source, tag: string) {
  const variable = `SECRETSTACK_VF_${tag.toUpperCase().replace(/-/g, "_")}`;
  const file = path.join(FILES, `${tag}.txt`);
  const env: Record<string, string> = {};
  return {
    env,
    valueFrom: kind === "env" ? { env: variable } : { file: path.relative(PROGRAM, file) },
    /** How messages name it. */
    named: kind === "env" ? `environment variable ${variable}` : `file ${path.relative(PROGRAM, file)}`,
    set(value: string) {
      if (kind === "env") env[variable] = value;
      else {
        mkdirSync(FILES, { recursive: true });
        // A file as an editor leaves it: the trailing line break is not part of the value.
        writeFileSync(file, `${value}\n`);
      }
    },
    remove() {
      if (kind === "env") delete env[variable];
      else rmSync(file, { force: true });
    },
  };
}

/** Every text the engine stores or shows for a stack, and everything the sandbox logged. */
async function everything(stack: ProgramStack, s: TestSandbox, extra: unknown[] = []): Promise<string> {
  return [
    stack.stateText(),
    JSON.stringify(await stack.state()),
    ...stack.lines,
    ...stack.hostLines,
    ...s.log,
    ...extra.map((x) => (x instanceof Error ? `${x.message}\n${x.stack ?? ""}` : JSON.stringify(x))),
  ].join("\n");
}

const failure = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe.each(CASES)("$resource with valueFrom { $source }", (row) => {
  it("creates with the value, keeps only a fingerprint, sees a changed source at preview, sends it once, and names a missing one", async () => {
    const s = sandbox.current;
    const tag = `${row.resource.split(".")[1]!.toLowerCase()}-${row.source}`;
    const source = sourceOf(row.source, tag);
    const [first, second, outside] = [canary("vfa"), canary("vfb"), canary("vfc")];
    const args: Record<string, unknown> = { ...(await row.args(s, tag)), valueFrom: source.valueFrom };
    const stack = deployProgram({
      programDir: PROGRAM,
      env: s.env,
    });
    stacks.push(stack);
    const run = (command: "up" | "preview" | "refresh" | "destroy") =>
      stack.run(command, {
        env: {
          ...source.env,
          MISTAKE: JSON.stringify({ resources: [{ resource: row.resource, name: "subject", args }] }),
        },
      });
    const summaries: unknown[] = [];
    const subject = async () => (await stack.state()).resources.find((r) => r.name === "subject")!;

    // Created with the value the source holds.
    source.set(first);
    summaries.push(await run("up"));
    expect(changes(summaries[0] as never)).toEqual({ ...NO_CHANGES, created: 1 });
    const created = await subject();
    expect(created.outputs.valueFingerprint).toMatch(/^scrypt-v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(created.inputs.valueFingerprint).toBe(created.outputs.valueFingerprint);
    expect(created.outputs.valueFrom).toEqual(source.valueFrom);
    expect(created.outputs.value).toBeUndefined();
    expect(created.inputs.value).toBeUndefined();
    if (row.remote) expect(await row.remote(s, created.id)).toBe(first);

    // Unchanged: no change, and a preview sends no request.
    const before = s.log.length;
    const same = await run("preview");
    summaries.push(same);
    expect(changes(same)).toEqual(NO_CHANGES);
    expect(s.log.length).toBe(before);

    // A changed source: seen at preview with no request, sent by the next up, then nothing more to do.
    source.set(second);
    const seen = await run("preview");
    summaries.push(seen);
    expect(changes(seen)[row.change]).toBe(1);
    expect(s.log.length).toBe(before);
    summaries.push(await run("up"));
    expect(changes(summaries.at(-1) as never)[row.change]).toBe(1);
    const changed = await subject();
    expect(changed.outputs.valueFingerprint).not.toBe(created.outputs.valueFingerprint);
    if (row.remote) expect(await row.remote(s, changed.id)).toBe(second);
    summaries.push(await run("up"));
    expect(changes(summaries.at(-1) as never)).toEqual(NO_CHANGES);

    // A new valueVersion sends the value again with nothing else changed.
    const sentBefore = s.log.length;
    args.valueVersion = 2;
    summaries.push(await run("up"));
    expect(changes(summaries.at(-1) as never)[row.change]).toBe(1);
    expect(s.log.length).toBeGreaterThan(sentBefore);
    if (row.remote) expect(await row.remote(s, (await subject()).id)).toBe(second);

    // A value changed outside Pulumi shows on refresh (where the API returns values), and up restores it.
    if (row.tamper && row.remote) {
      const current = (await subject()).id;
      await row.tamper(s, current, outside);
      const refreshed = await run("refresh");
      summaries.push(refreshed);
      expect(refreshed.drifted).toBe(1);
      summaries.push(await run("up"));
      expect(changes(summaries.at(-1) as never).updated).toBe(1);
      expect(await row.remote(s, current)).toBe(second);
    }

    // A missing source is named, with the resource, before anything is sent.
    source.remove();
    const sent = s.log.length;
    const missing = await failure(run("preview"));
    expect(missing?.message).toContain(source.named);
    expect(missing?.message).toContain("subject");
    expect(s.log.length).toBe(sent);

    // Refresh and destroy never need the source.
    summaries.push(await run("refresh"));
    summaries.push(await run("destroy"));
    expect(await s.contents()).toMatchObject(
      row.resource === "netactuate.SecretValue"
        ? { ...EMPTY_SANDBOX, netactuateLists: expect.any(Array) }
        : EMPTY_SANDBOX,
    );

    // The values went nowhere but the API: not the state (raw or decrypted), the engine's or host's output,
    // the summaries, the errors, or the sandbox's log.
    const seenText = await everything(stack, s, [...summaries, missing]);
    expect(findLeak(seenText, [first, second, outside])).toBeUndefined();
    expect(plainSecretFields(stack.stateText())).toEqual([]);
  }, 180_000);
});

describe.each(ROWS)("$resource moving between value and valueFrom", (row) => {
  it("is an update that keeps the object when the value is the same, and the value never stays in state", async () => {
    const s = sandbox.current;
    const tag = `${row.resource.split(".")[1]!.toLowerCase()}-move`;
    const source = sourceOf("env", tag);
    const value = canary("vfm");
    const base = await row.args(s, tag);
    const stack = deployProgram({ programDir: PROGRAM, env: s.env });
    stacks.push(stack);
    const run = (command: "up" | "destroy", args: Record<string, unknown>) =>
      stack.run(command, {
        env: {
          ...source.env,
          MISTAKE: JSON.stringify({ resources: [{ resource: row.resource, name: "subject", args }] }),
        },
      });
    const subject = async () => (await stack.state()).resources.find((r) => r.name === "subject")!;

    await run("up", { ...base, value });
    const { id } = await subject();
    source.set(value);
    const toSource = await run("up", { ...base, valueFrom: source.valueFrom });
    expect(changes(toSource)).toEqual({ ...NO_CHANGES, updated: 1 });
    const moved = await subject();
    expect(moved.id).toBe(id);
    expect(moved.outputs.value).toBeUndefined();
    expect(moved.outputs.valueFingerprint).toMatch(/^scrypt-v1:/);
    expect(findLeak(stack.stateText() + JSON.stringify(await stack.state()), [value])).toBeUndefined();

    const back = await run("up", { ...base, value });
    expect(changes(back)).toEqual({ ...NO_CHANGES, updated: 1 });
    expect((await subject()).id).toBe(id);
    expect((await subject()).outputs.valueFingerprint).toBeUndefined();
    await run("destroy", { ...base, value });
  }, 120_000);
});
