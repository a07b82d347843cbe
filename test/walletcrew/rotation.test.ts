import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, type Summary, up } from "../../harness/engine";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";

const PROGRAM = path.resolve(__dirname, "..", "..", "examples", "walletcrew-rotation");
const HOUR = 3_600_000;

const dir = mkdtempSync(path.join(tmpdir(), "wc-rotation-"));
let sandbox: WalletCrewSandbox;

function run(command: typeof up, knobs: Record<string, string>): Promise<Summary> {
  const [demo, eu] = sandbox.tenants;
  return command({
    programDir: PROGRAM,
    stateFile: path.join(dir, "state.json"),
    env: {
      WALLETCREW_BASE_URL: sandbox.baseUrl,
      WALLETCREW_API_KEY_DEMO: demo?.keys[0]?.key ?? "",
      WALLETCREW_API_KEY_DEMO_EU: eu?.keys[0]?.key ?? "",
      ROTATION_SEED: "rotation-test-seed",
      // Two tenants, each with its own key: the example rotates in one tenant unless told otherwise.
      ROTATION_TENANTS: "demo,demo-eu",
      ...knobs,
    },
  });
}

function keys(tenantId: string): string[] {
  return sandbox.secrets(tenantId).map((s) => s.key);
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox();
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the walletcrew-rotation example", () => {
  const rotatedAt = new Date(Date.now() - HOUR).toISOString();

  it("asks for a tenant, creating nothing, when neither tenants nor WALLETCREW_TENANT_ID names one", async () => {
    const failed = await run(up, { ROTATION_TENANTS: "", WALLETCREW_TENANT_ID: "" }).then(
      (summary) => ({ summary, message: "" }),
      (error: Error & { summary?: Summary }) => ({ summary: error.summary, message: error.message }),
    );
    expect(failed.message).toMatch(/set tenants \(or ROTATION_TENANTS\).*WALLETCREW_TENANT_ID/);
    expect(failed.summary?.created ?? 0).toBe(0);
    expect([...keys("demo"), ...keys("demo-eu")]).toEqual([]);
  });

  it("writes generation 1 into both tenants", async () => {
    const summary = await run(up, { ROTATION_GENERATION: "1" });
    expect(summary).toMatchObject({ created: 2, failed: 0 });
    // No grace period yet: the previous key's outputs are null, never undefined (which Pulumi drops with a warning).
    expect(summary.outputs).toEqual({
      currentKey: "webhook-signing-v1",
      previousKey: null,
      previousExpiresOn: null,
      secretIds: ["demo/webhook-signing-v1", "demo-eu/webhook-signing-v1"],
    });
    expect(keys("demo")).toEqual(["webhook-signing-v1"]);
    expect(keys("demo-eu")).toEqual(["webhook-signing-v1"]);
  });

  it("adds generation 2 and keeps generation 1 until the grace period ends", async () => {
    const summary = await run(up, { ROTATION_GENERATION: "2", ROTATION_ROTATED_AT: rotatedAt });
    expect(summary).toMatchObject({ created: 2, updated: 2, deleted: 0, failed: 0 });
    const graceEnds = new Date(Date.parse(rotatedAt) + 24 * HOUR).toISOString();
    expect(summary.outputs).toMatchObject({
      currentKey: "webhook-signing-v2",
      previousKey: "webhook-signing-v1",
      previousExpiresOn: graceEnds,
    });
    for (const tenant of ["demo", "demo-eu"]) {
      expect(sandbox.secrets(tenant)).toEqual([
        { key: "webhook-signing-v1", expiresOn: graceEnds, valid: true },
        { key: "webhook-signing-v2", valid: true },
      ]);
    }
  });

  it("deletes generation 1 once the grace period is over", async () => {
    const over = new Date(Date.now() - 25 * HOUR).toISOString();
    const summary = await run(up, { ROTATION_GENERATION: "2", ROTATION_ROTATED_AT: over });
    expect(summary).toMatchObject({ created: 0, deleted: 2, failed: 0 });
    expect(keys("demo")).toEqual(["webhook-signing-v2"]);
    expect(keys("demo-eu")).toEqual(["webhook-signing-v2"]);
    await run(destroy, { ROTATION_GENERATION: "2", ROTATION_ROTATED_AT: over });
    expect([...keys("demo"), ...keys("demo-eu")]).toEqual([]);
  });
});
