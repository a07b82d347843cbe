// Copies the built package into node_modules/pulumi-secretstack (a real copy, not a link), so programs in
// this repository load it exactly as users do and Pulumi serializes each provider as a require() of it.
// It syncs: only files whose content changed are written and files no longer built are removed, so a build
// with nothing new writes nothing (tests and deployments may be loading the copy meanwhile).
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "node_modules", "pulumi-secretstack");

/** Files under `dir`, relative to it. */
function filesUnder(dir, prefix = "") {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? filesUnder(path.join(dir, entry.name), path.join(prefix, entry.name))
        : [path.join(prefix, entry.name)],
    );
}

const wanted = new Set([
  "package.json",
  ...filesUnder(path.join(root, "dist")).map((f) => path.join("dist", f)),
  ...filesUnder(path.join(root, "bin")).map((f) => path.join("bin", f)),
]);
for (const file of wanted) {
  if (file.endsWith(".tsbuildinfo")) continue;
  const from = path.join(root, file);
  const to = path.join(target, file);
  const content = fs.readFileSync(from);
  if (fs.existsSync(to) && fs.readFileSync(to).equals(content)) continue;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  // Written beside and renamed over, so a reader never sees half a file.
  fs.writeFileSync(`${to}.tmp`, content, { mode: fs.statSync(from).mode });
  fs.renameSync(`${to}.tmp`, to);
}
for (const file of filesUnder(target)) {
  if (!wanted.has(file) || file.endsWith(".tsbuildinfo")) fs.rmSync(path.join(target, file), { force: true });
}
