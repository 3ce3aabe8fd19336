/**
 * `check` for a Node project: the lock file (npm ci, pnpm install
 * --frozen-lockfile, yarn install --immutable / --frozen-lockfile), then the
 * package.json scripts for typecheck, lint and unit tests, in a Node container.
 * vitest is asked for a JUnit report, so failing tests are named from it.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import {
  capture,
  type EcosystemOutcome,
  junitLeftBy,
  plainLines,
  plainOutcome,
  type StepOutcome,
  testOutcome,
} from "./step.js";
import type { NodeProject } from "./ecosystems.js";
import { commandFailure, indent, stripAnsi, tail } from "../common/errors.js";
import { explainLockDrift } from "./lockfiles.js";
import {
  explainNpmInstallFailure,
  installInputs,
  nodeContainer,
  withSystemCAs,
  withSystemCAsScript,
  workspaceDirs,
} from "../common/npm.js";

// Defaults when package.json's packageManager field pins none. pnpm 12.4.2: the release whose
// platform builds the npm registry serves in full. yarn: the last 1.x, and the 4.x line for berry.
const PNPM_VERSION = "12.4.2";
const YARN_CLASSIC_VERSION = "1.22.22";
const YARN_BERRY_VERSION = "4.18.1";

// pnpm's content-addressed store, shared by every call like npm's cache.
const PNPM_STORE = "/pnpm-store";
const PNPM_STORE_VOLUME = "fargate-pipeline-pnpm-store";

// Where vitest writes the JUnit report check reads (outside /src: never mistaken for the app's files).
const JUNIT_PATH = "/tmp/fargate-pipeline-check/junit.xml";

/** A package.json script step: the first of `scripts` that package.json defines runs. */
interface ScriptStep {
  name: string;
  scripts: readonly string[];
  /** Scripts that fix what the step finds (the first package.json defines is named as the fix); none: rerunning the step is the way. */
  fixScripts?: readonly string[];
  /** The lines of a failure's output that say what is wrong. */
  keyLines: (output: string) => string[];
}

/** The steps after the install, run in parallel against the same installed tree. */
export const SCRIPT_STEPS: readonly ScriptStep[] = [
  {
    name: "typecheck",
    scripts: ["typecheck"],
    keyLines: (out) => plainLines(out).filter((l) => /error TS\d+/.test(l)),
  },
  {
    name: "lint",
    scripts: ["lint"],
    // eslint's stylish format: a file path line, then "  3:5  error  message  rule".
    keyLines: (out) =>
      plainLines(out).filter((l) => /^\s*\d+:\d+\s+error\s/.test(l) || /^\/\S+\.[cm]?[jt]sx?$/.test(l.trim())),
  },
  {
    name: "format",
    scripts: ["format:check"],
    fixScripts: ["format"],
    // Prettier names each file it would change ("[warn] src/a.ts"); Biome prints "src/a.ts format".
    keyLines: (out) =>
      plainLines(out).filter((l) => /^\[warn\] \S+\.\w+$/.test(l.trim()) || /^\S+\.\w+ format\b/.test(l.trim())),
  },
  { name: "unit tests", scripts: ["test:unit", "test"], keyLines: () => [] },
];

/** How one package manager installs from its lock file and runs a script. */
interface Manager {
  /** The install that refuses a lock file out of sync. */
  install: string;
  /** Runs a package.json script quietly. */
  run: (script: string) => string;
  /** The same, as a person types it (the report and the fix show it). */
  shown: (script: string) => string;
  /** Sets the manager up in the Node container (npm is there already). */
  setup?: (c: Container) => Container;
  /** The files the install reads, as include patterns. */
  inputs: string[];
}

/** The package manager's commands for a project. */
function manager(project: NodeProject): Manager {
  if (project.manager === "pnpm") {
    const version = project.version ?? PNPM_VERSION;
    return {
      install: "pnpm install --frozen-lockfile",
      run: (s) => `pnpm run --silent ${s}`,
      shown: (s) => `pnpm run ${s}`,
      setup: (c) =>
        c
          .withExec(withSystemCAs(["npm", "install", "--global", "--prefer-offline", `pnpm@${version}`]))
          .withEnvVariable("npm_config_store_dir", PNPM_STORE),
      inputs: ["**/package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs", "patches/**"],
    };
  }
  if (project.manager === "yarn") {
    const berry = project.yarnBerry === true;
    const pkg = berry
      ? `@yarnpkg/cli-dist@${project.version ?? YARN_BERRY_VERSION}`
      : `yarn@${project.version ?? YARN_CLASSIC_VERSION}`;
    return {
      install: berry ? "yarn install --immutable" : "yarn install --frozen-lockfile --non-interactive",
      run: (s) => (berry ? `yarn run ${s}` : `yarn --silent run ${s}`),
      shown: (s) => `yarn run ${s}`,
      setup: (c) => c.withExec(withSystemCAs(["npm", "install", "--global", "--prefer-offline", pkg])),
      inputs: [
        "**/package.json",
        "yarn.lock",
        ".yarnrc",
        ".yarnrc.yml",
        ".npmrc",
        ".yarn/releases/**",
        ".yarn/plugins/**",
        ".yarn/patches/**",
      ],
    };
  }
  return { install: "npm ci", run: (s) => `npm run --silent ${s}`, shown: (s) => `npm run ${s}`, inputs: [] };
}

/**
 * `npm ci` from the manifests and lock file only, so a source change does not reinstall.
 * Deploy's synthesis uses the same container (the engine builds it once for both).
 *
 * @param source the repository root
 * @param workspaces its workspace directories
 * @param nested npm projects of their own inside it (nestedProjects()), installed from their own lock files
 * @throws Error explaining the failure: a lock file out of sync names `npm install`
 */
export async function npmInstalled(
  source: Directory,
  workspaces: readonly string[],
  nested: readonly string[] = [],
): Promise<Container> {
  try {
    let ctr = nodeContainer()
      .withDirectory("/src", installInputs(source, [...workspaces, ...nested]))
      .withWorkdir("/src")
      .withExec(withSystemCAs(["npm", "ci", "--prefer-offline"]));
    for (const dir of nested) ctr = ctr.withExec(withSystemCAs(["npm", "ci", "--prefer-offline", "--prefix", dir]));
    return await ctr.sync();
  } catch (err) {
    const { output } = commandFailure(err);
    throw new Error(
      explainNpmInstallFailure(output, "check") ?? `npm ci failed in check:\n${indent(tail(output, 15))}`,
      { cause: err },
    );
  }
}

/** pnpm or yarn's install from the files it reads; throws the lock file message when it refuses the lock. */
async function installWith(source: Directory, project: NodeProject, m: Manager): Promise<Container> {
  let base = nodeContainer();
  if (project.manager === "pnpm") base = base.withMountedCache(PNPM_STORE, dag.cacheVolume(PNPM_STORE_VOLUME));
  base = m.setup ? m.setup(base) : base;
  const inputs = dag.directory().withDirectory(".", source, { include: m.inputs });
  const result = await capture(base.withDirectory("/src", inputs).withWorkdir("/src"), withSystemCAsScript(m.install));
  if (result.exitCode === 0) return result.container;
  const ecosystem = project.manager === "pnpm" ? "pnpm" : "yarn";
  throw new Error(
    explainLockDrift(ecosystem, result.output, `\`${m.install}\` in check`) ??
      `\`${m.install}\` failed in check; run it locally to reproduce. ${project.manager} says:\n${indent(tail(result.output, 15))}`,
  );
}

/**
 * The checks of a Node project at the root of `source`.
 *
 * @param source the repository root
 * @param project what detection found
 */
export async function checkNode(source: Directory, project: NodeProject): Promise<EcosystemOutcome> {
  const manifest = await source.file("package.json").contents();
  const scripts = (JSON.parse(manifest) as { scripts?: Record<string, string> }).scripts ?? {};
  // npm and yarn workspaces are declared in package.json; pnpm's in pnpm-workspace.yaml (not attributed).
  const workspaces = project.manager === "pnpm" ? [] : await workspaceDirs(source, manifest);
  const m = manager(project);
  const label = project.manager === "npm" ? "npm" : `${project.manager} ${project.version ?? ""}`.trim();
  const lockFile = { npm: "package-lock.json", pnpm: "pnpm-lock.yaml", yarn: "yarn.lock" }[project.manager];
  const lockName = `lock file in sync with ${workspaces.length > 0 ? `the manifests of ${["root", ...workspaces].join(", ")}` : "package.json"}`;

  // npm projects of their own inside this one (the module's dagger/ and dagger/infra): the root's scripts may use them.
  const nested = project.manager === "npm" ? await nestedProjects(source) : [];
  let installed: Container;
  try {
    installed =
      project.manager === "npm"
        ? await npmInstalled(source, workspaces, nested)
        : await installWith(source, project, m);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      label,
      found: `package.json, ${lockFile}`,
      steps: [
        {
          name: lockName,
          status: "failed",
          command: m.install,
          message,
          keyLines: message.split("\n").slice(1),
          fix: m.install,
        },
        ...SCRIPT_STEPS.map((s): StepOutcome => ({
          name: s.name,
          status: "skipped",
          note: "not run: the install from the lock file failed",
        })),
      ],
    };
  }
  // The source goes on top of the installed tree; the constructor's ignore list keeps node_modules out of it.
  const tree = installed.withDirectory("/src", source).withWorkdir("/src");
  const steps = await Promise.all(SCRIPT_STEPS.map((step) => runScript(tree, step, scripts, m, workspaces)));
  const nestedSteps = nested.map((d): StepOutcome => ({
    name: `lock file in sync with ${d}/package.json, a project of its own`,
    status: "passed",
    command: `npm ci --prefix ${d}`,
  }));
  return {
    label,
    found: `package.json, ${lockFile}`,
    steps: [{ name: lockName, status: "passed", command: m.install }, ...nestedSteps, ...steps],
  };
}

/**
 * npm projects inside the repository that are not its workspaces: a directory
 * with its own package-lock.json (this module's dagger/ and dagger/infra are two).
 *
 * @param source the repository root
 */
export async function nestedProjects(source: Directory): Promise<string[]> {
  const locks = await source.glob("**/package-lock.json");
  return locks
    .filter((f) => f.includes("/") && !f.split("/").includes("node_modules"))
    .map((f) => f.replace(/\/package-lock\.json$/, ""))
    .sort();
}

/** Runs one script step; a missing script is reported as skipped, not as passed. */
async function runScript(
  tree: Container,
  step: ScriptStep,
  scripts: Record<string, string>,
  m: Manager,
  workspaces: readonly string[],
): Promise<StepOutcome> {
  const script = step.scripts.find((s) => s in scripts);
  if (!script)
    return {
      name: step.name,
      status: "skipped",
      note: `package.json has no ${step.scripts.map((s) => `"${s}"`).join(" or ")} script`,
    };
  const command = m.shown(script);
  if (step.name === "unit tests") {
    // vitest run directly by the script: ask it for a JUnit report besides its usual output.
    const vitest = /^\s*vitest(\s|$)/.test(scripts[script] ?? "");
    const args = vitest ? ` -- --reporter=default --reporter=junit --outputFile.junit=${JUNIT_PATH}` : "";
    const captured = await capture(tree, `${m.run(script)}${args}`);
    const outcome = testOutcome(command, captured, vitest ? await junitLeftBy(captured, JUNIT_PATH) : undefined);
    if (outcome.status === "failed") {
      const files = failingFiles(outcome.keyLines ?? []);
      outcome.where = files.length > 0 ? place(files, workspaces) : mentioned(captured.output, workspaces);
    }
    return outcome;
  }
  const captured = await capture(tree, m.run(script));
  const outcome = plainOutcome(step.name, command, captured, step.keyLines);
  if (outcome.status === "failed") {
    const key = step.keyLines(captured.output);
    outcome.where = key.length > 0 ? place(key, workspaces) : mentioned(captured.output, workspaces);
    outcome.fix = fixOf(step, scripts, m.shown) ?? outcome.fix;
  }
  return outcome;
}

/**
 * The command that fixes what a failed step found, when the project has a script for it
 * (format:check fails → `npm run format`); undefined: the step's own command is the way.
 *
 * @param step the step
 * @param scripts package.json's scripts
 * @param shown the script as a person types it (`npm run …`, `pnpm run …`)
 */
export function fixOf(
  step: ScriptStep,
  scripts: Record<string, string>,
  shown: (script: string) => string,
): string | undefined {
  const fix = step.fixScripts?.find((s) => s in scripts);
  return fix ? shown(fix) : undefined;
}

/**
 * The failing tests' files, from a test step's key lines ("failing: FILE > suite > test — cause"):
 * where a failure is placed, so a test whose name mentions another workspace's path is not put there.
 *
 * @param keyLines the step's key lines
 */
export function failingFiles(keyLines: readonly string[]): string[] {
  return keyLines
    .filter((l) => l.startsWith("failing: "))
    .map((l) => l.slice("failing: ".length).split(" > ")[0]!.split(" — ")[0]!);
}

/** " in workspace a, workspace b" for the workspaces a whole output mentions, or "". */
function mentioned(output: string, workspaces: readonly string[]): string {
  const where = workspacesIn(output, workspaces);
  return where.length > 0 ? ` in ${where.map((w) => `workspace ${w}`).join(", ")}` : "";
}

/** " in workspace web", " in the root package (outside the workspaces)", or "" — from the lines that say what failed. */
function place(key: readonly string[], workspaces: readonly string[]): string {
  if (workspaces.length === 0 || key.length === 0) return "";
  const where = workspacesIn(key.join("\n"), workspaces);
  return where.length > 0
    ? ` in ${where.map((w) => `workspace ${w}`).join(", ")}`
    : " in the root package (outside the workspaces)";
}

/**
 * The workspaces whose files a tool's output mentions (e.g. `infra/src/a.ts(3,1): error TS2322`).
 *
 * @param output tool output
 * @param workspaces workspace directories
 */
export function workspacesIn(output: string, workspaces: readonly string[]): string[] {
  const text = stripAnsi(output);
  return workspaces.filter((w) =>
    new RegExp(`(?:^|[\\s/("'|])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`, "m").test(text),
  );
}
