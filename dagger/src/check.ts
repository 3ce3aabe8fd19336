/**
 * `check`: the lock file, typecheck, lint and unit tests of an npm project and
 * all its workspaces, in a Node container, and its GitHub Actions workflows
 * linted by actionlint. A failure names the step, the workspaces its errors
 * are in, the lines that matter and the command that reproduces it; the steps
 * that passed are reported too.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import { commandFailure, indent, stripAnsi, tail } from "./errors.js";
import { explainNpmInstallFailure, installInputs, nodeContainer, withSystemCAs, workspaceDirs } from "./npm.js";
import { failingTests, failureCauses, summaryLines } from "./testreport.js";

/** One step of `check`: the first of `scripts` that package.json defines is run. */
export interface CheckStep {
  /** What the step checks, as the report names it. */
  name: string;
  /** Candidate npm scripts, in order of preference. */
  scripts: readonly string[];
  /** Picks the lines of a failure's output that say what is wrong. */
  keyLines: (output: string) => string[];
}

// 20: the first screenful of errors; the command in the message shows the rest.
const MAX_KEY_LINES = 20;

/** The steps after `npm ci`, run in parallel against the same installed tree. */
export const CHECK_STEPS: readonly CheckStep[] = [
  {
    name: "typecheck",
    scripts: ["typecheck"],
    keyLines: (out) => lines(out).filter((l) => /error TS\d+/.test(l)),
  },
  {
    name: "lint",
    scripts: ["lint"],
    // eslint's stylish format: a file path line, then "  3:5  error  message  rule".
    keyLines: (out) => lines(out).filter((l) => /^\s*\d+:\d+\s+error\s/.test(l) || /^\/\S+\.[cm]?[jt]sx?$/.test(l.trim())),
  },
  {
    name: "unit tests",
    scripts: ["test:unit", "test"],
    keyLines: (out) => {
      const causes = failureCauses(out);
      return failingTests(out).map((t) => `failing: ${t}${causes.has(t) ? ` — ${causes.get(t)}` : ""}`);
    },
  },
];

/** The outcome of one step. */
interface StepResult {
  step: CheckStep;
  script?: string;
  /** The command that reproduces the step, when it is not `npm run <script>`. */
  command?: string;
  ok: boolean;
  output: string;
}

// actionlint with shellcheck beside it (it checks every `run:` script), as the
// official image ships them; 1.7.12 as testbed/lib/actionlint.sh pins, since each
// release adds rules. The test bed mirrors an image of that name and version.
export const ACTIONLINT_IMAGE = "rhysd/actionlint:1.7.12";
const WORKFLOWS = ".github/workflows";
// Pyflakes off: no workflow here runs Python (the official image has it; the test bed's does not).
const ACTIONLINT_ARGS = ["actionlint", "-no-color", "-shellcheck", "shellcheck", "-pyflakes="];

/** The workflow lint, reported like the npm steps. */
export const WORKFLOW_STEP: CheckStep = {
  name: "workflows",
  scripts: [],
  // actionlint's format: "path:line:col: message [rule]".
  keyLines: (out) => lines(out).filter((l) => /^\S+\.ya?ml:\d+:\d+: /.test(l)),
};

/**
 * Runs `npm ci` (which fails when package-lock.json is out of sync with a
 * package.json), then every step of {@link CHECK_STEPS} that package.json has a
 * script for.
 *
 * @param source the repository root (needs package.json and package-lock.json)
 * @returns a report, one line per step
 * @throws Error naming each failed step, its workspaces and how to reproduce it
 */
export async function runChecks(source: Directory, options: { workflows?: boolean } = {}): Promise<string> {
  if (!(await source.exists("package.json"))) {
    throw new Error("check needs an npm project: there is no package.json at the root of --source");
  }
  const manifest = await source.file("package.json").contents();
  const scripts = (JSON.parse(manifest) as { scripts?: Record<string, string> }).scripts ?? {};
  const workspaces = await workspaceDirs(source, manifest);

  const installed = await install(source, workspaces);
  // The source goes on top of the installed tree; the ignore list of the
  // constructor keeps node_modules out of it.
  const tree = installed.withDirectory("/src", source);

  const results = await Promise.all([
    ...CHECK_STEPS.map((step) => runStep(tree, step, scripts)),
    ...(options.workflows ? [lintWorkflows(source)] : []),
  ]);
  const report = [
    `✔ lock file in sync with ${workspaces.length > 0 ? `the manifests of ${["root", ...workspaces].join(", ")}` : "package.json"} (npm ci)`,
    ...results.map((r) => resultLine(r)),
  ];
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new Error([`check failed: ${failed.map((r) => r.step.name).join(", ")}`, ...report, "", ...failed.map((r) => failureDetails(r, workspaces))].join("\n"));
  }
  return ["check passed", ...report].join("\n");
}

/**
 * `npm ci` from the manifests and lock file only, so a source change does not reinstall.
 * Deploy's synthesis uses the same container (the engine builds it once for both).
 *
 * @param source the repository root
 * @param workspaces its workspace directories
 */
export async function install(source: Directory, workspaces: readonly string[]): Promise<Container> {
  try {
    return await nodeContainer()
      .withDirectory("/src", installInputs(source, workspaces))
      .withWorkdir("/src")
      .withExec(withSystemCAs(["npm", "ci", "--prefer-offline"]))
      .sync();
  } catch (err) {
    const { output } = commandFailure(err);
    throw new Error(explainNpmInstallFailure(output, "check") ?? `npm ci failed in check:\n${indent(tail(output, 15))}`, { cause: err });
  }
}

/** Runs one step; a missing script is reported as skipped, not as passed. */
async function runStep(tree: Container, step: CheckStep, scripts: Record<string, string>): Promise<StepResult> {
  const script = step.scripts.find((s) => s in scripts);
  if (!script) return { step, ok: true, output: "" };
  try {
    const output = await tree.withExec(["sh", "-c", `npm run --silent ${script} 2>&1`]).stdout();
    return { step, script, ok: true, output };
  } catch (err) {
    return { step, script, ok: false, output: commandFailure(err).output };
  }
}

/**
 * actionlint on the source's workflows (with the repository's .github/actionlint.yaml
 * when it has one), in the actionlint image; skipped when there are none.
 *
 * @param source the repository root
 */
export async function lintWorkflows(source: Directory): Promise<StepResult> {
  const step = WORKFLOW_STEP;
  const files = (await source.exists(WORKFLOWS)) ? (await source.directory(WORKFLOWS).entries()).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  if (files.length === 0) return { step, ok: true, output: "" };
  const config = (await source.exists(".github/actionlint.yaml")) ? ["-config-file", ".github/actionlint.yaml"] : [];
  const args = [...ACTIONLINT_ARGS, ...config, ...files.map((f) => `${WORKFLOWS}/${f}`)];
  const command = args.filter((a) => a !== "-no-color").join(" ");
  try {
    // Only .github: a change elsewhere does not rerun the lint.
    await dag.container().from(ACTIONLINT_IMAGE).withDirectory("/src/.github", source.directory(".github")).withWorkdir("/src").withExec(args).sync();
    return { step, command, ok: true, output: `${files.length} workflow${files.length === 1 ? "" : "s"}` };
  } catch (err) {
    return { step, command, ok: false, output: commandFailure(err).output };
  }
}

/** One report line for a step. */
function resultLine(r: StepResult): string {
  const how = r.command ?? `npm run ${r.script ?? ""}`;
  if (r.step === WORKFLOW_STEP && !r.command) return `– ${r.step.name}: skipped (no ${WORKFLOWS}/*.yml)`;
  if (!r.script && !r.command) return `– ${r.step.name}: skipped (package.json has no ${r.step.scripts.map((s) => `"${s}"`).join(" or ")} script)`;
  if (!r.ok) return `✘ ${r.step.name} (${how})`;
  if (r.step === WORKFLOW_STEP) return `✔ ${r.step.name} (actionlint with shellcheck): ${r.output}`;
  const summary = summaryLines(r.output).join("; ");
  return `✔ ${r.step.name} (${how})${summary ? `: ${summary}` : ""}`;
}

/** What failed in a step, where, and the command that reproduces it. */
function failureDetails(r: StepResult, workspaces: readonly string[]): string {
  const key = r.step.keyLines(r.output);
  // Attributed from the lines that say what failed: passing output names every workspace.
  const where = workspacesIn(key.length > 0 ? key.join("\n") : r.output, workspaces);
  const place =
    where.length > 0 ? ` in ${where.map((w) => `workspace ${w}`).join(", ")}` : key.length > 0 && workspaces.length > 0 ? " in the root package (outside the workspaces)" : "";
  const shown = (key.length > 0 ? key : tail(r.output, 15)).slice(0, MAX_KEY_LINES);
  return [
    `✘ ${r.step.name}${place}:`,
    indent(shown),
    ...(key.length > MAX_KEY_LINES ? [`    … and ${key.length - MAX_KEY_LINES} more`] : []),
    `  to reproduce and fix: ${r.command ?? `npm run ${r.script ?? ""}`}`,
  ].join("\n");
}

/**
 * The workspaces whose files a tool's output mentions (e.g. `infra/src/a.ts(3,1): error TS2322`).
 *
 * @param output tool output
 * @param workspaces workspace directories
 */
export function workspacesIn(output: string, workspaces: readonly string[]): string[] {
  const text = stripAnsi(output);
  return workspaces.filter((w) => new RegExp(`(?:^|[\\s/("'|])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`, "m").test(text));
}

/** Output split into lines without colour codes. */
function lines(output: string): string[] {
  return stripAnsi(output).split("\n");
}
