/**
 * `check`: finds what the source is (npm, pnpm or yarn; poetry or uv; Go
 * modules) and runs what fits, each in its ecosystem's container: the lock
 * file in sync with its manifest, then the project's own typecheck, lint and
 * unit tests. A failure names the step, where it is, the lines that matter and
 * the command that reproduces or fixes it; a lock file out of sync leads the
 * message with its fix. Steps it cannot run are reported as skipped, with why:
 * it never passes in silence.
 */
import type { Directory } from "@dagger.io/dagger";

import { checkGo } from "./go.js";
import { checkNode } from "./node.js";
import { checkPython } from "./python.js";
import type { EcosystemOutcome, StepOutcome } from "./step.js";
import { detectProjects, type Project, readSourceFacts } from "./ecosystems.js";
import { lintWorkflows } from "./workflows.js";
import { indent } from "../common/errors.js";

export { workspacesIn } from "./node.js";

// 20: the first screenful of errors; the command in the message shows the rest.
const MAX_KEY_LINES = 20;

/** The manifests check looks for, for the message when it finds none. */
const KNOWN_MANIFESTS = "package.json (npm, pnpm, yarn), pyproject.toml (poetry, uv), go.mod (Go modules)";

/**
 * Detects the projects at the root of `source` and runs each one's checks.
 *
 * @param source the app's directory
 * @param options workflows: also lint the GitHub Actions workflows (`check` does; deploy's gate does not)
 * @returns the report: the first line says whether it passed or what it skipped, then one line per step
 * @throws Error whose first line is a lock file's fix when one is out of sync, else "check failed: <steps>"
 */
export async function runChecks(source: Directory, options: { workflows?: boolean } = {}): Promise<string> {
  const { projects, unsupported } = detectProjects(await readSourceFacts(source));
  const notes = unsupported.map((u) => `– skipped ${u}`);
  if (projects.length === 0) {
    return [
      "check skipped every step: the root of --source has none of " + KNOWN_MANIFESTS,
      "– lock file, typecheck, lint, format, unit tests: skipped (no ecosystem check knows); the Dockerfile's test stage is the only gate",
      ...notes,
    ].join("\n");
  }
  const [outcomes, workflows] = await Promise.all([
    Promise.all(projects.map((p) => checkProject(source, p))),
    options.workflows ? lintWorkflows(source) : undefined,
  ]);
  // The workflows belong to the repository, not to one ecosystem: reported with the first.
  if (workflows && outcomes[0]) outcomes[0].steps.push(workflows);
  const many = outcomes.length > 1;
  const report = [
    `found: ${outcomes.map((o) => `${o.label} (${o.found})`).join("; ")}`,
    ...outcomes.flatMap((o) => o.steps.map((s) => stepLine(s, many ? o.label : undefined))),
    ...notes,
  ];
  const failed = outcomes.flatMap((o) => o.steps.filter((s) => s.status === "failed").map((s) => ({ o, s })));
  if (failed.length === 0) return ["check passed", ...report].join("\n");

  const lockFailures = failed.filter(({ s }) => s.message !== undefined);
  const headline =
    lockFailures.length > 0
      ? lockFailures.map(({ s }) => s.message ?? "")
      : [`check failed: ${failed.map(({ o, s }) => (many ? `${s.name} (${o.label})` : s.name)).join(", ")}`];
  const details = failed
    .filter(({ s }) => s.message === undefined)
    .map(({ o, s }) => failureDetails(s, many ? o.label : undefined));
  throw new Error(
    [
      ...headline,
      ...(lockFailures.length > 0 ? ["", `check failed: ${failed.map(({ s }) => s.name).join(", ")}`] : []),
      ...report,
      ...(details.length > 0 ? ["", ...details] : []),
    ].join("\n"),
  );
}

/** Runs the checks of one detected project. */
async function checkProject(source: Directory, project: Project): Promise<EcosystemOutcome> {
  switch (project.kind) {
    case "node":
      return await checkNode(source, project);
    case "python":
      return await checkPython(source, project);
    case "go":
      return await checkGo(source);
  }
}

/** One report line for a step, prefixed with its ecosystem when there are several. */
function stepLine(s: StepOutcome, label?: string): string {
  const prefix = label ? `${label}: ` : "";
  if (s.status === "skipped") return `– ${prefix}${s.name}: skipped (${s.note ?? "not applicable"})`;
  const cmd = s.command ? ` (${s.command})` : "";
  if (s.status === "failed") return `✘ ${prefix}${s.name}${cmd}`;
  return `✔ ${prefix}${s.name}${cmd}${s.note ? `: ${s.note}` : ""}`;
}

/**
 * What failed in a step, where, and the command that reproduces and fixes it (or
 * two, when another command fixes it: `format:check` finds, `format` fixes).
 *
 * @param s the failed step
 * @param label the project it belongs to, when check found several
 */
export function failureDetails(s: StepOutcome, label?: string): string {
  const key = s.keyLines ?? [];
  const fix = s.fix ?? s.command ?? "";
  return [
    `✘ ${label ? `${label}: ` : ""}${s.name}${s.where ?? ""}:`,
    indent(key.slice(0, MAX_KEY_LINES)),
    ...(key.length > MAX_KEY_LINES ? [`    … and ${key.length - MAX_KEY_LINES} more`] : []),
    ...(s.command && fix !== s.command
      ? [`  to reproduce: ${s.command}`, `  to fix: ${fix}`]
      : [`  to reproduce and fix: ${fix}`]),
  ].join("\n");
}
