/** The `tensordock.GenericSecret` resource: a write-only `GENERIC` or `SECRET` value in TensorDock. */
import type * as pulumi from "@pulumi/pulumi";
import { resourceClass, type ValueOrSource } from "../kit/resourceClass";
import type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";

import provider = require("./genericSecret.provider");

/**
 * Arguments of {@link GenericSecret}: a value (1 byte to 64 KiB in UTF-8; secret in state; TensorDock never
 * returns it after creation), or its `valueFrom`. Every change except `connection` replaces the secret (no update).
 */
export type GenericSecretArgs = GenericSecretFields & ValueOrSource;

/** Arguments of {@link GenericSecret} besides its value. */
export interface GenericSecretFields extends TensorDockResourceArgs {
  /** The secret's name in TensorDock: 1–255 characters, no control characters. */
  name: pulumi.Input<string>;
  /** The TensorDock type. @default "GENERIC" */
  secretType?: pulumi.Input<"GENERIC" | "SECRET">;
}

/** The outputs of {@link GenericSecret}. */
interface GenericSecretOutputs {
  /** The secret's name in TensorDock. */
  name: string;
  /** The value as declared (secret); absent after an import until the program declares one, or with `valueFrom`. */
  value: string | undefined;
  /** Where the value is read from at deploy time, when it is not declared. */
  valueFrom: { env?: string; file?: string } | undefined;
  /** The salted scrypt fingerprint of the value read from `valueFrom` (never the value). */
  valueFingerprint: string | undefined;
  /** `GENERIC` or `SECRET`. */
  secretType: "GENERIC" | "SECRET";
  /** The connection overrides (secret). */
  connection: TensorDockConnectionArgs | undefined;
  /** Version of the output shape, so later releases can read this state. */
  schemaVersion: number;
}

/**
 * A generic secret in TensorDock, attached to instances at deploy time. Its value cannot be read back, so
 * refresh checks only that the secret still exists.
 */
export class GenericSecret extends resourceClass<GenericSecretArgs, GenericSecretOutputs>({
  provider,
  // secretType is resolved by the provider (default GENERIC): registered even when not given.
  outputOnly: ["secretType", "valueFrom", "valueFingerprint"],
}) {}
