/**
 * The rules every GitHub Actions workflow of this repository follows (issue #7:
 * thin workflows that only call Dagger, keyless AWS access through OIDC, least
 * privilege, serialized deploys), written as functions that return the problems
 * they find. The tests apply them to the real files (no problems) and to broken
 * copies (the problem named), so every rule is shown to be able to fail.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

import type { DescribedFunction, DescribedModule } from "../../dagger/scripts/introspect.mjs";

/** The repository root (this file is scripts/test/workflow-policy.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The local composite action every job uses to install the Dagger CLI. */
export const SETUP_DAGGER = "./.github/actions/setup-dagger";

/**
 * The only actions a step may use: what CI needs around the `dagger call`s.
 * Anything that builds, tests or deploys belongs in the Dagger module instead.
 */
export const ALLOWED_ACTIONS: Readonly<Record<string, string>> = {
  "actions/checkout": "checkout",
  "dagger/dagger-for-github": "installs the Dagger CLI (inside setup-dagger only)",
  "aws-actions/configure-aws-credentials": "OIDC credentials",
  "marocchino/sticky-pull-request-comment": "the one plan comment on a pull request",
  [SETUP_DAGGER]: "the Dagger CLI at dagger.json's version",
};

/** Inputs that would hand long-lived keys to configure-aws-credentials. */
const KEY_INPUTS = ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"];
/** Triggers that run with a privileged token or secrets on code from forks. */
const UNSAFE_TRIGGERS = ["pull_request_target", "workflow_run"];

/** A workflow or action file: repository-relative path, raw text, parsed YAML. */
export interface YamlFile {
  path: string;
  text: string;
  doc: Record<string, unknown>;
}

/** A step of a job or of a composite action. */
export interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

/** A job of a workflow (the fields these rules read). */
export interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
  permissions?: string | Record<string, string>;
  steps?: Step[];
}

/** A step's `with:` input as text: a string as written, anything else (a number, a map) as its JSON; "" when absent. */
function inputText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Parses one YAML file.
 * @param root repository root
 * @param path path relative to root
 */
export function loadYaml(root: string, path: string): YamlFile {
  const text = readFileSync(join(root, path), "utf8");
  return fromText(path, text);
}

/**
 * A YamlFile from text (used for the real files and for the tests' broken copies).
 * @param path repository-relative path it stands for
 * @param text its YAML
 */
export function fromText(path: string, text: string): YamlFile {
  const doc: unknown = parse(text);
  if (typeof doc !== "object" || doc === null) throw new Error(`${path}: not a YAML mapping`);
  return { path, text, doc: doc as Record<string, unknown> };
}

/**
 * Every workflow in .github/workflows.
 * @param root repository root
 */
export function loadWorkflows(root = REPO_ROOT): YamlFile[] {
  const dir = join(root, ".github", "workflows");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => loadYaml(root, relative(root, join(dir, f))));
}

/**
 * Every local action (.github/actions/NAME/action.yml).
 * @param root repository root
 */
export function loadLocalActions(root = REPO_ROOT): YamlFile[] {
  const dir = join(root, ".github", "actions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((d) => join(dir, d, "action.yml"))
    .filter((p) => existsSync(p))
    .map((p) => loadYaml(root, relative(root, p)));
}

/**
 * The jobs of a workflow, by id.
 * @param wf a workflow
 */
export function jobsOf(wf: YamlFile): Record<string, Job> {
  return (wf.doc.jobs ?? {}) as Record<string, Job>;
}

/**
 * The steps of a composite action.
 * @param action a local action
 */
export function actionSteps(action: YamlFile): Step[] {
  const runs = (action.doc.runs ?? {}) as { steps?: Step[] };
  return runs.steps ?? [];
}

/**
 * The action a `uses:` names, without its ref: "owner/repo" (or the local path).
 * @param uses the value of `uses:`
 */
export function actionName(uses: string): string {
  if (uses.startsWith("./")) return uses.replace(/\/$/, "");
  const [path = ""] = uses.split("@");
  return path.split("/").slice(0, 2).join("/");
}

/**
 * The triggers of a workflow as a mapping (`on: push` and `on: [a, b]` normalized).
 * @param wf a workflow
 */
export function triggersOf(wf: YamlFile): Record<string, unknown> {
  // YAML 1.1 reads a bare `on` key as true; the yaml package (1.2) keeps "on".
  const on = wf.doc.on ?? wf.doc.true;
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t: string) => [t, null]));
  return (on ?? {}) as Record<string, unknown>;
}

/**
 * The module's Boolean arguments, by function: written bare (`--include-base`)
 * they take no value, so the parser must know them to tell a flag's value from
 * the next function of the chain. workflows.test.ts keeps this equal to the
 * module's interface (the SDK's scan()).
 */
export const BOOLEAN_ARGS: Readonly<Record<string, readonly string[]>> = {
  destroy: ["--include-base"],
  preview: ["--destroy"],
};

/**
 * The module's Secret arguments, by function; a workflow passes each as
 * `env:NAME` only (a literal or `"$VAR"` would put the value in the command
 * line and the logs). workflows.test.ts keeps this equal to the module's interface.
 */
export const SECRET_ARGS: Readonly<Record<string, readonly string[]>> = {
  publish: ["--registry-password"],
  "set-secret": ["--value"],
  "with-aws-credentials": ["--access-key-id", "--secret-access-key", "--session-token"],
  "with-web-identity": ["--token"],
  "with-github": ["--token"],
};

/**
 * What configure-aws-credentials exports, by with-aws-credentials flag: a job
 * that assumes a role passes exactly these (the session token too: OIDC
 * credentials are temporary, and the keys alone are refused).
 */
export const OIDC_CREDENTIALS: Readonly<Record<string, string>> = {
  "--access-key-id": "env:AWS_ACCESS_KEY_ID",
  "--secret-access-key": "env:AWS_SECRET_ACCESS_KEY",
  "--session-token": "env:AWS_SESSION_TOKEN",
};

/** The Environment functions that hand it AWS credentials. */
const CREDENTIAL_FUNCTIONS = ["with-aws-credentials", "with-web-identity"];

/**
 * Operations that change an environment: in a workflow, only a job that declares
 * that GitHub environment (its approval, branch rule and OIDC subject) runs them.
 */
const CHANGING_OPERATIONS = ["deploy", "rollback", "destroy", "bootstrap", "publish-ecr", "preview", "sweep-previews"];

/**
 * The GitHub environment of the previews' jobs: the previews' role trusts its
 * subject (repo:OWNER/REPO:environment:preview). Its jobs run only the
 * previews' operations, on pull requests or the janitor's schedule: not the
 * production gate's rules (main only, one deploy group), but a group per pull
 * request (or the janitor's), never cancelled midway.
 */
export const PREVIEW_ENVIRONMENT = "preview";

/** What a job in the previews' environment may call. */
const PREVIEW_OPERATIONS = ["preview", "sweep-previews"];

/** The module's default environment (`environment` without `--name`, and the top-level deploy). */
const DEFAULT_ENVIRONMENT = "local";

/** One function of a chained `dagger call`, with the arguments written after it. */
export interface CallLink {
  /** The function as the CLI spells it, e.g. "with-aws-credentials". */
  fn: string;
  /** Its arguments as written (shell words, quotes kept; `--flag=value` split in two). */
  args: string[];
  /** Its flags and their values (a bare Boolean flag: "true"). */
  flags: Record<string, string>;
}

/** One `dagger call` as a run step holds it. */
export interface DaggerCall {
  /** Every function of the chain, in order, e.g. environment, with-aws-credentials, plan. */
  chain: CallLink[];
  /** The final function, the operation: e.g. "plan". */
  fn: string;
  /** The final function's arguments as written. */
  args: string[];
  /**
   * The environment the call opens with `environment --name NAME` (local when
   * --name is left out, the module's default); undefined when it opens none.
   */
  env: string | undefined;
}

/**
 * Reads a `run:` script that must be exactly one `dagger call`, optionally piped
 * into `tee` for the job summary. The call may chain functions
 * (`environment --name production with-aws-credentials --access-key-id env:… plan`):
 * every word that is not a flag or a flag's value starts the next function.
 * Returns the call, or the reason it is not one.
 * @param script the step's `run:` text
 */
export function parseDaggerCall(script: string): DaggerCall | string {
  const lines = script
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length !== 1) return `runs ${lines.length} commands; a step runs one \`dagger call\``;
  const [command = "", ...pipes] = (lines[0] ?? "").split(/\s*\|\s*/);
  const m = /^dagger call ([a-z][a-z0-9-]*)(?:\s+(.*))?$/.exec(command);
  if (!m) return `runs \`${command.slice(0, 60)}\`; a step that builds or deploys is a \`dagger call\``;
  if (/[;&`]|\$\(/.test(command))
    return "chains commands or substitutes output; only a single `dagger call` is allowed";
  for (const p of pipes) {
    // The result may go to the job summary (and a file for the PR comment), nothing else.
    if (!/^tee\s+(-a\s+)?("\$RUNNER_TEMP\/[\w.-]+"\s+)?(>>\s*)?"\$GITHUB_STEP_SUMMARY"$/.test(p))
      return `pipes into \`${p}\`; only \`tee\` to the job summary is allowed`;
  }
  const words = [m[1] ?? "", ...(m[2] ?? "").split(/\s+/).filter((w) => w !== "")];
  const chain: CallLink[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const link = chain.at(-1);
    if (!word.startsWith("-")) {
      if (!/^[a-z][a-z0-9-]*$/.test(word))
        return `has \`${word}\` where a function name belongs (after ${link ? `\`${link.fn}\`'s arguments` : "`dagger call`"})`;
      chain.push({ fn: word, args: [], flags: {} });
      continue;
    }
    if (!link) return `has \`${word}\` before any function`;
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    if (!/^--[a-z][a-z0-9-]*$/.test(flag))
      return `passes \`${word}\` to ${link.fn}; the module's flags are --kebab-case`;
    const bare = eq < 0 && (BOOLEAN_ARGS[link.fn]?.includes(flag) ?? false);
    let value = "true";
    if (eq > 0) value = word.slice(eq + 1);
    else if (!bare) {
      const next = words[i + 1];
      if (next === undefined || next.startsWith("--")) return `passes ${flag} to ${link.fn} with no value`;
      value = next;
      i++;
    }
    link.args.push(flag, ...(bare ? [] : [value]));
    link.flags[flag] = value;
  }
  const first = chain[0];
  const last = chain.at(-1);
  if (!first || !last) return "calls no function";
  const env = first.fn === "environment" ? (first.flags["--name"] ?? DEFAULT_ENVIRONMENT) : undefined;
  return { chain, fn: last.fn, args: last.args, env };
}

/**
 * Value of a flag of one function of a call's chain.
 * @param call a parsed dagger call
 * @param flag e.g. "--git-commit"
 * @param fn the function it belongs to (default: the final one), e.g. "with-aws-credentials"
 */
export function flagValue(call: DaggerCall, flag: string, fn = call.fn): string | undefined {
  return call.chain.find((l) => l.fn === fn)?.flags[flag];
}

/**
 * Rule: every remote action is pinned to a full commit SHA, with its version in
 * a comment (`uses: owner/repo@<40 hex> # vX.Y.Z`), so a moved tag cannot change
 * what runs and a reader still sees the version.
 * @param files workflows and local actions
 */
export function checkPins(files: YamlFile[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    f.text.split("\n").forEach((line, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(line);
      if (!m) return;
      const [, uses = "", comment = ""] = m;
      if (uses.startsWith("./")) return;
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses) || !/^#\s*v\d+\.\d+\.\d+$/.test(comment.trim()))
        problems.push(`${f.path}:${i + 1}: ${uses} must be pinned as owner/repo@<full commit SHA> # vX.Y.Z`);
    });
  }
  return problems;
}

/**
 * Rule: steps use only the allowlisted actions, dagger/dagger-for-github only
 * inside setup-dagger (where its version comes from dagger.json), and every
 * `run:` step of a workflow is one `dagger call`: no build logic in YAML.
 * @param workflows the workflows
 * @param actions the local actions
 */
export function checkSteps(workflows: YamlFile[], actions: YamlFile[]): string[] {
  const problems: string[] = [];
  for (const wf of workflows) {
    for (const [id, job] of Object.entries(jobsOf(wf))) {
      const where = `${wf.path} job ${id}`;
      const steps = job.steps ?? [];
      steps.forEach((s, i) => {
        if (s.uses !== undefined) {
          const name = actionName(s.uses);
          if (!(name in ALLOWED_ACTIONS))
            problems.push(
              `${where} step ${i + 1}: ${name} is not an allowed action; what builds, tests or deploys is a \`dagger call\``,
            );
          else if (name === "dagger/dagger-for-github")
            problems.push(
              `${where} step ${i + 1}: install Dagger through ${SETUP_DAGGER} (it reads the version from dagger.json)`,
            );
        }
        if (s.run !== undefined) {
          const call = parseDaggerCall(s.run);
          if (typeof call === "string") problems.push(`${where} step ${i + 1}: ${call}`);
        }
      });
      const calls = steps.filter((s) => s.run !== undefined).length;
      if (calls !== 1) problems.push(`${where}: has ${calls} \`dagger call\` steps; a job makes exactly one`);
      const setupAt = steps.findIndex((s) => s.uses === SETUP_DAGGER);
      const firstRun = steps.findIndex((s) => s.run !== undefined);
      if (firstRun >= 0 && (setupAt < 0 || setupAt > firstRun))
        problems.push(`${where}: uses ${SETUP_DAGGER} before its \`dagger call\` (the CLI at dagger.json's version)`);
      const checkoutAt = steps.findIndex((s) => s.uses !== undefined && actionName(s.uses) === "actions/checkout");
      if (setupAt >= 0 && (checkoutAt < 0 || checkoutAt > setupAt))
        problems.push(`${where}: checks out the repository before ${SETUP_DAGGER} (a local action)`);
    }
  }
  for (const a of actions) {
    actionSteps(a).forEach((s, i) => {
      if (s.uses !== undefined && !(actionName(s.uses) in ALLOWED_ACTIONS))
        problems.push(`${a.path} step ${i + 1}: ${actionName(s.uses)} is not an allowed action`);
    });
  }
  return problems;
}

/**
 * Rule: the setup-dagger action installs the CLI at the version a step reads from
 * dagger.json's engineVersion (one source of truth), not at a literal version.
 * @param actions the local actions
 */
export function checkDaggerVersionSource(actions: YamlFile[]): string[] {
  const setup = actions.find((a) => a.path === `${SETUP_DAGGER.slice(2)}/action.yml`);
  if (!setup) return [`${SETUP_DAGGER}/action.yml is missing`];
  const steps = actionSteps(setup);
  const reader = steps.find(
    (s) => s.id !== undefined && /\bdagger\.json\b/.test(s.run ?? "") && /\.engineVersion\b/.test(s.run ?? ""),
  );
  if (!reader) return [`${setup.path}: no step (with an id) reads .engineVersion from dagger.json`];
  const installs = steps.filter((s) => s.uses !== undefined && actionName(s.uses) === "dagger/dagger-for-github");
  if (installs.length !== 1) return [`${setup.path}: installs Dagger ${installs.length} times; once is right`];
  const version = installs[0]?.with?.version;
  const expected = `\${{ steps.${reader.id}.outputs.version }}`;
  return version === expected
    ? []
    : [`${setup.path}: dagger-for-github's version is ${String(version)}, not ${expected} (dagger.json's)`];
}

/**
 * Names the job's permission scopes `write-all` or `read-all` stand for, else its map.
 * @param p a `permissions:` value
 */
function permissionMap(p: Job["permissions"]): Record<string, string> | string {
  return typeof p === "string" ? p : (p ?? {});
}

/**
 * Rule: least privilege. The workflow grants `contents: read` only; a job adds
 * `id-token: write` only when it assumes an AWS role and `pull-requests: write`
 * only when it comments; nothing else is ever granted.
 * @param workflows the workflows
 */
export function checkPermissions(workflows: YamlFile[]): string[] {
  const problems: string[] = [];
  for (const wf of workflows) {
    const top = permissionMap(wf.doc.permissions as Job["permissions"]);
    if (typeof top === "string" || Object.keys(top).length !== 1 || top.contents !== "read")
      problems.push(
        `${wf.path}: workflow permissions must be exactly { contents: read }, found ${JSON.stringify(top)}`,
      );
    for (const [id, job] of Object.entries(jobsOf(wf))) {
      const where = `${wf.path} job ${id}`;
      const uses = (job.steps ?? []).map((s) => (s.uses === undefined ? "" : actionName(s.uses)));
      const assumesRole = uses.includes("aws-actions/configure-aws-credentials");
      const comments = uses.includes("marocchino/sticky-pull-request-comment");
      // A call that asks GitHub for pull requests' states (with-github) reads them with the job's token.
      const readsPullRequests = (job.steps ?? []).some((st) => {
        const call = st.run === undefined ? undefined : parseDaggerCall(st.run);
        return typeof call === "object" && call.chain.some((l) => l.fn === "with-github");
      });
      if (job.permissions === undefined) {
        if (assumesRole) problems.push(`${where}: assumes an AWS role but lacks \`id-token: write\` (OIDC)`);
        if (comments) problems.push(`${where}: comments but lacks \`pull-requests: write\``);
        continue;
      }
      const p = permissionMap(job.permissions);
      if (typeof p === "string") {
        problems.push(`${where}: permissions "${p}"; list the scopes it needs`);
        continue;
      }
      // Declaring permissions resets the rest to none: checkout still needs contents: read.
      if (p.contents !== "read") problems.push(`${where}: needs \`contents: read\` (and no more) to check out`);
      for (const [scope, level] of Object.entries(p)) {
        if (scope === "contents") continue;
        if (scope === "id-token" && level === "write" && assumesRole) continue;
        if (scope === "pull-requests" && level === "write" && comments) continue;
        if (scope === "pull-requests" && level === "read" && readsPullRequests && !comments) continue;
        problems.push(`${where}: grants \`${scope}: ${level}\`, which it does not need`);
      }
      if (assumesRole && p["id-token"] !== "write")
        problems.push(`${where}: assumes an AWS role but lacks \`id-token: write\` (OIDC)`);
      if (comments && p["pull-requests"] !== "write")
        problems.push(`${where}: comments but lacks \`pull-requests: write\``);
    }
  }
  return problems;
}

/**
 * The GitHub environment a job declares, if any.
 * @param job a job
 */
export function environmentOf(job: Job): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/**
 * Rule: AWS access only through OIDC. No AWS keys in secrets or literals; roles
 * come from repository variables; the deploy role is assumed only by a job in
 * the `production` environment (its trust policy's subject is
 * repo:OWNER/REPO:environment:production), the plan role only by a
 * pull-request job with no environment (subject repo:OWNER/REPO:pull_request);
 * credentials reach Dagger only as `env:NAME` secrets, after a role was
 * assumed, through with-aws-credentials with exactly what
 * configure-aws-credentials exports; no call rehearses on an emulator.
 * @param files workflows and local actions
 * @param workflows the workflows
 */
export function checkAwsAccess(files: YamlFile[], workflows: YamlFile[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    if (/secrets\.AWS/i.test(f.text)) problems.push(`${f.path}: reads AWS secrets; AWS access is OIDC only`);
    if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(f.text))
      problems.push(`${f.path}: holds what looks like an AWS access key id`);
  }
  for (const wf of workflows) {
    for (const [id, job] of Object.entries(jobsOf(wf))) {
      const where = `${wf.path} job ${id}`;
      const steps = job.steps ?? [];
      const creds = steps.filter(
        (s) => s.uses !== undefined && actionName(s.uses) === "aws-actions/configure-aws-credentials",
      );
      for (const s of creds) {
        const w = s.with ?? {};
        for (const k of KEY_INPUTS)
          if (k in w)
            problems.push(`${where}: passes \`${k}\` to configure-aws-credentials; use role-to-assume (OIDC)`);
        const role = inputText(w["role-to-assume"]);
        const m = /^\$\{\{\s*vars\.(AWS_[A-Z_]+_ROLE_ARN)\s*\}\}$/.exec(role);
        if (!m) {
          problems.push(`${where}: role-to-assume must be \${{ vars.AWS_<NAME>_ROLE_ARN }}, found "${role}"`);
          continue;
        }
        const env = environmentOf(job);
        if (m[1] === "AWS_DEPLOY_ROLE_ARN" && env !== "production")
          problems.push(
            `${where}: assumes the deploy role without \`environment: production\`; its OIDC subject would not match the trust policy`,
          );
        if (m[1] === "AWS_PREVIEW_ROLE_ARN" && env !== PREVIEW_ENVIRONMENT)
          problems.push(
            `${where}: assumes the previews' role without \`environment: ${PREVIEW_ENVIRONMENT}\`; its OIDC subject would not match the trust policy`,
          );
        if (m[1] !== "AWS_PREVIEW_ROLE_ARN" && env === PREVIEW_ENVIRONMENT)
          problems.push(
            `${where}: runs in the previews' environment but assumes ${m[1]}; previews use AWS_PREVIEW_ROLE_ARN`,
          );
        if (
          m[1] === "AWS_PLAN_ROLE_ARN" &&
          (env !== undefined || !/github\.event_name == 'pull_request'/.test(job.if ?? ""))
        )
          problems.push(
            `${where}: assumes the plan role outside a pull request or inside an environment; it is trusted for repo:OWNER/REPO:pull_request only`,
          );
        if (!/^\$\{\{\s*vars\.AWS_REGION\s*\}\}$/.test(inputText(w["aws-region"])))
          problems.push(`${where}: aws-region must be \${{ vars.AWS_REGION }}`);
      }
      for (const s of steps) {
        if (s.run === undefined) continue;
        const call = parseDaggerCall(s.run);
        if (typeof call === "string") continue;
        for (const link of call.chain) {
          for (const flag of SECRET_ARGS[link.fn] ?? []) {
            const v = link.flags[flag];
            if (v !== undefined && !/^env:[A-Z_]+$/.test(v))
              problems.push(`${where}: ${link.fn} ${flag} ${v}: secrets reach Dagger as env:NAME only`);
          }
        }
        const usesAws = call.chain.some((l) => CREDENTIAL_FUNCTIONS.includes(l.fn));
        if (creds.length > 0 && call.chain.some((l) => l.fn === "with-aws-credentials")) {
          for (const [flag, exported] of Object.entries(OIDC_CREDENTIALS)) {
            const v = flagValue(call, flag, "with-aws-credentials");
            if (v !== exported)
              problems.push(
                `${where}: with-aws-credentials ${flag} is ${v ?? "missing"}; pass ${exported}, what configure-aws-credentials exports`,
              );
          }
        }
        // The emulator's verdict and stand-in smoke test are a rehearsal's, never a CI deploy's.
        if (call.chain.some((l) => l.fn === "with-emulator"))
          problems.push(`${where}: chains with-emulator; CI talks to real AWS (with-endpoint keeps its behaviour)`);
        if (usesAws && creds.length === 0)
          problems.push(`${where}: passes AWS credentials without assuming a role first`);
      }
    }
  }
  return problems;
}

/**
 * Rule: a job that deploys (declares an environment) runs alone per environment
 * and is never cancelled midway: `concurrency: { group: deploy-<env>,
 * cancel-in-progress: false }`, and its `dagger call` opens that same
 * environment; an operation that changes an environment other than local runs
 * only in a job that declares it. No workflow has a trigger that runs fork code
 * with a privileged token.
 * @param workflows the workflows
 */
export function checkDeployGuards(workflows: YamlFile[]): string[] {
  const problems: string[] = [];
  for (const wf of workflows) {
    for (const t of UNSAFE_TRIGGERS)
      if (t in triggersOf(wf)) problems.push(`${wf.path}: the ${t} trigger runs fork code with a privileged token`);
    for (const [id, job] of Object.entries(jobsOf(wf))) {
      const env = environmentOf(job);
      const where = `${wf.path} job ${id}`;
      if (env === PREVIEW_ENVIRONMENT) {
        problems.push(...previewJobProblems(where, job, "pull_request" in triggersOf(wf)));
        continue;
      }
      for (const s of job.steps ?? []) {
        const call = s.run === undefined ? undefined : parseDaggerCall(s.run);
        if (call === undefined || typeof call === "string" || call.env === undefined) continue;
        if (PREVIEW_OPERATIONS.includes(call.fn))
          problems.push(
            `${where}: runs ${call.fn} outside \`environment: ${PREVIEW_ENVIRONMENT}\` (the previews' role trusts only its jobs)`,
          );
        if (env !== undefined && call.env !== env)
          problems.push(
            `${where}: runs in the GitHub environment ${env} (its approval and OIDC subject) but opens environment --name ${call.env}`,
          );
        else if (env === undefined && call.env !== DEFAULT_ENVIRONMENT && CHANGING_OPERATIONS.includes(call.fn))
          problems.push(
            `${where}: runs ${call.fn} on ${call.env} without \`environment: ${call.env}\` (the approval gate)`,
          );
      }
      if (env === undefined) continue;
      const c = job.concurrency;
      if (typeof c !== "object" || c.group !== `deploy-${env}` || c["cancel-in-progress"] !== false)
        problems.push(
          `${where}: deploys to ${env} so needs concurrency { group: deploy-${env}, cancel-in-progress: false }, found ${JSON.stringify(c)}`,
        );
      if (!/github\.ref == 'refs\/heads\/main'/.test(job.if ?? ""))
        problems.push(`${where}: deploys to ${env} so runs only on main (if: ... github.ref == 'refs/heads/main')`);
    }
  }
  return problems;
}

/**
 * A job in the previews' environment: it calls only the previews' operations,
 * one run per pull request (or the janitor's) at a time, never cancelled midway
 * (a destroy stopped halfway leaves an orphan); on a pull request only from this
 * repository (forks get no OIDC token).
 * @param where the job, for messages
 * @param job the job
 * @param onPullRequests whether its workflow runs on pull requests
 */
function previewJobProblems(where: string, job: Job, onPullRequests: boolean): string[] {
  const problems: string[] = [];
  for (const s of job.steps ?? []) {
    const call = s.run === undefined ? undefined : parseDaggerCall(s.run);
    if (call === undefined || typeof call === "string") continue;
    if (!PREVIEW_OPERATIONS.includes(call.fn))
      problems.push(
        `${where}: runs ${call.fn} in the previews' environment, which may run only ${PREVIEW_OPERATIONS.join(" and ")}`,
      );
  }
  const c = job.concurrency;
  const group = typeof c === "object" ? c.group : c;
  if (typeof c !== "object" || c["cancel-in-progress"] !== false || !/^preview-/.test(group ?? ""))
    problems.push(
      `${where}: previews need concurrency { group: preview-<pull request or janitor>, cancel-in-progress: false }, found ${JSON.stringify(c)}`,
    );
  if (onPullRequests && !/head\.repo\.full_name == github\.repository/.test(job.if ?? ""))
    problems.push(
      `${where}: a preview job on pull requests runs only for this repository's (if: … github.event.pull_request.head.repo.full_name == github.repository): forks get no OIDC token`,
    );
  return problems;
}

/**
 * The module's arguments of one type (as `--help` names it: "Boolean",
 * "Secret"), by function, over every object: what {@link BOOLEAN_ARGS} and
 * {@link SECRET_ARGS} must list.
 * @param mod the module's interface (describeModule of the SDK's scan())
 * @param type the argument type
 */
export function argsOfType(mod: DescribedModule, type: string): Record<string, string[]> {
  const byFn: Record<string, string[]> = {};
  for (const f of [...mod.functions, ...mod.objects.flatMap((o) => o.functions)]) {
    const flags = f.args.filter((a) => a.type === type).map((a) => a.flag);
    if (flags.length > 0) byFn[f.cli] = [...new Set([...(byFn[f.cli] ?? []), ...flags])].sort();
  }
  return byFn;
}

/**
 * Rule: every `dagger call` is one the module answers: each function of the
 * chain exists on the object the previous one returned, each flag is one of
 * its arguments, and its required arguments are given. A renamed function or
 * flag fails here, not in the first CI run after the change. After a core type
 * (Container, Service, …) the chain is the engine's API, not checked here.
 * @param workflows the workflows
 * @param mod the module's interface (describeModule of the SDK's scan())
 */
export function checkCallsAgainst(workflows: YamlFile[], mod: DescribedModule): string[] {
  const problems: string[] = [];
  for (const wf of workflows) {
    for (const [id, job] of Object.entries(jobsOf(wf))) {
      for (const s of job.steps ?? []) {
        const call = s.run === undefined ? undefined : parseDaggerCall(s.run);
        if (call === undefined || typeof call === "string") continue;
        const where = `${wf.path} job ${id}`;
        let on: { name: string; functions: DescribedFunction[] } | undefined = mod;
        for (const link of call.chain) {
          if (on === undefined) break;
          const f: DescribedFunction | undefined = on.functions.find((x) => x.cli === link.fn);
          if (!f) {
            problems.push(
              `${where}: ${on.name} has no function ${link.fn} (it has: ${on.functions.map((x) => x.cli).join(", ")})`,
            );
            break;
          }
          const flags = f.args.map((a) => a.flag);
          for (const flag of Object.keys(link.flags))
            if (!flags.includes(flag))
              problems.push(`${where}: ${link.fn} has no ${flag} (it takes: ${flags.join(", ") || "nothing"})`);
          for (const a of f.args)
            if (a.required && !(a.flag in link.flags)) problems.push(`${where}: ${link.fn} needs ${a.flag}`);
          const next: { name: string; functions: DescribedFunction[] } | undefined = mod.objects.find(
            (o) => o.name === f.returns,
          );
          const scalar = ["String", "Integer", "Float", "Boolean", "Void"].includes(f.returns);
          if (scalar && link !== call.chain.at(-1))
            problems.push(`${where}: ${link.fn} returns ${f.returns}; nothing chains after it`);
          on = next;
        }
      }
    }
  }
  return problems;
}

/**
 * Every rule over the repository's .github directory alone
 * ({@link checkCallsAgainst} also needs the module's interface, which takes the SDK's scan()).
 * @param root repository root
 */
export function checkAll(root = REPO_ROOT): string[] {
  const workflows = loadWorkflows(root);
  const actions = loadLocalActions(root);
  const files = [...workflows, ...actions];
  if (workflows.length === 0) return [`no workflows in ${join(root, ".github", "workflows")}`];
  return [
    ...checkPins(files),
    ...checkSteps(workflows, actions),
    ...checkDaggerVersionSource(actions),
    ...checkPermissions(workflows),
    ...checkAwsAccess(files, workflows),
    ...checkDeployGuards(workflows),
  ];
}
