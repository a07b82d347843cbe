/**
 * The plugin's entry point, run by `bin/pulumi-resource-secretstack` (which the engine starts with its own
 * address as the argument): serves the provider until the engine stops it.
 */
import { serve } from "./serve";

serve(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `pulumi-resource-secretstack: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
