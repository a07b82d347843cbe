// The benchmark program: many small secrets of each API, counted by one environment variable so one program
// serves every step of the benchmarks (and the performance tests). BENCH_SPEC is JSON, every count default 0:
//   { "tensordock": 1000,                            GenericSecrets named <prefix>-td-<i>
//     "sshKeys": 1,                                  SshKeys named <prefix>-key-<i> (fresh ed25519 keys)
//     "netactuate": { "lists": 10, "values": 990 },  SecretLists <prefix>-list-<j>, SecretValues spread over them
//     "walletcrew": 1,                               TenantSecrets with key <prefix>-wc-<i>
//     "valueFrom": "shared",                         ... whose values come from BENCH_VALUE (or BENCH_VALUE_<i>)
//     "prefix": "fleet" }                            in every name and key, so stacks never collide
// Values are short and deterministic; credentials and endpoints come from the environment.
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { netactuate, tensordock, walletcrew } from "pulumi-secretstack";

interface Spec {
  tensordock?: number;
  sshKeys?: number;
  netactuate?: { lists: number; values: number };
  walletcrew?: number;
  /** TenantSecrets read their value with valueFrom: one variable for all, or BENCH_VALUE_<i> each. */
  valueFrom?: "shared" | "distinct";
  prefix?: string;
}

const spec = JSON.parse(process.env.BENCH_SPEC ?? "{}") as Spec;
const prefix = spec.prefix ?? "bench";
const keyPrefix = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/** A fresh ed25519 public key as an OpenSSH line: the wire encoding is two length-prefixed strings. */
function publicKeyLine(comment: string): string {
  const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([
    field(Buffer.from("ssh-ed25519")),
    field(Buffer.from(jwk.x ?? "", "base64url")),
  ]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

for (let i = 0; i < (spec.tensordock ?? 0); i += 1) {
  new tensordock.GenericSecret(`td-${i}`, { name: `${prefix}-td-${i}`, value: pulumi.secret(`value-${i}`) });
}

for (let i = 0; i < (spec.sshKeys ?? 0); i += 1) {
  new tensordock.SshKey(`key-${i}`, { name: `${prefix}-key-${i}`, publicKey: publicKeyLine(`bench-${i}`) });
}

const lists = Array.from(
  { length: spec.netactuate?.lists ?? 0 },
  (_, j) => new netactuate.SecretList(`na-list-${j}`, { name: `${prefix}-list-${j}` }),
);
for (let i = 0; i < (spec.netactuate?.values ?? 0) && lists.length > 0; i += 1) {
  new netactuate.SecretValue(`na-value-${i}`, {
    listId: (lists[i % lists.length] as netactuate.SecretList).id,
    key: `${keyPrefix}_KEY_${i}`,
    value: pulumi.secret(`value-${i}`),
  });
}

for (let i = 0; i < (spec.walletcrew ?? 0); i += 1) {
  const key = `${prefix}-wc-${i}`;
  if (spec.valueFrom === undefined) {
    new walletcrew.TenantSecret(`wc-${i}`, { key, value: pulumi.secret(`value-${i}`) });
  } else {
    const env = spec.valueFrom === "shared" ? "BENCH_VALUE" : `BENCH_VALUE_${i}`;
    new walletcrew.TenantSecret(`wc-${i}`, { key, valueFrom: { env } });
  }
}
