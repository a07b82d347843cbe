// The cloud-init script of a NetActuate VM build, with its secrets kept out of it. The secrets live in a
// secret list; the script references them as ${{secret.KEY}}, and NetActuate substitutes the values
// server-side when it builds the VM. The script (and so the state, the plan and the build request) never
// holds a value. `cloudInit` fails the preview if the script references a key none of the given
// SecretValue resources declares, and makes the script depend on them, so the VM is built after them.
//
// Credentials: netactuate:apiKey (secret) and netactuate:baseUrl stack config, or NETACTUATE_API_KEY and
// NETACTUATE_BASE_URL. Values: `pulumi config set --secret dbPassword …` and `… --secret apiToken …`.
import * as pulumi from "@pulumi/pulumi";
import { netactuate } from "pulumi-secretstack";

const config = new pulumi.Config();
const app = config.get("appName") ?? "web";

const list = new netactuate.SecretList("app-secrets", { name: `${app}-secrets` });

const dbPassword = new netactuate.SecretValue("db-password", {
  listId: list.id,
  key: "DB_PASSWORD",
  value: config.getSecret("dbPassword") ?? pulumi.secret("example-db-password-change-me"),
});
const apiToken = new netactuate.SecretValue("api-token", {
  listId: list.id,
  key: "API_TOKEN",
  value: config.getSecret("apiToken") ?? pulumi.secret("example-api-token-change-me"),
});

const template = [
  "#cloud-config",
  "write_files:",
  "  - path: /etc/app/env",
  "    permissions: '0600'",
  "    content: |",
  `      APP_NAME=${app}`,

  "      DB_PASSWORD=${{secret.DB_PASSWORD}}",

  "      API_TOKEN=${{secret.API_TOKEN}}",
  "runcmd:",
  "  - systemctl restart app",
  "",
].join("\n");

// The VM build request takes the script base64-encoded in `script_content`.
const scriptContent = netactuate.cloudInit(template, [dbPassword, apiToken], { base64: true });

// What a VM build would send (hand it to the resource or API call that builds your VM).
export const vmBuild = {
  hostname: `${app}-1.example.net`,
  script_content: scriptContent,
};
// The same script, readable: references only, never values.
export const script = netactuate.cloudInit(template, [dbPassword, apiToken]);
export const references = [dbPassword.reference, apiToken.reference];
export const secretListId = list.id;
