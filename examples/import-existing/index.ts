// Adopting secrets that already exist, with the `import` resource option (the `pulumi import` command does
// not work for dynamic providers). Put the existing ids in stack config; the declared inputs must match what
// exists, or the import fails without changing anything. Remove the `import` option after the first `up`.
import * as pulumi from "@pulumi/pulumi";
import { netactuate, tensordock, walletcrew } from "pulumi-secretstack";

const config = new pulumi.Config();
const existing = {
  sshKeyId: config.get("sshKeyId"),
  tenantSecretId: config.get("tenantSecretId"), // "<tenantId>/<key>"
  secretListId: config.get("secretListId"),
};
const importOf = (id: string | undefined): pulumi.CustomResourceOptions => (id ? { import: id } : {});

export const sshKey = new tensordock.SshKey(
  "imported-key",
  {
    name: config.get("sshKeyName") ?? "legacy-key",
    publicKey:
      config.get("sshPublicKey") ??
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL legacy@secretstack",
  },
  importOf(existing.sshKeyId),
).id;

export const tenantSecret = new walletcrew.TenantSecret(
  "imported-tenant-secret",
  {
    key: config.get("tenantSecretKey") ?? "legacy-signing-key",
    value: config.getSecret("tenantSecretValue") ?? pulumi.secret("legacy-value"),
  },
  importOf(existing.tenantSecretId),
).id;

export const secretList = new netactuate.SecretList(
  "imported-list",
  { name: config.get("secretListName") ?? "legacy-list" },
  importOf(existing.secretListId),
).id;
