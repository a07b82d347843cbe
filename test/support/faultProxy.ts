/**
 * A loopback HTTP proxy in front of one sandbox, for faults the sandboxes cannot make themselves: a request
 * the server commits whose answer a gateway then replaces with a 5xx (the server did the work, the client is
 * told it failed), and a hook that runs once a request has reached the server (to kill the caller while its
 * request is in flight). When the caller goes away, the proxy drops the upstream request too, as a direct
 * TCP connection would. A third hook runs once the server has answered, before the answer is relayed (to kill the
 * caller after the server committed, before it can learn so).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Which requests a proxy fault applies to; omitted fields match anything. */
export interface ProxyMatch {
  method?: string;
  /** Tested against the path (query string included). */
  path?: RegExp;
}

interface Rule extends ProxyMatch {
  status: number;
  remaining: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** The upstream base URL with the proxy's origin in place of the sandbox's. */
  baseUrl: string;
  /** The next `count` matching requests reach the server (which commits), then the caller gets `status`. */
  failAfterCommit(status: number, count: number, match?: ProxyMatch): void;
  /** Called once a request's body has been sent on to the server. */
  onForward: ((method: string, path: string) => void) | undefined;
  /** Called once the server has answered a request, before the answer is relayed to the caller. */
  onAnswer: ((method: string, path: string, status: number) => void) | undefined;
  /** Answers replaced by an injected status so far. */
  readonly replaced: number;
  close(): Promise<void>;
}

function matches(rule: ProxyMatch, method: string, path: string): boolean {
  return (
    (rule.method === undefined || rule.method.toUpperCase() === method) &&
    (rule.path === undefined || rule.path.test(path))
  );
}

/** Starts a proxy on 127.0.0.1 port 0 in front of `upstreamBaseUrl`. */
export async function startFaultProxy(upstreamBaseUrl: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const rules: Rule[] = [];
  let replaced = 0;
  const proxy: FaultProxy = {
    baseUrl: "",
    failAfterCommit(status, count, match = {}) {
      rules.push({ ...match, status, remaining: count });
    },
    onForward: undefined,
    onAnswer: undefined,
    get replaced() {
      return replaced;
    },
    close: () => Promise.resolve(),
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const headers = { ...req.headers, host: upstream.host };
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path, headers, agent: false },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          proxy.onAnswer?.(method, path, answer.statusCode ?? 0);
          const index = rules.findIndex((r) => matches(r, method, path));
          const rule = rules[index];
          if (rule !== undefined) {
            rule.remaining -= 1;
            if (rule.remaining === 0) rules.splice(index, 1);
            replaced += 1;
            res.writeHead(rule.status, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: "injected by the fault proxy after the server answered" }));
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
        answer.on("error", () => res.destroy());
      },
    );
    outgoing.on("error", () => res.destroy());
    // The caller vanished (killed, timed out): the server sees its connection close, as without a proxy.
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body, () => proxy.onForward?.(method, path));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const base = new URL(upstreamBaseUrl);
  base.host = `127.0.0.1:${port}`;
  proxy.baseUrl = base.toString().replace(/\/+$/, "");
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
