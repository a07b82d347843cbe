/**
 * One engine command over one stack: the Pulumi engine's steps for dynamic resources (Check → Diff →
 * Create/Update/Replace, Read for imports and refreshes, Delete in reverse dependency order), each within the
 * parallel limit, the state file written after every completed operation.
 */

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ProviderHost } from "./host";
import { dependentsWithin, Limiter } from "./plan";
import { type ProgramResult, runProgram } from "./program";
import type { EngineReply, Props, ReadMessage, RegisterMessage } from "./protocol";
import type { ResourceState, StateFile } from "./state";
import { StepError, Steps } from "./steps";
import { emptySummary, shortType, SYMBOL, summaryLine } from "./summary";
import { type Command, DeploymentError, type EngineOptions, type OperationKind, type Summary } from "./types";

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
  /** The steps over that state, made by {@link Run.attach}. */
  private steps!: Steps;

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
    this.summary = emptySummary(command);
  }

  private get preview(): boolean {
    return this.command === "preview";
  }

  /** Attaches the loaded state; every step needs it, the provider host does not. */
  attach(state: StateFile): void {
    this.state = state;
    this.steps = new Steps({
      resources: state.state.resources,
      provider: () => this.providerHost(),
      preview: this.preview,
      save: () => state.save(),
      pending: state.state.pendingOperations,
    });
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
        const op: OperationKind = this.steps.live(m.urn)
          ? "update"
          : m.options.importId
            ? "import"
            : "create";
        try {
          this.startOrCancel();
          const step = await this.steps.register(m);
          if (step.op === "same") this.summary.unchanged += 1;
          else {
            const counter = {
              create: "created",
              update: "updated",
              replace: "replaced",
              import: "imported",
            } as const;
            this.summary[counter[step.op]] += 1;
            this.done(step.op, m, step.deleteFirst ? " (delete before replace)" : "");
          }
          return this.resolved(m.seq, step.id, step.outputs, step.secretKeys);
        } catch (error) {
          return { kind: "failed", seq: m.seq, message: this.failed(op, m, error) };
        }
      }),
    );
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
            await this.steps.remove(entry);
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

  /** Refreshes one resource, within the parallel limit. */
  async refreshOne(entry: ResourceState): Promise<void> {
    await this.limiter.run(async () => {
      try {
        this.startOrCancel();
        const found = await this.steps.refresh(entry);
        if (found === "unchanged") this.summary.unchanged += 1;
        else if (found === "dropped") {
          this.summary.dropped += 1;
          this.done("drop", entry, " (gone)");
        } else {
          this.summary.drifted += 1;
          this.done("refresh", entry, " (drifted)");
        }
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
    this.log(summaryLine(s));
    if (s.failed) {
      const lines = s.failures.map((f) => `  ${f}`).join("\n");
      throw new DeploymentError(`${this.command} failed (${s.failed}):\n${lines}`, s);
    }
    return s;
  }
}
