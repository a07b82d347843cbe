/** The `tensordock.GenericSecret` resource: a write-only `GENERIC` or `SECRET` value in TensorDock. */
import * as pulumi from "@pulumi/pulumi";
import { registration, type ValueOrSource } from "../kit/resourceClass";
import type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";
import { SECRET_ARGUMENTS } from "./lifecycle";

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

/**
 * A generic secret in TensorDock, attached to instances at deploy time. Its value cannot be read back, so
 * refresh checks only that the secret still exists.
 */
export class GenericSecret extends pulumi.dynamic.Resource {
  /** The secret's name in TensorDock. */
  declare public readonly name: pulumi.Output<string>;
  /** The value as declared (secret); absent after an import until the program declares one, or with `valueFrom`. */
  declare public readonly value: pulumi.Output<string | undefined>;
  /** Where the value is read from at deploy time, when it is not declared. */
  declare public readonly valueFrom: pulumi.Output<{ env?: string; file?: string } | undefined>;
  /** The salted scrypt fingerprint of the value read from `valueFrom` (never the value). */
  declare public readonly valueFingerprint: pulumi.Output<string | undefined>;
  /** `GENERIC` or `SECRET`. */
  declare public readonly secretType: pulumi.Output<"GENERIC" | "SECRET">;
  /** The connection overrides (secret). */
  declare public readonly connection: pulumi.Output<TensorDockConnectionArgs | undefined>;
  /** Version of the output shape, so later releases can read this state. */
  declare public readonly schemaVersion: pulumi.Output<number>;

  /** Declares a generic secret; see {@link GenericSecretArgs}. */
  constructor(name: string, args: GenericSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const secret = SECRET_ARGUMENTS.GenericSecret;
    // secretType is resolved by the provider (default GENERIC): registered even when not given.
    const registered = registration(args, opts, {
      secret,
      outputOnly: ["secretType", "valueFrom", "valueFingerprint"],
    });
    super(provider, name, ...registered, "tensordock", "GenericSecret");
  }
}
