/**
 * Long waits speak through the real provider host: a deployment held by TensorDock's rate limit writes one
 * line to the host's stderr, which the Pulumi CLI shows as a diagnostic of the stack while it waits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { up } from "../../harness/engine";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { canary, findLeak } from "./helpers";

const PROGRAM = path.resolve(__dirname, "..", "fixtures", "tensordock");
const dir = mkdtempSync(path.join(tmpdir(), "td-wait-"));
let sandbox: TensorDockSandbox;

beforeAll(async () => {
  // Two requests per 3-second window: the third request of the deployment must wait for the next window.
  sandbox = await startTensorDockSandbox({ rateLimit: { limit: 2, windowMs: 3_000 } });
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a deployment held by the rate limit", () => {
  it("prints one line saying what it waits for and how long, and nothing secret", async () => {
    const values = [canary("wait-a"), canary("wait-b"), canary("wait-c")];
    const hostLines: string[] = [];
    const summary = await up({
      programDir: PROGRAM,
      stateFile: path.join(dir, "state.json"),
      env: {
        TD_SPEC: JSON.stringify({
          secrets: values.map((value, i) => ({ resource: `s${i}`, name: `wait-${i}`, value })),
        }),
        TENSORDOCK_API_TOKEN: sandbox.apiToken,
        TENSORDOCK_BASE_URL: sandbox.baseUrl,
        // The notice threshold, lowered from 5 s so the test need not wait that long.
        SECRETSTACK_WAIT_NOTICE_MS: "1000",
      },
      parallel: 1,
      hostLog: (line) => hostLines.push(line),
    });
    expect(summary.created).toBe(3);
    const notices = hostLines.filter((line) => line.startsWith("secretstack: "));
    expect(notices.length).toBeGreaterThanOrEqual(1);
    for (const notice of notices) {
      expect(notice).toMatch(/^secretstack: TensorDock rate limit .+: waiting [1-9]\d* s$/);
    }
    expect(findLeak(hostLines.join("\n"), [...values, sandbox.apiToken])).toBe(undefined);
  }, 60_000);
});
