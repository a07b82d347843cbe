/**
 * The dynamic provider of `walletcrew.TenantSecret`: what is true of a tenant secret, in the kit's terms (see
 * provider/kit/resource). This file's `module.exports` is the provider object, so Pulumi serializes it as a
 * `require()` of the installed package; every setting is resolved at call time from the resource's
 * `connection`, stack config or the environment.
 */
import type * as pulumi from "@pulumi/pulumi";
import { NotFoundError } from "../../sdk/core";
import type { PutSecret, WalletCrewClient } from "../../sdk/walletcrew";
import {
  type CheckFailure,
  createOrAdopt,
  defineResource,
  readCoalescer,
  ResourceError,
  UNKNOWN,
} from "../kit";
import { resolveTenant, sessionOf } from "./connection";
import {
  type Connection,
  idOf,
  type Inputs,
  inputsSchema,
  isPast,
  type Outputs,
  outputsSchema,
  parseId,
  sameInstant,
  upgrade,
} from "./schema";

/**
 * Whether the tenant's key list names `key`, asked after a GET answered 404. The reads of one operation share
 * one list (a refresh of many deleted or expired secrets sends one, not one each); a key that list names
 * is checked again with a fresh list, since the GET has just said otherwise.
 */
async function listed(client: WalletCrewClient, account: string, key: string): Promise<boolean> {
  try {
    if (!(await readCoalescer.get(account, () => client.list())).includes(key)) return false;
  } catch {
    // Fall through to the tenant's own list.
  }
  return (await client.list()).includes(key);
}

/** The value a key holds now, `undefined` when a GET answers 404 (gone, expired or not valid yet). */
async function valueOf(client: WalletCrewClient, key: string): Promise<string | undefined> {
  try {
    return await client.retrieve(key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function putBody(args: Inputs): PutSecret {
  const body: PutSecret = { value: args.value ?? "" };
  if (args.expiresOn !== undefined) body.expiresOn = args.expiresOn;
  if (args.notBefore !== undefined) body.notBefore = args.notBefore;
  return body;
}

/** One PUT (an upsert) of the value and validity. */
async function put(args: Inputs): Promise<Omit<Outputs, "schemaVersion">> {
  await sessionOf(args.tenantId, args.connection).client.put(args.key, putBody(args));
  return written(args);
}

/** Outputs after a successful PUT of `args`. */
function written(args: Inputs): Omit<Outputs, "schemaVersion"> {
  // The sourced value's companions are the kit's to record.
  const { valueFrom: _from, valueVersion: _version, ...given } = args;
  return {
    ...given,
    adopt: args.adopt === true,
    connection: args.connection as Outputs["connection"],
    expired: isPast(args.expiresOn, Date.now()),
  };
}

/** A connection with no field set is no connection. */
function normalized(c: Connection | typeof UNKNOWN | undefined): Connection | typeof UNKNOWN | undefined {
  if (c === undefined || c === UNKNOWN) return c;
  return Object.values(c).some((v) => v !== undefined) ? c : undefined;
}

/**
 * Resolves the tenant, and refuses an `expiresOn` already in the past only when it is new or changed (or the
 * secret itself is new): a secret that has expired since the last `up` must not make every later `up` fail.
 */
function refine(args: Record<string, unknown>, olds: Record<string, unknown>) {
  const given = args as Omit<Inputs, "tenantId" | "adopt"> & { tenantId?: string; adopt?: boolean };
  const failures: CheckFailure[] = [];
  let tenantId: string | undefined;
  try {
    tenantId = resolveTenant(given.tenantId, given.connection);
  } catch (error) {
    // Present but empty (stack config "", WALLETCREW_TENANT_ID=): the message names where it came from.
    failures.push({ property: "tenantId", reason: error instanceof Error ? error.message : "is unusable" });
    tenantId = "";
  }
  if (tenantId === undefined) {
    failures.push({
      property: "tenantId",
      reason:
        "no tenant: set the tenantId argument, connection.tenantId, the walletcrew:tenantId stack config, " +
        "or the WALLETCREW_TENANT_ID environment variable",
    });
  }
  const known = (v: string | undefined): v is string => v !== undefined && v !== UNKNOWN;
  const { notBefore, expiresOn } = given;
  if (known(notBefore) && known(expiresOn) && Date.parse(notBefore) >= Date.parse(expiresOn)) {
    failures.push({ property: "notBefore", reason: "must be before expiresOn" });
  }
  if (known(expiresOn) && isPast(expiresOn, Date.now())) {
    const oldExpiry = typeof olds.expiresOn === "string" ? olds.expiresOn : undefined;
    const sameSecret = olds.key === given.key && olds.tenantId === tenantId;
    if (!sameSecret || !sameInstant(oldExpiry, expiresOn)) {
      failures.push({
        property: "expiresOn",
        reason:
          `is already in the past (${expiresOn}): set a future date, or remove expiresOn ` +
          "for a secret that never expires",
      });
    }
  }
  if (failures.length > 0 || tenantId === undefined) return { failures };
  const connection = normalized(given.connection);
  return { inputs: { ...given, tenantId, adopt: given.adopt ?? false, connection } as Inputs };
}

const sameTime = (a: unknown, b: unknown) => sameInstant(a as string | undefined, b as string | undefined);

const provider = defineResource<Inputs, Outputs>({
  type: "walletcrew:TenantSecret",
  inputs: inputsSchema,
  outputs: outputsSchema,
  outputOnly: ["expired"],
  refine,
  valueFrom: { change: "update" },
  // A new key or tenant is another secret: replaced, creating first (it can never be the secret it replaces,
  // so there is no moment without a secret). Value and validity are one PUT; a new connection (a rotated API
  // key, a new base URL) only changes what state records for later refresh and destroy. `adopt` only matters
  // when creating.
  changes: {
    key: "replace",
    tenantId: "replace",
    value: "update",
    expiresOn: { change: "update", same: sameTime },
    notBefore: { change: "update", same: sameTime },
    connection: "update",
  },
  upgrade: (props, id) => upgrade(props, id, Date.now()),
  subject: (state, id) =>
    state.tenantId !== undefined && state.key !== undefined ? idOf(state.tenantId, state.key) : `${id}`,

  /**
   * Refuses to overwrite a key the tenant already holds unless `adopt` is true (PUT is an upsert and would
   * silently take over a secret this stack never managed), or the secret is provably this one (same value).
   * A PUT of a new key whose answer was lost is settled by the key list (which names invalid secrets too); one
   * over a key that was there cannot be checked (validity dates are never read back), so it fails saying so.
   */
  async create(args) {
    const id = idOf(args.tenantId, args.key);
    const { client, account } = sessionOf(args.tenantId, args.connection);
    let existed = false;
    await createOrAdopt({
      identity: `${account}\0${args.key}`,
      what: `key ${args.key} in tenant ${args.tenantId}`,
      async holders() {
        // The list names expired and not-yet-valid secrets too, which a GET would answer with 404.
        existed = (await client.list()).includes(args.key);
        // A key already there is written over only when this create may take it, or would write what it holds.
        const ours = !existed || args.adopt === true || (await valueOf(client, args.key)) === args.value;
        return ours ? [] : [id];
      },
      held: () => ({
        held: `the key ${args.key} already exists in tenant ${args.tenantId} (id ${id})`,
        id,
        declare: "it is adopted unchanged",
        orElse: "set adopt: true to take it over (its value and validity are overwritten)",
        otherwise: "choose another key",
      }),
      write: {
        send: async () => (await put(args), id),
        async look(error) {
          if (!existed) return (await client.list()).includes(args.key) ? id : undefined;
          const reason = error instanceof Error ? error.message : "unknown failure";
          throw new ResourceError(
            `${reason}; the key was there before, and whether this PUT overwrote it cannot be checked (its ` +
              "validity dates are never read back): run the update again (a PUT is safe to repeat)",
          );
        },
      },
    });
    return { id, outs: written(args) };
  },

  /**
   * A 404 for a secret that still exists (expired, or not valid yet) keeps it, with `expired` set from its
   * stored `expiresOn`, so refresh never drops it and the next `up` never tries to create it again.
   */
  async read(id, stored, imported) {
    if (parseId(id) === undefined) throw new Error("the id must have the form <tenantId>/<key>");
    const { client, account } = sessionOf(stored.tenantId, stored.connection);
    const value = await valueOf(client, stored.key);
    if (value !== undefined) return { ...stored, value, expired: false };
    const at = Date.now();
    const expired = isPast(stored.expiresOn, at);
    const notYetValid = stored.notBefore !== undefined && !isPast(stored.notBefore, at);
    // Without a local reason for the 404, the key list (which keeps invalid secrets) tells gone from invalid.
    if (!(expired || notYetValid || (await listed(client, account, stored.key)))) return undefined;
    if (imported) {
      throw new Error(
        "the secret exists but is expired or not valid yet, so its value cannot be read to import it; " +
          "declare it with adopt: true instead",
      );
    }
    return { ...stored, expired };
  },

  update: (_id, _stored, next) => put(next),

  async delete(_id, stored) {
    await sessionOf(stored.tenantId, stored.connection).client.delete(stored.key);
  },
}) satisfies pulumi.dynamic.ResourceProvider;

export = provider;
