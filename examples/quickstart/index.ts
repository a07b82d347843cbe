// The root program of `npm start`: one of every secretstack resource, deployed into the local sandbox.
// Credentials and endpoints come from the environment that `npm start` sets (TENSORDOCK_BASE_URL, ...),
// so the same program deploys to the real services when pointed at them.
import * as pulumi from "@pulumi/pulumi";
import { netactuate, tensordock, walletcrew } from "pulumi-secretstack";

const config = new pulumi.Config();
// A demo value for the sandbox; set `secretstack-quickstart:demoSecret` (as a secret) to use your own.
const demoSecret = config.getSecret("demoSecret") ?? pulumi.secret("sandbox-demo-value-change-me");

// TensorDock: an SSH key for the GPU instances, and an application credential attached at deploy time.
const sshKey = new tensordock.SshKey("gpu-key", {
  name: "gpu-fleet",
  publicKey:
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL gpu-fleet@secretstack",
});
const hfToken = new tensordock.GenericSecret("hf-token", { name: "huggingface-token", value: demoSecret });

// The Wallet Crew: a tenant secret valid until the start of next year (a stable date, so a second run
// plans no change until then).
const nextYear = new Date().getUTCFullYear() + 1;
const passSigning = new walletcrew.TenantSecret("pass-signing", {
  key: "pass-signing-key",
  value: demoSecret,
  expiresOn: `${nextYear}-01-01T00:00:00Z`,
});

// NetActuate: a secret list with two values, and a cloud-init script that references them. NetActuate
// resolves ${{secret.KEY}} server-side at VM build time, so the script never holds the values.
const list = new netactuate.SecretList("app-secrets", { name: "quickstart-app" });
const dbPassword = new netactuate.SecretValue("db-password", {
  listId: list.id,
  key: "DB_PASSWORD",
  value: demoSecret,
});
const apiKey = new netactuate.SecretValue("api-key", { listId: list.id, key: "API_KEY", value: demoSecret });
const script = netactuate.cloudInit(
  [
    "#cloud-config",
    "runcmd:",
    "  - echo DB_PASSWORD=${{secret.DB_PASSWORD}} >> /etc/app.env",
    "  - echo API_KEY=${{secret.API_KEY}} >> /etc/app.env",
  ].join("\n"),
  [dbPassword, apiKey],
);

export const sshKeyId = sshKey.id;
export const sshKeyFingerprint = sshKey.fingerprint;
export const genericSecretId = hfToken.id;
export const tenantSecretId = passSigning.id;
export const secretListId = list.id;
export const references = [dbPassword.reference, apiKey.reference];
export const cloudInitScript = script;
