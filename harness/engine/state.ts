/**
 * The engine's state file: one JSON file per stack, secrets encrypted the way Pulumi's passphrase secrets
 * manager does it (a key derived from a passphrase with a per-file salt, AES-256-GCM per value), written
 * atomically (temp file + rename) so a crash loses at most the operation in flight.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
  scrypt,
} from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY } from "@pulumi/pulumi/runtime/rpc";
import type { Props } from "./protocol";

/**
 * The passphrase used when `SECRETSTACK_ENGINE_PASSPHRASE` is not set. It protects only local sandbox
 * stacks on the machine that made them, which is why it may be written here; set your own for anything else.
 */
export const DEFAULT_ENGINE_PASSPHRASE = "secretstack-local-only-passphrase";

/** One resource in the state file, with its secret values decrypted (in memory only). */
export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** The checked inputs, `__provider` included. */
  inputs: Props;
  /** The provider's outputs, `__provider` included. */
  outputs: Props;
  /** URNs this resource depends on (explicit `dependsOn` and inputs taken from other resources). */
  dependencies: string[];
  parent?: string;
  /** Top-level input keys that are secret. */
  secretInputs?: string[];
  /** Top-level output keys that are secret. */
  secretOutputs?: string[];
  additionalSecretOutputs?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** An old copy left by a create-before-delete replacement, deleted at the end of a successful `up`. */
  pendingDelete?: boolean;
}

/**
 * An operation sent to the provider whose outcome was never recorded: the engine writes it before the call and
 * removes it after the answer, so a run killed in between leaves it behind, as Pulumi's pending operations do.
 * The remote object may or may not exist; `refresh` with `clearPendingCreates` forgets the operation.
 */
export interface PendingOperation {
  urn: string;
  type: string;
  name: string;
  operation: "creating";
}

/** The decrypted content of a state file. */
export interface StackState {
  resources: ResourceState[];
  /** Operations of an interrupted run (see {@link PendingOperation}); absent from the file when there are none. */
  pendingOperations: PendingOperation[];
  /** Stack outputs of the last successful `up`. */
  outputs: Props;
  /** Top-level stack output keys that are secret. */
  secretOutputs: string[];
}

interface SecretsProvider {
  type: "passphrase";
  kdf: "scrypt";
  salt: string;
  /** A known value encrypted with the key: tells a wrong passphrase from a corrupted file. */
  check: string;
}

interface StateFileJson {
  version: 1;
  secretsProvider?: SecretsProvider;
  outputs?: Props;
  secretOutputs?: string[];
  resources: ResourceState[];
  pendingOperations?: PendingOperation[];
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const CHECK_PLAINTEXT = "secretstack-engine-state";
const keyCache = new Map<string, Promise<KeyObject>>();

/**
 * The state key as a KeyObject, made once: a raw Buffer key is turned into one inside every createCipheriv, which
 * costs more than the AES itself when a state of thousands of resources is loaded or saved.
 */
function deriveKey(passphrase: string, salt: Buffer): Promise<KeyObject> {
  // Cached per (passphrase, salt) so the many runs of a test suite pay scrypt once per stack.
  const cacheKey = `${salt.toString("base64")}:${createHash("sha256").update(passphrase).digest("base64")}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = new Promise<KeyObject>((resolve, reject) =>
      scrypt(passphrase, salt, 32, SCRYPT, (error, derived) =>
        error ? reject(error) : resolve(createSecretKey(derived)),
      ),
    );
    keyCache.set(cacheKey, key);
  }
  return key;
}

function encryptText(key: KeyObject, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${iv.toString("base64")}:${body.toString("base64")}`;
}

function decryptText(key: KeyObject, ciphertext: string): string {
  const [version, ivText, bodyText] = ciphertext.split(":");
  if (version !== "v1" || !ivText || !bodyText) throw new Error("unsupported ciphertext");
  const body = Buffer.from(bodyText, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(ivText, "base64"));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
    "utf8",
  );
}

function isSecretEnvelope(value: unknown): value is { ciphertext: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG &&
    typeof (value as Record<string, unknown>).ciphertext === "string"
  );
}

/** A loaded state file: the decrypted state, and the means to write it back. */
export class StateFile {
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  private constructor(
    /** The path of the state file. */
    readonly file: string,
    /** The state, mutated in place by the engine. */
    readonly state: StackState,
    private readonly key: KeyObject,
    private readonly secrets: SecretsProvider,
  ) {}

  /** Reads and decrypts `file`; a missing file is an empty stack (nothing is written until {@link save}). */
  static async load(file: string, passphrase: string): Promise<StateFile> {
    let json: StateFileJson | undefined;
    try {
      json = JSON.parse(await fs.readFile(file, "utf8")) as StateFileJson;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(`cannot read the state file ${file}: ${(error as Error).message}`);
      }
    }
    if (json && json.version !== 1)
      throw new Error(`the state file ${file} has unsupported version ${json.version}`);
    const salt = json?.secretsProvider ? Buffer.from(json.secretsProvider.salt, "base64") : randomBytes(16);
    const key = await deriveKey(passphrase, salt);
    let secrets: SecretsProvider;
    if (json?.secretsProvider) {
      secrets = json.secretsProvider;
      try {
        if (decryptText(key, secrets.check) !== CHECK_PLAINTEXT) throw new Error("mismatch");
      } catch {
        throw new Error(
          `cannot decrypt the secrets of ${file}: the passphrase differs from the one that wrote it ` +
            "(set SECRETSTACK_ENGINE_PASSPHRASE)",
        );
      }
    } else {
      secrets = {
        type: "passphrase",
        kdf: "scrypt",
        salt: salt.toString("base64"),
        check: encryptText(key, CHECK_PLAINTEXT),
      };
    }
    const open = (props: Props | undefined): Props => {
      const out: Props = {};
      for (const [k, v] of Object.entries(props ?? {})) {
        out[k] = isSecretEnvelope(v) ? (JSON.parse(decryptText(key, v.ciphertext)) as unknown) : v;
      }
      return out;
    };
    const resources = (json?.resources ?? []).map((r) => ({
      ...r,
      inputs: open(r.inputs),
      outputs: open(r.outputs),
    }));
    const state: StackState = {
      resources,
      pendingOperations: json?.pendingOperations ?? [],
      outputs: open(json?.outputs),
      secretOutputs: json?.secretOutputs ?? [],
    };
    return new StateFile(file, state, key, secrets);
  }

  /**
   * Writes the current state atomically. Calls made while a write is in progress share one next write,
   * which captures everything done up to its start.
   */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing.then(() => {
      this.queued = undefined;
      return this.writeNow();
    });
    this.queued = next;
    this.writing = next.catch(() => undefined);
    return next;
  }

  private seal(props: Props, secretKeys: readonly string[] | undefined): Props {
    if (!secretKeys || secretKeys.length === 0) return props;
    const out: Props = {};
    for (const [k, v] of Object.entries(props)) {
      out[k] =
        secretKeys.includes(k) && v !== undefined
          ? { [SIG_KEY]: SECRET_SIG, ciphertext: encryptText(this.key, JSON.stringify(v)) }
          : v;
    }
    return out;
  }

  private async writeNow(): Promise<void> {
    const body: StateFileJson = {
      version: 1,
      secretsProvider: this.secrets,
      outputs: this.seal(this.state.outputs, this.state.secretOutputs),
      secretOutputs: this.state.secretOutputs,
      resources: this.state.resources.map((r) => ({
        ...r,
        inputs: this.seal(r.inputs, r.secretInputs),
        outputs: this.seal(r.outputs, r.secretOutputs),
      })),
    };
    if (this.state.pendingOperations.length) body.pendingOperations = this.state.pendingOperations;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const handle = await fs.open(temp, "w", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw new Error(`cannot write the state file ${this.file}: ${(error as Error).message}`);
    }
  }
}

/** Reads a state file with its secrets decrypted (for tests and tools; the engine uses {@link StateFile}). */
export async function readState(file: string, passphrase = DEFAULT_ENGINE_PASSPHRASE): Promise<StackState> {
  return (await StateFile.load(file, passphrase)).state;
}

/**
 * Takes `<file>.lock` for the duration of a run, so two runs (in any process, this one included) never
 * interleave writes to one stack. A lock left by a process that no longer exists is taken over.
 */
export async function lockState(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  await fs.mkdir(path.dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: "wx" });
      return () => fs.rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(await fs.readFile(lock, "utf8").catch(() => ""), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(`the stack ${file} is locked by process ${owner}; wait for it or remove ${lock}`);
      }
      await fs.rm(lock, { force: true });
    }
  }
  throw new Error(`cannot lock the stack ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
