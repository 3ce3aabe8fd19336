/**
 * Synthesizes the stacks: `node infra/main.ts` (Node ≥ 22.18 runs TypeScript
 * as is). The only place that reads environment variables:
 *
 *   FP_ENV        environments to synthesize, comma-separated (default: all)
 *   FP_OUTDIR     output folder (default: infra/cdktf.out)
 *   FP_OVERRIDES  JSON merged over each environment's configuration, e.g.
 *                 '{"accountId":"123456789012"}' (see src/config/resolve.ts)
 *
 * Prints the synthesized stacks as JSON on stdout (environment, role, name,
 * directory, file), in apply order. Exits 2 on an invalid configuration, with
 * every problem named on stderr.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./src/config/resolve.ts";
import { synthesize } from "./src/synth.ts";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Parses FP_OVERRIDES.
 * @param text The variable's value, if set.
 */
function parseOverrides(text: string | undefined): object | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value;
  } catch (error) {
    throw new ConfigError("(FP_OVERRIDES)", [{ path: "(json)", message: `must be a JSON object: ${(error as Error).message}` }]);
  }
}

try {
  const environments = process.env["FP_ENV"]?.split(",").map((e) => e.trim()).filter((e) => e !== "");
  const stacks = synthesize({
    outdir: resolve(process.env["FP_OUTDIR"] ?? join(here, "cdktf.out")),
    ...(environments && environments.length > 0 ? { environments } : {}),
    overrides: parseOverrides(process.env["FP_OVERRIDES"]),
  });
  process.stdout.write(`${JSON.stringify(stacks, null, 2)}\n`);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
