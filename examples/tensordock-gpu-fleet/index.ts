// TensorDock keys for a GPU fleet: one SSH key per operator, shared by every instance of the fleet, and a
// write-only credential the instances receive at deploy time. Instances reference keys by secret id
// (`ssh_key_id`), so the ids are the stack's outputs.
import * as pulumi from "@pulumi/pulumi";
import { tensordock } from "pulumi-secretstack";

const config = new pulumi.Config();
// Operators and their OpenSSH public keys, e.g. `pulumi config set --path operators.alice "ssh-ed25519 AAAA..."`.
const operators = config.getObject<Record<string, string>>("operators") ?? {
  ops: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL ops@gpu-fleet",
};
const registryToken = config.getSecret("registryToken") ?? pulumi.secret("sandbox-registry-token");

const keys = Object.entries(operators).map(
  ([operator, publicKey]) =>
    new tensordock.SshKey(`ssh-${operator}`, { name: `gpu-fleet-${operator}`, publicKey }),
);
const registry = new tensordock.GenericSecret("registry-token", {
  name: "gpu-fleet-registry-token",
  value: registryToken,
  secretType: "SECRET",
});

export const sshKeyIds = keys.map((key) => key.id);
export const fingerprints = keys.map((key) => key.fingerprint);
export const registrySecretId = registry.id;
