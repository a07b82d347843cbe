/**
 * One stack of the reliability fixture program (all five resource types, shaped by RELIABILITY_SPEC) against
 * a trio of sandboxes, driven by the stand-in engine: run a command, read or rewrite the state file, and
 * count what the sandboxes hold per resource.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import {
  DEFAULT_ENGINE_PASSPHRASE,
  DeploymentError,
  destroy,
  type EngineOptions,
  type Operation,
  preview,
  readState,
  refresh,
  type StackState,
  type Summary,
  up,
} from "../../harness/engine";
import { StateFile } from "../../harness/engine/state";
import { type BaseUrls, type ResourceType, startTrio, type Trio, URN_TYPE } from "./sandboxTrio";

/** An OpenSSH ed25519 public key line, fresh each call. */
export { publicKeyLine } from "../tensordock/helpers";

/** The fixture program declaring all five resource types. */
export const RELIABILITY_PROGRAM = path.resolve(__dirname, "..", "fixtures", "reliability");

/** What the fixture declares (see its index.ts). */
export interface ReliabilitySpec {
  sshKeys?: { resource: string; name: string; publicKey: string }[];
  secrets?: { resource: string; name: string; value: string }[];
  tenantSecrets?: { resource: string; key: string; value: string; expiresOn?: string }[];
  lists?: { resource: string; name: string }[];
  values?: { resource: string; list: string; key: string; value: string }[];
}

const COMMANDS = { up, preview, refresh, destroy } as const;

/** Per-run extras: base URLs (a proxy), environment, and the engine's own options. */
export interface RunExtras extends Partial<EngineOptions> {
  urls?: BaseUrls;
}

/** A stack of the fixture with its own state file and its own trio of sandboxes, in a temporary directory. */
export class ReliabilityStack {
  readonly dir = mkdtempSync(path.join(tmpdir(), "secretstack-reliability-"));
  readonly stateFile = path.join(this.dir, "state", "dev.json");
  /** Every line the engine logged, across runs. */
  readonly lines: string[] = [];
  /** Every line the provider hosts wrote, across runs. */
  readonly hostLines: string[] = [];
  trio!: Trio;

  /** Starts the sandboxes; `walletCrewClock` drives The Wallet Crew sandbox's sense of time. */
  static async start(options: { walletCrewClock?: () => number } = {}): Promise<ReliabilityStack> {
    const stack = new ReliabilityStack();
    stack.trio = await startTrio({
      dataDir: path.join(stack.dir, "sandboxes"),
      ...(options.walletCrewClock ? { walletCrewClock: options.walletCrewClock } : {}),
    });
    return stack;
  }

  /** Runs one engine command with the fixture shaped by `spec`. */
  run(command: keyof typeof COMMANDS, spec: ReliabilitySpec, extras: RunExtras = {}): Promise<Summary> {
    const { urls, env, ...rest } = extras;
    return COMMANDS[command]({
      programDir: RELIABILITY_PROGRAM,
      stateFile: this.stateFile,
      env: { ...this.trio.env(urls), RELIABILITY_SPEC: JSON.stringify(spec), ...env },
      log: (line) => this.lines.push(line),
      hostLog: (line) => this.hostLines.push(line),
      ...rest,
    });
  }

  /** The state with its secrets decrypted. */
  state(): Promise<StackState> {
    return readState(this.stateFile);
  }

  /** Rewrites the state file (secrets stay encrypted), as an older release of the package would have left it. */
  async editState(edit: (state: StackState) => void): Promise<void> {
    const file = await StateFile.load(this.stateFile, DEFAULT_ENGINE_PASSPHRASE);
    edit(file.state);
    await file.save();
  }

  /** The id in state of each resource, by resource name. */
  async ids(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.state()).resources.map((r) => [r.name, r.id]));
  }

  async close(): Promise<void> {
    await this.trio?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a sandbox holds for one resource type, compared with the program and the state. */
export interface TypeAudit {
  /** Objects stored (ignored ids excluded). */
  objects: number;
  /** Stored objects no state entry points at. */
  orphans: number;
  /** Extra objects carrying a declared name or key (beyond the first). */
  duplicates: number;
  /** Declared resources without a state entry, or whose state id points at nothing. */
  missing: number;
  /** Declared resources whose stored object differs from the program (value, key, name or list). */
  stale: number;
}

/** The declared name (or key) and the remote content of each resource of the spec, by type. */
function declared(
  spec: ReliabilitySpec,
): Record<ResourceType, { resource: string; name: string; content: string }[]> {
  return {
    sshKeys: (spec.sshKeys ?? []).map((k) => ({ resource: k.resource, name: k.name, content: k.publicKey })),
    secrets: (spec.secrets ?? []).map((s) => ({ resource: s.resource, name: s.name, content: s.value })),
    tenantSecrets: (spec.tenantSecrets ?? []).map((t) => ({
      resource: t.resource,
      name: t.key,
      content: t.value,
    })),
    lists: (spec.lists ?? []).map((l) => ({ resource: l.resource, name: l.name, content: l.name })),
    values: (spec.values ?? []).map((v) => ({
      resource: v.resource,
      name: v.key,
      content: `${v.list}|${v.key}|${v.value}`,
    })),
  };
}

/**
 * Compares what the sandboxes hold with the program and the state, per resource type: orphans, duplicates,
 * missing and stale objects. `ignore` holds ids of objects someone else made (not the stack's business).
 */
export async function audit(
  stack: ReliabilityStack,
  spec: ReliabilitySpec,
  ignore: readonly string[] = [],
): Promise<Record<ResourceType, TypeAudit>> {
  const state = await stack.state();
  const idOf = new Map(state.resources.map((r) => [r.name, r.id]));
  const stored = stack.trio.objects();
  const clients = stack.trio.clients();
  const tdValues = stack.trio.tensorDockValues();
  const naValues = await clients.netactuate.values.listAll();
  const listResource = new Map((spec.lists ?? []).map((l) => [idOf.get(l.resource), l.resource]));
  const remote = async (type: ResourceType, id: string, name: string): Promise<string | undefined> => {
    if (type === "sshKeys" || type === "secrets") return tdValues.get(id);
    if (type === "tenantSecrets") return clients.walletcrew.retrieve(name).catch(() => undefined);
    if (type === "lists") return stored.lists.find((l) => l.id === id)?.name;
    const v = naValues.find((x) => String(x.id) === id);
    return v && `${listResource.get(String(v.listId))}|${v.key}|${v.value}`;
  };
  const result = {} as Record<ResourceType, TypeAudit>;
  for (const [type, resources] of Object.entries(declared(spec)) as [
    ResourceType,
    ReturnType<typeof declared>[ResourceType],
  ][]) {
    const objects = stored[type].filter((o) => !ignore.includes(o.id));
    const stateIds = new Set(
      state.resources.filter((r) => r.type.endsWith(`dynamic/${URN_TYPE[type]}`)).map((r) => r.id),
    );
    const audit: TypeAudit = { objects: objects.length, orphans: 0, duplicates: 0, missing: 0, stale: 0 };
    audit.orphans = objects.filter((o) => !stateIds.has(o.id)).length;
    for (const r of resources) {
      audit.duplicates += Math.max(0, objects.filter((o) => o.name === r.name).length - 1);
      const id = idOf.get(r.resource);
      const object = id === undefined ? undefined : objects.find((o) => o.id === id);
      if (id === undefined || object === undefined) audit.missing += 1;
      else if ((await remote(type, id, object.name)) !== r.content) audit.stale += 1;
    }
    result[type] = audit;
  }
  return result;
}

/** The operations of a summary on resources of one type. */
export function operationsOn(summary: Summary, type: ResourceType): Operation[] {
  return summary.operations.filter((o) => o.urn.includes(`dynamic/${URN_TYPE[type]}::`));
}

/** Awaits a run that must fail, and returns its DeploymentError. */
export async function failedRun(run: Promise<Summary>): Promise<DeploymentError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeploymentError);
  return error as DeploymentError;
}
