/**
 * The one OpenAPI checker: an answer of a sandbox against the document under sandbox/openapi/ that describes
 * it. The operation must be documented for the path and method, the status documented for the operation (the
 * `default` response does not count), every required header present, the media type one the response lists
 * (no body at all when it lists none), and the body valid against the response's JSON Schema (OpenAPI 3.1
 * schemas are JSON Schema 2020-12), `$ref`s resolved within the document.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as yaml from "js-yaml";
import { expect } from "vitest";
import { REPO_ROOT } from "./process";

type Json = Record<string, unknown>;

/** An answer as a test received it: status, headers (any case) and the body as text. */
export interface Answer {
  status: number;
  headers: Headers | Record<string, string | string[] | undefined>;
  text: string;
}

/** Reads a fetch `Response` into an {@link Answer}. */
export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function header(answer: Answer, name: string): string | undefined {
  if (answer.headers instanceof Headers) return answer.headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  const found = Object.entries(answer.headers).find(([key]) => key.toLowerCase() === wanted)?.[1];
  return Array.isArray(found) ? found.join(", ") : found;
}

/** `a/b~c` → `a~1b~0c`: one JSON Pointer segment, made safe for a URI fragment. */
function segment(key: string): string {
  return encodeURIComponent(key.replaceAll("~", "~0").replaceAll("/", "~1"));
}

/** One OpenAPI document under sandbox/openapi/ and the checks of answers against it. */
export class OpenApiContract {
  /** The parsed document. */
  readonly doc: Json;
  /** The path part of the first server URL (e.g. `/api`), which the document's paths are relative to. */
  readonly basePath: string;
  private readonly ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });

  /** `file`: a document's name under sandbox/openapi/, or its absolute path. */
  constructor(file: string) {
    const absolute = path.isAbsolute(file) ? file : path.join(REPO_ROOT, "sandbox", "openapi", file);
    this.doc = yaml.load(readFileSync(absolute, "utf8")) as Json;
    this.ajv.addSchema(this.doc, "doc");
    const server = ((this.doc.servers as { url: string }[] | undefined) ?? [])[0]?.url ?? "";
    this.basePath = server.replace(/^[a-z]+:\/\/[^/]+/i, "").replace(/\/+$/, "");
  }

  /** Every documented operation, as `"GET /path/{param}"`. */
  operations(): string[] {
    const methods = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);
    return Object.entries(this.doc.paths as Json).flatMap(([template, item]) =>
      Object.keys(item as Json)
        .filter((m) => methods.has(m))
        .map((m) => `${m.toUpperCase()} ${template}`),
    );
  }

  /** The documented path template a request path (as sent, query allowed) falls under; literals win over parameters. */
  templateOf(requestPath: string): string | undefined {
    const pathname = requestPath.split("?")[0] ?? "";
    if (!pathname.startsWith(this.basePath)) return undefined;
    const relative = pathname.slice(this.basePath.length);
    const matching = Object.keys(this.doc.paths as Json).filter((template) =>
      new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(relative),
    );
    const params = (template: string) => (template.match(/\{/g) ?? []).length;
    return matching.sort((a, b) => params(a) - params(b))[0];
  }

  /** Follows `$ref`s from `pointer` (a JSON Pointer into the document); returns the node and where it is. */
  private deref(pointer: string): { node: Json; pointer: string } {
    let at = pointer;
    for (let hops = 0; hops < 10; hops += 1) {
      const node = at
        .split("/")
        .slice(1)
        .reduce<unknown>(
          (parent, key) =>
            (parent as Json | undefined)?.[
              decodeURIComponent(key).replaceAll("~1", "/").replaceAll("~0", "~")
            ],
          this.doc,
        ) as Json | undefined;
      expect(node, `${at} exists in the document`).toBeDefined();
      const ref = (node as Json).$ref;
      if (typeof ref !== "string") return { node: node as Json, pointer: at };
      at = ref.slice(1);
    }
    throw new Error(`$ref chain too long at ${pointer}`);
  }

  /**
   * Asserts that `answer` to `method requestPath` is what the document describes (see the file's comment).
   * Returns the parsed JSON body when there is one, for further assertions.
   */
  check(method: string, requestPath: string, answer: Answer): unknown {
    const what = `${method} ${requestPath} → ${answer.status}`;
    const template = this.templateOf(requestPath);
    expect(template, `${what}: the path is documented`).toBeDefined();
    const operationPointer = `/paths/${segment(template as string)}/${method.toLowerCase()}`;
    const operation = (this.doc.paths as Json)[template as string] as Json;
    expect(operation[method.toLowerCase()], `${what}: ${method} ${template} is documented`).toBeDefined();
    const responses = (operation[method.toLowerCase()] as Json).responses as Json;
    expect(responses[String(answer.status)], `${what}: the status is documented`).toBeDefined();
    const { node: response, pointer } = this.deref(`${operationPointer}/responses/${answer.status}`);
    for (const name of Object.keys((response.headers ?? {}) as Json)) {
      const required = this.deref(`${pointer}/headers/${segment(name)}`).node.required === true;
      if (required) expect(header(answer, name), `${what}: carries ${name}`).toBeDefined();
    }
    const content = response.content as Json | undefined;
    if (content === undefined) {
      expect(answer.text, `${what}: documents no body`).toBe("");
      return undefined;
    }
    const mediaType = (header(answer, "content-type") ?? "").split(";")[0]?.trim() ?? "";
    expect(Object.keys(content), `${what}: documents its media type`).toContain(mediaType);
    const isJson = mediaType === "application/json" || mediaType.endsWith("+json");
    if (!isJson && !mediaType.startsWith("text/")) return undefined;
    if (isJson) expect(() => JSON.parse(answer.text), `${what}: the body is JSON`).not.toThrow();
    const body: unknown = isJson ? JSON.parse(answer.text) : answer.text;
    if ((content[mediaType] as Json).schema !== undefined) {
      const validate = this.ajv.getSchema(`doc#${pointer}/content/${segment(mediaType)}/schema`);
      expect(validate, `${what}: the schema compiles`).toBeDefined();
      expect(validate?.(body), `${what}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
    return isJson ? body : undefined;
  }
}
