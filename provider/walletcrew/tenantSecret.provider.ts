/**
 * The dynamic provider of `walletcrew.TenantSecret`. This module's exports ARE the provider object: Pulumi
 * serializes it as a `require()` of this file, so it captures no credential, client or config; everything is
 * resolved at call time from the resource's `connection`, stack config or the environment.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  ConnectionError,
  NotFoundError,
  ResponseValidationError,
  ServerError,
  TimeoutError,
} from "../../sdk/core";
import type { PutSecret, WalletCrewClient } from "../../sdk/walletcrew";
import {
  type ConfigureRequest,
  compact,
  oneAtATime,
  readCoalescer,
  recordConfig,
  SCHEMA_VERSION,
  step,
} from "../kit";
import { now } from "./clock";
import { accountFor, CONFIG_KEYS, clientFor } from "./connection";
import { checkInputs, diffOutputs } from "./plan";
import { type Inputs, idOf, isPast, type Outputs, parseId, upgrade } from "./schema";

const RESOURCE = "walletcrew:TenantSecret";

/**
 * Whether a failed PUT may still have stored the secret: a timeout, a reset after sending, or a 5xx. (The
 * core's `isOutcomeUnknown` answers this for POST only; PUT is retried, but may land on its last attempt.)
 */
function mayHaveLanded(error: unknown): boolean {
  if (error instanceof TimeoutError) return error.status !== 408;
  if (error instanceof ConnectionError) return error.requestSent;
  return error instanceof ServerError || error instanceof ResponseValidationError;
}

/** The checked inputs stored in outputs (and returned as refreshed inputs). */
function inputsOf(o: Outputs): Record<string, unknown> {
  return compact({
    key: o.key,
    value: o.value,
    tenantId: o.tenantId,
    adopt: o.adopt,
    expiresOn: o.expiresOn,
    notBefore: o.notBefore,
    connection: o.connection,
  });
}

/** Outputs after a successful PUT of `args`. */
function outputsOf(args: Inputs, at: number): Outputs {
  return compact({
    key: args.key,
    value: args.value,
    tenantId: args.tenantId,
    adopt: args.adopt === true,
    expiresOn: args.expiresOn,
    notBefore: args.notBefore,
    connection: args.connection as Outputs["connection"],
    expired: isPast(args.expiresOn, at),
    schemaVersion: SCHEMA_VERSION,
  });
}

/**
 * Whether the tenant's key list names `key`, asked after a GET answered 404. The reads of one operation share
 * one list (a refresh of many deleted or expired secrets sends one, not one each); a key that list names
 * is checked again with a fresh list, since the GET has just said otherwise. A failed shared list, or
 * coalescing switched off, leaves the decision to the fresh list alone.
 */
async function listed(client: WalletCrewClient, account: string, key: string): Promise<boolean> {
  try {
    if (!(await readCoalescer.get(account, () => client.list())).includes(key)) return false;
  } catch {
    // Fall through to the tenant's own list.
  }
  return (await client.list()).includes(key);
}

function putBody(args: Inputs): PutSecret {
  const body: PutSecret = { value: args.value };
  if (args.expiresOn !== undefined) body.expiresOn = args.expiresOn;
  if (args.notBefore !== undefined) body.notBefore = args.notBefore;
  return body;
}

const provider = {
  /** Records the `walletcrew:*` stack config; never throws and captures nothing. */
  async configure(req: ConfigureRequest): Promise<void> {
    recordConfig(req, CONFIG_KEYS);
  },

  /** Validates and normalizes inputs without any network call; failures name the property. */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    return checkInputs(olds, news, now());
  },

  /** Diff is pure: a new key or tenant replaces (create before delete), anything else updates in place. */
  async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return diffOutputs(upgrade(olds, id, now()), news as Inputs);
  },

  /**
   * A failed create leaves nothing behind. It refuses to overwrite a key the tenant already holds unless
   * `adopt` is true, because PUT is an upsert and would silently take over a secret this stack never managed.
   */
  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const args = inputs as Inputs;
    const id = idOf(args.tenantId, args.key);
    return step(`creating ${RESOURCE} ${id}`, async () => {
      const account = accountFor(args.tenantId, args.connection);
      // One create of a key at a time: two would both see it free, and both PUTs (an upsert) would "create" it.
      return oneAtATime(`${account}\0${args.key}`, async () => {
        const client = clientFor(args.tenantId, args.connection);
        // The list names expired and not-yet-valid secrets too, which a GET would answer with 404.
        const existed = (await client.list()).includes(args.key);
        // Provably the one this create would make (the same value: an interrupted run, a lost state) is
        // adopted: the PUT below writes the same value and the declared validity. Any other is refused.
        const same = existed && (await client.retrieve(args.key).catch(() => undefined)) === args.value;
        if (existed && !same && args.adopt !== true) {
          throw new Error(
            `the key ${args.key} already exists in tenant ${args.tenantId} (id ${id}) but not in this stack's state. ` +
              `If it is this stack's (its state was lost, or is new), adopt it unchanged with the import resource ` +
              `option (import: "${id}"), or set adopt: true to take it over (its value and validity are ` +
              "overwritten); otherwise choose another key",
          );
        }
        try {
          await client.put(args.key, putBody(args));
        } catch (error) {
          // The PUT may have landed; remove what it may have written, unless the key was someone else's before.
          if (!existed && mayHaveLanded(error)) await client.delete(args.key).catch(() => undefined);
          throw error;
        } finally {
          readCoalescer.invalidate(account);
        }
        return { id, outs: outputsOf(args, now()) };
      });
    });
  },

  /**
   * Read returns an empty id when the remote secret is gone. A 404 for a secret that still exists (expired,
   * or not valid yet) keeps it, with `expired` set from its stored `expiresOn`, so refresh never drops it and
   * the next `up` never tries to create it again.
   */
  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    return step(`reading ${RESOURCE} ${id}`, async () => {
      if (parseId(id) === undefined) throw new Error("the id must have the form <tenantId>/<key>");
      const at = now();
      const old = upgrade(props, id, at);
      const client = clientFor(old.tenantId, old.connection);
      const account = accountFor(old.tenantId, old.connection);
      let outs: Outputs;
      try {
        outs = { ...old, value: await client.retrieve(old.key), expired: false };
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        const expired = isPast(old.expiresOn, at);
        const notYetValid = old.notBefore !== undefined && !isPast(old.notBefore, at);
        // Without a local reason for the 404, the key list (which keeps invalid secrets) tells gone from
        // invalid, whatever the clocks of both sides say.
        const exists = expired || notYetValid || (await listed(client, account, old.key));
        if (!exists) return { id: "", props: {} };
        if (props.value === undefined) {
          throw new Error(
            "the secret exists but is expired or not valid yet, so its value cannot be read to import it; " +
              "declare it with adopt: true instead",
          );
        }
        outs = { ...old, expired };
      }
      return { id, props: outs, inputs: inputsOf(outs) };
    });
  },

  /** Update is one PUT (an upsert) of the new value and validity; key and tenant never change here. */
  async update(id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    const args = news as Inputs;
    return step(`updating ${RESOURCE} ${id}`, async () => {
      try {
        await clientFor(args.tenantId, args.connection).put(args.key, putBody(args));
      } finally {
        readCoalescer.invalidate(accountFor(args.tenantId, args.connection));
      }
      return { outs: outputsOf(args, now()) };
    });
  },

  /** Delete treats 404 as done. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    await step(`deleting ${RESOURCE} ${id}`, async () => {
      const old = upgrade(props, id, now());
      try {
        await clientFor(old.tenantId, old.connection).delete(old.key);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      } finally {
        readCoalescer.invalidate(accountFor(old.tenantId, old.connection));
      }
    });
  },
};

export = provider;
