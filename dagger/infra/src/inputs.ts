/**
 * What dagger/infra's two programs (main.ts, environment.ts) read from their
 * environment variables, parsed once: the app's configuration file, the
 * environments asked for, the overrides, and whether the target is an emulator
 * the caller named. Pure: the programs pass `process.env`; the rest of infra
 * never reads the environment.
 *
 *   FP_CONFIG       the app's configuration file, fargate-pipeline.yaml (default: none: the built-in environments, i.e. local)
 *   FP_CONFIG_NAME  its name as the user wrote it, for messages (default: the file's base name)
 *   FP_ENV          environments, comma-separated (main.ts: default all; environment.ts: exactly one)
 *   FP_OVERRIDES    a JSON object merged over each environment's configuration, e.g. '{"accountId":"123456789012"}'
 *   FP_ON_EMULATOR  "1" when the caller named an AWS emulator (environment.ts adds emulatorOverrides())
 *   FP_OUTDIR       main.ts's output folder (default: infra/cdktf.out)
 *   FP_SHARED       "1": FP_ENV names shared environments (sharedEnvironments: in the file), not the app's
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseConfigFile, type ConfigFile } from "./config/file.ts";
import type { EnvironmentOverrides } from "./config/types.ts";
import { ConfigError } from "./resolve.ts";

/** The programs' inputs. */
export interface ProgramInputs {
  /** The app's configuration file, parsed; undefined: the built-in environments. */
  config: ConfigFile | undefined;
  /** The environments named (FP_ENV), in order; empty when none was. */
  environments: string[];
  /** The overrides (FP_OVERRIDES), or undefined when none were given. */
  overrides: EnvironmentOverrides | undefined;
  /** Whether the caller named an AWS emulator (FP_ON_EMULATOR=1). */
  onEmulator: boolean;
  /** FP_OUTDIR, if set. */
  outdir: string | undefined;
  /** FP_SHARED=1: the environments named are shared ones (a platform team's). */
  shared: boolean;
}

/**
 * Parses FP_OVERRIDES: a JSON object, or a ConfigError that names the variable.
 * @param text The variable's value, if set.
 */
export function parseOverrides(text: string | undefined): EnvironmentOverrides | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      "(overrides)",
      [{ path: "(json)", message: `is not JSON: ${(error as Error).message}` }],
      "the configuration overrides",
    );
  }
  // "{}" changes nothing: no overrides (messages then name the file alone).
  if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(
      "(overrides)",
      [{ path: "(json)", message: `must be a JSON object ({"field": value, …}), not ${JSON.stringify(value)}` }],
      "the configuration overrides",
    );
  return value;
}

/**
 * The programs' inputs from their environment variables.
 * @param env The process's environment (`process.env`).
 */
export function readInputs(env: Record<string, string | undefined>): ProgramInputs {
  const path = env["FP_CONFIG"]?.trim() ? env["FP_CONFIG"] : undefined;
  const config = path
    ? parseConfigFile(readFileSync(path, "utf8"), env["FP_CONFIG_NAME"] ?? basename(path))
    : undefined;
  const environments = (env["FP_ENV"] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  const outdir = env["FP_OUTDIR"]?.trim() ? env["FP_OUTDIR"] : undefined;
  return {
    config,
    environments,
    overrides: parseOverrides(env["FP_OVERRIDES"]),
    onEmulator: env["FP_ON_EMULATOR"] === "1",
    outdir,
    shared: env["FP_SHARED"] === "1",
  };
}
