/**
 * Test helpers for sdk/core: a scripted node:http server on 127.0.0.1 port 0 and fake time whose sleep
 * advances the clock, so no test waits on real time.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock, CredentialHint, Sleep } from "../../../sdk/core";

/** What the server does with one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Destroys the socket after reading the request: the client sees a reset after sending. */
  | "drop"
  /** Never answers: the client's per-attempt timeout fires. */
  | "hang";

/** A request as the server saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** Replies in order (the last one repeats), or a function of the request and its index. */
export type Script = Reply[] | ((request: Seen, index: number) => Reply);

export interface TestServer {
  baseUrl: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

/** Starts a server that answers per `script` and records every request. */
export async function startServer(script: Script, port = 0): Promise<TestServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const index = seen.length;
      seen.push(request);
      const reply =
        typeof script === "function" ? script(request, index) : script[Math.min(index, script.length - 1)];
      if (reply === undefined || reply === "hang") return;
      if (reply === "drop") {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = { ...reply.headers };
      let text = "";
      if (typeof reply.body === "string") text = reply.body;
      else if (reply.body !== undefined) {
        text = JSON.stringify(reply.body);
        headers["content-type"] ??= "application/json";
      }
      res.writeHead(reply.status, headers);
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${actual}/api/v2`,
    port: actual,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startServer([]);
  await server.close();
  return server.port;
}

/** A clock and a sleep that advances it, recording every wait. Starts on a whole second (HTTP dates). */
export function fakeTime(start = 1_800_000_000_000) {
  const state = { now: start };
  const waits: number[] = [];
  const clock: Clock = { now: () => state.now };
  const sleep: Sleep = async (ms) => {
    waits.push(ms);
    state.now += ms;
  };
  return { clock, sleep, waits, state, start, elapsed: () => state.now - start };
}

export const TOKEN = "tok_CANARY_4f1d8e2a9b7c6d5e";
export const SECRET = "sv_CANARY_e7c2a9f04b1d3386";

export const HINT: CredentialHint = { config: "tensordock:apiToken", env: "TENSORDOCK_API_TOKEN" };

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
