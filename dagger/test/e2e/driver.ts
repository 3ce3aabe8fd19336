/**
 * Runs one function of the module in an engine session of its own, as one
 * `dagger call` would, in a separate process (so a test can kill it mid-apply,
 * and the bench can time whole calls):
 *
 *   node_modules/.bin/tsx --tsconfig dagger/tsconfig.json dagger/test/e2e/driver.ts '<json>'
 *   … dagger/test/e2e/driver.ts @FILE      (the json in a file: one argument may not exceed 128 KiB)
 *
 * where json is a DriverCall: the environment and what is chained onto it
 * (`dagger call environment --name … with-aws-credentials … with-emulator …`),
 * the function and its positional arguments; or "replay", the module's `test`
 * and `build` side by side on the same source (what a deploy runs before
 * publishing: the bench's floor, replayed from the engine's cache). Secrets are read from the named
 * environment variables and passed as Secrets (never on the command line). The
 * function's result goes to stdout, progress and errors to stderr; the exit
 * status is 0 on success, 1 on failure.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { connection, dag, type Directory } from "@dagger.io/dagger";

import type { Environment } from "../../src/environment.js";
import { EXAMPLE_IGNORE, pipeline, repoSource } from "../engine/session.js";
import { REPO_ROOT } from "../../scripts/introspect.mjs";
import { authRegistry } from "./fixtures.js";
import { readTestbedEnv } from "../../../scripts/testbed-env.mjs";

/** What the driver runs. */
export interface DriverCall {
  /** The environment (`environment --name … --local-state …`). */
  env: { name: string; localState?: string };
  /** Access keys, by the environment variables holding them (`with-aws-credentials`). */
  keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An AWS emulator (`with-emulator`), its registry started by the driver (a Service cannot cross sessions). */
  emulator?: { endpoint: string; configOverrides?: string; registry?: { htpasswd: string; volume: string } };
  /** The function of the environment, e.g. "deploy"; "replay": the module's test and build (args: the build's version). */
  fn: "deploy" | "rollback" | "status" | "destroy" | "bootstrap" | "plan" | "logs" | "replay";
  /** Its positional arguments (null: left out). */
  args: unknown[];
  /** The source: a directory of the repository (e.g. "examples/node-npm-workspaces"); default the repository. */
  source?: string;
  /** Files written over the source (a changed app). */
  sourceFiles?: Record<string, string>;
  /**
   * A working copy of the repository to read the source from (an absolute path; default the
   * repository): the bench edits files there, as a developer edits a checkout, so the engine
   * sees each package's files by content (files written over the source with `sourceFiles`
   * make every package's files new to it).
   */
  checkout?: string;
}

const arg = process.argv[2] ?? "{}";
const call = JSON.parse(arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg) as DriverCall;
const bed = readTestbedEnv();
for (const key of ["_EXPERIMENTAL_DAGGER_RUNNER_HOST", "_EXPERIMENTAL_DAGGER_CLI_BIN"]) process.env[key] ??= bed[key];
process.env.DO_NOT_TRACK = "1";

/**
 * A Secret from an environment variable.
 * @param name the variable
 */
function secretFrom(name: string) {
  const value = process.env[name];
  if (value === undefined) throw new Error(`driver: environment variable ${name} is not set`);
  return dag.setSecret(`driver-${name}`, value);
}

let failed = false;
await connection(async () => {
  const root = call.checkout ?? REPO_ROOT;
  let source: Directory = call.source
    ? dag.host().directory(join(root, call.source), { exclude: EXAMPLE_IGNORE })
    : await repoSource(root);
  for (const [path, content] of Object.entries(call.sourceFiles ?? {})) source = source.withNewFile(path, content);
  if (call.fn === "replay") {
    const module = pipeline(source);
    const version = typeof call.args[0] === "string" ? call.args[0] : undefined;
    try {
      await Promise.all([module.test(), module.build(version).then((image) => image.sync())]);
      process.stdout.write("test and build done\n");
    } catch (err) {
      failed = true;
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    }
    return;
  }
  let env: Environment = pipeline(source).environment(call.env.name, call.env.localState ?? "default");
  if (call.keys) {
    const k = call.keys;
    env = env.withAwsCredentials(
      secretFrom(k.accessKeyId),
      secretFrom(k.secretAccessKey),
      k.sessionToken ? secretFrom(k.sessionToken) : undefined,
    );
  }
  if (call.emulator) {
    const e = call.emulator;
    env = env.withEmulator(
      e.endpoint,
      e.registry ? authRegistry(e.registry.htpasswd, e.registry.volume) : undefined,
      e.configOverrides ?? "",
    );
  }
  // JSON has no undefined: null stands for an argument left out.
  const args = call.args.map((a) => (a === null ? undefined : a));
  const fn = (env as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[call.fn];
  if (typeof fn !== "function") throw new Error(`driver: no function ${call.fn}`);
  try {
    const result = await fn.apply(env, args);
    process.stdout.write(String(result));
  } catch (err) {
    failed = true;
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  }
});
process.exit(failed ? 1 : 0);
