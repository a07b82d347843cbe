// A provider plugin that does nothing, served by the same @pulumi/pulumi main() as pulumi-resource-secretstack:
// one resource type, noop:index:Thing (a name, and an optional ref to another's id so that a program can have the
// dependencies of a real one), whose create answers at once with its name as its id and its inputs as outputs.
// Under the real CLI it is the floor of a Node.js provider plugin: the engine, the gRPC calls and Node.js, with no
// provider code.
"use strict";
const path = require("node:path");
const { main } = require(
  require.resolve("@pulumi/pulumi/provider", { paths: [path.resolve(__dirname, "..", "..")] }),
);

const schema = {
  name: "noop",
  version: "0.0.1",
  resources: {
    "noop:index:Thing": {
      inputProperties: { name: { type: "string" }, ref: { type: "string" } },
      requiredInputs: ["name"],
      properties: { name: { type: "string" }, ref: { type: "string" } },
      required: ["name"],
    },
  },
};

main(
  {
    version: "0.0.1",
    schema: JSON.stringify(schema),
    async check(_urn, _olds, news) {
      return { inputs: news };
    },
    async diff() {
      return { changes: false };
    },
    async create(_urn, inputs) {
      return { id: String(inputs.name), outs: inputs };
    },
    async read(id, _urn, props) {
      return { id, props };
    },
    async delete() {},
  },
  process.argv.slice(2),
);
