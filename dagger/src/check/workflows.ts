/**
 * `check`'s lint of the repository's GitHub Actions workflows: actionlint with
 * shellcheck, in the actionlint image, wherever check runs (a laptop, CI's
 * check job). It fails only on what would break a workflow: actionlint's own
 * findings (syntax, expressions, unknown inputs, …) and shellcheck's warnings
 * and errors. Shellcheck's info and style notes (SC2086 "double quote to
 * prevent globbing", SC2129 …) are the project's taste, not breakage: they
 * are reported and do not fail. (This repository holds its own workflows to
 * the strict level in its unit tier: scripts/test/actionlint.test.ts.)
 * Skipped, and said so, when the source has no workflows.
 */
import { dag, type Directory, ReturnType } from "@dagger.io/dagger";

import type { StepOutcome } from "./step.js";

/** The image, pinned to the actionlint the test bed builds (testbed/versions.env). */
export const ACTIONLINT_IMAGE = "rhysd/actionlint:1.7.12";
const WORKFLOWS = ".github/workflows";
// Pyflakes off: no workflow here runs Python (the official image has it; the test bed's does not).
// JSON: one record per finding, so shellcheck's severities can be told apart.
const ACTIONLINT_ARGS = ["actionlint", "-no-color", "-shellcheck", "shellcheck", "-pyflakes=", "-format", "{{json .}}"];
const NAME = "workflows";
// 10: the notes worth reading in the report; the command shows the rest.
const MAX_NOTES = 10;

/** One finding as actionlint's JSON format prints it. */
export interface ActionlintFinding {
  message: string;
  filepath: string;
  line: number;
  column: number;
  kind: string;
}

/** actionlint's findings split into what fails the step and what is only reported. */
export interface WorkflowFindings {
  /** actionlint's own errors, and shellcheck's warnings and errors. */
  errors: string[];
  /** shellcheck's info and style notes. */
  notes: string[];
}

// "shellcheck reported issue in this script: SC2086:info:1:6: …": the severity is the second field.
const SHELLCHECK_SEVERITY = /\bSC\d+:(error|warning|info|style):/;

/**
 * Splits actionlint's findings into errors and notes, each as "path:line:col: message [kind]".
 *
 * @param findings actionlint's JSON output, parsed
 */
export function classifyFindings(findings: readonly ActionlintFinding[]): WorkflowFindings {
  const errors: string[] = [];
  const notes: string[] = [];
  for (const f of findings) {
    const line = `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
    const severity = f.kind === "shellcheck" ? SHELLCHECK_SEVERITY.exec(f.message)?.[1] : undefined;
    if (severity === "info" || severity === "style") notes.push(line);
    else errors.push(line);
  }
  return { errors, notes };
}

/**
 * actionlint on the source's workflows (with the repository's .github/actionlint.yaml
 * when it has one); skipped when there are none.
 *
 * @param source the repository root
 */
export async function lintWorkflows(source: Directory): Promise<StepOutcome> {
  const files = (await source.exists(WORKFLOWS))
    ? (await source.directory(WORKFLOWS).entries()).filter((f) => /\.ya?ml$/.test(f)).sort()
    : [];
  if (files.length === 0) return { name: NAME, status: "skipped", note: `no ${WORKFLOWS}/*.yml` };
  const config = (await source.exists(".github/actionlint.yaml")) ? ["-config-file", ".github/actionlint.yaml"] : [];
  const args = [...ACTIONLINT_ARGS, ...config, ...files.map((f) => `${WORKFLOWS}/${f}`)];
  const command = ["actionlint", ...config, ...files.map((f) => `${WORKFLOWS}/${f}`)].join(" ");
  // Only .github: a change elsewhere does not rerun the lint.
  const ran = dag
    .container()
    .from(ACTIONLINT_IMAGE)
    .withDirectory("/src/.github", source.directory(".github"))
    .withWorkdir("/src")
    .withExec(args, { expect: ReturnType.Any });
  const [exitCode, stdout, stderr] = await Promise.all([ran.exitCode(), ran.stdout(), ran.stderr()]);
  let findings: ActionlintFinding[];
  try {
    findings = stdout.trim() === "" ? [] : (JSON.parse(stdout) as ActionlintFinding[]);
  } catch {
    // Not its JSON: actionlint itself failed (a bad config file, an unreadable workflow).
    return {
      name: NAME,
      status: "failed",
      command,
      fix: command,
      keyLines: `${stdout}${stderr}`.trim().split("\n").slice(-15),
    };
  }
  if (exitCode !== 0 && findings.length === 0)
    return { name: NAME, status: "failed", command, fix: command, keyLines: stderr.trim().split("\n").slice(-15) };
  const { errors, notes } = classifyFindings(findings);
  const count = `${files.length} workflow${files.length === 1 ? "" : "s"}`;
  const noted =
    notes.length > 0
      ? `; ${notes.length} shellcheck info/style note${notes.length === 1 ? "" : "s"}, which do not fail: ${notes.slice(0, MAX_NOTES).join(" | ")}${notes.length > MAX_NOTES ? ` | … and ${notes.length - MAX_NOTES} more` : ""}`
      : "";
  if (errors.length === 0)
    return { name: NAME, status: "passed", command: "actionlint with shellcheck", note: `${count}${noted}` };
  return { name: NAME, status: "failed", command, fix: command, keyLines: errors, note: `${count}${noted}` };
}
