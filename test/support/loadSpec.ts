/**
 * The spec of the reliability-load fixture (test/fixtures/reliability-load): how many resources of each type
 * a deployment declares, and the SSH public keys it needs, so one environment variable describes hundreds.
 */
import { generateKeyPairSync } from "node:crypto";
import * as path from "node:path";

/** The fixture program that declares resources from a {@link LoadSpec}. */
export const LOAD_PROGRAM = path.resolve(__dirname, "..", "fixtures", "reliability-load");

/** What LOAD_SPEC holds; see the fixture's index.ts. */
export interface LoadSpec {
  /** Prefix of every name and key, so two deployments on one sandbox never collide. */
  prefix: string;
  /** One tensordock.SshKey per key. */
  publicKeys?: string[];
  /** tensordock.GenericSecret count. */
  secrets?: number;
  /** walletcrew.TenantSecret count. */
  tenantSecrets?: number;
  /** netactuate.SecretList count. */
  lists?: number;
  /** netactuate.SecretValue count in each list. */
  valuesPerList?: number;
  /** Every secret value starts with it (then API and index). */
  value: string;
  /** Credentials given as the `connection` of the first resource of each type. */
  connections?: { tensordock?: string; walletcrew?: string; netactuate?: string };
  /**
   * Three more resources whose creates fail: a Wallet Crew key and a NetActuate key that already exist, and a
   * TensorDock secret whose connection holds a wrong token; their values start with `value`.
   */
  failing?: { value: string; walletcrewKey: string; netactuateKey: string; tensordockToken: string };
}

/** The number of resources a spec declares. */
export function resourceCount(spec: LoadSpec): number {
  const lists = spec.lists ?? 0;
  return (
    (spec.publicKeys?.length ?? 0) +
    (spec.secrets ?? 0) +
    (spec.tenantSecrets ?? 0) +
    lists +
    lists * (spec.valuesPerList ?? 0)
  );
}

/** The environment that hands `spec` to the fixture. */
export function loadSpecEnv(spec: LoadSpec): Record<string, string> {
  return { LOAD_SPEC: JSON.stringify(spec) };
}

/** A fresh OpenSSH ed25519 public key line (`ssh-ed25519 <base64>`), built without any SSH library. */
export function ed25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  // The SPKI DER of an ed25519 key ends with the 32 raw key bytes.
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(-32);
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const blob = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")}`;
}
