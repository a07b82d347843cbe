// Writes the provider plugin's package schema, generated from the zod schemas of the build, beside the plugin
// (dist/provider/plugin/schema.json), which serves that file. Runs after the library's build and before the
// package is copied into node_modules.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const { version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const { packageSchema } = require(path.join(root, "dist", "provider", "plugin", "schema.js"));
const target = path.join(root, "dist", "provider", "plugin", "schema.json");
const text = `${JSON.stringify(packageSchema(version), null, 2)}\n`;
if (!fs.existsSync(target) || fs.readFileSync(target, "utf8") !== text) {
  fs.writeFileSync(`${target}.tmp`, text);
  fs.renameSync(`${target}.tmp`, target);
}
