/**
 * The two test lanes, by what a file does. `npm test` runs both; `npm run test:unit` and `npm run test:e2e` one
 * each. Every `test/**\/*.test.ts` is in exactly one lane (test/lanes.test.ts checks it), so a new file must be
 * classified here.
 */

/**
 * Hermetic and fast: code in this process, sandboxes in this process on loopback, fake time. No npm install,
 * no provider host or engine deploy, no sandbox CLI or other child process.
 */
export const UNIT: readonly string[] = [
  "test/lanes.test.ts",
  "test/sdk/**/*.test.ts",
  "test/sandbox/core/*.test.ts",
  "test/sandbox/malformed.test.ts",
  "test/provider/*.test.ts",
  "test/engine/plan.test.ts",
  "test/tensordock/{check,client,openapi,provider,sandbox}.test.ts",
  "test/walletcrew/{client,openapi,plan,provider,sandbox,types}.test.ts",
  "test/netactuate/{check-diff,client,client-stub,envelope-variants,envelopes,key-registry,openapi,provider,sandbox}.test.ts",
  "test/performance/walletcrew-reads.test.ts",
  "test/reliability/{bad-input,faults,property}.test.ts",
  "test/mistakes/{concurrent-creates,unknown-arguments}.test.ts",
  "test/plugin/{schema,provider}.test.ts",
];

/**
 * Everything that drives real processes: the provider host and the stand-in engine, the harness's `pulumi`,
 * the provider plugin and the real Pulumi CLI (built from the Go module proxy by harness/real-pulumi), npm start, the sandbox CLI, npm pack and install, README blocks in bash, Schemathesis, and the vendors' own
 * code (NetActuate's Python SDK, installed from PyPI into a project-local virtualenv).
 */
export const E2E: readonly string[] = [
  "test/engine/{host,lifecycle,safety}.test.ts",
  "test/tensordock/{engine,wait-notice}.test.ts",
  "test/walletcrew/{engine,rotation}.test.ts",
  "test/netactuate/{engine,cloud-init,transport-styles}.test.ts",
  "test/examples/*.test.ts",
  "test/mistakes/{mistakes,duplicates}.test.ts",
  "test/package/*.test.ts",
  "test/readme/*.test.ts",
  "test/sandbox/{cli,node-version}.test.ts",
  "test/vendor/*.test.ts",
  "test/value-from/*.test.ts",
  "test/performance/coalesce.test.ts",
  "test/reliability/{load,schemathesis,secrecy,shared-rate-limit,state-failures,state-safety,state-upgrade}.test.ts",
  "test/plugin/{grpc,real-cli}.test.ts",
];
