/**
 * After an interrupted run (the remote objects were made, the state never recorded them) or a lost state,
 * the next `up` never duplicates anything: what is provably the object a create would make is adopted (an SSH
 * key with its name and the identical public key, a Wallet Crew secret or a NetActuate value whose value reads
 * back equal); what cannot be proved (a TensorDock generic secret, whose value is never returned) fails naming
 * the existing id and the import that adopts it.
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { deployProgram } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
const PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL adopt@secretstack";

const sandbox = withSandbox();
const stack = (listId: string) =>
  deployProgram({
    programDir: PROGRAM,
    env: {
      ...sandbox.current.env,
      MISTAKE: JSON.stringify({
        resources: [
          { resource: "tensordock.SshKey", name: "key", args: { name: "fleet-key", publicKey: PUBLIC_KEY } },
          { resource: "tensordock.GenericSecret", name: "token", args: { name: "hf-token", value: "v1" } },
          {
            resource: "walletcrew.TenantSecret",
            name: "tenant",
            args: { key: "adopt-key", value: "same-value" },
          },
          {
            resource: "netactuate.SecretValue",
            name: "value",
            args: { listId, key: "ADOPT_KEY", value: "same-value" },
          },
        ],
      }),
    },
  });
let first: ReturnType<typeof stack>;
afterAll(() => first?.remove());

it("adopts what is provably the same and refuses the generic secret by id, leaving no duplicate", async () => {
  const list = await sandbox.current.clients.netactuate.lists.create({ name: "adopt-list" });
  first = stack(String(list.id));
  expect((await first.up()).created).toBe(4);
  const valueId = (await sandbox.current.clients.netactuate.values.listAll())[0]?.id;
  const before = await sandbox.current.clients.tensordock.list();
  const keyId = before.find((s) => s.name === "fleet-key")?.id;
  const tokenId = before.find((s) => s.name === "hf-token")?.id;
  // The state is gone, as after a killed run whose creates were never recorded.
  rmSync(path.dirname(first.stateFile), { recursive: true, force: true });
  const error = await first.up().then(
    () => undefined,
    (e: unknown) => e as Error & { summary?: { created: number; failed: number } },
  );
  expect(error?.summary).toMatchObject({ created: 3, failed: 1 });
  expect(error?.message).toContain(
    `a GENERIC secret named "hf-token" already exists in TensorDock (id ${tokenId})`,
  );
  expect(error?.message).toContain(`{ import: "${tokenId}" }`);
  const state = await first.state();
  expect(state.resources.find((r) => r.name === "key")?.id).toBe(keyId);
  expect(state.resources.find((r) => r.name === "tenant")?.id).toBe("demo/adopt-key");
  expect(state.resources.find((r) => r.name === "value")?.id).toBe(String(valueId));
  expect((await sandbox.current.contents()).netactuateValues).toHaveLength(1);
  const after = await sandbox.current.clients.tensordock.list();
  expect(after.map((s) => s.id).sort()).toEqual([keyId, tokenId].sort());
}, 120_000);
