/**
 * `check` for a Python project managed by poetry or uv, on the project as the
 * Dockerfile's build context sees it, in the official image of the Python it
 * asks for: the lock file (`poetry check --lock`, `uv lock --check`), the
 * install from it (every dependency group, every workspace member), then mypy
 * and ruff when pyproject.toml configures them. Python declares no standard
 * test command, so the tests are the Dockerfile's test stage's, and check says so.
 */
import { type Container, dag } from "@dagger.io/dagger";

import {
  capture,
  type Captured,
  type EcosystemOutcome,
  plainLines,
  plainOutcome,
  type ProjectCheckOptions,
  type StepOutcome,
  toolchainDeclarationFailed,
  toolchainStep,
} from "./step.js";
import type { PythonProject } from "./ecosystems.js";
import { indent, stripAnsi, tail } from "../common/errors.js";
import { whyMissing } from "./context.js";
import { withCheckSecrets, withoutCheckSecrets } from "./secrets.js";
import { explainLockDrift, lockMessage } from "./lockfiles.js";
import { type Toolchain, toolchainNote } from "./toolchains.js";

// The tools' versions: poetry 2.5.1 wrote the example's lock file (lock-version 2.1); uv's current release.
export const POETRY_VERSION = "2.5.1";
export const UV_VERSION = "0.13.8";

// Download caches shared by every call (content-addressed by the tools, so sharing is safe).
// The pip cache's id is the one the Python example's Dockerfile mounts, as npm's is.
const PIP_CACHE_VOLUME = "fargate-pipeline-pip-cache";
const POETRY_CACHE_VOLUME = "fargate-pipeline-poetry-cache";
const UV_CACHE_VOLUME = "fargate-pipeline-uv-cache";

// The project's virtual environment lives outside /src, so the source mounted on top keeps it.
const VENV = "/venv";

/** Why check does not run a Python project's tests (the report's line). */
export const PYTHON_TESTS_NOTE =
  "Python declares no standard test command (pytest, unittest, tox, nox and make are all in use), so check does not guess: the Dockerfile's test stage runs the tests (`dagger call test`)";

/** How poetry or uv does each thing check needs. */
interface Tool {
  name: "poetry" | "uv";
  lockFile: string;
  /** Checks that the lock file matches pyproject.toml. */
  lockCheck: string;
  /** Installs exactly what the lock file pins: every dependency group, the project and its workspace members. */
  install: (project: PythonProject) => string;
  /** Runs a command in the project's environment. */
  run: (cmd: string) => string;
  /** How to add a missing dev tool. */
  addDev: (pkg: string) => string;
  /** Words that mean "this command is not installed in the environment". */
  notInstalled: RegExp;
}

const POETRY: Tool = {
  name: "poetry",
  lockFile: "poetry.lock",
  lockCheck: "poetry check --lock",
  install: (p) => `poetry install --all-groups${p.installRoot ? "" : " --no-root"}`,
  run: (cmd) => `poetry run ${cmd}`,
  addDev: (pkg) => `poetry add --group dev ${pkg}`,
  notInstalled: /Command not found: /,
};

const UV: Tool = {
  name: "uv",
  lockFile: "uv.lock",
  lockCheck: "uv lock --check",
  install: (p) => `uv sync --locked --all-groups --all-packages${p.installRoot ? "" : " --no-install-project"}`,
  run: (cmd) => `uv run --no-sync ${cmd}`,
  addDev: (pkg) => `uv add --dev ${pkg}`,
  notInstalled: /Failed to spawn: /,
};

/** A Python container of the project's version with the tool (in its own venv, as both tools' docs recommend) and its cache. */
function toolContainer(tool: Tool, toolchain: Toolchain): Container {
  const version = tool.name === "poetry" ? POETRY_VERSION : UV_VERSION;
  let c = dag
    .container()
    .from(toolchain.image)
    .withMountedCache("/root/.cache/pip", dag.cacheVolume(PIP_CACHE_VOLUME))
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withExec(["python", "-m", "venv", "/opt/tool"])
    .withExec(["/opt/tool/bin/pip", "install", `${tool.name}==${version}`])
    .withEnvVariable("PATH", "/opt/tool/bin:$PATH", { expand: true });
  if (tool.name === "poetry") {
    c = c
      .withMountedCache("/root/.cache/pypoetry", dag.cacheVolume(POETRY_CACHE_VOLUME))
      .withEnvVariable("POETRY_NO_INTERACTION", "1")
      .withEnvVariable("POETRY_VIRTUALENVS_IN_PROJECT", "false")
      .withEnvVariable("POETRY_VIRTUALENVS_PATH", VENV);
  } else {
    // The cache is a volume (another filesystem than the venv): uv copies instead of hard-linking.
    c = c
      .withMountedCache("/root/.cache/uv", dag.cacheVolume(UV_CACHE_VOLUME))
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", VENV)
      .withEnvVariable("UV_LINK_MODE", "copy")
      // The image's interpreter: uv would otherwise try to download one.
      .withEnvVariable("UV_PYTHON_DOWNLOADS", "never");
  }
  return c.withWorkdir("/src");
}

/**
 * The checks of a Python project at the root of the build context: the lock
 * file, the install from it, then typecheck, lint and format side by side.
 *
 * @param project what detection found
 * @param options the source, its build context, and the build secrets for the lock check and install
 */
export async function checkPython(project: PythonProject, options: ProjectCheckOptions): Promise<EcosystemOutcome> {
  const tool = project.manager === "poetry" ? POETRY : UV;
  const label = `${tool.name} ${tool.name === "poetry" ? POETRY_VERSION : UV_VERSION}`;
  const found = `pyproject.toml, ${tool.lockFile}`;
  const lockName = `lock file in sync with pyproject.toml (${tool.lockFile})`;
  const { context } = options;
  const toolchain = project.toolchain;
  if (toolchain === undefined || "error" in toolchain)
    return {
      label,
      found,
      steps: [
        toolchainDeclarationFailed(toolchain?.error ?? "no Python version"),
        ...notRun("the Python version cannot be chosen", true),
      ],
    };
  const chosen = toolchainStep(toolchain);
  if (!(await context.dir.exists(tool.lockFile)))
    return {
      label,
      found: "pyproject.toml",
      steps: [chosen, missingLock(tool, lockName), ...notRun("there is no lock file", true)],
    };
  // The whole project, as the build sees it: poetry reads the readme, license and package
  // files pyproject.toml names; uv reads every workspace member's pyproject.toml.
  let base: Container;
  try {
    base = await toolContainer(tool, toolchain).withDirectory("/src", context.dir).sync();
  } catch (err) {
    return {
      label,
      found,
      steps: [toolchainStep(toolchain, err), ...notRun(`the ${toolchain.image} image is not there`, true)],
    };
  }
  // The lock check (uv resolves against the index) and the install get the build secrets the
  // Dockerfile mounts; the steps on the installed tree do not.
  const deps = withCheckSecrets(base, options.secrets);
  const lock = await capture(deps, tool.lockCheck);
  if (lock.exitCode !== 0)
    return {
      label,
      found,
      steps: [
        chosen,
        await lockFailure(tool, lockName, lock.output, toolchain, options),
        ...notRun("the lock file check failed", true),
      ],
    };
  const lockPassed: StepOutcome = { name: lockName, status: "passed", command: tool.lockCheck };
  const install = tool.install(project);
  const installed = await capture(deps, install);
  if (installed.exitCode !== 0) {
    const missing = missingFileIn(stripAnsi(installed.output));
    const step: StepOutcome = {
      name: `install from ${tool.lockFile}`,
      status: "failed",
      command: install,
      keyLines: tail(installed.output, 15),
      fix: install,
      ...(missing ? { message: await missingFileMessage(missing, install, tool, installed.output, options) } : {}),
    };
    return { label, found, steps: [chosen, lockPassed, step, ...notRun("the install failed", true)] };
  }
  const tree = withoutCheckSecrets(installed.container, options.secrets);
  const steps = await Promise.all([
    typecheck(tree, tool, project),
    lint(tree, tool, project),
    format(tree, tool, project),
  ]);
  return {
    label,
    found,
    steps: [
      chosen,
      lockPassed,
      { name: `install from ${tool.lockFile}`, status: "passed", command: install },
      ...steps,
      { name: "unit tests", status: "skipped", note: PYTHON_TESTS_NOTE },
    ],
  };
}

// What poetry and uv say when the interpreter is not the one the project asks for.
const WRONG_INTERPRETER =
  /No interpreter found for Python|is incompatible with the project's Python requirement|The currently activated Python version .* is not supported by the project|Python downloads are set to 'never'/;
// What they say when a file pyproject.toml names is not there: the path, as the tool printed it
// (absolute under /src, or relative to the project).
const MISSING_FILE = [
  /Declared (?:README|readme|license) file does not exist: (\S+)/i,
  /(?:license|readme) (?:file|path) [`'"]?(\/src\/[^`'"\s]+)[`'"]? (?:not found|does not exist)/i,
  /[`'"](\/src\/[^`'"\s]+)[`'"] does not exist/i,
  /(\/src\/\S+) does not contain any element/i,
  /No such file or directory[^\n]*?[`'"(](\/src\/[^`'")\s]+)/i,
];

/**
 * The file pyproject.toml names that the tool did not find, relative to the project, if its
 * output says one.
 *
 * @param text what the tool printed, without colours
 */
export function missingFileIn(text: string): string | undefined {
  for (const pattern of MISSING_FILE) {
    const path = pattern.exec(text)?.[1];
    if (path) return path.replace(/^\/src\//, "");
  }
  return undefined;
}

/**
 * The message for a file pyproject.toml names that the build context lacks: left out by
 * .dockerignore, or not in the source at all.
 *
 * @param path the file, relative to the project
 * @param command the command that found it
 * @param tool poetry or uv
 * @param text what it printed
 * @param options the source and its build context
 */
async function missingFileMessage(
  path: string,
  command: string,
  tool: Tool,
  text: string,
  options: ProjectCheckOptions,
): Promise<string> {
  return [
    `pyproject.toml names ${path}, which the build context does not have: ${await whyMissing(options.source, options.context, path)}`,
    `(found by \`${command}\` in check; this is not a lock file problem). ${tool.name} says:`,
    indent(
      plainLines(text)
        .filter((l) => l.trim() !== "")
        .slice(-4),
    ),
  ].join("\n");
}

/**
 * The lock step when the tool's lock check failed, said by its real cause: an interpreter that
 * is not the one asked for, a file pyproject.toml names that the build context lacks, the lock
 * file out of sync, or else the tool's own words.
 *
 * @param tool poetry or uv
 * @param lockName the step's name
 * @param output what the lock check printed
 * @param toolchain the Python check ran
 * @param options the source and its build context
 */
async function lockFailure(
  tool: Tool,
  lockName: string,
  output: string,
  toolchain: Toolchain,
  options: ProjectCheckOptions,
): Promise<StepOutcome> {
  const text = stripAnsi(output);
  const failed = (message: string, fix: string): StepOutcome => ({
    name: lockName,
    status: "failed",
    command: tool.lockCheck,
    message,
    fix,
  });
  if (WRONG_INTERPRETER.test(text))
    return failed(
      [
        `the project's Python requirement does not admit ${toolchainNote(toolchain)}: make .python-version and requires-python agree`,
        `(found by \`${tool.lockCheck}\` in check; this is not a lock file problem). ${tool.name} says:`,
        indent(
          plainLines(text)
            .filter((l) => l.trim() !== "")
            .slice(-6),
        ),
      ].join("\n"),
      "",
    );
  for (const pattern of MISSING_FILE) {
    const path = pattern.exec(text)?.[1];
    if (!path) continue;
    const relative = path.replace(/^\/src\//, "");
    return failed(
      [
        `pyproject.toml names ${relative}, which the build context does not have: ${await whyMissing(options.source, options.context, relative)}`,
        `(found by \`${tool.lockCheck}\` in check; this is not a lock file problem). ${tool.name} says:`,
        indent(
          plainLines(text)
            .filter((l) => l.trim() !== "")
            .slice(-4),
        ),
      ].join("\n"),
      "",
    );
  }
  const message =
    explainLockDrift(tool.name, output, `\`${tool.lockCheck}\` in check`) ??
    `\`${tool.lockCheck}\` failed in check; run it locally to reproduce. ${tool.name} says:\n${indent(tail(output, 15))}`;
  return failed(message, tool.lockCheck);
}

/**
 * The steps after the lock file, not run, with why.
 * @param why why they did not run
 */
function notRun(why: string, withTests = false): StepOutcome[] {
  return [
    ...["typecheck", "lint", "format"].map((name) => ({ name, status: "skipped" as const, note: `not run: ${why}` })),
    ...(withTests ? [{ name: "unit tests", status: "skipped" as const, note: PYTHON_TESTS_NOTE }] : []),
  ];
}

/**
 * The lock step when the project has no lock file: failed, with the command that makes one.
 * @param tool poetry or uv
 * @param lockName the step's name
 */
function missingLock(tool: Tool, lockName: string): StepOutcome {
  const message = lockMessage(
    tool.name,
    "missing",
    `check (the root of --source has pyproject.toml but no ${tool.lockFile})`,
    [],
  );
  return {
    name: lockName,
    status: "failed",
    command: tool.lockCheck,
    message,
    fix: tool.name === "poetry" ? "poetry lock" : "uv lock",
  };
}

/**
 * A tool the configuration names but the project does not install (it may run from pre-commit or
 * an editor): skipped, with how to have check run it; never a failure of the project.
 */
function missingTool(
  outcome: StepOutcome,
  captured: Captured,
  tool: Tool,
  pkg: string,
  configured: string,
): StepOutcome {
  if (outcome.status !== "failed" || !tool.notInstalled.test(captured.output)) return outcome;
  return {
    name: outcome.name,
    status: "skipped",
    note: `${configured} configures ${pkg}, but the lock file does not install it; \`${tool.addDev(pkg)}\` has check run it`,
  };
}

/** mypy, when configured. */
async function typecheck(tree: Container, tool: Tool, project: PythonProject): Promise<StepOutcome> {
  if (!project.tools.mypy)
    return { name: "typecheck", status: "skipped", note: "no [tool.mypy] in pyproject.toml, nor mypy.ini" };
  const command = tool.run(project.mypyFiles ? "mypy" : "mypy .");
  const captured = await capture(tree, command);
  const outcome = plainOutcome("typecheck", command, captured, (out) =>
    plainLines(out).filter((l) => /: error: /.test(l)),
  );
  return missingTool(outcome, captured, tool, "mypy", "[tool.mypy]");
}

/** ruff, when configured. */
async function lint(tree: Container, tool: Tool, project: PythonProject): Promise<StepOutcome> {
  if (!project.tools.ruff)
    return { name: "lint", status: "skipped", note: "no [tool.ruff] in pyproject.toml, nor ruff.toml" };
  const command = tool.run("ruff check .");
  // One line per finding ("app.py:1:8: F401 [*] `os` imported but unused").
  const captured = await capture(tree, `${command} --output-format=concise`);
  const outcome = plainOutcome("lint", command, captured, (out) =>
    plainLines(out).filter((l) => /^\S+:\d+:\d+: [A-Z]+\d+/.test(l)),
  );
  return missingTool(outcome, captured, tool, "ruff", "[tool.ruff]");
}

/** ruff's formatter, when ruff is configured: the files it would reformat, and the command that does it. */
async function format(tree: Container, tool: Tool, project: PythonProject): Promise<StepOutcome> {
  if (!project.tools.ruff)
    return { name: "format", status: "skipped", note: "no [tool.ruff] in pyproject.toml, nor ruff.toml" };
  const command = tool.run("ruff format --check .");
  // One line per file ("Would reformat: app.py"), then "1 file would be reformatted".
  const captured = await capture(tree, command);
  const outcome = plainOutcome("format", command, captured, (out) =>
    plainLines(out).filter((l) => /^Would reformat: /.test(l)),
  );
  const checked = missingTool(outcome, captured, tool, "ruff", "[tool.ruff]");
  return checked.status === "failed" && checked.fix === command
    ? { ...checked, fix: tool.run("ruff format .") }
    : checked;
}
