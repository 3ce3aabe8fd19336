/**
 * `check`: finds what the project is (npm, pnpm or yarn; poetry or uv; Go
 * modules) in the Dockerfile's build context (the source minus .dockerignore)
 * and runs what fits on that context, each in the official image of the
 * toolchain version the project asks for: the lock file in sync with its
 * manifest, then the project's own typecheck, lint and format (or the
 * conventional tool its configuration asks for) and its declared tests. A
 * failure names the step, where it is, the lines that matter and the command
 * that reproduces or fixes it; a lock file out of sync leads the message with
 * its fix, and a cause that is not the lock file (a missing file, the wrong
 * interpreter, an image that cannot be pulled) is said as what it is. Steps it
 * cannot run are reported as skipped, with why: it never passes in silence.
 */
import { dag, type Directory } from "@dagger.io/dagger";

import { buildContext } from "./context.js";
import { checkGo } from "./go.js";
import { checkNode } from "./node.js";
import { checkPython } from "./python.js";
import type { EcosystemOutcome, ProjectCheckOptions, StepOutcome } from "./step.js";
import { detectProjects, type Project, readSourceFacts } from "./ecosystems.js";
import { lintWorkflows } from "./workflows.js";
import { engineClock, took, verdict } from "./replay.js";
import { indent } from "../common/errors.js";
import { type BuildSecret, secretMounts } from "../common/secret-mounts.js";
import { type CheckSecret, checkSecretsFor, secretsLine } from "./secrets.js";

/** What runChecks does besides the project's own checks. */
export interface RunChecksOptions {
  /** The Dockerfile's path in the source: its build context (and .dockerignore) is what check sees. */
  dockerfile?: string;
  /** Also lint the repository's GitHub Actions workflows (`check` does; deploy's gate does not). */
  workflows?: boolean;
  /**
   * Run the test commands the project declares (default true). Deploy turns it off: it runs the
   * Dockerfile's test stage, and the tests run once.
   */
  tests?: boolean;
  /**
   * The build secrets (--build-secrets): the steps that install dependencies get those the
   * Dockerfile mounts, as it mounts them (a private index's token, a pip.conf).
   */
  secrets?: BuildSecret[];
}

export { workspacesIn } from "./node.js";

// 20: the first screenful of errors; the command in the message shows the rest.
const MAX_KEY_LINES = 20;

/** The manifests check looks for, for the message when it finds none. */
const KNOWN_MANIFESTS = "package.json (npm, pnpm, yarn), pyproject.toml (poetry, uv), go.mod (Go modules)";

/**
 * Detects the projects at the root of the source's build context and runs each one's checks.
 *
 * @param source the app's directory
 * @param options the Dockerfile, the workflows, the tests, the build secrets
 * @returns the report: the first line says whether it passed or what it skipped, then one line per step
 * @throws Error whose first line is a lock file's fix (or another cause said as such) when there is one, else "check failed: <steps>"
 */
export async function runChecks(source: Directory, options: RunChecksOptions = {}): Promise<string> {
  const dockerfile = options.dockerfile ?? "Dockerfile";
  const context = await buildContext(source, dockerfile);
  const { projects, unsupported } = detectProjects(await readSourceFacts(context.dir));
  const contextLine = context.ignoreFile
    ? `– checked: the build context, the source minus what ${context.ignoreFile} leaves out`
    : undefined;
  const secrets = await installSecrets(source, dockerfile, options.secrets ?? []);
  const notes = [
    ...unsupported.map((u) => `– skipped ${u}`),
    ...(contextLine ? [contextLine] : []),
    ...(secrets.length > 0 && projects.length > 0 ? [secretsLine(secrets, dockerfile)] : []),
  ];
  // The workflows belong to the repository, not to the build context: read from the source.
  const workflowsLint = options.workflows ? lintWorkflows(source) : undefined;
  if (projects.length === 0) {
    const workflows = await workflowsLint;
    const lines = [
      "– lock file, typecheck, lint, format, unit tests: skipped (no ecosystem check knows); the Dockerfile's test stage is the only gate",
      ...(workflows ? [stepLine(workflows)] : []),
      ...notes,
    ];
    if (workflows?.status === "failed")
      throw new Error(["check failed: workflows", ...lines, "", failureDetails(workflows)].join("\n"));
    return ["check skipped every step: the root of --source has none of " + KNOWN_MANIFESTS, ...lines].join("\n");
  }
  const projectOptions: ProjectCheckOptions = { source, context, tests: options.tests ?? true, secrets };
  const [outcomes, workflows] = await Promise.all([
    Promise.all(projects.map((p) => checkProject(p, projectOptions))),
    workflowsLint,
  ]);
  // The workflows belong to the repository, not to one ecosystem: reported with the first.
  if (workflows && outcomes[0]) outcomes[0].steps.push(workflows);
  const many = outcomes.length > 1;
  const report = [
    `found: ${outcomes.map((o) => `${o.label} (${o.found})`).join("; ")}`,
    ...outcomes.flatMap((o) => o.steps.map((s) => stepLine(s, many ? o.label : undefined, o.clock))),
    ...outcomes.flatMap((o) => replayLines(o)),
    ...notes,
  ];
  const failed = outcomes.flatMap((o) => o.steps.filter((s) => s.status === "failed").map((s) => ({ o, s })));
  const named = (o: EcosystemOutcome, s: StepOutcome) =>
    `${s.package ? `${s.package}: ` : ""}${s.name}${many ? ` (${o.label})` : ""}`;
  if (failed.length === 0) return ["check passed", ...report].join("\n");

  const lockFailures = failed.filter(({ s }) => s.message !== undefined);
  const headline =
    lockFailures.length > 0
      ? lockFailures.map(({ s }) => s.message ?? "")
      : [`check failed: ${failed.map(({ o, s }) => named(o, s)).join(", ")}`];
  const details = failed
    .filter(({ s }) => s.message === undefined)
    .map(({ o, s }) =>
      failureDetails(s, [many ? o.label : undefined, s.package].filter(Boolean).join(": ") || undefined),
    );
  throw new Error(
    [
      ...headline,
      ...(lockFailures.length > 0 ? ["", `check failed: ${failed.map(({ o, s }) => named(o, s)).join(", ")}`] : []),
      ...report,
      ...(details.length > 0 ? ["", ...details] : []),
    ].join("\n"),
  );
}

/**
 * The build secrets as the Dockerfile mounts them, for the install steps: none without
 * secrets (the Dockerfile is not read then) or without a Dockerfile (no mount asks for them).
 *
 * @param source the app's directory
 * @param dockerfile the Dockerfile's path in it
 * @param given the build secrets given
 */
async function installSecrets(source: Directory, dockerfile: string, given: BuildSecret[]): Promise<CheckSecret[]> {
  if (given.length === 0 || !(await source.exists(dockerfile))) return [];
  return checkSecretsFor(secretMounts(await source.file(dockerfile).contents()), given);
}

/**
 * Runs the checks of one detected project, with the engine's clock read before its first step
 * (Node reads its own, for its probes): the report says which steps the engine replayed.
 */
async function checkProject(project: Project, options: ProjectCheckOptions): Promise<EcosystemOutcome> {
  const image = project.toolchain && !("error" in project.toolchain) ? project.toolchain.image : undefined;
  const clock =
    project.kind === "node" || image === undefined
      ? undefined
      : await engineClock(dag.container().from(image)).catch(() => undefined);
  const outcome = await checkEcosystem(project, options);
  return clock !== undefined && outcome.clock === undefined ? { ...outcome, clock } : outcome;
}

/** The checks of one ecosystem's project. */
async function checkEcosystem(project: Project, options: ProjectCheckOptions): Promise<EcosystemOutcome> {
  switch (project.kind) {
    case "node":
      return await checkNode(project, options);
    case "python":
      return await checkPython(project, options);
    case "go":
      return await checkGo(project, options);
  }
}

/**
 * One report line for a step, prefixed with its ecosystem when there are several and its
 * package when check split the project; ended with whether it ran or was replayed.
 *
 * @param s the step
 * @param label its ecosystem, when check found several
 * @param clock the check's start on the engine's clock
 */
export function stepLine(s: StepOutcome, label?: string, clock?: number): string {
  const prefix = `${label ? `${label}: ` : ""}${s.package ? `${s.package}: ` : ""}`;
  if (s.status === "skipped") return `– ${prefix}${s.name}: skipped (${s.note ?? "not applicable"})`;
  if (s.name === "toolchain")
    return `${s.status === "failed" ? "✘" : "✔"} ${prefix}toolchain: ${s.note ?? ""}`.trimEnd();
  const cmd = s.command ? ` (${s.command})` : "";
  const replay =
    s.ranAt && clock !== undefined
      ? verdict(s.ranAt, clock) === "ran"
        ? s.ranAt.end > s.ranAt.start
          ? ` · ran (${took(s.ranAt)})`
          : " · ran"
        : " · replayed"
      : "";
  if (s.status === "failed") return `✘ ${prefix}${s.name}${cmd}${replay}`;
  return `✔ ${prefix}${s.name}${cmd}${s.note ? `: ${s.note}` : ""}${replay}`;
}

/**
 * What the engine replayed and why the others ran: a count, then the inputs new to the engine
 * that each group of steps that ran reads (when every step ran and all read one such input, say so).
 *
 * @param o one ecosystem's outcome
 */
export function replayLines(o: EcosystemOutcome): string[] {
  const clock = o.clock;
  if (clock === undefined) return [];
  const stamped = o.steps.filter((s) => s.ranAt !== undefined);
  const ran = stamped.filter((s) => s.ranAt && verdict(s.ranAt, clock) === "ran");
  if (stamped.length === 0) return [];
  const count = `– engine cache: ${ran.length} of ${stamped.length} steps ran, ${stamped.length - ran.length} replayed (their inputs are unchanged)`;
  const changed = (o.probes ?? []).filter((p) => p.replay === "ran").map((p) => p.label);
  const withInputs = ran.filter((s) => s.inputs !== undefined);
  if (withInputs.length === 0) return [count];
  const name = (s: StepOutcome) => `${s.package ? `${s.package}: ` : ""}${s.name}`;
  // Every step ran, and one changed input is read by all of them: that is why.
  const all = stamped.filter((s) => s.inputs !== undefined);
  const common = changed.filter((c) => all.every((s) => s.inputs?.includes(c)));
  if (withInputs.length === all.length && all.length > 1 && common.length > 0)
    return [count, `– every step ran: they all read ${common.join(", ")}, which changed (new to the engine's cache)`];
  const groups = new Map<string, string[]>();
  for (const s of withInputs) {
    const why = changed.filter((c) => s.inputs?.includes(c));
    const key =
      why.length > 0
        ? `ran because ${why.join(", ")} changed`
        : "ran with no input new to the engine (the cache no longer held its result)";
    groups.set(key, [...(groups.get(key) ?? []), name(s)]);
  }
  return [count, ...[...groups.entries()].map(([why, steps]) => `– ${why}: ${steps.join(", ")}`)];
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
