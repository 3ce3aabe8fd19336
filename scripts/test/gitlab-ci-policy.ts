/**
 * The project's rules for its GitLab pipeline (.gitlab-ci.yml), the GitLab
 * twin of workflow-policy.ts: every job is the Dagger CLI at dagger.json's
 * version (the hidden `.dagger` job) and one `dagger call`; images pinned; AWS
 * through the job's OIDC ID token only, for the audience the roles trust; the
 * deploy role only in the deploy job (main, the environment, one at a time),
 * the plan role only on merge requests. GitLab's own schema is checked apart,
 * by gitlab-ci-local (gitlab-ci.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { DEFAULT_AUDIENCE } from "../../dagger/infra/src/config/oidc.ts";
import {
  fromText,
  parseDaggerCall,
  REPO_ROOT,
  SECRET_ARGS,
  type DaggerCall,
  type YamlFile,
} from "./workflow-policy.js";

/** Where GitLab reads the pipeline. */
export const GITLAB_CI = ".gitlab-ci.yml";

/** The hidden job every job extends: the Dagger CLI at dagger.json's version. */
export const DAGGER_TEMPLATE = ".dagger";

/** The branch whose pipelines deploy: the one the deploy role's `sub` names (infra's ci.branch default). */
export const DEPLOY_BRANCH = "main";

/** The one rule of the deploy job: pushes (and manual runs) on the deploy branch, never a merge request. */
export const DEPLOY_RULE = `$CI_COMMIT_BRANCH == "${DEPLOY_BRANCH}" && $CI_PIPELINE_SOURCE != "merge_request_event"`;

/** Top-level keys of .gitlab-ci.yml that are not jobs. */
const GLOBAL_KEYWORDS = ["default", "include", "stages", "variables", "workflow", "image", "services", "cache"];

/** Operations that change an environment: only the deploy job, guarded, runs them. */
const CHANGING_OPERATIONS = ["deploy", "rollback", "destroy", "bootstrap", "publish-ecr"];

/** A job of .gitlab-ci.yml (the fields these rules read). */
export interface GitlabJob {
  extends?: string | string[];
  stage?: string;
  image?: string | { name: string };
  services?: (string | { name: string })[];
  before_script?: string[];
  after_script?: string[];
  script?: string | string[];
  rules?: { if?: string; when?: string }[];
  needs?: (string | { job: string })[];
  environment?: string | { name: string };
  resource_group?: string;
  interruptible?: boolean;
  id_tokens?: Record<string, { aud?: string | string[] }>;
}

/**
 * The pipeline file.
 * @param root repository root
 */
export function loadGitlabCi(root = REPO_ROOT): YamlFile {
  return fromText(GITLAB_CI, readFileSync(join(root, GITLAB_CI), "utf8"));
}

/**
 * Every job, the hidden ones (`.name`) included, by name.
 * @param file the pipeline
 */
export function gitlabJobs(file: YamlFile): Record<string, GitlabJob> {
  return Object.fromEntries(
    Object.entries(file.doc).filter(([k, v]) => !GLOBAL_KEYWORDS.includes(k) && typeof v === "object" && v !== null),
  ) as Record<string, GitlabJob>;
}

/**
 * The jobs that run (not hidden templates).
 * @param file the pipeline
 */
export function visibleJobs(file: YamlFile): [string, GitlabJob][] {
  return Object.entries(gitlabJobs(file)).filter(([name]) => !name.startsWith("."));
}

/**
 * A job's one `dagger call`: its script line without an allowed `| tee FILE`
 * (the plan kept as the job's artifact), parsed; or what is wrong with it.
 * @param job a job
 */
export function gitlabCall(job: GitlabJob): DaggerCall | string {
  const script = typeof job.script === "string" ? [job.script] : (job.script ?? []);
  if (script.length !== 1) return `has ${script.length} script lines; a job runs exactly one \`dagger call\``;
  const [line = ""] = script;
  const pipes = line.split(/\s*\|\s*/);
  const [command = "", ...rest] = pipes;
  for (const p of rest)
    if (!/^tee\s+[\w.-]+$/.test(p)) return `pipes into \`${p}\`; only \`tee FILE\` (a job artifact) is allowed`;
  return parseDaggerCall(command);
}

/**
 * The name of a job's environment, if it declares one.
 * @param job a job
 */
function environmentName(job: GitlabJob): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/**
 * Rule: pinned images (an exact version tag, never `latest`).
 * @param file the pipeline
 */
function checkImages(file: YamlFile): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(gitlabJobs(file))) {
    const images = [job.image, ...(job.services ?? [])].filter((i) => i !== undefined);
    for (const i of images) {
      const ref = typeof i === "string" ? i : i.name;
      if (!/:\d+\.\d+\.\d+(?:-[a-z0-9.]+)?$/.test(ref))
        problems.push(`${GITLAB_CI} job ${name}: image ${ref} must be pinned to an exact version (name:X.Y.Z)`);
    }
  }
  return problems;
}

/**
 * Rule: the hidden `.dagger` job installs the CLI at dagger.json's engineVersion
 * (read, never written here), and only it sets the job up.
 * @param file the pipeline
 */
function checkTemplate(file: YamlFile): string[] {
  const template = gitlabJobs(file)[DAGGER_TEMPLATE];
  if (!template) return [`${GITLAB_CI}: no hidden ${DAGGER_TEMPLATE} job (the Dagger CLI at dagger.json's version)`];
  const setup = (template.before_script ?? []).join("\n");
  const problems: string[] = [];
  if (!/dagger\.json/.test(setup) || !/\.engineVersion\b/.test(setup))
    problems.push(`${GITLAB_CI} ${DAGGER_TEMPLATE}: before_script does not read .engineVersion from dagger.json`);
  if (!/DAGGER_VERSION="\$\{version#v\}"/.test(setup))
    problems.push(`${GITLAB_CI} ${DAGGER_TEMPLATE}: installs Dagger at another version than dagger.json's`);
  if (/DAGGER_VERSION=["']?v?\d/.test(setup))
    problems.push(`${GITLAB_CI} ${DAGGER_TEMPLATE}: writes a Dagger version; dagger.json is its one place`);
  // GitLab's shell (the image's sh) fails a pipe only on its last command without pipefail:
  // `dagger call … | tee plan.md` would pass with a failed plan.
  const pipes = visibleJobs(file).some(([, job]) => [job.script ?? []].flat().some((l) => /\|/.test(l)));
  if (pipes && template.before_script?.[0] !== "set -o pipefail")
    problems.push(
      `${GITLAB_CI} ${DAGGER_TEMPLATE}: a job pipes its \`dagger call\`, so before_script must start with \`set -o pipefail\``,
    );
  return problems;
}

/**
 * Rule: every job extends `.dagger`, sets nothing up of its own, and runs one `dagger call`.
 * @param file the pipeline
 */
function checkJobs(file: YamlFile): string[] {
  const problems: string[] = [];
  for (const [name, job] of visibleJobs(file)) {
    const where = `${GITLAB_CI} job ${name}`;
    if (job.extends !== DAGGER_TEMPLATE) problems.push(`${where}: must extend ${DAGGER_TEMPLATE} (and nothing else)`);
    for (const key of ["before_script", "after_script", "image", "services"] as const)
      if (job[key] !== undefined) problems.push(`${where}: sets ${key}; the setup is ${DAGGER_TEMPLATE}'s alone`);
    const call = gitlabCall(job);
    if (typeof call === "string") problems.push(`${where}: ${call}`);
  }
  return problems;
}

/**
 * Rule: AWS only through the job's OIDC ID token, for the audience the roles
 * trust; the deploy role only in a deploy job on main in its environment, one
 * at a time and never cancelled; the plan role only on merge requests; no
 * token where no role is assumed; secrets as env:NAME only.
 * @param file the pipeline
 */
function checkAwsAccess(file: YamlFile): string[] {
  const problems: string[] = [];
  if (/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN/.test(file.text))
    problems.push(`${GITLAB_CI}: names AWS access keys; AWS access is the job's OIDC ID token only`);
  if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(file.text))
    problems.push(`${GITLAB_CI}: holds what looks like an AWS access key id`);
  for (const [name, job] of visibleJobs(file)) {
    const where = `${GITLAB_CI} job ${name}`;
    const call = gitlabCall(job);
    if (typeof call === "string") continue;
    for (const link of call.chain)
      for (const flag of SECRET_ARGS[link.fn] ?? []) {
        const v = link.flags[flag];
        if (v !== undefined && !/^env:[A-Z_]+$/.test(v))
          problems.push(`${where}: ${link.fn} ${flag} ${v}: secrets reach Dagger as env:NAME only`);
      }
    if (call.chain.some((l) => l.fn === "with-aws-credentials"))
      problems.push(`${where}: passes access keys; assume a role with the job's ID token (with-web-identity)`);
    if (call.chain.some((l) => l.fn === "with-emulator"))
      problems.push(`${where}: chains with-emulator; CI talks to real AWS`);
    const identity = call.chain.find((l) => l.fn === "with-web-identity");
    const tokens = Object.entries(job.id_tokens ?? {});
    if (!identity) {
      if (tokens.length > 0)
        problems.push(`${where}: requests an ID token it does not use; only jobs that assume a role get one`);
      if (call.env !== undefined && call.env !== "local")
        problems.push(`${where}: opens ${call.env} without assuming a role (with-web-identity)`);
      continue;
    }
    const tokenVar = /^env:([A-Z_]+)$/.exec(identity.flags["--token"] ?? "")?.[1];
    const token = tokens.find(([n]) => n === tokenVar)?.[1];
    if (!token) problems.push(`${where}: --token is not one of the job's id_tokens`);
    else if (token.aud !== DEFAULT_AUDIENCE)
      problems.push(
        `${where}: its ID token's aud is ${JSON.stringify(token.aud)}; the roles trust ${DEFAULT_AUDIENCE}`,
      );
    const role = /^"?\$(AWS_[A-Z_]+_ROLE_ARN)"?$/.exec(identity.flags["--role-arn"] ?? "")?.[1];
    const rules = (job.rules ?? []).map((r) => r.if ?? "");
    const env = environmentName(job);
    if (role === "AWS_DEPLOY_ROLE_ARN") {
      if (env !== call.env) problems.push(`${where}: assumes the deploy role outside environment ${call.env ?? "?"}`);
      if (job.resource_group !== call.env)
        problems.push(`${where}: deploys without resource_group: ${call.env ?? "?"} (one deploy at a time)`);
      if (job.interruptible !== false) problems.push(`${where}: a deploy must be interruptible: false`);
      if (rules.length !== 1 || rules[0] !== DEPLOY_RULE)
        problems.push(
          `${where}: assumes the deploy role on more than pushes to ${DEPLOY_BRANCH}; its sub is project_path:…:ref:${DEPLOY_BRANCH} only`,
        );
    } else if (role === "AWS_PLAN_ROLE_ARN") {
      if (env !== undefined) problems.push(`${where}: plans inside an environment; planning changes nothing`);
      if (rules.length !== 1 || rules[0] !== '$CI_PIPELINE_SOURCE == "merge_request_event"')
        problems.push(`${where}: assumes the plan role outside merge request pipelines`);
      if (CHANGING_OPERATIONS.includes(call.fn))
        problems.push(`${where}: runs ${call.fn} with the read-only plan role`);
    } else
      problems.push(
        `${where}: --role-arn must be "$AWS_DEPLOY_ROLE_ARN" or "$AWS_PLAN_ROLE_ARN" (bootstrap prints both)`,
      );
    if (CHANGING_OPERATIONS.includes(call.fn) && role !== "AWS_DEPLOY_ROLE_ARN")
      problems.push(`${where}: runs ${call.fn} without the deploy role's guards`);
  }
  return problems;
}

/**
 * Every rule over .gitlab-ci.yml.
 * @param file the pipeline
 */
export function checkGitlabCi(file: YamlFile): string[] {
  return [...checkTemplate(file), ...checkImages(file), ...checkJobs(file), ...checkAwsAccess(file)];
}

/**
 * The pipeline's calls as workflow steps, so that workflow-policy.ts's
 * checkCallsAgainst checks them against the module's interface too.
 * @param file the pipeline
 */
export function asWorkflow(file: YamlFile): YamlFile {
  const jobs = Object.fromEntries(
    visibleJobs(file).map(([name, job]) => {
      const call = gitlabCall(job);
      const run =
        typeof call === "string"
          ? ""
          : (typeof job.script === "string" ? job.script : (job.script?.[0] ?? "")).split(/\s*\|\s*/)[0];
      return [name, { steps: run ? [{ run }] : [] }];
    }),
  );
  return { path: file.path, text: file.text, doc: { jobs } };
}
