/**
 * `check`: the lock file, typecheck, lint and unit tests of an npm project and
 * all its workspaces, in a Node container. A failure names the step, the
 * workspaces its errors are in, the lines that matter and the command that
 * reproduces it; the steps that passed are reported too.
 */
import type { Container, Directory } from "@dagger.io/dagger";

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
  ok: boolean;
  output: string;
}

/**
 * Runs `npm ci` (which fails when package-lock.json is out of sync with a
 * package.json), then every step of {@link CHECK_STEPS} that package.json has a
 * script for.
 *
 * @param source the repository root (needs package.json and package-lock.json)
 * @returns a report, one line per step
 * @throws Error naming each failed step, its workspaces and how to reproduce it
 */
export async function runChecks(source: Directory): Promise<string> {
  if (!(await source.exists("package.json"))) {
    throw new Error("check needs an npm project: there is no package.json at the root of --source");
  }
  const manifest = await source.file("package.json").contents();
  const scripts = (JSON.parse(manifest) as { scripts?: Record<string, string> }).scripts ?? {};
  const workspaces = await workspaceDirs(source, manifest);
  const nested = await nestedProjects(source);

  const installed = await install(source, workspaces, nested);
  // The source goes on top of the installed tree; the ignore list of the
  // constructor keeps node_modules out of it.
  const tree = installed.withDirectory("/src", source);

  const results = await Promise.all(CHECK_STEPS.map((step) => runStep(tree, step, scripts)));
  const report = [
    `✔ lock file in sync with ${workspaces.length > 0 ? `the manifests of ${["root", ...workspaces].join(", ")}` : "package.json"} (npm ci)`,
    ...nested.map((d) => `✔ lock file in sync with ${d}/package.json, a project of its own (npm ci --prefix ${d})`),
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
 * @param nested npm projects of their own inside it (nestedProjects())
 */
export async function install(source: Directory, workspaces: readonly string[], nested: readonly string[] = []): Promise<Container> {
  try {
    let ctr = nodeContainer()
      .withDirectory("/src", installInputs(source, [...workspaces, ...nested]))
      .withWorkdir("/src")
      .withExec(withSystemCAs(["npm", "ci", "--prefer-offline"]));
    for (const dir of nested) ctr = ctr.withExec(withSystemCAs(["npm", "ci", "--prefer-offline", "--prefix", dir]));
    return await ctr.sync();
  } catch (err) {
    const { output } = commandFailure(err);
    throw new Error(explainNpmInstallFailure(output, "check") ?? `npm ci failed in check:\n${indent(tail(output, 15))}`, { cause: err });
  }
}

/**
 * npm projects inside the repository that are not its workspaces: a directory
 * with its own package-lock.json (this module's dagger/infra is one). The
 * root's scripts may use them, so they are installed from their own lock file.
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

/** One report line for a step. */
function resultLine(r: StepResult): string {
  if (!r.script) return `– ${r.step.name}: skipped (package.json has no ${r.step.scripts.map((s) => `"${s}"`).join(" or ")} script)`;
  if (!r.ok) return `✘ ${r.step.name} (npm run ${r.script})`;
  const summary = summaryLines(r.output).join("; ");
  return `✔ ${r.step.name} (npm run ${r.script})${summary ? `: ${summary}` : ""}`;
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
    `  to reproduce and fix: npm run ${r.script ?? ""}`,
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
