/**
 * One way to run a lookup (a plain function that reads what exists without managing it, in the program's
 * process): its arguments are checked strictly, an unknown one named with the closest valid name; the
 * program's stack config is recorded for the one settings reader; and any failure becomes a ResourceError
 * with what was being looked up in front.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { zodFailures } from "./check";
import { type ConfigureRequest, recordConfig } from "./config";
import { ResourceError, step } from "./errors";
import { configKeys } from "./settings";

/**
 * The lookups of one API. Each checks its arguments (those of `shape` and the API's optional `connection`),
 * records the stack config, and runs `body` as one step called `what`.
 */
export function apiLookup<C extends z.ZodType>(connection: C) {
  return async <S extends z.ZodRawShape, T>(
    what: string,
    shape: S,
    args: unknown,
    body: (args: z.infer<z.ZodObject<S & { connection: z.ZodOptional<C> }, z.core.$strict>>) => Promise<T>,
  ): Promise<T> => {
    const schema = z.object({ ...shape, connection: connection.optional() }).strict();
    const parsed = schema.safeParse(args ?? {});
    if (!parsed.success) {
      const failures = zodFailures(parsed.error, schema, what.split(" ")[0]);
      throw new ResourceError(what, new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; ")));
    }
    // Loaded here, in the program that runs a lookup, never by the provider modules that share the kit: the whole
    // of @pulumi/pulumi takes half a second to load, which the provider plugin's every start would pay.
    const { runtime } = (await import("@pulumi/pulumi")) as typeof pulumi;
    // runtime.getConfig reads raw values (secret ones included) without the warning Config.get gives for them.
    const req: ConfigureRequest = { config: { get: (key) => runtime.getConfig(key) } };
    recordConfig(req, configKeys());
    return step(what, () => body(parsed.data));
  };
}
