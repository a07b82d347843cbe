#!/usr/bin/env node
/**
 * `secretstack-sandbox`: starts the three emulators on loopback, prints one JSON line with their endpoints
 * and credentials, logs one line per request to stderr, and runs until SIGINT or SIGTERM.
 */
// First: on a Node.js too old for the sandbox, one line and exit 2 before any other module loads.
import "./preflight";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { endpointsOf, type SandboxOptions, startSandbox } from "./index";

const USAGE = `usage: secretstack-sandbox [--port N] [--data-dir DIR] [--tensordock-dialect seed|vendor]
                           [--config FILE] [--quiet]

  --port N                 first port; the emulators use N, N+1, N+2 (default 0: any free ports)
  --data-dir DIR           keep data there, encrypted at rest (default: memory only)
  --tensordock-dialect D   "seed" (the seed OpenAPI shape, default) or "vendor" (the vendor docs' shape)
  --config FILE            JSON: tensordockTokens, walletcrewTenants, netactuateApiKeys, rateLimits
  --quiet                  no request log on stderr

The key that encrypts the data comes from SECRETSTACK_SANDBOX_KEY (32 bytes, base64 or hex) or is
generated into DIR/sandbox.key (mode 0600).`;

const rateLimit = z.union([
  z.literal(false),
  z.object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }).strict(),
]);

const configFile = z
  .object({
    tensordockTokens: z.array(z.string().min(8)).min(1).optional(),
    walletcrewTenants: z
      .array(
        z.object({
          id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          keys: z.array(
            z
              .object({ key: z.string().min(8), scopes: z.array(z.enum(["Secret.Read", "Secret.Write"])) })
              .strict(),
          ),
        }),
      )
      .min(1)
      .optional(),
    netactuateApiKeys: z.array(z.string().min(8)).min(1).optional(),
    rateLimits: z
      .object({
        tensordock: rateLimit.optional(),
        walletcrew: rateLimit.optional(),
        netactuate: rateLimit.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

function fail(message: string): never {
  process.stderr.write(`secretstack-sandbox: ${message}\n`);
  process.exit(2);
}

function parseOptions(argv: string[]): SandboxOptions & { quiet: boolean } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec }>>;
  const spec = {
    port: { type: "string" },
    "data-dir": { type: "string" },
    "tensordock-dialect": { type: "string" },
    config: { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  } as const;
  try {
    parsed = parseArgs({ args: argv, options: spec, strict: true });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options: SandboxOptions & { quiet: boolean } = { quiet: v.quiet ?? false };
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65533)
      fail("--port must be an integer from 0 to 65533");
    options.port = port;
  }
  if (v["data-dir"] !== undefined) options.dataDir = v["data-dir"];
  const dialect = v["tensordock-dialect"];
  if (dialect !== undefined) {
    if (dialect !== "seed" && dialect !== "vendor") fail('--tensordock-dialect must be "seed" or "vendor"');
    options.tensordockDialect = dialect;
  }
  if (v.config !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(v.config, "utf8"));
    } catch (error) {
      fail(`cannot read --config ${v.config}: ${(error as Error).message.split("\n")[0]}`);
    }
    const result = configFile.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      fail(`--config ${v.config}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
    }
    Object.assign(options, JSON.parse(JSON.stringify(result.data)) as SandboxOptions);
  }
  return options;
}

async function main(): Promise<void> {
  const { quiet, ...options } = parseOptions(process.argv.slice(2));
  if (!quiet) options.log = (line) => process.stderr.write(`${line}\n`);
  // Handlers go in before anything else: a signal that arrives while the emulators start, or right after
  // the JSON line, must still end in a clean exit 0.
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (sandbox === undefined) return; // startup finishes, sees `stopping`, and closes
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    sandbox = await startSandbox(options);
  } catch (error) {
    process.stderr.write(`secretstack-sandbox: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) {
    stopping = false;
    stop();
    return;
  }
  process.stdout.write(`${JSON.stringify(endpointsOf(sandbox))}\n`);
}

void main();
