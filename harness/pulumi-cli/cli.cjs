/**
 * A CLI-shaped `pulumi` for tests of what users run with the real CLI (`npm start`, the README's recipes,
 * the examples' READMEs). The real CLI's Node.js language host cannot be installed on our machines, so this
 * separate process answers the subset of commands those paths use, the way the CLI does (same verbs, flags,
 * exit codes and the lines users look for, such as "7 unchanged"), and deploys through the project's stand-in
 * engine (harness/engine, which `npm run build` compiles into .build/): the program and the real
 * dynamic-provider host run in processes of their own and reach the sandbox over HTTP, exactly as under
 * `pulumi up`.
 *
 * Backend: `PULUMI_BACKEND_URL=file://DIR` is required (like the real CLI with a local backend); the selected
 * stack, stack config and state live under DIR. `PULUMI_CONFIG_PASSPHRASE` encrypts the state's secrets.
 * Config is kept under DIR rather than in `Pulumi.<stack>.yaml`, so running it in a project writes nothing
 * there. First SIGINT or SIGTERM: operations in flight finish, none starts, exit 255 (as the CLI cancels);
 * a second one exits at once.
 */
"use strict";
/* global AbortController */
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const VERSION = "v3.276.0";
const engine = require(path.join(__dirname, "..", "..", ".build", "harness", "engine", "index.js"));

/** Flags that take a value (everything else starting with `-` is a switch). */
const VALUED = new Set([
  "--stack",
  "-s",
  "--cwd",
  "-C",
  "--parallel",
  "-p",
  "--message",
  "-m",
  "--config-file",
]);

function parse(argv) {
  const words = [];
  const flags = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith("-")) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (eq > 0) flags[name] = arg.slice(eq + 1);
    else if (VALUED.has(name)) {
      flags[name] = argv[i + 1];
      i += 1;
    } else flags[name] = true;
  }
  return { words, flags };
}

function fail(message, code = 255) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

function backendDir() {
  const url = process.env.PULUMI_BACKEND_URL;
  if (!url || !url.startsWith("file://")) {
    fail("PULUMI_BACKEND_URL=file://DIR is required (this test CLI has local backends only)");
  }
  const dir = url.slice("file://".length);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function project(cwd) {
  const file = path.join(cwd, "Pulumi.yaml");
  if (!existsSync(file)) fail(`no Pulumi.yaml project file found (searching upwards from ${cwd})`);
  const yaml = readFileSync(file, "utf8");
  const name = /^name:\s*["']?([^"'\s#]+)/m.exec(yaml)?.[1];
  const main = /^main:\s*["']?([^"'\s#]+)/m.exec(yaml)?.[1];
  if (!name) fail("Pulumi.yaml has no name");
  return { name, programDir: path.resolve(cwd, main ?? ".") };
}

function stackFiles(backend, projectName, stack) {
  const dir = path.join(backend, ".pulumi", "stacks", projectName);
  return {
    dir,
    state: path.join(dir, `${stack}.json`),
    config: path.join(dir, `${stack}.config.json`),
    marker: path.join(dir, `${stack}.stack`),
  };
}

function currentFile(backend, projectName) {
  return path.join(backend, ".pulumi", "current", `${projectName}.txt`);
}

function selectedStack(backend, proj, flags) {
  const named = flags["--stack"] ?? flags["-s"];
  if (typeof named === "string") return named;
  const file = currentFile(backend, proj.name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  return fail("no stack selected; use `pulumi stack select` or pass --stack");
}

function requireStack(backend, proj, stack) {
  if (!existsSync(stackFiles(backend, proj.name, stack).marker)) fail(`no stack named '${stack}' found`);
}

function readConfig(files) {
  return existsSync(files.config) ? JSON.parse(readFileSync(files.config, "utf8")) : {};
}

function passphrase() {
  const value = process.env.PULUMI_CONFIG_PASSPHRASE;
  if (value === undefined) {
    fail("passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
  }
  return value;
}

function stackCommand(words, flags, cwd) {
  const backend = backendDir();
  const proj = project(cwd);
  const [sub, name] = words;
  if (sub === "select" || sub === "init") {
    const stack = name ?? flags["--stack"] ?? flags["-s"];
    if (!stack) fail(`pulumi stack ${sub} needs a stack name when run non-interactively`);
    const files = stackFiles(backend, proj.name, stack);
    const exists = existsSync(files.marker);
    if (sub === "init" && exists) fail(`stack '${stack}' already exists`);
    if (sub === "select" && !exists && !flags["--create"] && !flags["-c"])
      fail(`no stack named '${stack}' found`);
    if (!exists) {
      mkdirSync(files.dir, { recursive: true });
      writeFileSync(files.marker, "");
      process.stdout.write(`Created stack '${stack}'\n`);
    }
    mkdirSync(path.dirname(currentFile(backend, proj.name)), { recursive: true });
    writeFileSync(currentFile(backend, proj.name), stack);
    return 0;
  }
  if (sub === "rm") {
    const stack = name ?? selectedStack(backend, proj, flags);
    const files = stackFiles(backend, proj.name, stack);
    requireStack(backend, proj, stack);
    if (!flags["--yes"] && !flags["-y"])
      fail("--yes must be passed in to proceed when running in non-interactive mode");
    if (existsSync(files.state) && !flags["--force"] && !flags["-f"]) {
      return readStack(files).then((state) => {
        if (state.resources.length) {
          fail(
            `'${stack}' still has resources; removal rejected. Possible actions:\n- Make sure that '${stack}' is the stack that you want to destroy\n- Run \`pulumi destroy\` to delete the resources, then run \`pulumi stack rm\`\n- Run \`pulumi stack rm --force\` to override this error`,
          );
        }
        return removeStack(files, stack);
      });
    }
    return removeStack(files, stack);
  }
  if (sub === "output") {
    const stack = selectedStack(backend, proj, flags);
    requireStack(backend, proj, stack);
    return readStack(stackFiles(backend, proj.name, stack)).then((state) => {
      const show = Boolean(flags["--show-secrets"]);
      const shown = Object.fromEntries(
        Object.entries(state.outputs).map(([k, v]) => [
          k,
          !show && state.secretOutputs.includes(k) ? "[secret]" : v,
        ]),
      );
      if (name !== undefined) {
        if (!(name in shown)) fail(`current stack does not have output property '${name}'`);
        const value = shown[name];
        process.stdout.write(
          `${flags["--json"] ? JSON.stringify(value, null, 2) : typeof value === "string" ? value : JSON.stringify(value)}\n`,
        );
        return 0;
      }
      if (flags["--json"]) {
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return 0;
      }
      const entries = Object.entries(shown);
      const width = Math.max(6, ...entries.map(([k]) => k.length));
      process.stdout.write(`Current stack outputs (${entries.length}):\n`);
      process.stdout.write(`    ${"OUTPUT".padEnd(width)}  VALUE\n`);
      for (const [k, v] of entries) {
        process.stdout.write(`    ${k.padEnd(width)}  ${typeof v === "string" ? v : JSON.stringify(v)}\n`);
      }
      return 0;
    });
  }
  return fail(`unknown command "stack ${sub ?? ""}" for this test CLI`);
}

function removeStack(files, stack) {
  for (const file of [files.state, files.config, files.marker]) rmSync(file, { force: true });
  process.stdout.write(`Stack '${stack}' has been removed!\n`);
  return 0;
}

function readStack(files) {
  if (!existsSync(files.state)) return Promise.resolve({ resources: [], outputs: {}, secretOutputs: [] });
  return engine.readState(files.state, passphrase());
}

function configCommand(words, flags, cwd) {
  const backend = backendDir();
  const proj = project(cwd);
  const stack = selectedStack(backend, proj, flags);
  requireStack(backend, proj, stack);
  const files = stackFiles(backend, proj.name, stack);
  const config = readConfig(files);
  const [sub, key, value] = words;
  const full = key && (key.includes(":") ? key : `${proj.name}:${key}`);
  if (sub === "set") {
    if (!full || value === undefined) fail("pulumi config set takes a key and a value");
    config[full] = value;
    writeFileSync(files.config, JSON.stringify(config, null, 2));
    return 0;
  }
  if (sub === "get") {
    if (!full || !(full in config)) fail(`configuration key '${key}' not found for stack '${stack}'`);
    process.stdout.write(`${config[full]}\n`);
    return 0;
  }
  if (sub === "rm") {
    delete config[full];
    writeFileSync(files.config, JSON.stringify(config, null, 2));
    return 0;
  }
  return fail(`unknown command "config ${sub ?? ""}" for this test CLI`);
}

const HEADINGS = {
  up: "Updating",
  preview: "Previewing update",
  refresh: "Refreshing",
  destroy: "Destroying",
};

/** The "Resources:" block the CLI prints, the stack resource counted as the CLI counts it. */
function resourcesBlock(command, summary, stackIsNew) {
  const planned = command === "preview";
  const word = (done, todo) => (planned ? `to ${todo}` : done);
  const rows = [];
  const created = summary.created + summary.imported + (stackIsNew ? 1 : 0);
  if (created) rows.push(`+ ${created} ${word("created", "create")}`);
  if (summary.updated + summary.drifted)
    rows.push(`~ ${summary.updated + summary.drifted} ${word("updated", "update")}`);
  if (summary.replaced) rows.push(`+-${summary.replaced} ${word("replaced", "replace")}`);
  // Like the CLI, destroy also deletes the stack resource itself.
  const deleted = summary.deleted + summary.dropped + (command === "destroy" ? 1 : 0);
  if (deleted) rows.push(`- ${deleted} ${word("deleted", "delete")}`);
  const unchanged = summary.unchanged + (stackIsNew || command === "destroy" ? 0 : 1);
  if (unchanged) rows.push(`${unchanged} unchanged`);
  return `Resources:\n${rows.map((r) => `    ${r}`).join("\n")}\n`;
}

function changed(summary) {
  return (
    summary.created +
      summary.updated +
      summary.replaced +
      summary.deleted +
      summary.imported +
      summary.drifted +
      summary.dropped >
    0
  );
}

async function engineCommand(command, flags, cwd) {
  const backend = backendDir();
  const proj = project(cwd);
  const stack = selectedStack(backend, proj, flags);
  requireStack(backend, proj, stack);
  if (command !== "preview" && !flags["--yes"] && !flags["-y"] && !flags["--skip-preview"]) {
    fail("--yes or --skip-preview must be passed in to proceed when running in non-interactive mode");
  }
  const files = stackFiles(backend, proj.name, stack);
  const stackIsNew = !existsSync(files.state);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      process.stdout.write(
        "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n",
      );
      controller.abort();
    } else {
      process.stdout.write("^C received; terminating\n");
      process.exit(255);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.write(`${HEADINGS[command]} (${stack})\n\n`);
  const parallel = Number(flags["--parallel"] ?? flags["-p"] ?? 16);
  const options = {
    programDir: proj.programDir,
    stateFile: files.state,
    stack,
    config: readConfig(files),
    env: { SECRETSTACK_ENGINE_PASSPHRASE: passphrase() },
    parallel,
    signal: controller.signal,
    clearPendingCreates: Boolean(flags["--clear-pending-creates"]),
    log: (line) => process.stdout.write(`    ${line}\n`),
    // The CLI shows what a provider plugin writes to stderr as diagnostics of the stack.
    hostLog: (line) => process.stdout.write(`    pulumi:pulumi:Stack ${proj.name}-${stack}  ${line}\n`),
  };
  let summary;
  let failure;
  try {
    summary = await engine[command](options);
  } catch (error) {
    failure = error;
    summary = error.summary;
  }
  if (summary) {
    const outputs = Object.entries(summary.outputs ?? {});
    if (outputs.length && command !== "destroy") {
      process.stdout.write("\nOutputs:\n");
      for (const [k, v] of outputs) process.stdout.write(`    ${k}: ${JSON.stringify(v)}\n`);
    }
    process.stdout.write(`\n${resourcesBlock(command, summary, stackIsNew && command !== "destroy")}\n`);
    process.stdout.write(`Duration: ${Math.max(1, Math.round(summary.durationMs / 1000))}s\n`);
  }
  if (failure) {
    if (summary?.failures?.length) {
      process.stdout.write("\nDiagnostics:\n");
      for (const line of summary.failures) process.stdout.write(`  error: ${line}\n`);
    } else process.stderr.write(`error: ${failure.message}\n`);
    if (controller.signal.aborted) process.stderr.write("error: update canceled\n");
    return 255;
  }
  if (flags["--expect-no-changes"] && changed(summary)) {
    process.stderr.write(
      `error: no changes were expected but changes ${command === "preview" ? "were proposed" : "occurred"}\n`,
    );
    return 255;
  }
  return 0;
}

async function main() {
  const { words, flags } = parse(process.argv.slice(2));
  const cwd = path.resolve(String(flags["--cwd"] ?? flags["-C"] ?? process.cwd()));
  const [command, ...rest] = words;
  if (flags["--version"] || command === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === "stack") return stackCommand(rest, flags, cwd);
  if (command === "config") return configCommand(rest, flags, cwd);
  if (command === "cancel") return 0;
  if (command === "up" || command === "update") return engineCommand("up", flags, cwd);
  if (command === "preview" || command === "refresh" || command === "destroy")
    return engineCommand(command, flags, cwd);
  return fail(`unknown command "${command ?? ""}" for this test CLI`, 1);
}

main().then(
  (code) => process.exit(code),
  (error) => fail(error instanceof Error ? error.message : String(error)),
);
