/**
 * A TensorDock sandbox in its own process, rate limit off: prints `{"baseUrl", "apiToken"}` once it listens and
 * runs until killed. The create comparison uses it so that both paths reach the API across a process boundary,
 * as they would reach the real one across a network.
 */
import { sandboxes } from "./harness.mjs";

const sandbox = await sandboxes.startTensorDockSandbox({ rateLimit: false });
process.stdout.write(`${JSON.stringify({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken })}\n`);
process.on("SIGTERM", () => {
  void sandbox.close().then(() => process.exit(0));
});
