/**
 * Runs one function of the module in an engine session of its own, as one
 * `dagger call` would, in a separate process (so a test can kill it mid-apply,
 * and the bench can time whole calls):
 *
 *   node_modules/.bin/tsx --tsconfig dagger/tsconfig.json dagger/test/e2e/driver.ts '<json>'
 *
 * where json is { "fn": "deploy", "args": [...positional arguments...],
 * "secrets": { "<arg index>": "<env var name>" }, "sourceFiles": { "path": "content" } }.
 * Secrets are read from the named environment variables and passed as Secrets
 * (never on the command line). The function's result goes to stdout, progress
 * and errors to stderr; the exit status is 0 on success, 1 on failure.
 */
import { connection, dag, type Directory } from "@dagger.io/dagger";

import { FargatePipeline } from "../../src/index.js";
import { authRegistry } from "./fixtures.js";
import { describeModule, REPO_ROOT, scanModule } from "../../scripts/introspect.mjs";
// @ts-expect-error -- a plain .mjs module of the repository's scripts, without types
import { readTestbedEnv } from "../../../scripts/testbed-env.mjs";

/** What the driver runs. */
export interface DriverCall {
  /** The module function, e.g. "deploy". */
  fn: "deploy" | "rollback" | "status" | "destroy" | "bootstrap" | "plan" | "logs";
  /** Positional arguments; Secret positions are filled from `secrets`. */
  args: unknown[];
  /** Argument index → name of the environment variable holding the secret's value. */
  secrets?: Record<string, string>;
  /** Files written over the repository source (a changed app). */
  sourceFiles?: Record<string, string>;
  /** A registry service (fixtures.ts authRegistry) passed at this argument index. */
  emulatorRegistry?: { index: number; htpasswd: string; volume: string };
}

const call = JSON.parse(process.argv[2] ?? "{}") as DriverCall;
const bed = readTestbedEnv() as Record<string, string>;
for (const key of ["_EXPERIMENTAL_DAGGER_RUNNER_HOST", "_EXPERIMENTAL_DAGGER_CLI_BIN"]) process.env[key] ??= bed[key];
process.env.DO_NOT_TRACK = "1";

let failed = false;
await connection(async () => {
  const mod = describeModule(await scanModule());
  const ignore = mod.constructorArgs.find((a) => a.name === "source")?.ignore ?? [];
  let source: Directory = dag.host().directory(REPO_ROOT, { exclude: ignore });
  for (const [path, content] of Object.entries(call.sourceFiles ?? {})) source = source.withNewFile(path, content);
  // JSON has no undefined: null stands for an argument left out.
  const args = call.args.map((a) => (a === null ? undefined : a));
  if (call.emulatorRegistry) args[call.emulatorRegistry.index] = authRegistry(call.emulatorRegistry.htpasswd, call.emulatorRegistry.volume);
  for (const [index, envName] of Object.entries(call.secrets ?? {})) {
    const value = process.env[envName];
    if (value === undefined) throw new Error(`driver: environment variable ${envName} (secret argument ${index}) is not set`);
    args[Number(index)] = dag.setSecret(`driver-${envName}`, value);
  }
  const pipeline = new FargatePipeline(source);
  const fn = (pipeline as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[call.fn];
  if (typeof fn !== "function") throw new Error(`driver: no function ${call.fn}`);
  try {
    const result = await fn.apply(pipeline, args);
    process.stdout.write(`${String(result)}\n`);
  } catch (err) {
    failed = true;
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  }
});
process.exit(failed ? 1 : 0);
