/**
 * Synthesizes the stacks: `node infra/main.ts` (Node ≥ 22.18 runs TypeScript
 * as is). It and environment.ts are infra's two programs, the only places that
 * read environment variables (src/inputs.ts parses them): FP_CONFIG (the app's
 * configuration file; default: none, the built-in environments, i.e. local),
 * FP_ENV (environments to synthesize, comma-separated; default: all),
 * FP_OUTDIR (output folder; default: infra/cdktf.out), FP_OVERRIDES (JSON
 * merged over each environment's configuration, see src/resolve.ts) and
 * FP_SHARED=1 (FP_ENV names shared environments: their stacks instead).
 *
 * The module runs it as `node main.ts` in this directory; from the repository
 * root, `npm run synth` runs it on the sample's fargate-pipeline.yaml.
 *
 * Prints the synthesized stacks as JSON on stdout (environment, role, name,
 * directory, file), in apply order. Exits 2 on an invalid configuration, with
 * every problem named on stderr.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SharedEnvironmentOverrides } from "./src/config/types.ts";
import { readInputs } from "./src/inputs.ts";
import { synthesize, synthesizeShared } from "./src/synth.ts";

const here = dirname(fileURLToPath(import.meta.url));

try {
  const inputs = readInputs(process.env);
  const outdir = resolve(inputs.outdir ?? join(here, "cdktf.out"));
  const stacks = inputs.shared
    ? synthesizeShared({
        outdir,
        environments: inputs.environments,
        // The same JSON object: FP_OVERRIDES holds a shared environment's fields here.
        overrides: inputs.overrides as SharedEnvironmentOverrides | undefined,
        ...(inputs.config ? { config: inputs.config } : {}),
      })
    : synthesize({
        outdir,
        ...(inputs.environments.length > 0 ? { environments: inputs.environments } : {}),
        overrides: inputs.overrides,
        ...(inputs.config ? { config: inputs.config } : {}),
      });
  process.stdout.write(`${JSON.stringify(stacks, null, 2)}\n`);
} catch (error) {
  if (error instanceof Error && error.name === "ConfigError") {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
