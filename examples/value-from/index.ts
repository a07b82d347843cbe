// Secrets whose values never pass through the program or the state: the provider reads each one at deploy time,
// from a variable of the environment the Pulumi CLI runs in (in CI, put there by the CI system's secret store)
// or from a file next to the program, and the state keeps only a salted scrypt fingerprint of it. A changed
// value still shows at preview (the fingerprint differs) and the next `up` sends it.
import { netactuate, tensordock, walletcrew } from "pulumi-secretstack";

// HF_TOKEN: the value TensorDock instances get at deploy time. TensorDock has no update, so a new value replaces
// the secret.
const hfToken = new tensordock.GenericSecret("hf-token", {
  name: "huggingface-token",
  valueFrom: { env: "HF_TOKEN" },
});

// A file relative to this directory (one trailing line break is not part of the value).
const webhookSecret = new walletcrew.TenantSecret("webhook-secret", {
  key: "webhook-signing-secret",
  valueFrom: { file: "secrets/webhook-signing-secret.txt" },
});

const list = new netactuate.SecretList("app-secrets", { name: "value-from-app" });
// After a rotation in the CI's secret store, bump valueVersion to send the value again even where the
// fingerprint would not change (for instance after the value was restored by hand).
const dbPassword = new netactuate.SecretValue("db-password", {
  listId: list.id,
  key: "VALUE_FROM_DB_PASSWORD",
  valueFrom: { env: "DB_PASSWORD" },
  valueVersion: 1,
});

export const hfTokenId = hfToken.id;
export const webhookSecretFingerprint = webhookSecret.valueFingerprint;
export const dbPasswordReference = dbPassword.reference;
