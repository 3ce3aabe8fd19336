/**
 * Prints one environment's configuration as the Dagger module reads it:
 * `FP_ENV=staging node environment.ts` (see src/inputs.ts for every variable);
 * with FP_SHARED=1, one shared environment (`platform …`).
 * The module runs it in its infra container before anything else, so a bad
 * configuration fails first, with every problem named. Exits 2 on an invalid
 * configuration or overrides, the problems on stderr.
 */
import { readInputs } from "./src/inputs.ts";
import { moduleEnvironment, sharedModuleEnvironment } from "./src/module-view.ts";

try {
  const inputs = readInputs(process.env);
  const [name, ...more] = inputs.environments;
  if (name === undefined || more.length > 0)
    throw new Error(`FP_ENV must name exactly one environment, not "${process.env["FP_ENV"] ?? ""}"`);
  const view = inputs.shared ? sharedModuleEnvironment(name, inputs) : moduleEnvironment(name, inputs);
  process.stdout.write(JSON.stringify(view));
} catch (error) {
  if (error instanceof Error && error.name === "ConfigError") {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
