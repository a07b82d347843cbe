/**
 * One host of a fleet: a Node process that loads the installed package's TensorDock GenericSecret provider
 * by the path Pulumi serializes (`pulumi-secretstack/providers/tensordock/genericSecret`) and drives it as the
 * dynamic-provider host does: configure once, then Check and Create per secret, `parallel` at a time. Its
 * settings come from the environment, as a host's do in CI. Forked by index.ts, which sends "go" so that every
 * host of the fleet starts together.
 *
 * It runs compiled (.build/harness/fleet/host.js) or as TypeScript through Node's type stripping, so it imports
 * only Node built-ins; the provider is the installed package's.
 */
import { createRequire } from "node:module";
import * as path from "node:path";

/** What the parent asks of this host (JSON in FLEET_ORDERS). */
export interface HostOrders {
  host: number;
  creates: number;
  parallel: number;
  prefix: string;
}

/** Messages to the parent. */
export type HostMessage =
  | { kind: "ready" }
  | { kind: "created"; name: string }
  | {
      kind: "result";
      host: number;
      created: number;
      failed: number;
      /** The messages of failed creates (the provider's, which never carry a token or value). */
      errors: string[];
      /** From "go" to the last create settled. */
      ms: number;
    };

interface Provider {
  configure(req: { config: { get(key: string): string | undefined } }): Promise<void>;
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown>; failures?: Array<{ property: string; reason: string }> }>;
  create(inputs: Record<string, unknown>): Promise<{ id: string }>;
}

function send(message: HostMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const orders = JSON.parse(process.env.FLEET_ORDERS ?? "{}") as HostOrders;
  const load = createRequire(path.join(process.cwd(), "package.json"));
  const provider = load("pulumi-secretstack/providers/tensordock/genericSecret") as Provider;
  await provider.configure({ config: { get: () => undefined } });
  const go = new Promise<void>((resolve) => {
    process.once("message", () => resolve());
  });
  await send({ kind: "ready" });
  await go;

  const started = performance.now();
  const errors: string[] = [];
  let created = 0;
  let next = 0;
  const worker = async () => {
    while (next < orders.creates) {
      const i = next;
      next += 1;
      const name = `${orders.prefix}-h${orders.host}-${i}`;
      try {
        const checked = await provider.check({}, { name, value: `value-${orders.host}-${i}` });
        if (checked.failures?.length) throw new Error(checked.failures.map((f) => f.reason).join("; "));
        await provider.create(checked.inputs);
        created += 1;
        await send({ kind: "created", name });
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, orders.parallel) }, worker));
  const ms = performance.now() - started;
  await send({ kind: "result", host: orders.host, created, failed: errors.length, errors, ms });
  // Nothing else keeps the process alive: it exits once the provider's connections close themselves.
  process.disconnect?.();
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet host failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  process.disconnect?.();
});
