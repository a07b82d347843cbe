import type { SandboxEndpoints } from "secretstack-sandbox";
import { NetActuateClient, TensorDockClient, WalletCrewClient } from "pulumi-secretstack/sdk";

/**
 * What exists in each sandbox API, read through the same clients the resources use: names, types and ids,
 * never values.
 */
export async function summarizeSandbox(sandbox: SandboxEndpoints): Promise<string> {
  const tensordock = new TensorDockClient({ ...sandbox.tensordock, rateLimit: false });
  const walletcrew = new WalletCrewClient({ ...sandbox.walletcrew });
  const netactuate = new NetActuateClient({ ...sandbox.netactuate });
  const [secrets, tenantKeys, lists, values] = await Promise.all([
    tensordock.list(),
    walletcrew.list(),
    netactuate.lists.list(),
    netactuate.values.listAll(),
  ]);
  const lines = ["What exists in the sandbox:"];
  lines.push(`  TensorDock: ${secrets.length} secret(s)`);
  for (const s of secrets) lines.push(`    ${(s.type ?? "?").padEnd(7)} ${s.name} (${s.id})`);
  lines.push(`  The Wallet Crew, tenant ${sandbox.walletcrew.tenantId}: ${tenantKeys.length} key(s)`);
  for (const key of tenantKeys) lines.push(`    ${key}`);
  lines.push(`  NetActuate: ${lists.length} list(s), ${values.length} value(s)`);
  for (const list of lists) {
    const keys = values.filter((v) => v.listId === list.id).map((v) => v.key);
    lines.push(`    ${list.name} (${list.id}): ${keys.join(", ") || "empty"}`);
  }
  return lines.join("\n");
}
