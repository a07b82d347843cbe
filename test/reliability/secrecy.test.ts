/**
 * Secrecy: canaries in every token and every secret value of all five resource types and all three APIs,
 * one deployment through the stand-in engine (up, refresh, an update, a failing up, destroy), then a scan of
 * everything it left behind, counting hits in plain text, base64, URL-encoded and hex form.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DeploymentError, readState, type Summary } from "../../harness/engine";
import { type Sandbox, startSandbox } from "../../sandbox/index";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";
import { WalletCrewClient } from "../../sdk/walletcrew";
import { deployProgram } from "../support/deploy";
import { canary, leakHits, plainSecretFields, readTree } from "../support/leaks";
import { ed25519PublicKey, LOAD_PROGRAM, type LoadSpec, loadSpecEnv } from "../support/loadSpec";
import { recordFigure } from "../support/report";

/** A canary with characters that URL-encoding and base64 both change, so every form is a distinct search. */
const special = (label: string) => `${canary(label)}/+=&?`;
/** Tokens travel in headers: no spaces, but the same encodable characters. */
const token = (label: string) => `${canary(label)}/+=`;

describe("one deployment through the engine with canaries in every token and secret", () => {
  const work = mkdtempSync(path.join(tmpdir(), "secretstack-secrecy-"));
  const dataDir = path.join(work, "sandbox");
  const credentials = { tensordock: token("td"), walletcrew: token("wc"), netactuate: token("na") };
  const canaries = {
    ...credentials,
    values: special("value"),
    updated: special("updated"),
    failing: special("failing"),
    wrongToken: token("wrong"),
    outOfBand: special("outofband"),
  };
  const all = Object.values(canaries);
  const sandboxLog: string[] = [];
  const stateTexts: string[] = [];
  const dataSnapshots: string[] = [];
  const errors: string[] = [];
  const summaries: Summary[] = [];
  let sandbox: Sandbox | undefined;
  const stack = deployProgram({ programDir: LOAD_PROGRAM });

  afterAll(async () => {
    await sandbox?.close();
    stack.remove();
    rmSync(work, { recursive: true, force: true });
  });

  const base: LoadSpec = {
    prefix: "secrecy",
    publicKeys: [ed25519PublicKey()],
    secrets: 2,
    tenantSecrets: 2,
    lists: 1,
    valuesPerList: 2,
    value: canaries.values,
    connections: credentials,
  };

  /** One engine command; its summary, state file and data files are kept for the scan, a failure's text too. */
  async function step(
    command: "up" | "refresh" | "destroy",
    spec: LoadSpec,
  ): Promise<Summary | DeploymentError> {
    const s = sandbox as Sandbox;
    const outcome = await stack
      .run(command, {
        // The most verbose output the provider host has: gRPC-js tracing of every call it serves.
        env: { ...loadSpecEnv(spec), GRPC_VERBOSITY: "DEBUG", GRPC_TRACE: "all" },
        // Credentials through stack config (the Configure call), base URLs too; the first resource of each
        // type also carries its credential in `connection`.
        config: {
          "tensordock:apiToken": credentials.tensordock,
          "tensordock:baseUrl": s.tensordock.baseUrl,
          "tensordock:requestsPerMinute": "off",
          "walletcrew:apiKey": credentials.walletcrew,
          "walletcrew:tenantId": "demo",
          "walletcrew:baseUrl": s.walletcrew.baseUrl,
          "netactuate:apiKey": credentials.netactuate,
          "netactuate:baseUrl": s.netactuate.baseUrl,
        },
      })
      .catch((error: unknown) => error);
    stateTexts.push(stack.stateText());
    dataSnapshots.push(readTree(dataDir));
    if (outcome instanceof DeploymentError) {
      errors.push(outcome.message, outcome.stack ?? "", inspect(outcome), ...outcome.summary.failures);
      errors.push(...outcome.summary.operations.map((o) => o.error ?? ""));
      summaries.push(outcome.summary);
      return outcome;
    }
    if (outcome instanceof Error) throw outcome;
    summaries.push(outcome as Summary);
    return outcome as Summary;
  }

  it("leaves 0 hits of any canary in provider texts, outputs, state, errors, logs and data files", async () => {
    sandbox = await startSandbox({
      dataDir,
      rateLimits: { tensordock: false },
      tensordockTokens: [credentials.tensordock],
      netactuateApiKeys: [credentials.netactuate],
      walletcrewTenants: [
        { id: "demo", keys: [{ key: credentials.walletcrew, scopes: ["Secret.Read", "Secret.Write"] }] },
      ],
      log: (line) => sandboxLog.push(line),
    });
    const s = sandbox;

    const created = await step("up", base);
    expect(created).toMatchObject({ created: 8, failed: 0 });
    const state = await readState(stack.stateFile);
    const providers = state.resources.flatMap((r) => [
      String(r.inputs.__provider ?? ""),
      String(r.outputs.__provider ?? ""),
    ]);
    const plainOutputs = state.resources.map((r) =>
      JSON.stringify(Object.entries(r.outputs).filter(([key]) => !(r.secretOutputs ?? []).includes(key))),
    );
    expect(await step("refresh", base)).toMatchObject({ failed: 0, dropped: 0 });
    const updated = await step("up", { ...base, value: canaries.updated });
    expect(updated).toMatchObject({ updated: 4, replaced: 2, failed: 0 });

    // Objects made outside the stack, so that creating them again fails.
    const taken = { walletcrewKey: "secrecy-taken", netactuateKey: "SECRECY_TAKEN" };
    await new WalletCrewClient({
      baseUrl: s.walletcrew.baseUrl,
      apiKey: credentials.walletcrew,
      tenantId: "demo",
    }).put(taken.walletcrewKey, { value: canaries.outOfBand });
    const na = new NetActuateClient({ ...s.netactuate });
    const otherList = await na.lists.create({ name: "secrecy-other" });
    await na.values.create(otherList.id, { key: taken.netactuateKey, value: canaries.outOfBand });
    const failed = await step("up", {
      ...base,
      value: canaries.updated,
      failing: { value: canaries.failing, tensordockToken: canaries.wrongToken, ...taken },
    });
    expect(failed).toBeInstanceOf(DeploymentError);
    expect((failed as DeploymentError).summary.failed).toBe(3);
    const failures = (failed as DeploymentError).summary.failures.join("\n");
    expect(failures).toContain("401");
    expect(failures).toContain(taken.walletcrewKey);
    expect(failures).toContain(taken.netactuateKey);

    expect(await step("destroy", base)).toMatchObject({ deleted: 8, failed: 0 });

    // Errors of the sdk clients provoked directly: a wrong token, another tenant, a taken key, ?key= auth.
    const provoked = await Promise.all(
      [
        new TensorDockClient({
          baseUrl: s.tensordock.baseUrl,
          apiToken: canaries.wrongToken,
          rateLimit: false,
        }).list(),
        new TensorDockClient({ ...s.tensordock, rateLimit: false }).create({
          name: "k",
          type: "SSHKEY",
          value: canaries.failing,
        }),
        new WalletCrewClient({
          baseUrl: s.walletcrew.baseUrl,
          apiKey: credentials.walletcrew,
          tenantId: "elsewhere",
        }).put("k", { value: canaries.failing }),
        na.values.create(otherList.id, { key: taken.netactuateKey, value: canaries.failing }),
        new NetActuateClient({
          baseUrl: s.netactuate.baseUrl,
          apiKey: canaries.wrongToken,
          auth: "query",
        }).lists.list(),
      ].map((call) =>
        call.then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    expect(provoked.every((e) => e instanceof Error)).toBe(true);
    for (const error of provoked as Error[])
      errors.push(error.message, error.stack ?? "", inspect(error), JSON.stringify(error));

    await s.close();
    sandbox = undefined;
    dataSnapshots.push(readTree(dataDir));

    const sources: Record<string, string> = {
      "__provider texts": providers.join("\n"),
      "non-secret outputs (state and stack outputs of every step)": [
        ...plainOutputs,
        ...summaries.map((x) => JSON.stringify(x.outputs)),
      ].join("\n"),
      "engine state file, raw, after each step": stateTexts.join("\n"),
      "error messages, stacks and inspected errors (engine and sdk)": errors.join("\n"),
      "engine log": stack.lines.join("\n"),
      "provider host output (stdout and stderr, gRPC trace at DEBUG/all)": stack.hostLines.join("\n"),
      "sandbox request log": sandboxLog.join("\n"),
      "sandbox data files (db, -wal, -shm) after each step and after close": dataSnapshots.join("\n"),
    };
    const caseText =
      "canaries in 3 tokens (stack config and connection args) and every secret value of the 5 resource types; up, refresh, update, failing up (3 errors), destroy, plus 5 sdk errors";
    const counts: Record<string, number> = {};
    for (const [source, text] of Object.entries(sources)) {
      const hits = leakHits(text, all);
      counts[source] = hits.length;
      const forms = [...new Set(hits.map((h) => h.form))].join(", ");
      recordFigure({
        section: "Secrecy",
        case: caseText,
        measure: `hits in ${source} (plain, base64, URL-encoded, hex)`,
        value: hits.length === 0 ? 0 : `${hits.length} (${forms})`,
        target: "0",
        ok: hits.length === 0,
      });
    }
    const plain = [...new Set(stateTexts.flatMap((text) => plainSecretFields(text)))];
    recordFigure({
      section: "Secrecy",
      case: caseText,
      measure: "secret fields of the state file not stored as ciphertext",
      value: plain.length,
      target: "0",
      ok: plain.length === 0,
    });

    // The scan would see a leak: the canaries are in the data the sandbox returns, and the state decrypts to them.
    expect(
      leakHits(JSON.stringify(state.resources.map((r) => r.outputs)), [canaries.values]).length,
    ).toBeGreaterThan(0);
    expect(Object.values(sources).every((text) => text.length > 0)).toBe(true);
    // Every source was really written to: the host traced its calls, the engine and the sandbox logged theirs.
    expect(stack.hostLines.filter((line) => line.includes("ResourceProvider/Create")).length).toBeGreaterThan(
      0,
    );
    expect(sandboxLog.length).toBeGreaterThan(20);
    expect(counts).toEqual(Object.fromEntries(Object.keys(sources).map((k) => [k, 0])));
    expect(plain).toEqual([]);
    expect(readFileSync(stack.stateFile, "utf8")).toContain('"resources": []');
  }, 180_000);
});
