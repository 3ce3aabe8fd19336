/**
 * `check` for a Python project managed by poetry or uv: the lock file
 * (`poetry check --lock`, `uv lock --check`), then mypy, ruff and pytest when
 * pyproject.toml configures them, in a Python container. pytest writes JUnit
 * XML, so failing tests are named from it.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import {
  capture,
  type Captured,
  type EcosystemOutcome,
  junitLeftBy,
  plainLines,
  plainOutcome,
  type StepOutcome,
  testOutcome,
} from "./step.js";
import type { PythonProject } from "./ecosystems.js";
import { indent, tail } from "../common/errors.js";
import { explainLockDrift, lockMessage } from "./lockfiles.js";

// The image the Python example's Dockerfile builds on: check runs the same interpreter.
export const PYTHON_IMAGE = "python:3.11-slim-bookworm";
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
// Where pytest writes the JUnit report check reads.
const JUNIT_PATH = "/tmp/fargate-pipeline-check/junit.xml";
// pytest's exit code when it collected no test (not a failure of the code; said as such).
const PYTEST_NO_TESTS = 5;

/** How poetry or uv does each thing check needs. */
interface Tool {
  name: "poetry" | "uv";
  lockFile: string;
  /** Checks that the lock file matches pyproject.toml. */
  lockCheck: string;
  /** Installs the locked dependencies (dev included) without the project itself. */
  installDeps: string;
  /** Installs the project itself, once the source is there. */
  installRoot: string;
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
  installDeps: "poetry install --no-root",
  installRoot: "poetry install --only-root",
  run: (cmd) => `poetry run ${cmd}`,
  addDev: (pkg) => `poetry add --group dev ${pkg}`,
  notInstalled: /Command not found: /,
};

const UV: Tool = {
  name: "uv",
  lockFile: "uv.lock",
  lockCheck: "uv lock --check",
  installDeps: "uv sync --locked --no-install-project",
  installRoot: "uv sync --locked",
  run: (cmd) => `uv run --no-sync ${cmd}`,
  addDev: (pkg) => `uv add --dev ${pkg}`,
  notInstalled: /Failed to spawn: /,
};

/** A Python container with the tool (in its own venv, as both tools' docs recommend) and its cache. */
function toolContainer(tool: Tool): Container {
  const version = tool.name === "poetry" ? POETRY_VERSION : UV_VERSION;
  let c = dag
    .container()
    .from(PYTHON_IMAGE)
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
 * The checks of a Python project at the root of `source`: the lock file, the
 * install from it, then typecheck, lint, format and tests side by side.
 *
 * @param source the app's directory
 * @param project what detection found
 */
export async function checkPython(source: Directory, project: PythonProject): Promise<EcosystemOutcome> {
  const tool = project.manager === "poetry" ? POETRY : UV;
  const label = `${tool.name} ${tool.name === "poetry" ? POETRY_VERSION : UV_VERSION}`;
  const found = `pyproject.toml, ${tool.lockFile}`;
  const lockName = `lock file in sync with pyproject.toml (${tool.lockFile})`;
  if (!(await source.exists(tool.lockFile)))
    return { label, found: "pyproject.toml", steps: [missingLock(tool, lockName), ...notRun("there is no lock file")] };
  // The manifests alone: the lock check and the install rerun only when they change.
  const manifests = dag.directory().withDirectory(".", source, {
    include: ["pyproject.toml", tool.lockFile, "poetry.toml", "uv.toml", ".python-version"],
  });
  const base = toolContainer(tool).withDirectory("/src", manifests);
  const lock = await capture(base, tool.lockCheck);
  if (lock.exitCode !== 0)
    return { label, found, steps: [lockDrift(tool, lockName, lock.output), ...notRun("the lock file check failed")] };
  const lockPassed: StepOutcome = { name: lockName, status: "passed", command: tool.lockCheck };
  const deps = await capture(base, tool.installDeps);
  if (deps.exitCode !== 0) {
    const step: StepOutcome = {
      name: `install from ${tool.lockFile}`,
      status: "failed",
      command: tool.installDeps,
      keyLines: tail(deps.output, 15),
      fix: tool.installDeps,
    };
    return { label, found, steps: [lockPassed, step, ...notRun("the install failed")] };
  }
  let tree = deps.container.withDirectory("/src", source);
  if (project.installRoot) tree = tree.withExec(["sh", "-c", tool.installRoot]);
  const steps = await Promise.all([
    typecheck(tree, tool, project),
    lint(tree, tool, project),
    format(tree, tool, project),
    unitTests(tree, tool, project),
  ]);
  return { label, found, steps: [lockPassed, ...steps] };
}

/**
 * The steps after the lock file, not run, with why.
 * @param why why they did not run
 */
function notRun(why: string): StepOutcome[] {
  return ["typecheck", "lint", "format", "unit tests"].map((name) => ({
    name,
    status: "skipped" as const,
    note: `not run: ${why}`,
  }));
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
 * The lock step when the tool's lock check failed: the drift explained, or the tool's own words.
 * @param tool poetry or uv
 * @param lockName the step's name
 * @param output what the lock check printed
 */
function lockDrift(tool: Tool, lockName: string, output: string): StepOutcome {
  const message =
    explainLockDrift(tool.name, output, `\`${tool.lockCheck}\` in check`) ??
    `\`${tool.lockCheck}\` failed in check; run it locally to reproduce. ${tool.name} says:\n${indent(tail(output, 15))}`;
  return { name: lockName, status: "failed", command: tool.lockCheck, message, fix: tool.lockCheck };
}

/** A failure that is the tool missing from the environment, said with the command that adds it. */
function missingTool(
  outcome: StepOutcome,
  captured: Captured,
  tool: Tool,
  pkg: string,
  configured: string,
): StepOutcome {
  if (outcome.status !== "failed" || !tool.notInstalled.test(captured.output)) return outcome;
  return {
    ...outcome,
    keyLines: [`${pkg} is configured (${configured}) but not installed in the project's environment`],
    fix: `${tool.addDev(pkg)}, then ${tool.name === "poetry" ? "poetry lock" : "uv lock"}`,
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

/** pytest, when configured or when there is a tests directory; failing tests from its JUnit XML. */
async function unitTests(tree: Container, tool: Tool, project: PythonProject): Promise<StepOutcome> {
  if (!project.tools.pytest)
    return {
      name: "unit tests",
      status: "skipped",
      note: "no [tool.pytest.ini_options] in pyproject.toml, no pytest.ini and no tests/ directory",
    };
  const command = tool.run("pytest");
  const captured = await capture(tree, `${command} -p no:cacheprovider --junitxml=${JUNIT_PATH}`);
  if (captured.exitCode === PYTEST_NO_TESTS)
    return { name: "unit tests", status: "skipped", command, note: "pytest collected no tests" };
  const outcome = testOutcome(command, captured, await junitLeftBy(captured, JUNIT_PATH));
  return missingTool(outcome, captured, tool, "pytest", "[tool.pytest.ini_options] or tests/");
}
