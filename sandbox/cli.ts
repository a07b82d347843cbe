#!/usr/bin/env node
/**
 * `secretstack-sandbox`: starts the three emulators on loopback, prints one JSON line with their endpoints
 * and credentials (after writing them to `--write-env`, if given), logs one line per request to stderr, and
 * runs until SIGINT or SIGTERM. `secretstack-sandbox wait FILE` blocks until a sandbox has written FILE.
 */
// First: on a Node.js too old for the sandbox, one line and exit 2 before any other module loads.
import "./preflight";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { formatEnvFile, waitForEnvFile, type WrittenEnvFile, writeEnvFile } from "./env-file";
import type { Sandbox, SandboxOptions } from "./index";
import { NETACTUATE_ENVELOPES } from "./netactuate/envelope";

const USAGE = `usage: secretstack-sandbox [--port N] [--data-dir DIR] [--tensordock-dialect seed|vendor]
                           [--netactuate-envelope house|result|code|sparse]
                           [--config FILE] [--write-env FILE] [--quiet]
       secretstack-sandbox wait FILE [--timeout SECONDS] [--pid PID]

  --port N                 first port; the emulators use N, N+1, N+2 (default 0: any free ports)
  --data-dir DIR           keep data there, encrypted at rest (default: memory only)
  --tensordock-dialect D   "seed" (the seed OpenAPI shape, default) or "vendor" (the vendor docs' shape)
  --netactuate-envelope E  "house" ({result, message, data, code, fields}, default) or a variant that
                           NetActuate's SDKs read: "result" (no code; a missing id is a 422), "code"
                           ({code, data}; refusals inside HTTP 200), "sparse" (null data for a missing
                           object, writes without data, paginated lists)
  --config FILE            JSON: tensordockTokens, walletcrewTenants, netactuateApiKeys, rateLimits
  --write-env FILE         before the JSON line, write FILE atomically (mode 0600), shell-quoted:
                           TENSORDOCK_BASE_URL, TENSORDOCK_API_TOKEN, WALLETCREW_BASE_URL,
                           WALLETCREW_API_KEY, WALLETCREW_TENANT_ID, NETACTUATE_BASE_URL,
                           NETACTUATE_API_KEY, SECRETSTACK_SANDBOX_PID; removed on SIGINT/SIGTERM
                           (not "--env-file": Node.js itself reads any argument of that name)
  --quiet                  no request log on stderr

wait FILE [--timeout SECONDS] [--pid PID]
  exits 0 once a running sandbox has written FILE (a file left by a dead sandbox does not count);
  exits 1 with one line after SECONDS (default 60), or as soon as process PID exits.

  npx secretstack-sandbox --quiet --write-env sandbox.env > /dev/null &
  npx secretstack-sandbox wait sandbox.env --pid $!
  set -a; . ./sandbox.env; set +a

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

type CliOptions = SandboxOptions & { quiet: boolean; envFile?: string };

function parseOptions(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec }>>;
  const spec = {
    port: { type: "string" },
    "data-dir": { type: "string" },
    "tensordock-dialect": { type: "string" },
    "netactuate-envelope": { type: "string" },
    config: { type: "string" },
    "write-env": { type: "string" },
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
  const options: CliOptions = { quiet: v.quiet ?? false };
  if (v["write-env"] !== undefined) {
    if (v["write-env"] === "") fail("--write-env needs a file name");
    options.envFile = v["write-env"];
  }
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
  const envelope = v["netactuate-envelope"];
  if (envelope !== undefined) {
    const known = NETACTUATE_ENVELOPES.find((variant) => variant === envelope);
    if (known === undefined) fail(`--netactuate-envelope must be one of ${NETACTUATE_ENVELOPES.join(", ")}`);
    options.netactuateEnvelope = known;
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

/** `wait FILE [--timeout SECONDS] [--pid PID]`: exit 0 once the file is there, 1 with one line otherwise. */
async function waitCommand(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { timeout: { type: "string" }, pid: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || file === "" || extra.length > 0) fail(`wait takes one FILE\n${USAGE}`);
  const timeout = Number(parsed.values.timeout ?? "60");
  if (!(timeout > 0) || !Number.isFinite(timeout)) fail("--timeout must be a number of seconds above 0");
  const pid = parsed.values.pid === undefined ? undefined : Number(parsed.values.pid);
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0)) fail("--pid must be a process id");
  try {
    await waitForEnvFile(file, { timeoutMs: timeout * 1000, ...(pid !== undefined ? { pid } : {}) });
  } catch (error) {
    process.stderr.write(`secretstack-sandbox wait: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "wait") return waitCommand(argv.slice(1));
  const { quiet, envFile, ...options } = parseOptions(argv);
  if (!quiet) options.log = (line) => process.stderr.write(`${line}\n`);
  // Handlers go in before anything else: a signal that arrives while the emulators start, or right after
  // the JSON line, must still end in a clean exit 0.
  let sandbox: Sandbox | undefined;
  let written: WrittenEnvFile | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // The file goes first, so nothing reads the endpoints of a sandbox that is closing.
    written?.remove();
    if (sandbox === undefined) return; // startup finishes, sees `stopping`, and closes
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Loaded here, not at the top: `wait` needs none of the emulators.
  const { endpointsOf, startSandbox } = await import("./index");
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
  if (envFile !== undefined) {
    try {
      written = writeEnvFile(envFile, formatEnvFile(sandbox, process.pid));
    } catch (error) {
      process.stderr.write(
        `secretstack-sandbox: cannot write --write-env ${envFile}: ${(error as Error).message}\n`,
      );
      await sandbox.close().catch(() => undefined);
      process.exit(1);
    }
    // However the process ends (an uncaught error included), a stale file must not outlive it.
    process.on("exit", () => written?.remove());
  }
  process.stdout.write(`${JSON.stringify(endpointsOf(sandbox))}\n`);
}

void main();
