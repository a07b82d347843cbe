// "Seed once, then hands off": Pulumi creates the secret with an initial value, and from then on the value
// belongs to whoever rotates it outside Pulumi (an operator, a rotation job). `ignoreChanges: ["value"]`
// keeps `up` from restoring the seed; the secret's existence, key and expiry stay managed.
import * as pulumi from "@pulumi/pulumi";
import { netactuate, walletcrew } from "pulumi-secretstack";

const seed = new pulumi.Config().getSecret("seedValue") ?? pulumi.secret("initial-seed-rotate-me");

const webhookSecret = new walletcrew.TenantSecret(
  "webhook-secret",
  { key: "webhook-signing-secret", value: seed },
  { ignoreChanges: ["value"] },
);

const list = new netactuate.SecretList("rotated-elsewhere", { name: "seed-once" });
const dbPassword = new netactuate.SecretValue(
  "db-password",
  { listId: list.id, key: "SEED_ONCE_DB_PASSWORD", value: seed },
  { ignoreChanges: ["value"] },
);

export const webhookSecretId = webhookSecret.id;
export const dbPasswordReference = dbPassword.reference;
