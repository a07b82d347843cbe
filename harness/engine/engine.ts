/**
 * The stand-in engine: `up`, `preview`, `refresh` and `destroy` over the real dynamic-provider host, with
 * the program run by the SDK in a child process. It follows the Pulumi engine's step semantics for dynamic
 * resources: Check → Diff → Create/Update/Replace per registration as the program makes them (bounded by
 * `parallel`), deletes of what the program no longer declares at the end in reverse dependency order, and a
 * state file written after every completed operation.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Run } from "./run";
import { DEFAULT_ENGINE_PASSPHRASE, lockState, StateFile } from "./state";
import { maskOutputs } from "./summary";
import type { Command, EngineOptions, Summary } from "./types";

export {
  DeploymentError,
  type EngineOptions,
  type Operation,
  type OperationKind,
  type Summary,
} from "./types";

function passphraseOf(o: EngineOptions): string {
  return (
    o.env?.SECRETSTACK_ENGINE_PASSPHRASE ??
    process.env.SECRETSTACK_ENGINE_PASSPHRASE ??
    DEFAULT_ENGINE_PASSPHRASE
  );
}

async function withRun(
  command: Command,
  o: EngineOptions,
  body: (run: Run) => Promise<void>,
): Promise<Summary> {
  const stateFile = path.resolve(o.stateFile);
  const unlock = command === "preview" ? async () => undefined : await lockState(stateFile);
  try {
    const run = new Run(command, o);
    // The host spends about a second loading @pulumi/pulumi; a large state file decrypts meanwhile. A refresh or
    // destroy of a stack that was never deployed needs no host at all.
    if (!((command === "refresh" || command === "destroy") && !existsSync(stateFile))) {
      run.providerHost().catch(() => undefined);
    }
    try {
      run.attach(await StateFile.load(stateFile, passphraseOf(o)));
    } catch (error) {
      await run.close();
      throw error;
    }
    try {
      await body(run);
    } catch (error) {
      run.fail(error instanceof Error ? error.message : String(error));
    } finally {
      await run.settle();
      await run.close();
    }
    return run.finish();
  } finally {
    await unlock();
  }
}

/** The creates an interrupted run left pending, one per line, for a message. */
function pendingLines(run: Run): string {
  return run.state.state.pendingOperations
    .map((p) => `\n  * ${p.urn}, interrupted while ${p.operation}`)
    .join("");
}

async function deploy(run: Run): Promise<void> {
  const pending = run.state.state.pendingOperations;
  if (pending.length) {
    // As Pulumi does: a warning, and the run goes on; the pending creates stay until a refresh clears them.
    run.note(
      `warning: attempting to deploy or update resources with ${pending.length} pending operations from the ` +
        `previous deployment:${pendingLines(run)}\nthese resources are in an unknown state; clear them with ` +
        "`pulumi refresh --clear-pending-creates` once you know what exists",
    );
  }
  // The host is already starting (see withRun): it and the program each spend most of a second loading @pulumi/pulumi.
  const program = await run.runProgram();
  await run.settle();
  for (const error of program.errors) run.fail(`program: ${error}`);
  const stack = run.state.state;
  const gone = stack.resources.filter((r) => r.pendingDelete || !run.isRegistered(r.urn));
  if (run.summary.failed > 0) {
    // Like Pulumi, a failed run deletes nothing: a resource the program did not reach is not a removed one.
    if (gone.length) run.note(`deletes skipped after the failures: ${gone.length} resource(s) kept in state`);
  } else {
    await run.deleteAll(gone);
  }
  if (program.outputs && run.summary.failed === 0) {
    run.summary.outputs = maskOutputs(program.outputs.outputs, program.outputs.secretKeys);
    if (run.command === "up") {
      stack.outputs = program.outputs.outputs;
      stack.secretOutputs = program.outputs.secretKeys;
      await run.state.save();
    }
  }
}

/** Deploys the program: creates, updates, replaces and deletes until the stack matches it. */
export function up(o: EngineOptions): Promise<Summary> {
  return withRun("up", o, deploy);
}

/** Plans a deployment: Check and Diff only, nothing is changed (not even the state file). */
export function preview(o: EngineOptions): Promise<Summary> {
  return withRun("preview", o, deploy);
}

/**
 * Reads every resource in state; gone ones are dropped, drifted ones take the remote outputs and inputs. Pending
 * creates of an interrupted run are forgotten with `clearPendingCreates`, and fail the refresh without it.
 */
export function refresh(o: EngineOptions): Promise<Summary> {
  return withRun("refresh", o, async (run) => {
    const pending = run.state.state.pendingOperations;
    if (pending.length && !o.clearPendingCreates) {
      run.fail(
        `the stack has ${pending.length} pending create(s) from an interrupted run, whose objects may or may ` +
          `not exist:${pendingLines(run)}\nrefresh with --clear-pending-creates to forget them`,
      );
      return;
    }
    if (pending.length) {
      run.note(`cleared ${pending.length} pending create(s): ${pending.map((p) => p.name).join(", ")}`);
      pending.splice(0);
      await run.state.save();
    }
    await Promise.all([...run.state.state.resources].map((r) => run.refreshOne(r)));
    run.summary.outputs = maskOutputs(run.state.state.outputs, run.state.state.secretOutputs);
  });
}

/** Deletes every resource in state, dependents first. */
export function destroy(o: EngineOptions): Promise<Summary> {
  return withRun("destroy", o, async (run) => {
    await run.deleteAll([...run.state.state.resources]);
    if (run.state.state.resources.length === 0) {
      run.state.state.outputs = {};
      run.state.state.secretOutputs = [];
      await run.state.save();
    }
  });
}
