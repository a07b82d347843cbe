/** What a run reports: the line per operation, the summary, and stack outputs fit to show. */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { RPC_METHODS, type RpcMethod } from "./host";
import type { Props } from "./protocol";
import type { Command, OperationKind, Summary } from "./types";

/** The mark of each operation in the log, as the Pulumi CLI shows it. */
export const SYMBOL: Record<OperationKind, string> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  import: "=",
  read: ">",
  refresh: "~",
  drop: "-",
};

/** `pulumi-nodejs:dynamic/tensordock:SshKey` → `tensordock:SshKey`. */
export function shortType(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
}

/** Stack outputs for display: secret ones as `"[secret]"`, unknown ones as `"[unknown]"`. */
export function maskOutputs(outputs: Props, secretKeys: readonly string[]): Record<string, unknown> {
  const show = (value: unknown): unknown => {
    if (value === unknownValue) return "[unknown]";
    if (Array.isArray(value)) return value.map(show);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, show(v)]));
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, secretKeys.includes(k) ? "[secret]" : show(v)]),
  );
}

/** The summary of a command that has done nothing yet. */
export function emptySummary(command: Command): Summary {
  return {
    command,
    created: 0,
    updated: 0,
    replaced: 0,
    deleted: 0,
    imported: 0,
    unchanged: 0,
    failed: 0,
    dropped: 0,
    drifted: 0,
    operations: [],
    outputs: {},
    failures: [],
    rpc: Object.fromEntries(RPC_METHODS.map((m) => [m, 0])) as Record<RpcMethod, number>,
    durationMs: 0,
  };
}

/** The last line of a command's log: its counts, in the words of the command. */
export function summaryLine(s: Summary): string {
  const failed = s.failed ? `, ${s.failed} failed` : "";
  switch (s.command) {
    case "refresh":
      return `refresh: ${s.drifted} drifted, ${s.dropped} dropped, ${s.unchanged} unchanged${failed}`;
    case "destroy":
      return `destroy: ${s.deleted} deleted${failed}`;
    case "preview":
      return (
        `preview: ${s.created} to create, ${s.updated} to update, ${s.replaced} to replace, ${s.deleted} to delete, ` +
        `${s.unchanged} unchanged${s.imported ? `, ${s.imported} to import` : ""}${failed}`
      );
    case "up":
      return (
        `up: ${s.created} created, ${s.updated} updated, ${s.replaced} replaced, ${s.deleted} deleted, ` +
        `${s.unchanged} unchanged${s.imported ? `, ${s.imported} imported` : ""}${failed}`
      );
  }
}
