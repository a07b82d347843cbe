import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Auth,
  errorFor,
  HttpClient,
  type HttpClientOptions,
  type RequestEvent,
  type RequestOptions,
  SecretstackError,
  scrub,
} from "../../../sdk/core";
import {
  caught,
  closedPort,
  fakeTime,
  HINT,
  type Reply,
  SECRET,
  type Seen,
  startServer,
  type TestServer,
  TOKEN,
} from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const styles: Array<[string, Auth, (seen: Seen) => boolean]> = [
  ["bearer", { kind: "bearer", token: TOKEN }, (seen) => seen.headers.authorization === `Bearer ${TOKEN}`],
  [
    "header",
    { kind: "header", name: "X-API-KEY", value: TOKEN },
    (seen) => seen.headers["x-api-key"] === TOKEN,
  ],
  ["query", { kind: "query", name: "key", value: TOKEN }, (seen) => seen.url.includes(`key=${TOKEN}`)],
];

const echo = `value ${SECRET} rejected for credential ${TOKEN}`;
const createSecret = {
  method: "POST",
  path: "/secrets",
  body: { data: { type: "secret", attributes: { name: "db", value: SECRET } } },
  response: z.unknown(),
} as const satisfies RequestOptions<unknown>;
const formCreate = {
  ...createSecret,
  bodyEncoding: "form",
  body: { secret_key: "db", secret_value: SECRET },
} as const;

/** Each scenario makes one failing call; the server (if any) answers with `replies`. */
interface Scenario {
  name: string;
  replies?: Reply[];
  refused?: boolean;
  options?: Partial<HttpClientOptions>;
  call: RequestOptions<unknown>;
}

const scenarios: Scenario[] = [
  {
    name: "a 400 that echoes the secret and token",
    replies: [{ status: 400, body: { detail: echo, errors: { [SECRET]: ["x"], value: [SECRET] } } }],
    call: createSecret,
  },
  {
    name: "a 422 echo of a form body",
    replies: [{ status: 422, body: { message: echo, fields: { secret_value: [SECRET] } } }],
    call: formCreate,
  },
  {
    name: "a 400 that echoes a cut-off prefix of the secret",
    replies: [{ status: 400, body: { detail: `value '${SECRET.slice(0, 15)}…' is too long` } }],
    call: createSecret,
  },
  {
    name: "a 401 that echoes the token",
    replies: [
      {
        status: 401,
        headers: { "www-authenticate": `Bearer ${TOKEN}` },
        body: { message: `token ${TOKEN} revoked` },
      },
    ],
    call: createSecret,
  },
  {
    name: "a 500 with a plain-text echo",
    replies: [{ status: 500, headers: { "content-type": "text/plain" }, body: `boom: ${SECRET}` }],
    call: createSecret,
  },
  {
    name: "429s until the retries run out",
    replies: [{ status: 429, headers: { "retry-after": "1" }, body: { message: echo } }],
    call: { ...createSecret, method: "PUT" },
  },
  { name: "a refused connection", refused: true, call: createSecret },
  { name: "a reset after sending", replies: ["drop"], call: createSecret },
  { name: "a timeout", replies: ["hang"], options: { timeoutMs: 50 }, call: createSecret },
  {
    name: "a response that fails the schema at the secret",
    replies: [{ status: 200, body: { id: 1, value: SECRET } }],
    call: { ...createSecret, response: z.object({ id: z.number(), value: z.number() }) },
  },
  {
    name: "a response keyed by the secret",
    replies: [{ status: 200, body: { [SECRET]: SECRET } }],
    call: { ...createSecret, response: z.record(z.string(), z.number()) },
  },
  {
    name: "a body that is not JSON",
    replies: [{ status: 200, body: `<html>${SECRET}` }],
    call: createSecret,
  },
  {
    name: "a schema transform that throws with the value in its message",
    replies: [{ status: 200, body: { value: SECRET } }],
    call: {
      ...createSecret,
      response: z.object({ value: z.string() }).transform((v) => {
        throw new Error(`cannot use ${v.value}`);
      }),
    },
  },
  {
    name: "an unwrap hook that throws with the secret in its message",
    replies: [{ status: 200, body: { value: SECRET } }],
    call: {
      ...createSecret,
      unwrap: () => {
        throw new Error(`bad envelope ${SECRET} ${TOKEN}`);
      },
    },
  },
  {
    name: "an envelope error whose detail echoes the secret",
    replies: [{ status: 200, body: { code: 422, message: echo } }],
    call: {
      ...createSecret,
      unwrap: (_s, body) => {
        throw errorFor(422, { detail: (body as { message: string }).message, fields: [SECRET] });
      },
    },
  },
];

/** Every way an error can be turned into text. */
function renderings(error: Error): Record<string, string> {
  return {
    message: error.message,
    stack: error.stack ?? "",
    string: String(error),
    json: JSON.stringify(error),
    inspect: inspect(error, { depth: 10 }),
    inspectHidden: inspect(error, { depth: 10, showHidden: true }),
    spread: inspect({ ...error }, { depth: 10 }),
    cause: inspect(error.cause, { depth: 10 }),
  };
}

describe.each(styles)("with a %s credential", (_style, auth, carriesToken) => {
  it.each(scenarios)("keeps the token and secret out of every rendering of $name", async (scenario) => {
    let baseUrl: string;
    let server: TestServer | undefined;
    if (scenario.refused) baseUrl = `http://127.0.0.1:${await closedPort()}`;
    else {
      server = await startServer(scenario.replies ?? []);
      servers.push(server);
      baseUrl = server.baseUrl;
    }
    const events: RequestEvent[] = [];
    const time = fakeTime();
    const client = new HttpClient({
      api: "TensorDock",
      baseUrl,
      auth,
      credentialHint: HINT,
      clock: time.clock,
      sleep: time.sleep,
      rateLimit: { requestsPerMinute: 100 },
      onRequest: (event) => events.push(event),
      ...scenario.options,
    });
    const error = await caught(() => client.request(scenario.call));

    expect(error).toBeInstanceOf(SecretstackError);
    expect(events.length).toBeGreaterThan(0);
    if (server !== undefined) {
      // The canaries really travelled, so their absence below means something.
      expect(server.seen.length).toBeGreaterThan(0);
      expect(server.seen.every(carriesToken)).toBe(true);
      expect(server.seen.every((seen) => seen.body.includes(SECRET))).toBe(true);
    }
    for (const [form, text] of Object.entries({ ...renderings(error), events: JSON.stringify(events) })) {
      expect(text.includes(TOKEN), `token in ${form}`).toBe(false);
      expect(text.includes(SECRET), `secret in ${form}`).toBe(false);
      expect(text.includes(SECRET.slice(0, 12)), `secret prefix in ${form}`).toBe(false);
      expect(text.includes("?"), `query string in ${form}`).toBe(false);
    }
  });
});

it("keeps useful server text once the echoed values are cut out", async () => {
  const server = await startServer([
    { status: 400, body: { detail: `value ${SECRET} is too long`, errors: { value: ["x"] } } },
  ]);
  servers.push(server);
  const time = fakeTime();
  const client = new HttpClient({
    api: "TensorDock",
    baseUrl: server.baseUrl,
    auth: { kind: "bearer", token: TOKEN },
    credentialHint: HINT,
    clock: time.clock,
    sleep: time.sleep,
  });
  const error = (await caught(() => client.request(createSecret))) as SecretstackError;
  expect(error.detail).toBe("value [redacted] is too long");
  expect(error.fields).toEqual(["value"]);
});

describe("scrub", () => {
  it("cuts a short sent value only where it stands as a whole word", () => {
    expect(scrub("pin 42 rejected; 4242 is fine", ["42"])).toBe("pin [redacted] rejected; 4242 is fine");
  });

  it("collapses control characters and whitespace and cuts long text", () => {
    const text = scrub(`a\r\n\tb ${"x".repeat(500)}`, []);
    expect(text?.startsWith("a b x")).toBe(true);
    expect(text?.length).toBe(200);
  });

  it("withholds text that repeats part of a long sent value", () => {
    expect(scrub("value starts with CANARY_e7c2", ["sv_CANARY_e7c2a9f04b1d3386"])).toBe(
      "[server text withheld: it repeated part of the request]",
    );
  });

  it("returns nothing for non-text or blank input", () => {
    expect(scrub({ detail: "x" }, [])).toBeUndefined();
    expect(scrub("  \n ", [])).toBeUndefined();
  });
});
