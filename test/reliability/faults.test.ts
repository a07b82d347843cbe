/**
 * Faults at the sdk client level, each API's real client against its real sandbox, with the sandbox's fault
 * injection and a fake sleep that records every wait: Retry-After honoured, 5xx bursts survived within the
 * retry budget, 4xx never retried, and exact attempt counts for connection resets and timeouts. Attempts are
 * counted twice: by the client's request events and by the sandbox's request counts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  isOutcomeUnknown,
  NotFoundError,
  PermissionDeniedError,
  type RequestEvent,
  SecretstackError,
  ServerError,
  TimeoutError,
} from "../../sdk/core";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";
import { WalletCrewClient } from "../../sdk/walletcrew";
import { type FakeTime, fakeTime } from "../support/fakeTime";
import { recordFigure } from "../support/report";
import { startTrio, TRIO_TENANT, type Trio } from "../support/sandboxTrio";

const SECTION = "Faults";
const MAX_ATTEMPTS = 4;

interface Knobs {
  time: FakeTime;
  events: RequestEvent[];
  timeoutMs?: number;
}

/** One API as these tests drive it: an idempotent read, a create, and where to count them. */
interface Api {
  name: string;
  sandbox(trio: Trio): Trio["tensordock"] | Trio["walletcrew"] | Trio["netactuate"];
  read: { route: string };
  write: { route: string; method: "POST" | "PUT" };
  /** Objects stored, to prove a refused or unknown create made nothing. */
  stored(trio: Trio): number;
  client(trio: Trio, knobs: Knobs): { read(): Promise<unknown>; write(n: number): Promise<unknown> };
}

const common = (k: Knobs) => ({
  rateLimit: false as const,
  clock: k.time.clock,
  sleep: k.time.sleep,
  onRequest: (e: RequestEvent) => k.events.push(e),
  ...(k.timeoutMs !== undefined ? { timeoutMs: k.timeoutMs } : {}),
});

const APIS: Api[] = [
  {
    name: "TensorDock",
    sandbox: (t) => t.tensordock,
    read: { route: "GET /api/v2/secrets" },
    write: { route: "POST /api/v2/secrets", method: "POST" },
    stored: (t) => t.tensordock.secrets().length,
    client: (trio, k) => {
      const c = new TensorDockClient({ ...trio.credentials.tensordock, ...common(k) });
      return {
        read: () => c.list(),
        write: (n) => c.create({ name: `fault-${n}`, type: "GENERIC", value: "v" }),
      };
    },
  },
  {
    name: "The Wallet Crew",
    sandbox: (t) => t.walletcrew,
    read: { route: "GET /api/:tenantId/secrets" },
    write: { route: "PUT /api/:tenantId/secrets/:key", method: "PUT" },
    stored: (t) => t.walletcrew.secrets(TRIO_TENANT).length,
    client: (trio, k) => {
      const c = new WalletCrewClient({ ...trio.credentials.walletcrew, ...common(k) });
      return { read: () => c.list(), write: (n) => c.put(`fault-${n}`, { value: "v" }) };
    },
  },
  {
    name: "NetActuate",
    sandbox: (t) => t.netactuate,
    read: { route: "GET /api/secrets/lists" },
    write: { route: "POST /api/secrets/lists", method: "POST" },
    stored: (t) => t.netactuate.lists().length,
    client: (trio, k) => {
      const c = new NetActuateClient({ ...trio.credentials.netactuate, ...common(k) });
      return { read: () => c.lists.list(), write: (n) => c.lists.create({ name: `fault-${n}` }) };
    },
  },
];

let dir: string;
let trio: Trio;
let serial = 0;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "secretstack-faults-"));
  trio = await startTrio({ dataDir: dir });
});
afterAll(async () => {
  await trio.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  trio.clearFaults();
});

/** Requests the sandbox answered on `route` so far, whatever the status. */
function served(api: Api, route: string): number {
  return Object.values(api.sandbox(trio).stats().requests[route] ?? {}).reduce((a, b) => a + b, 0);
}

/** Runs one call against fresh fake time; returns its result or error, the attempts and the waits. */
async function attempt(api: Api, kind: "read" | "write", knobs: { timeoutMs?: number } = {}) {
  const time = fakeTime();
  const events: RequestEvent[] = [];
  const client = api.client(trio, { time, events, ...knobs });
  const route = kind === "read" ? api.read.route : api.write.route;
  const servedBefore = served(api, route);
  const storedBefore = api.stored(trio);
  let error: unknown;
  try {
    await (kind === "read" ? client.read() : client.write(++serial));
  } catch (e) {
    error = e;
  }
  return {
    error,
    attempts: events.length,
    served: served(api, route) - servedBefore,
    created: api.stored(trio) - storedBefore,
    waits: time.waits,
  };
}

function record(api: Api, what: string, measure: string, value: number, target: string, ok: boolean): void {
  recordFigure({ section: SECTION, case: `${api.name}: ${what}`, measure, value, target, ok });
}

describe.each(APIS)("$name client against its sandbox", (api) => {
  const readMethod = { method: "GET" };
  const writeMethod = { method: api.write.method };
  const writeIsIdempotent = api.write.method === "PUT";

  it.each([429, 503])(
    "waits at least the Retry-After of a %i before the next attempt of a read",
    async (status) => {
      api.sandbox(trio).faults.burst(status, 1, readMethod, { retryAfterSeconds: 3 });
      const run = await attempt(api, "read");
      const waited = run.waits.reduce((a, b) => a + b, 0);
      record(
        api,
        `GET answered ${status} with Retry-After: 3`,
        "time waited before the retry (ms)",
        waited,
        "≥ 3000",
        waited >= 3000 && run.error === undefined,
      );
      expect(run.error).toBeUndefined();
      expect(run.attempts).toBe(2);
      expect(run.served).toBe(2);
      expect(run.waits).toHaveLength(1);
      expect(waited).toBeGreaterThanOrEqual(3000);
    },
  );

  it("answers a 429 on a create by waiting Retry-After and sending it again, creating the object once", async () => {
    // A 429 means the server refused the request before acting on it: a PUT and a POST alike are sent again.
    api.sandbox(trio).faults.burst(429, 1, writeMethod, { retryAfterSeconds: 3 });
    const run = await attempt(api, "write");
    const waited = run.waits.reduce((a, b) => a + b, 0);
    record(
      api,
      `${api.write.method} answered 429 with Retry-After: 3`,
      "time waited before the retry (ms)",
      waited,
      "≥ 3000, then created once",
      waited >= 3000 && run.error === undefined && run.attempts === 2 && run.created === 1,
    );
    expect(run.error).toBeUndefined();
    expect(run.attempts).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(run.created).toBe(1);
  });

  it.each([500, 502, 503, 504])(
    "survives a burst of three %i on a read, on the fourth and last attempt",
    async (status) => {
      api.sandbox(trio).faults.burst(status, MAX_ATTEMPTS - 1, readMethod, { retryAfterSeconds: 0 });
      const run = await attempt(api, "read");
      record(
        api,
        `GET during a burst of 3 × ${status}`,
        "attempts",
        run.attempts,
        "= 4, then success",
        run.attempts === 4 && run.error === undefined,
      );
      expect(run.error).toBeUndefined();
      expect(run.attempts).toBe(MAX_ATTEMPTS);
      expect(run.served).toBe(MAX_ATTEMPTS);
      expect(run.waits).toHaveLength(MAX_ATTEMPTS - 1);
    },
  );

  it.each([500, 502, 503, 504])(
    "gives up a read after exactly four attempts of a burst of five %i",
    async (status) => {
      api.sandbox(trio).faults.burst(status, 5, readMethod, { retryAfterSeconds: 0 });
      const run = await attempt(api, "read");
      record(
        api,
        `GET during a burst of 5 × ${status}`,
        "attempts before the error",
        run.attempts,
        "= 4",
        run.attempts === 4,
      );
      expect(run.error).toBeInstanceOf(ServerError);
      expect((run.error as ServerError).attempts).toBe(MAX_ATTEMPTS);
      expect(run.served).toBe(MAX_ATTEMPTS);
    },
  );

  it.each([500, 502, 503, 504])(
    `${writeIsIdempotent ? "survives a burst of three %i on a PUT" : "makes one attempt of a create answered %i, an unknown outcome"}`,
    async (status) => {
      api.sandbox(trio).faults.burst(status, MAX_ATTEMPTS - 1, writeMethod, { retryAfterSeconds: 0 });
      const run = await attempt(api, "write");
      const expected = writeIsIdempotent ? MAX_ATTEMPTS : 1;
      record(
        api,
        `${api.write.method} during a burst of 3 × ${status}`,
        "attempts",
        run.attempts,
        `= ${expected}`,
        run.attempts === expected,
      );
      expect(run.attempts).toBe(expected);
      expect(run.served).toBe(expected);
      if (writeIsIdempotent) {
        expect(run.error).toBeUndefined();
        expect(run.created).toBe(1);
      } else {
        expect(run.error).toBeInstanceOf(ServerError);
        expect(isOutcomeUnknown(run.error)).toBe(true);
        expect(run.created).toBe(0);
      }
    },
  );

  const refusals = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, BadRequestError],
  ] as const;
  it.each(["read", "write"] as const)("never retries a 400, 401, 403, 404, 409 or 422 (%s)", async (kind) => {
    const attempts: number[] = [];
    for (const [status, type] of refusals) {
      api.sandbox(trio).faults.burst(status, 1, kind === "read" ? readMethod : writeMethod);
      const run = await attempt(api, kind);
      expect(run.error, `status ${status}`).toBeInstanceOf(type);
      expect(run.served, `status ${status}`).toBe(1);
      expect(run.waits).toEqual([]);
      attempts.push(run.attempts);
    }
    const method = kind === "read" ? "GET" : api.write.method;
    const most = Math.max(...attempts);
    record(
      api,
      `${method} answered 400, 401, 403, 404, 409 and 422`,
      "attempts (most of the six)",
      most,
      "= 1",
      most === 1,
    );
    expect(attempts).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it.each(["dropBeforeCommit", "dropAfterCommit"] as const)(
    "retries a read reset twice (%s) and succeeds on the third attempt",
    async (drop) => {
      api.sandbox(trio).faults[drop](2, readMethod);
      const run = await attempt(api, "read");
      record(
        api,
        `GET reset twice (${drop === "dropBeforeCommit" ? "before" : "after"} the server's work)`,
        "attempts",
        run.attempts,
        "= 3, then success",
        run.attempts === 3 && run.error === undefined,
      );
      expect(run.error).toBeUndefined();
      expect(run.attempts).toBe(3);
      expect(run.served).toBe(3);
    },
  );

  it("gives up a read reset on every attempt after exactly four", async () => {
    api.sandbox(trio).faults.dropBeforeCommit(10, readMethod);
    const run = await attempt(api, "read");
    record(
      api,
      "GET reset on every attempt",
      "attempts before the error",
      run.attempts,
      "= 4",
      run.attempts === 4,
    );
    expect(run.error).toBeInstanceOf(ConnectionError);
    expect(run.attempts).toBe(MAX_ATTEMPTS);
    expect(run.served).toBe(MAX_ATTEMPTS);
  });

  it(`${writeIsIdempotent ? "repeats a PUT whose answer was lost after the server stored it" : "never repeats a create reset after it was sent, reporting an unknown outcome"}`, async () => {
    api.sandbox(trio).faults.dropAfterCommit(1, writeMethod);
    const run = await attempt(api, "write");
    const expected = writeIsIdempotent ? 2 : 1;
    record(
      api,
      `${api.write.method} reset after the server stored it`,
      "attempts",
      run.attempts,
      `= ${expected}`,
      run.attempts === expected,
    );
    expect(run.attempts).toBe(expected);
    expect(run.created).toBe(1);
    if (writeIsIdempotent) expect(run.error).toBeUndefined();
    else {
      expect(run.error).toBeInstanceOf(ConnectionError);
      expect(isOutcomeUnknown(run.error)).toBe(true);
    }
  });

  it.each(["read", "write"] as const)(
    "times out a %s on each attempt of a slow server, with exact attempts",
    async (kind) => {
      // Real time here: the sandbox holds each request 300 ms and the client gives each attempt 40 ms.
      api.sandbox(trio).faults.setLatency(300);
      const run = await attempt(api, kind, { timeoutMs: 40 });
      api.sandbox(trio).faults.setLatency(0);
      const expected = kind === "read" || writeIsIdempotent ? MAX_ATTEMPTS : 1;
      const method = kind === "read" ? "GET" : api.write.method;
      record(
        api,
        `${method} timing out on every attempt`,
        "attempts before the error",
        run.attempts,
        `= ${expected}`,
        run.attempts === expected,
      );
      expect(run.error).toBeInstanceOf(TimeoutError);
      expect(run.error).toBeInstanceOf(SecretstackError);
      expect(run.attempts).toBe(expected);
      if (kind === "write" && !writeIsIdempotent) expect(isOutcomeUnknown(run.error)).toBe(true);
    },
  );
});
