/**
 * 64 concurrent writers against each sandbox API through the sdk clients, checked against a model of what
 * every acknowledged write must have left: writes to distinct keys all survive with their last value, writes
 * to a shared key leave the last value of one writer, and a contested create or delete has exactly one winner.
 */

import type { Sandbox } from "../../sandbox/index";
import { NotFoundError, SecretstackError } from "../../sdk/core";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";
import { WalletCrewClient } from "../../sdk/walletcrew";
import type { SandboxCredentials } from "./sandbox";

/** Number of concurrent writers per API. */
export const WRITERS = 64;

/** What a run of writers found, compared with the model. */
export interface WritersOutcome {
  /** Acknowledged writes. */
  acknowledged: number;
  /** Keys (or ids) the model expects that are missing or hold another value than the model's. */
  lostOrStale: string[];
  /** Objects in the API that no acknowledged write explains. */
  unexplained: string[];
  /** Winners of each contested operation (each must be exactly 1). */
  winners: Record<string, number>;
  /** Failures other than the expected losers of a contested operation. */
  unexpectedErrors: string[];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** One attempt per request: a contested write must be decided by the server, not by a client retry. */
const ONCE = { maxAttempts: 1 } as const;

function describeError(error: unknown): string {
  return error instanceof SecretstackError ? `${error.name} ${error.status ?? ""}` : String(error);
}

/** Counts fulfilled results; every rejection must be accepted by `isLoser`, or it is reported. */
function tally(
  results: PromiseSettledResult<unknown>[],
  isLoser: (e: unknown) => boolean,
  unexpected: string[],
) {
  let winners = 0;
  for (const result of results) {
    if (result.status === "fulfilled") winners++;
    else if (!isLoser(result.reason)) unexpected.push(describeError(result.reason));
  }
  return winners;
}

const isStatus = (status: number) => (e: unknown) => e instanceof SecretstackError && e.status === status;

/**
 * TensorDock has no update: each writer creates three secrets of its own and one named "shared" (names need
 * not be unique), then deletes one of its own while every writer deletes the same shared secret.
 */
export async function tensordockWriters(sandbox: Sandbox): Promise<WritersOutcome> {
  const client = new TensorDockClient({ ...sandbox.tensordock, rateLimit: false, retry: ONCE });
  const model = new Map<string, string>();
  const unexpected: string[] = [];
  let acknowledged = 0;
  const create = async (name: string) => {
    const created = await client.create({ name, type: "GENERIC", value: `value-of-${name}` });
    acknowledged++;
    model.set(created.id, name);
    return created.id;
  };
  const owned = await Promise.all(
    range(WRITERS).map(async (w) => {
      const ids: string[] = [];
      for (const j of range(3)) ids.push(await create(`writer-${w}-${j}`));
      ids.push(await create("shared"));
      return ids;
    }),
  );
  const contested = owned[0]?.[3] as string;
  const deletes = await Promise.allSettled(
    owned.flatMap((ids) => [
      client.delete(ids[0] as string).then(() => {
        acknowledged++;
        model.delete(ids[0] as string);
      }),
      client.delete(contested).then(() => {
        acknowledged++;
        model.delete(contested);
      }),
    ]),
  );
  const winners = tally(deletes, (e) => e instanceof NotFoundError, unexpected) - WRITERS;
  const remote = new Map((await client.list()).map((s) => [s.id, s.name]));
  return {
    acknowledged,
    lostOrStale: [...model].filter(([id, name]) => remote.get(id) !== name).map(([id]) => id),
    unexplained: [...remote.keys()].filter((id) => !model.has(id)),
    winners: { "delete of one shared secret by 64 writers": winners },
    unexpectedErrors: unexpected,
  };
}

/**
 * The Wallet Crew PUT is an upsert: writers of two tenants each put five values in turn to a key of their own
 * and to "shared" in their tenant; then the writers of the first tenant all delete its "shared".
 */
export async function walletcrewWriters(
  sandbox: Sandbox,
  credentials: SandboxCredentials,
): Promise<WritersOutcome> {
  const tenants = Object.keys(credentials.walletcrewKeys);
  const clientOf = (tenantId: string) =>
    new WalletCrewClient({
      baseUrl: sandbox.walletcrew.baseUrl,
      apiKey: credentials.walletcrewKeys[tenantId] as string,
      tenantId,
      retry: ONCE,
    });
  const clients = Object.fromEntries(tenants.map((t) => [t, clientOf(t)]));
  const rounds = 5;
  const expected = new Map<string, string>();
  const lastShared = new Map<string, Set<string>>(tenants.map((t) => [t, new Set()]));
  const unexpected: string[] = [];
  let acknowledged = 0;
  await Promise.all(
    range(WRITERS).map(async (w) => {
      const tenant = tenants[w % tenants.length] as string;
      const client = clients[tenant] as WalletCrewClient;
      for (const r of range(rounds)) {
        await client.put(`writer-${w}`, { value: `own-${w}-${r}` });
        await client.put("shared", { value: `shared-${w}-${r}` });
        acknowledged += 2;
      }
      expected.set(`${tenant}/writer-${w}`, `own-${w}-${rounds - 1}`);
      lastShared.get(tenant)?.add(`shared-${w}-${rounds - 1}`);
    }),
  );
  const lostOrStale: string[] = [];
  for (const [id, value] of expected) {
    const [tenant, key] = id.split("/") as [string, string];
    if ((await clients[tenant]?.retrieve(key)) !== value) lostOrStale.push(id);
  }
  for (const tenant of tenants) {
    const shared = await clients[tenant]?.retrieve("shared");
    if (shared === undefined || !lastShared.get(tenant)?.has(shared)) lostOrStale.push(`${tenant}/shared`);
  }
  const first = tenants[0] as string;
  const deletes = await Promise.allSettled(
    range(WRITERS / tenants.length).map(() => clients[first]?.delete("shared")),
  );
  const winners = tally(deletes, (e) => e instanceof NotFoundError, unexpected);
  const unexplained: string[] = [];
  for (const tenant of tenants) {
    const keep = new Set([...expected.keys()].filter((id) => id.startsWith(`${tenant}/`)));
    if (tenant !== first) keep.add(`${tenant}/shared`);
    for (const key of (await clients[tenant]?.list()) ?? []) {
      if (!keep.has(`${tenant}/${key}`)) unexplained.push(`${tenant}/${key}`);
    }
  }
  return {
    acknowledged,
    lostOrStale,
    unexplained,
    winners: { "delete of one shared key by 32 writers": winners },
    unexpectedErrors: unexpected,
  };
}

/**
 * NetActuate list names and value keys are unique in the account: every writer tries to create the same
 * list and the same key (one winner each), creates a list and a value of its own, then updates its own value
 * and the shared one three times in turn.
 */
export async function netactuateWriters(sandbox: Sandbox): Promise<WritersOutcome> {
  const client = new NetActuateClient({ ...sandbox.netactuate, retry: ONCE });
  const unexpected: string[] = [];
  let acknowledged = 0;
  const isTaken = isStatus(422);
  const sharedLists = await Promise.allSettled(
    range(WRITERS).map(() => client.lists.create({ name: "shared-list" })),
  );
  const listWinners = tally(sharedLists, isTaken, unexpected);
  acknowledged += listWinners;
  const sharedList = (await client.lists.list()).find((l) => l.name === "shared-list");
  if (sharedList === undefined) throw new Error("no list named shared-list after the contested create");
  const own = await Promise.all(
    range(WRITERS).map(async (w) => {
      const list = await client.lists.create({ name: `writer-${w}` });
      const value = await client.values.create(list.id, { key: `WRITER_${w}`, value: `own-${w}-initial` });
      acknowledged += 2;
      return { w, list, value };
    }),
  );
  const sharedValues = await Promise.allSettled(
    range(WRITERS).map((w) =>
      client.values.create(sharedList.id, { key: "SHARED_KEY", value: `first-${w}` }),
    ),
  );
  const valueWinners = tally(sharedValues, isTaken, unexpected);
  acknowledged += valueWinners;
  const shared = (await client.values.list(sharedList.id)).find((v) => v.key === "SHARED_KEY");
  if (shared === undefined) throw new Error("no SHARED_KEY after the contested create");
  const rounds = 3;
  const lastShared = new Set<string>();
  await Promise.all(
    own.map(async ({ w, list, value }) => {
      for (const r of range(rounds)) {
        await client.values.update(list.id, value.id, { key: `WRITER_${w}`, value: `own-${w}-${r}` });
        await client.values.update(sharedList.id, shared.id, {
          key: "SHARED_KEY",
          value: `shared-${w}-${r}`,
        });
        acknowledged += 2;
      }
      lastShared.add(`shared-${w}-${rounds - 1}`);
    }),
  );
  const expected = new Map(own.map(({ w }) => [`WRITER_${w}`, `own-${w}-${rounds - 1}`]));
  const all = await client.values.listAll();
  const lostOrStale = [...expected]
    .filter(([key, value]) => all.find((v) => v.key === key)?.value !== value)
    .map(([k]) => k);
  const sharedNow = all.find((v) => v.key === "SHARED_KEY");
  if (sharedNow === undefined || !lastShared.has(sharedNow.value)) lostOrStale.push("SHARED_KEY");
  const lists = await client.lists.list();
  const knownLists = new Set(["shared-list", ...own.map(({ w }) => `writer-${w}`)]);
  const unexplained = [
    ...all.filter((v) => v.key !== "SHARED_KEY" && !expected.has(v.key)).map((v) => v.key),
    ...lists.filter((l) => !knownLists.has(l.name)).map((l) => `list ${l.name}`),
  ];
  if (lists.length !== knownLists.size)
    unexplained.push(`${lists.length} lists for ${knownLists.size} names`);
  return {
    acknowledged,
    lostOrStale,
    unexplained,
    winners: {
      "create of one list name by 64 writers": listWinners,
      "create of one value key by 64 writers": valueWinners,
    },
    unexpectedErrors: unexpected,
  };
}
