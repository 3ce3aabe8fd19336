/**
 * Engine-tier helpers: one Dagger session per test file against the test bed's
 * engine, the repository as the module's constructor receives it, and the
 * module's class constructed the way the runtime constructs it.
 *
 * The SDK's decorators only register metadata, so the class runs as plain
 * TypeScript here; what `dagger call` adds on top (loading the module, the
 * CLI) is covered by the introspection tests (dagger/test/unit).
 */
import { dag, type Directory, connection, type Secret } from "@dagger.io/dagger";
import { afterAll, beforeAll } from "vitest";

import { join } from "node:path";
import type { Writable } from "node:stream";

import { FargatePipeline } from "../../src/index.js";
import { useModuleSource } from "../../src/common/module-files.js";
import { describeModule, REPO_ROOT, scanModule } from "../../scripts/introspect.mjs";
import { readTestbedEnv } from "../../../scripts/testbed-env.mjs";

/** The test bed's environment (what `testbed/up` wrote), overridden by the process's. */
export const testbed: Record<string, string | undefined> = {
  ...readTestbedEnv(),
  ...process.env,
};

/**
 * Opens one engine session for the calling test file (in `beforeAll`) and
 * closes it after its last test. Fails loudly when the test bed has no engine.
 *
 * @param options.logOutput where the engine's progress goes (every step's output, as `dagger call` prints it), to read it back
 */
export function useEngineSession(options: { logOutput?: Writable } = {}): void {
  let release: () => void = () => {};
  let session: Promise<void> | undefined;
  beforeAll(async () => {
    for (const key of ["_EXPERIMENTAL_DAGGER_RUNNER_HOST", "_EXPERIMENTAL_DAGGER_CLI_BIN"]) {
      if (!testbed[key]) throw new Error(`${key} is not set: the engine tier needs the test bed (sudo testbed/up)`);
      process.env[key] = testbed[key];
    }
    process.env.DO_NOT_TRACK = "1";
    await new Promise<void>((ready, fail) => {
      session = connection(
        () => {
          ready();
          return new Promise<void>((done) => (release = done));
        },
        options.logOutput ? { LogOutput: options.logOutput } : {},
      ).catch(fail);
    });
  });
  afterAll(async () => {
    release();
    await session;
  });
}

/**
 * This repository as the module's constructor receives it by default: the
 * host directory with the constructor's own ignore patterns (read from the
 * module by scan(), so the two cannot differ).
 *
 * @param root a working copy of the repository to read instead (default the repository)
 */
export async function repoSource(root: string = REPO_ROOT): Promise<Directory> {
  const mod = describeModule(await scanModule());
  const ignore = mod.constructorArgs.find((a) => a.name === "source")?.ignore ?? [];
  return dag.host().directory(root, { exclude: ignore });
}

// What a developer's copy of an example may hold besides its sources (virtualenvs, caches, installs).
export const EXAMPLE_IGNORE = [
  "**/.venv",
  "**/__pycache__",
  "**/.pytest_cache",
  "**/.mypy_cache",
  "**/.ruff_cache",
  "**/node_modules",
];

/** The corpus of app shapes in examples/ (one directory each). */
export type ExampleName =
  | "python-poetry"
  | "python-uv"
  | "python-requirements"
  | "node-npm-workspaces"
  | "node-pnpm"
  | "node-yarn"
  | "go"
  | "private-deps";

/**
 * An example app of the repository (examples/NAME) as `--source examples/NAME` passes it.
 *
 * @param name the example's directory under examples/
 */
export function exampleSource(name: ExampleName): Directory {
  return dag.host().directory(`${REPO_ROOT}/examples/${name}`, { exclude: EXAMPLE_IGNORE });
}

/**
 * This module's source directory (dagger/, gitignored files left out), as the
 * engine loads it for `dagger.currentModule().source()`: a session of the SDK's
 * connection() has no current module, so the tests name it.
 */
export function moduleSource(): Directory {
  return dag
    .host()
    .directory(join(REPO_ROOT, "dagger"), { exclude: ["**/node_modules", "**/cdktf.out"], gitignore: true });
}

/**
 * The module's object, as `dagger call --source … <function>` constructs it.
 * @param source the app's source
 * @param dockerfile its Dockerfile's path
 * @param config its configuration file's path
 * @param buildSecrets secrets for its Dockerfile's RUN --mount=type=secret (--build-secrets)
 */
export function pipeline(
  source: Directory,
  dockerfile?: string,
  config?: string,
  buildSecrets?: Secret[],
): FargatePipeline {
  useModuleSource(moduleSource());
  return new FargatePipeline(source, dockerfile, config, buildSecrets);
}

/** The message of a rejected promise; fails when the promise resolves. */
export async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    const value = await p;
    throw new Error(`expected a failure, got: ${String(value).slice(0, 500)}`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("expected a failure")) throw err;
    return err instanceof Error ? err.message : String(err);
  }
}
