/**
 * After an interrupted run (the remote objects were made, the state never recorded them) or a lost state,
 * the next `up` never duplicates a TensorDock secret: an SSH key with its name and the identical public key is
 * provably the one it would create and is adopted; a generic secret, whose value TensorDock never returns,
 * cannot be proved the same, so its create fails naming the existing id and the import that adopts it.
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
const stack = () =>
  deployProgram({
    programDir: PROGRAM,
    env: {
      ...sandbox.current.env,
      MISTAKE: JSON.stringify({
        resources: [
          { resource: "tensordock.SshKey", name: "key", args: { name: "fleet-key", publicKey: PUBLIC_KEY } },
          { resource: "tensordock.GenericSecret", name: "token", args: { name: "hf-token", value: "v1" } },
        ],
      }),
    },
  });
let first: ReturnType<typeof stack>;
afterAll(() => first?.remove());

it("adopts the identical SSH key and refuses the generic secret by id, leaving no duplicate", async () => {
  first = stack();
  expect((await first.up()).created).toBe(2);
  const before = await sandbox.current.clients.tensordock.list();
  const keyId = before.find((s) => s.name === "fleet-key")?.id;
  const tokenId = before.find((s) => s.name === "hf-token")?.id;
  // The state is gone, as after a killed run whose creates were never recorded.
  rmSync(path.dirname(first.stateFile), { recursive: true, force: true });
  const error = await first.up().then(
    () => undefined,
    (e: unknown) => e as Error & { summary?: { created: number; failed: number } },
  );
  expect(error?.summary).toMatchObject({ created: 1, failed: 1 });
  expect(error?.message).toContain(
    `a GENERIC secret named "hf-token" already exists in TensorDock (id ${tokenId})`,
  );
  expect(error?.message).toContain(`{ import: "${tokenId}" }`);
  const state = await first.state();
  expect(state.resources.find((r) => r.name === "key")?.id).toBe(keyId);
  const after = await sandbox.current.clients.tensordock.list();
  expect(after.map((s) => s.id).sort()).toEqual([keyId, tokenId].sort());
}, 120_000);
