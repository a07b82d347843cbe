/**
 * One engine command over one stack: the Pulumi engine's steps for dynamic resources (Check → Diff →
 * Create/Update/Replace, Read for imports and refreshes, Delete in reverse dependency order), each within the
 * parallel limit, the state file written after every completed operation.
 */

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type CheckFailure, ProviderHost, RPC_METHODS, type RpcMethod } from "./host";
import { applyIgnoreChanges, changedKeys, dependentsWithin, Limiter } from "./plan";
import { type ProgramResult, runProgram } from "./program";
import type { EngineReply, Props, ReadMessage, RegisterMessage } from "./protocol";
import { UNKNOWN } from "./protocol";
import type { ResourceState, StateFile } from "./state";
import { type Command, DeploymentError, type EngineOptions, type OperationKind, type Summary } from "./types";

const ROOT_STACK_MARKER = "::pulumi:pulumi:Stack::";
const SYMBOL: Record<OperationKind, string> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  import: "=",
  read: ">",
  refresh: "~",
  drop: "-",
};

/** `pulumi-nodejs:dynamic/tensordock:SshKey` → `tensordock:SshKey`. */
function shortType(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
}

function projectName(programDir: string): string {
  try {
    const yaml = readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8");
    const match = /^name:\s*["']?([^"'\s#]+)/m.exec(yaml);
    if (match?.[1]) return match[1];
  } catch {
    // No Pulumi.yaml: the directory name, as `pulumi new` would have suggested.
  }
  return path.basename(programDir);
}

function checkFailureText(failures: readonly CheckFailure[]): string {
  return `check failed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`;
}

/** Stack outputs for display: secret ones as `"[secret]"`, unknown ones as `"[unknown]"`. */
export function maskOutputs(outputs: Props, secretKeys: readonly string[]): Record<string, unknown> {
  const show = (value: unknown): unknown => {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(show);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, show(v)]));
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, secretKeys.includes(k) ? "[secret]" : show(v)]),
  );
}

class StepError extends Error {}

/** One command over one stack. */
export class Run {
  readonly summary: Summary;
  private readonly started = Date.now();
  private readonly limiter: Limiter;
  private readonly log: (line: string) => void;
  private readonly registered = new Set<string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly ignoredTypes = new Set<string>();
  private hostPromise: Promise<ProviderHost> | undefined;
  private host: ProviderHost | undefined;
  readonly project: string;
  readonly programDir: string;
  private readonly config: Record<string, string>;
  private readonly childEnv: NodeJS.ProcessEnv;

  /** The stack's state, attached once loaded (the host may start meanwhile: see {@link Run.attach}). */
  state!: StateFile;

  constructor(
    readonly command: Command,
    readonly o: EngineOptions,
  ) {
    this.programDir = path.resolve(o.programDir);
    this.project = projectName(this.programDir);
    this.limiter = new Limiter(Math.max(1, o.parallel ?? 16));
    this.log = o.log ?? (() => undefined);
    this.config = {};
    for (const [key, value] of Object.entries(o.config ?? {})) {
      this.config[key.includes(":") ? key : `${this.project}:${key}`] = value;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    // The passphrase protects the state file only; neither the program nor the providers need it.
    delete env.SECRETSTACK_ENGINE_PASSPHRASE;
    // Both children spend most of their start-up compiling @pulumi/pulumi; Node's on-disk code cache cuts
    // that by a third on every run after the first (NODE_DISABLE_COMPILE_CACHE=1 turns it off).
    env.NODE_COMPILE_CACHE ??= path.join(tmpdir(), "secretstack-engine-compile-cache");
    env.PULUMI_NODEJS_PROJECT = this.project;
    env.PULUMI_NODEJS_STACK = o.stack ?? "dev";
    this.childEnv = env;
    this.summary = {
      command,
      created: 0,
      updated: 0,
      replaced: 0,
      deleted: 0,
      imported: 0,
      unchanged: 0,
      failed: 0,
      dropped: 0,
      drifted: 0,
      operations: [],
      outputs: {},
      failures: [],
      rpc: Object.fromEntries(RPC_METHODS.map((m) => [m, 0])) as Record<RpcMethod, number>,
      durationMs: 0,
    };
  }

  private get preview(): boolean {
    return this.command === "preview";
  }

  private get resources(): ResourceState[] {
    return this.state.state.resources;
  }

  /** Attaches the loaded state; every step needs it, the provider host does not. */
  attach(state: StateFile): void {
    this.state = state;
  }

  /** The provider host, started and configured on first use. */
  providerHost(): Promise<ProviderHost> {
    this.hostPromise ??= (async () => {
      const host = await ProviderHost.start({
        cwd: this.programDir,
        env: this.childEnv,
        ...(this.o.hostLog ? { log: this.o.hostLog } : {}),
      });
      this.host = host;
      this.o.onHost?.(host);
      await host.configure(this.config);
      return host;
    })();
    return this.hostPromise;
  }

  async close(): Promise<void> {
    if (this.host) {
      Object.assign(this.summary.rpc, this.host.rpcCounts);
      await this.host.close();
    } else if (this.hostPromise) {
      await this.hostPromise.then((h) => h.close()).catch(() => undefined);
    }
  }

  private label(entry: { type: string; name: string }): string {
    return `${shortType(entry.type)} ${entry.name}`;
  }

  private done(op: OperationKind, entry: { urn: string; type: string; name: string }, note = ""): void {
    this.summary.operations.push({ urn: entry.urn, op });
    this.log(`${SYMBOL[op]} ${op} ${this.label(entry)}${note}`);
  }

  private failed(
    op: OperationKind,
    entry: { urn: string; type: string; name: string },
    error: unknown,
  ): string {
    const message = error instanceof Error ? error.message : String(error);
    this.summary.failed += 1;
    this.summary.operations.push({ urn: entry.urn, op, error: message });
    this.summary.failures.push(`${op} ${this.label(entry)}: ${message}`);
    this.log(`! ${op} failed ${this.label(entry)}: ${message}`);
    return message;
  }

  /** Logs a line about the run as a whole. */
  note(line: string): void {
    this.log(line);
  }

  /** Records a failure that belongs to no single resource (the program, the state file). */
  fail(message: string): void {
    this.summary.failed += 1;
    this.summary.failures.push(message);
    this.log(`! ${message}`);
  }

  /**
   * Throws once the run is cancelled (`EngineOptions.signal`): each operation calls it as it takes its slot,
   * so none starts after a cancel while those in flight finish and are recorded.
   */
  private startOrCancel(): void {
    if (this.o.signal?.aborted) throw new StepError("not started: the run was cancelled");
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Waits for every operation started so far, including ones started while waiting. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** True when the program registered `urn` in this run. */
  isRegistered(urn: string): boolean {
    return this.registered.has(urn);
  }

  private live(urn: string): ResourceState | undefined {
    return this.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  /** Replaces (or, without `next`, removes) a state entry, found by identity. */
  private swap(entry: ResourceState, next?: ResourceState): void {
    const index = this.resources.indexOf(entry);
    if (index < 0) {
      if (next) this.resources.push(next);
      return;
    }
    if (next) this.resources.splice(index, 1, next);
    else this.resources.splice(index, 1);
  }

  private async save(): Promise<void> {
    if (!this.preview) await this.state.save();
  }

  private entryFrom(m: RegisterMessage, id: string, inputs: Props, outputs: Props): ResourceState {
    const secretInputs = m.secretKeys.filter((k) => k in inputs);
    const secret = new Set([...m.secretKeys, ...m.options.additionalSecretOutputs]);
    const secretOutputs = Object.keys(outputs).filter((k) => secret.has(k));
    const entry: ResourceState = {
      urn: m.urn,
      type: m.type,
      name: m.name,
      id,
      inputs,
      outputs,
      dependencies: [...new Set(m.dependencies)].sort(),
    };
    if (m.parent && !m.parent.includes(ROOT_STACK_MARKER)) entry.parent = m.parent;
    if (secretInputs.length) entry.secretInputs = secretInputs;
    if (secretOutputs.length) entry.secretOutputs = secretOutputs;
    if (m.options.additionalSecretOutputs.length)
      entry.additionalSecretOutputs = m.options.additionalSecretOutputs;
    if (m.options.protect) entry.protect = true;
    if (m.options.retainOnDelete) entry.retainOnDelete = true;
    return entry;
  }

  private resolved(seq: number, id: string, outputs: Props, secretKeys: readonly string[]): EngineReply {
    return { kind: "resolved", seq, id, outputs, secretKeys: secretKeys.filter((k) => k in outputs) };
  }

  /** Handles one registration from the program: the whole step, within the parallel limit. */
  register(m: RegisterMessage): Promise<EngineReply> {
    if (this.registered.has(m.urn)) {
      const message = this.failed("create", m, new Error(`duplicate resource URN ${m.urn}`));
      return Promise.resolve({ kind: "failed", seq: m.seq, message });
    }
    this.registered.add(m.urn);
    return this.track(
      this.limiter.run(async () => {
        const live = this.live(m.urn);
        const op: OperationKind = live ? "update" : m.options.importId ? "import" : "create";
        try {
          this.startOrCancel();
          return await this.step(m, live);
        } catch (error) {
          return { kind: "failed", seq: m.seq, message: this.failed(op, m, error) };
        }
      }),
    );
  }

  private async step(m: RegisterMessage, live: ResourceState | undefined): Promise<EngineReply> {
    const host = await this.providerHost();
    let news = m.inputs;
    if (live && m.options.ignoreChanges.length)
      news = applyIgnoreChanges(news, live.inputs, m.options.ignoreChanges);
    if (!live && m.options.importId) return this.importStep(m, news, m.options.importId);

    const check = await host.check(m.urn, live?.inputs ?? {}, news);
    if (check.failures.length) throw new StepError(checkFailureText(check.failures));
    const inputs = check.inputs;

    if (!live) {
      if (this.preview) {
        this.summary.created += 1;
        this.done("create", m);
        return this.resolved(m.seq, "", inputs, m.secretKeys);
      }
      const entry = await this.createEntry(m, inputs);
      this.resources.push(entry);
      await this.save();
      this.summary.created += 1;
      this.done("create", m);
      return this.resolved(m.seq, entry.id, entry.outputs, entry.secretOutputs ?? []);
    }

    const diff = await host.diff(live.id, m.urn, live.outputs, inputs, live.inputs);
    const keys = changedKeys(live.inputs, inputs);
    // Without a provider `diff`, Pulumi compares old and new inputs itself (`__provider` included).
    const changed = diff.changes === "some" || (diff.changes === "unknown" && keys.length > 0);
    const replace =
      changed &&
      (diff.replaces.length > 0 || m.options.replaceOnChanges.some((k) => k === "*" || keys.includes(k)));

    if (!changed) return this.sameStep(m, live, inputs);
    if (!replace) {
      if (this.preview) {
        this.summary.updated += 1;
        this.done("update", m);
        return this.resolved(m.seq, live.id, inputs, m.secretKeys);
      }
      const outputs = await host.update(live.id, m.urn, live.outputs, inputs, live.inputs);
      const entry = this.entryFrom(m, live.id, inputs, outputs);
      this.swap(live, entry);
      await this.save();
      this.summary.updated += 1;
      this.done("update", m);
      return this.resolved(m.seq, entry.id, entry.outputs, entry.secretOutputs ?? []);
    }

    if (live.protect)
      throw new StepError("the resource is protected; remove `protect` before it can be replaced");
    const deleteFirst = diff.deleteBeforeReplace || m.options.deleteBeforeReplace;
    if (this.preview) {
      this.summary.replaced += 1;
      this.done("replace", m, deleteFirst ? " (delete before replace)" : "");
      return this.resolved(m.seq, "", inputs, m.secretKeys);
    }
    if (deleteFirst) {
      await this.deleteRemote(live);
      this.swap(live);
      await this.save();
      const entry = await this.createEntry(m, inputs);
      this.resources.push(entry);
    } else {
      const entry = await this.createEntry(m, inputs);
      // The old copy stays in state until the deletes at the end of a successful run.
      live.pendingDelete = true;
      this.resources.push(entry);
    }
    await this.save();
    this.summary.replaced += 1;
    this.done("replace", m, deleteFirst ? " (delete before replace)" : "");
    const entry = this.live(m.urn) as ResourceState;
    return this.resolved(m.seq, entry.id, entry.outputs, entry.secretOutputs ?? []);
  }

  private async createEntry(m: RegisterMessage, inputs: Props): Promise<ResourceState> {
    const host = await this.providerHost();
    const created = await host.create(m.urn, inputs);
    if (!created.id) throw new StepError("the provider returned no id from create");
    return this.entryFrom(m, created.id, inputs, created.properties);
  }

  private async sameStep(m: RegisterMessage, live: ResourceState, inputs: Props): Promise<EngineReply> {
    // Like Pulumi's same step: the new registration's inputs and options, the old id and outputs.
    const entry = this.entryFrom(m, live.id, inputs, live.outputs);
    const secretOutputs = [...new Set([...(live.secretOutputs ?? []), ...(entry.secretOutputs ?? [])])];
    if (secretOutputs.length) entry.secretOutputs = secretOutputs;
    if (!this.preview && !isDeepStrictEqual(entry, live)) {
      this.swap(live, entry);
      await this.save();
    }
    this.summary.unchanged += 1;
    return this.resolved(m.seq, live.id, live.outputs, secretOutputs);
  }

  /** The `import` option: Read(id) with no props, then the declared inputs must match what exists. */
  private async importStep(m: RegisterMessage, news: Props, importId: string): Promise<EngineReply> {
    const host = await this.providerHost();
    if (this.preview) {
      const check = await host.check(m.urn, {}, news);
      if (check.failures.length) throw new StepError(checkFailureText(check.failures));
      this.summary.imported += 1;
      this.done("import", m);
      return this.resolved(m.seq, "", check.inputs, m.secretKeys);
    }
    // The host finds the provider through `__provider`; nothing else of the program's inputs is sent.
    const read = await host.read(importId, m.urn, {}, { __provider: news.__provider });
    if (!read.id) throw new StepError(`resource '${importId}' does not exist`);
    const oldInputs = read.inputs ?? {};
    const ignored = m.options.ignoreChanges.length
      ? applyIgnoreChanges(news, oldInputs, m.options.ignoreChanges)
      : news;
    const check = await host.check(m.urn, oldInputs, ignored);
    if (check.failures.length) throw new StepError(checkFailureText(check.failures));
    const diff = await host.diff(read.id, m.urn, read.properties, check.inputs, oldInputs);
    const keys = changedKeys(oldInputs, check.inputs).filter((k) => k !== "__provider");
    if (diff.changes === "some" || (diff.changes === "unknown" && keys.length > 0)) {
      const named = keys.length ? `: [${keys.join(" ")}]` : "";
      throw new StepError(`inputs to import do not match the existing resource${named}`);
    }
    const entry = this.entryFrom(m, read.id, check.inputs, read.properties);
    this.resources.push(entry);
    await this.save();
    this.summary.imported += 1;
    this.done("import", m);
    return this.resolved(m.seq, entry.id, entry.outputs, entry.secretOutputs ?? []);
  }

  /** `Resource.get` of a dynamic resource: a Read by id, answered to the program, not kept in state. */
  read(m: ReadMessage): Promise<EngineReply> {
    return this.track(
      this.limiter.run(async (): Promise<EngineReply> => {
        if (this.preview) return this.resolved(m.seq, "", {}, []);
        try {
          this.startOrCancel();
          const host = await this.providerHost();
          const read = await host.read(m.id, m.urn, {}, m.inputs);
          if (!read.id) throw new StepError(`resource '${m.id}' does not exist`);
          this.done("read", m);
          return this.resolved(m.seq, read.id, read.properties, m.secretKeys);
        } catch (error) {
          return { kind: "failed", seq: m.seq, message: this.failed("read", m, error) };
        }
      }),
    );
  }

  /** Notes a resource of another provider, which this engine echoes without managing it. */
  ignored(type: string, name: string): void {
    if (this.ignoredTypes.has(type)) return;
    this.ignoredTypes.add(type);
    this.log(
      `warning: ${type} ${name} is not a dynamic resource; this engine echoes its inputs and keeps no state for it`,
    );
  }

  private async deleteRemote(entry: ResourceState): Promise<void> {
    if (entry.protect)
      throw new StepError("the resource is protected; remove `protect` before it can be deleted");
    if (entry.retainOnDelete) return;
    const host = await this.providerHost();
    await host.delete(entry.id, entry.urn, entry.outputs, entry.inputs);
  }

  /** Deletes `entries` in reverse dependency order, within the parallel limit; failures keep their state. */
  async deleteAll(entries: readonly ResourceState[]): Promise<void> {
    const dependents = dependentsWithin(entries);
    const outcome = new Map<ResourceState, Promise<boolean>>();
    const remove = (entry: ResourceState): Promise<boolean> => {
      let result = outcome.get(entry);
      if (result) return result;
      result = (async () => {
        const after = await Promise.all((dependents.get(entry) ?? []).map(remove));
        if (after.includes(false)) {
          this.failed(
            "delete",
            entry,
            new StepError("not deleted: a resource that depends on it still exists"),
          );
          return false;
        }
        return this.limiter.run(async () => {
          try {
            this.startOrCancel();
            if (!this.preview) {
              await this.deleteRemote(entry);
              this.swap(entry);
              await this.save();
            }
            const note = entry.retainOnDelete ? " (retained, removed from state only)" : "";
            if (entry.pendingDelete) {
              // The old copy of a replacement: part of the replace already counted, not a resource removed.
              this.log(`${SYMBOL.delete} delete ${this.label(entry)} (replaced)${note}`);
            } else {
              this.summary.deleted += 1;
              this.done("delete", entry, note);
            }
            return true;
          } catch (error) {
            this.failed("delete", entry, error);
            return false;
          }
        });
      })();
      outcome.set(entry, result);
      return result;
    };
    await Promise.all(entries.map(remove));
  }

  /** Refreshes one resource: Read(id, old outputs, old inputs). */
  async refreshOne(entry: ResourceState): Promise<void> {
    await this.limiter.run(async () => {
      try {
        this.startOrCancel();
        const host = await this.providerHost();
        const read = await host.read(entry.id, entry.urn, entry.outputs, entry.inputs);
        if (!read.id) {
          this.swap(entry);
          await this.save();
          this.summary.dropped += 1;
          this.done("drop", entry, " (gone)");
          return;
        }
        const inputs = read.inputs ?? entry.inputs;
        if (
          read.id === entry.id &&
          isDeepStrictEqual(read.properties, entry.outputs) &&
          isDeepStrictEqual(inputs, entry.inputs)
        ) {
          this.summary.unchanged += 1;
          return;
        }
        const secret = new Set([
          ...(entry.secretInputs ?? []),
          ...(entry.secretOutputs ?? []),
          ...(entry.additionalSecretOutputs ?? []),
        ]);
        Object.assign(entry, { id: read.id, outputs: read.properties, inputs });
        const secretOutputs = Object.keys(read.properties).filter((k) => secret.has(k));
        if (secretOutputs.length) entry.secretOutputs = secretOutputs;
        await this.save();
        this.summary.drifted += 1;
        this.done("refresh", entry, " (drifted)");
      } catch (error) {
        this.failed("refresh", entry, error);
      }
    });
  }
  /** Runs the program in the runner child, serving its registrations. */
  runProgram(): Promise<ProgramResult> {
    const options = {
      programDir: this.programDir,
      project: this.project,
      stack: this.o.stack ?? "dev",
      preview: this.preview,
    };
    const env: NodeJS.ProcessEnv = { ...this.childEnv, PULUMI_CONFIG: JSON.stringify(this.config) };
    return runProgram(options, env, {
      register: (m) => this.register(m),
      read: (m) => this.read(m),
      ignored: (type, name) => this.ignored(type, name),
      log: (line) => this.log(line),
    });
  }

  /** Ends the run: the summary line, and a {@link DeploymentError} if anything failed. */
  finish(): Summary {
    const s = this.summary;
    s.durationMs = Date.now() - this.started;
    const failed = s.failed ? `, ${s.failed} failed` : "";
    const imported = s.imported ? `, ${s.imported} imported` : "";
    if (this.command === "refresh") {
      this.log(`refresh: ${s.drifted} drifted, ${s.dropped} dropped, ${s.unchanged} unchanged${failed}`);
    } else if (this.command === "destroy") {
      this.log(`destroy: ${s.deleted} deleted${failed}`);
    } else if (this.command === "preview") {
      this.log(
        `preview: ${s.created} to create, ${s.updated} to update, ${s.replaced} to replace, ${s.deleted} to delete, ` +
          `${s.unchanged} unchanged${s.imported ? `, ${s.imported} to import` : ""}${failed}`,
      );
    } else {
      this.log(
        `up: ${s.created} created, ${s.updated} updated, ${s.replaced} replaced, ${s.deleted} deleted, ` +
          `${s.unchanged} unchanged${imported}${failed}`,
      );
    }
    if (s.failed) {
      const lines = s.failures.map((f) => `  ${f}`).join("\n");
      throw new DeploymentError(`${this.command} failed (${s.failed}):\n${lines}`, s);
    }
    return s;
  }
}
