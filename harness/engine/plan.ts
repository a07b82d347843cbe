/**
 * Pure helpers of the engine's planning: Pulumi's `ignoreChanges` rewrite, property comparison, the
 * reverse-dependency order of deletes, and a concurrency limit.
 */
import { isDeepStrictEqual } from "node:util";
import type { Props } from "./protocol";
import type { ResourceState } from "./state";

type Segment = string | number;

/** Parses a Pulumi property path (`a.b`, `list[0]`, `tags["x.y"]`) into segments. */
export function parsePropertyPath(text: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(match[3].replace(/\\(.)/g, "$1"));
  }
  return segments;
}

function lookup(root: unknown, segments: readonly Segment[]): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, segment))
      return { found: false };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}

/**
 * Applies `ignoreChanges` as Pulumi does before `Check`: each ignored path takes its old input value, or
 * is removed when the old inputs did not have it.
 */
export function applyIgnoreChanges(news: Props, olds: Props, paths: readonly string[]): Props {
  const result = structuredClone(news);
  for (const text of paths) {
    const segments = parsePropertyPath(text);
    const last = segments.at(-1);
    if (last === undefined) continue;
    const old = lookup(olds, segments);
    let parent: Record<string | number, unknown> = result;
    let reachable = true;
    for (const segment of segments.slice(0, -1)) {
      const next = parent[segment];
      if (next === null || typeof next !== "object") {
        if (!old.found) {
          reachable = false;
          break;
        }
        parent[segment] = typeof segment === "number" ? [] : {};
      }
      parent = parent[segment] as Record<string | number, unknown>;
    }
    if (!reachable) continue;
    if (old.found) parent[last] = structuredClone(old.value);
    else if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
    else delete parent[last];
  }
  return result;
}

/** Top-level keys whose values differ between two property bags. */
export function changedKeys(olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !isDeepStrictEqual(olds[k], news[k])).sort();
}

/**
 * For each resource to delete, the resources (of the same set) that must be deleted before it: those that
 * depend on it or are its children. Keys and values are the state entries themselves, since an old copy
 * awaiting deletion shares its URN with its replacement.
 */
export function dependentsWithin(entries: readonly ResourceState[]): Map<ResourceState, ResourceState[]> {
  const byUrn = new Map<string, ResourceState[]>();
  for (const entry of entries) byUrn.set(entry.urn, [...(byUrn.get(entry.urn) ?? []), entry]);
  const dependents = new Map<ResourceState, ResourceState[]>(entries.map((e) => [e, []]));
  for (const entry of entries) {
    const targets = new Set([...entry.dependencies, ...(entry.parent ? [entry.parent] : [])]);
    for (const urn of targets) {
      if (urn === entry.urn) continue;
      for (const target of byUrn.get(urn) ?? []) dependents.get(target)?.push(entry);
    }
  }
  return dependents;
}

/** Runs at most `max` tasks at once; the others wait in arrival order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Runs `task` when a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so the count never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
