/**
 * A TensorDock sandbox in its own process, rate limit off (optionally with added latency): prints `{"baseUrl", "apiToken"}` once it listens and
 * runs until killed. The create comparison uses it so that both paths reach the API across a process boundary,
 * as they would reach the real one across a network.
 */
import { sandboxes } from "./harness.mjs";

const sandbox = await sandboxes.startTensorDockSandbox({ rateLimit: false });
// BENCH_SANDBOX_LATENCY_MS delays every answer, as a network between the deployment and the API would.
const latencyMs = Number(process.env.BENCH_SANDBOX_LATENCY_MS ?? 0);
if (latencyMs > 0) sandbox.faults.setLatency(latencyMs);
process.stdout.write(`${JSON.stringify({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken })}\n`);
process.on("SIGTERM", () => {
  void sandbox.close().then(() => process.exit(0));
});
