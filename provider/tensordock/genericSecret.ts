/** The `tensordock.GenericSecret` resource: a write-only `GENERIC` or `SECRET` value in TensorDock. */
import type * as pulumi from "@pulumi/pulumi";
import { resourceClass } from "../kit/resourceClass";
import type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";

import provider = require("./genericSecret.provider");

/** Arguments of {@link GenericSecret}. Every change except `connection` replaces the secret (no update). */
export interface GenericSecretArgs extends TensorDockResourceArgs {
  /** The secret's name in TensorDock: 1–255 characters, no control characters. */
  name: pulumi.Input<string>;
  /** The value, 1 byte to 64 KiB (UTF-8); secret in state. TensorDock never returns it after creation. */
  value: pulumi.Input<string>;
  /** The TensorDock type. @default "GENERIC" */
  secretType?: pulumi.Input<"GENERIC" | "SECRET">;
}

/** The outputs of {@link GenericSecret}. */
interface GenericSecretOutputs {
  /** The secret's name in TensorDock. */
  name: string;
  /** The value as declared (secret); absent after an import until the program declares one. */
  value: string | undefined;
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
  type: "tensordock:GenericSecret",
  secrets: ["value", "connection"],
  // secretType is resolved by the provider (default GENERIC): registered even when not given.
  outputOnly: ["secretType"],
}) {}
