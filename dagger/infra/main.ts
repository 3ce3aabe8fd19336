/**
 * Synthesizes the stacks: `node infra/main.ts` (Node ≥ 22.18 runs TypeScript
 * as is). The only place that reads environment variables:
 *
 *   FP_CONFIG     the app's configuration file, fargate-pipeline.yaml (default:
 *                 none: the built-in environments, i.e. local)
 *   FP_ENV        environments to synthesize, comma-separated (default: all)
 *   FP_OUTDIR     output folder (default: infra/cdktf.out)
 *   FP_OVERRIDES  JSON merged over each environment's configuration, e.g.
 *                 '{"accountId":"123456789012"}' (see src/config/resolve.ts)
 *
 * The module runs it as `node main.ts` in this directory; from the repository
 * root, `npm run synth` runs it on the sample's fargate-pipeline.yaml.
 *
 * Prints the synthesized stacks as JSON on stdout (environment, role, name,
 * directory, file), in apply order. Exits 2 on an invalid configuration, with
 * every problem named on stderr.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfigFile, type ConfigFile } from "./src/config/file.ts";
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
    throw new ConfigError(
      "(FP_OVERRIDES)",
      [{ path: "(json)", message: `must be a JSON object: ${(error as Error).message}` }],
      "FP_OVERRIDES",
    );
  }
}

/**
 * Reads FP_CONFIG.
 * @param path The variable's value, if set.
 */
function readConfig(path: string | undefined): ConfigFile | undefined {
  if (path === undefined || path.trim() === "") return undefined;
  return parseConfigFile(readFileSync(path, "utf8"), process.env["FP_CONFIG_NAME"] ?? basename(path));
}

try {
  const config = readConfig(process.env["FP_CONFIG"]);
  const environments = process.env["FP_ENV"]
    ?.split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  const stacks = synthesize({
    outdir: resolve(process.env["FP_OUTDIR"] ?? join(here, "cdktf.out")),
    ...(environments && environments.length > 0 ? { environments } : {}),
    overrides: parseOverrides(process.env["FP_OVERRIDES"]),
    ...(config ? { config } : {}),
  });
  process.stdout.write(`${JSON.stringify(stacks, null, 2)}\n`);
} catch (error) {
  if (error instanceof Error && error.name === "ConfigError") {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
