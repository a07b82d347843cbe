/**
 * A NetActuate stack deploys against the sandbox in each of the four auth style and body encoding
 * combinations, set through the environment or stack config, and every request it sends is written that
 * way: the key as `?key=` or as a Bearer header (never both), bodies as forms or JSON.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, up } from "../../harness/engine";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";

const PROGRAM = path.resolve(__dirname, "..", "fixtures", "netactuate");
const KEY = "na_transport_styles_key_71c3e9";

interface Seen {
  method: string;
  queryKey: boolean;
  bearer: boolean;
  contentType: string | undefined;
}

let sandbox: NetActuateSandbox;
let proxy: Server;
let proxyBase: string;
let seen: Seen[] = [];

beforeAll(async () => {
  sandbox = await startNetActuateSandbox({ apiKeys: [KEY] });
  const upstream = new URL(sandbox.baseUrl);
  // A recording pass-through: what each request carried, then the sandbox's answer unchanged.
  proxy = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    seen.push({
      method: req.method ?? "",
      queryKey: url.searchParams.has("key"),
      bearer: /^Bearer /.test(req.headers.authorization ?? ""),
      contentType: req.headers["content-type"]?.split(";")[0],
    });
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyBase = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await sandbox.close();
});

describe.each([
  { authStyle: "query", bodyEncoding: "form", via: "environment" },
  { authStyle: "bearer", bodyEncoding: "json", via: "environment" },
  { authStyle: "query", bodyEncoding: "json", via: "stack config" },
  { authStyle: "bearer", bodyEncoding: "form", via: "stack config" },
] as const)("a NetActuate stack with $authStyle auth and $bodyEncoding bodies from $via", (style) => {
  it("deploys and destroys, sending every request that way", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "na-styles-"));
    const tag = `${style.authStyle}-${style.bodyEncoding}`;
    const settings =
      style.via === "environment"
        ? { env: { NETACTUATE_AUTH_STYLE: style.authStyle, NETACTUATE_BODY_ENCODING: style.bodyEncoding } }
        : {
            config: {
              "netactuate:authStyle": style.authStyle,
              "netactuate:bodyEncoding": style.bodyEncoding,
            },
          };
    const spec = {
      lists: [{ resource: "list", name: `styles ${tag}` }],
      values: [
        { resource: "value", list: "list", key: `STYLE_${tag.replace("-", "_").toUpperCase()}`, value: "v" },
      ],
    };
    const options = {
      programDir: PROGRAM,
      stateFile: path.join(dir, "state.json"),
      ...settings,
      env: {
        NA_SPEC: JSON.stringify(spec),
        NETACTUATE_API_KEY: KEY,
        NETACTUATE_BASE_URL: proxyBase,
        ...("env" in settings ? settings.env : {}),
      },
    };
    try {
      seen = [];
      await up(options);
      expect(sandbox.lists().map((l) => l.name)).toContain(`styles ${tag}`);
      await destroy(options);
      expect(sandbox.lists().map((l) => l.name)).not.toContain(`styles ${tag}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(2);
    expect(seen.some((s) => s.method === "DELETE")).toBe(true);
    for (const request of seen) {
      expect(request.queryKey, JSON.stringify(request)).toBe(style.authStyle === "query");
      expect(request.bearer, JSON.stringify(request)).toBe(style.authStyle === "bearer");
      if (request.method === "POST") {
        expect(request.contentType).toBe(
          style.bodyEncoding === "form" ? "application/x-www-form-urlencoded" : "application/json",
        );
      }
    }
  });
});
