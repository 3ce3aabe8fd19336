/**
 * The GitHub workflows follow the project's CI rules (issue #7): triggers,
 * least-privilege permissions, OIDC only, serialized deploys, the Dagger CLI at
 * dagger.json's version, and nothing but `dagger call`s doing the work.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type DescribedModule, describeModule, scanModule, SCAN_TIMEOUT_MS } from "../../dagger/scripts/introspect.mjs";
import {
  BOOLEAN_ARGS,
  REPO_ROOT,
  SECRET_ARGS,
  SETUP_DAGGER,
  actionSteps,
  argsOfType,
  checkAll,
  checkAwsAccess,
  checkCallsAgainst,
  checkDaggerVersionSource,
  checkDeployGuards,
  checkPermissions,
  checkPins,
  checkSteps,
  environmentOf,
  flagValue,
  fromText,
  jobsOf,
  loadLocalActions,
  loadWorkflows,
  parseDaggerCall,
  triggersOf,
  type Job,
  type Step,
  type YamlFile,
} from "./workflow-policy.js";

const workflows = loadWorkflows();
const actions = loadLocalActions();
const byName = (name: string): YamlFile => {
  const wf = workflows.find((w) => w.path === `.github/workflows/${name}`);
  if (!wf) throw new Error(`.github/workflows/${name} is missing`);
  return wf;
};
const ci = byName("ci.yml");
const rollback = byName("rollback.yml");
const job = (wf: YamlFile, id: string): Job => {
  const j = jobsOf(wf)[id];
  if (!j) throw new Error(`${wf.path} has no job ${id}`);
  return j;
};
/**
 * The one `dagger call` of a job, as its chain of functions with the
 * environment's name: "environment --name X with-aws-credentials plan" (the
 * test fails if there is none).
 */
const callOf = (j: Job): string => {
  const run = (j.steps ?? []).find((s) => s.run !== undefined)?.run ?? "";
  const call = parseDaggerCall(run);
  if (typeof call === "string") throw new Error(call);
  return call.chain.map((l) => (l.fn === "environment" ? `environment --name ${call.env}` : l.fn)).join(" ");
};
/** The chain opening production with the OIDC credentials, before the operation. */
const PRODUCTION = "environment --name production with-aws-credentials";
const usesOf = (j: Job, action: string): Step[] => (j.steps ?? []).filter((s) => s.uses?.startsWith(`${action}@`));

describe("the workflows in .github/workflows", () => {
  it("break none of the rules", () => {
    expect(checkAll()).toEqual([]);
  });

  it("run check, test and plan on pull requests to main, and check, test, deploy on pushes to main", () => {
    expect(triggersOf(ci)).toEqual({
      pull_request: { branches: ["main"] },
      push: { branches: ["main"] },
      workflow_dispatch: null,
    });
    const calls = Object.fromEntries(Object.entries(jobsOf(ci)).map(([id, j]) => [id, callOf(j)]));
    expect(calls).toEqual({ check: "check", test: "test", plan: `${PRODUCTION} plan`, deploy: `${PRODUCTION} deploy` });
    // check and test have no condition: they run for every trigger.
    expect(job(ci, "check").if).toBeUndefined();
    expect(job(ci, "test").if).toBeUndefined();
    expect(job(ci, "plan").if).toMatch(/^github\.event_name == 'pull_request' && /);
    expect(job(ci, "deploy").if).toMatch(/github\.event_name != 'pull_request'/);
    expect(job(ci, "deploy").needs).toEqual(["check", "test"]);
  });

  it("plan only for pull requests from this repository (forks get no OIDC token)", () => {
    expect(job(ci, "plan").if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("put the plan in the job summary and in one pull-request comment, replaced by a notice when the plan fails", () => {
    const plan = job(ci, "plan");
    const run = (plan.steps ?? []).find((s) => s.run !== undefined)?.run ?? "";
    expect(run).toMatch(/\| tee "\$RUNNER_TEMP\/plan\.md" >> "\$GITHUB_STEP_SUMMARY"\s*$/);
    const comments = usesOf(plan, "marocchino/sticky-pull-request-comment");
    expect(comments).toHaveLength(2);
    const [posted, failed] = comments;
    // One header: both steps edit the same comment instead of adding new ones.
    expect(posted?.with?.header).toBe("production-plan");
    expect(failed?.with?.header).toBe(posted?.with?.header);
    expect(posted?.with?.path).toBe("${{ runner.temp }}/plan.md");
    expect(failed?.if).toBe("failure()");
    expect(String(failed?.with?.message)).toContain("failed");
  });

  it("deploy and roll back production through the approval-gated environment, one at a time", () => {
    for (const j of [job(ci, "deploy"), job(rollback, "rollback")]) {
      expect(environmentOf(j)).toBe("production");
      expect(j.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
      expect(j.permissions).toEqual({ contents: "read", "id-token": "write" });
      const [creds] = usesOf(j, "aws-actions/configure-aws-credentials");
      expect(creds?.with?.["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    }
    expect(triggersOf(rollback)).toEqual({ workflow_dispatch: null });
    expect(callOf(job(rollback, "rollback"))).toBe(`${PRODUCTION} rollback`);
  });

  it("pass the OIDC credentials as env: secrets to the environment, and build metadata to deploy (the region is the environment's)", () => {
    const run = (job(ci, "deploy").steps ?? []).find((s) => s.run !== undefined)?.run ?? "";
    const call = parseDaggerCall(run);
    if (typeof call === "string") throw new Error(call);
    expect(call.chain.map((l) => [l.fn, l.args])).toEqual([
      ["environment", ["--name", "production"]],
      [
        "with-aws-credentials",
        [
          "--access-key-id",
          "env:AWS_ACCESS_KEY_ID",
          "--secret-access-key",
          "env:AWS_SECRET_ACCESS_KEY",
          "--session-token",
          "env:AWS_SESSION_TOKEN",
        ],
      ],
      ["deploy", ["--git-commit", '"$GITHUB_SHA"', "--version", '"${GITHUB_SHA::12}"']],
    ]);
    expect(call.env).toBe("production");
  });

  it("give the plan job only the read-only plan role and the right to comment", () => {
    const plan = job(ci, "plan");
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(environmentOf(plan)).toBeUndefined();
    const [creds] = usesOf(plan, "aws-actions/configure-aws-credentials");
    expect(creds?.with?.["role-to-assume"]).toBe("${{ vars.AWS_PLAN_ROLE_ARN }}");
    for (const id of ["check", "test"]) expect(job(ci, id).permissions).toBeUndefined();
  });
});

// setup-dagger's version step runs jq, as GitHub's runners have it. Without jq
// (e.g. the Node container of `dagger call check`) those steps cannot be run
// here: skipped under a banner outside CI, a failure in CI.
const hasJq = spawnSync("/bin/sh", ["-c", "command -v jq"], { encoding: "utf8" }).stdout.trim() !== "";
const inCI = process.env.CI === "true" || process.env.CI === "1";
if (!hasJq && !inCI) console.warn("\n!! jq is missing: setup-dagger's version step was NOT run (apt-get install jq)\n");
const withJq = it.skipIf(!hasJq && !inCI);

describe("the Dagger CLI version", () => {
  const engineVersion = (): string => {
    const file = join(REPO_ROOT, "dagger.json");
    if (!existsSync(file))
      throw new Error(`${file} is missing: the module's dagger.json pins engineVersion, the version CI installs`);
    const json = JSON.parse(readFileSync(file, "utf8")) as { engineVersion?: string };
    return json.engineVersion ?? "";
  };
  const setup = actions.find((a) => a.path === `${SETUP_DAGGER.slice(2)}/action.yml`);
  const reader = setup ? actionSteps(setup).find((s) => s.id === "version") : undefined;
  const tmp = mkdtempSync(join(tmpdir(), "fp-setup-dagger-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Runs setup-dagger's version step as GitHub would (bash -e, GITHUB_OUTPUT set) in DIR. */
  const runReader = (dir: string) => {
    // Outside DIR: the real run uses the repository itself as DIR.
    const out = join(mkdtempSync(join(tmp, "out-")), "github-output");
    writeFileSync(out, "");
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", reader?.run ?? "exit 99"], {
      cwd: dir,
      env: { ...process.env, GITHUB_OUTPUT: out },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, output: readFileSync(out, "utf8") };
  };

  withJq("is dagger.json's exact engineVersion, read at run time by setup-dagger", () => {
    expect(engineVersion(), "dagger.json must pin engineVersion to an exact version").toMatch(/^v\d+\.\d+\.\d+$/);
    expect(checkDaggerVersionSource(actions)).toEqual([]);
    const r = runReader(REPO_ROOT);
    expect(r.status, r.stdout).toBe(0);
    expect(r.output).toBe(`version=${engineVersion()}\n`);
  });

  it("agrees with the test bed's pinned engine", () => {
    const pinned = /^DAGGER_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "testbed/versions.env"), "utf8"))?.[1];
    expect(`v${pinned}`).toBe(engineVersion());
  });

  withJq.each([
    ["a floating version", '{"engineVersion": "latest"}', "found 'latest'"],
    ["no engineVersion", '{"name": "x"}', "found ''"],
  ])("fails the job, naming dagger.json, on %s", (_what, json, found) => {
    const dir = mkdtempSync(join(tmp, "case-"));
    writeFileSync(join(dir, "dagger.json"), json);
    const r = runReader(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error file=dagger.json::engineVersion must be an exact version");
    expect(r.stdout).toContain(found);
    expect(r.output).toBe("");
  });
});

/**
 * Parsed YAML as the broken copies edit it: any path, no ceremony. Test-only;
 * the rules themselves read it through typed accessors.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** A copy of a file with its parsed YAML edited (comments are lost: not for checkPins). */
function edited(file: YamlFile, edit: (doc: Loose) => void): YamlFile {
  const doc = structuredClone(file.doc);
  edit(doc);
  return fromText(file.path, stringify(doc));
}
const ciJobs = (doc: Loose) => doc.jobs as Loose;
/** A copy of a workflow with the `run:` of one job's `dagger call` step edited. */
function editRun(file: YamlFile, id: string, edit: (run: string) => string): YamlFile {
  return edited(file, (d) => {
    const step = (ciJobs(d)[id].steps as Loose[]).find((s) => s.run !== undefined);
    if (!step) throw new Error(`${file.path} job ${id} has no run: step`);
    const run = edit(step.run as string);
    if (run === step.run) throw new Error(`${file.path} job ${id}: the edit changed nothing`);
    step.run = run;
  });
}
const setupAction = actions.find((a) => a.path.includes("setup-dagger")) as YamlFile;

describe("each rule catches what it is for (broken copies of the real files)", () => {
  it.each<[string, () => string[], string]>([
    [
      "a tag instead of a SHA",
      () => checkPins([fromText(ci.path, ci.text.replace(/checkout@[0-9a-f]{40} # v[\d.]+/, "checkout@v7"))]),
      "actions/checkout@v7 must be pinned",
    ],
    [
      "a SHA without its version comment",
      () => checkPins([fromText(ci.path, ci.text.replace(/(checkout@[0-9a-f]{40}) # v[\d.]+/, "$1"))]),
      "must be pinned",
    ],
    [
      "a build step in YAML",
      () => checkSteps([edited(ci, (d) => ciJobs(d).test.steps.push({ run: "npm ci && npm test" }))], actions),
      "a step that builds or deploys is a `dagger call`",
    ],
    [
      "a second command after the call",
      () => checkSteps([edited(ci, (d) => (ciJobs(d).check.steps[2].run = "dagger call check\nnpm publish"))], actions),
      "runs 2 commands",
    ],
    [
      "a pipe into something other than the summary",
      () => checkSteps([edited(ci, (d) => (ciJobs(d).check.steps[2].run = "dagger call check | sh"))], actions),
      "pipes into `sh`",
    ],
    [
      "an action that builds",
      () =>
        checkSteps(
          [
            edited(ci, (d) =>
              ciJobs(d).test.steps.splice(2, 0, {
                uses: "docker/build-push-action@0000000000000000000000000000000000000000",
              }),
            ),
          ],
          actions,
        ),
      "docker/build-push-action is not an allowed action",
    ],
    [
      "Dagger installed directly",
      () =>
        checkSteps(
          [
            edited(
              ci,
              (d) =>
                (ciJobs(d).check.steps[1] = {
                  uses: "dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77",
                  with: { version: "v0.21.8" },
                }),
            ),
          ],
          actions,
        ),
      `install Dagger through ${SETUP_DAGGER}`,
    ],
    [
      "a literal Dagger version",
      () => checkDaggerVersionSource([edited(setupAction, (d) => (d.runs.steps[1].with.version = "latest"))]),
      "not ${{ steps.version.outputs.version }}",
    ],
    [
      "write-all at the workflow level",
      () => checkPermissions([edited(ci, (d) => (d.permissions = "write-all"))]),
      "workflow permissions must be exactly { contents: read }",
    ],
    [
      "id-token for a job without AWS",
      () =>
        checkPermissions([
          edited(ci, (d) => (ciJobs(d).check.permissions = { contents: "read", "id-token": "write" })),
        ]),
      "job check: grants `id-token: write`",
    ],
    [
      "a deploy job without id-token",
      () => checkPermissions([edited(ci, (d) => (ciJobs(d).deploy.permissions = { contents: "read" }))]),
      "lacks `id-token: write`",
    ],
    [
      "a plan job that cannot comment",
      () => checkPermissions([edited(ci, (d) => delete ciJobs(d).plan.permissions["pull-requests"])]),
      "lacks `pull-requests: write`",
    ],
    [
      "AWS keys from secrets",
      () =>
        checkAwsAccess(
          ...both(
            edited(
              ci,
              (d) => (ciJobs(d).deploy.steps[2].with["aws-access-key-id"] = "${{ secrets.AWS_ACCESS_KEY_ID }}"),
            ),
          ),
        ),
      "reads AWS secrets",
    ],
    [
      "a literal access key id",
      () => checkAwsAccess(...both(fromText(ci.path, `${ci.text}\n# AKIAABCDEFGHIJKLMNOP\n`))),
      "looks like an AWS access key id",
    ],
    [
      "a secret passed by value",
      () =>
        checkAwsAccess(
          ...both(
            edited(
              ci,
              (d) =>
                (ciJobs(d).deploy.steps[3].run = ciJobs(d).deploy.steps[3].run.replace(
                  "env:AWS_SECRET_ACCESS_KEY",
                  '"$AWS_SECRET_ACCESS_KEY"',
                )),
            ),
          ),
        ),
      "secrets reach Dagger as env:NAME only",
    ],
    [
      "a web-identity token passed by value",
      () =>
        checkAwsAccess(
          ...both(
            editRun(ci, "deploy", (r) =>
              r.replace(
                /with-aws-credentials[^]*?(?=deploy)/,
                'with-web-identity --token "$TOKEN" --role-arn "$ROLE" ',
              ),
            ),
          ),
        ),
      'with-web-identity --token "$TOKEN": secrets reach Dagger as env:NAME only',
    ],
    [
      "a credential that is not what the action exports",
      () => checkAwsAccess(...both(editRun(ci, "deploy", (r) => r.replace("env:AWS_SESSION_TOKEN", "env:AWS_TOKEN")))),
      "--session-token is env:AWS_TOKEN; pass env:AWS_SESSION_TOKEN",
    ],
    [
      "temporary credentials without their session token",
      () => checkAwsAccess(...both(editRun(ci, "plan", (r) => r.replace(/--session-token \S+/, "")))),
      "--session-token is missing; pass env:AWS_SESSION_TOKEN",
    ],
    [
      "credentials with no role assumed",
      () => checkAwsAccess(...both(edited(ci, (d) => ciJobs(d).deploy.steps.splice(2, 1)))),
      "passes AWS credentials without assuming a role first",
    ],
    [
      "an emulator rehearsal in CI",
      () =>
        checkAwsAccess(
          ...both(
            editRun(ci, "deploy", (r) =>
              r.replace("with-aws-credentials", "with-emulator --endpoint http://localhost:5000 with-aws-credentials"),
            ),
          ),
        ),
      "chains with-emulator",
    ],
    [
      "the deploy role outside the environment",
      () => checkAwsAccess(...both(edited(ci, (d) => delete ciJobs(d).deploy.environment))),
      "without `environment: production`",
    ],
    [
      "the plan role on a push",
      () => checkAwsAccess(...both(edited(ci, (d) => (ciJobs(d).plan.if = "github.event_name == 'push'")))),
      "trusted for repo:OWNER/REPO:pull_request only",
    ],
    [
      "a hard-coded role ARN",
      () =>
        checkAwsAccess(
          ...both(
            edited(
              ci,
              (d) => (ciJobs(d).deploy.steps[2].with["role-to-assume"] = "arn:aws:iam::123456789012:role/deploy"),
            ),
          ),
        ),
      "role-to-assume must be ${{ vars.AWS_<NAME>_ROLE_ARN }}",
    ],
    [
      "a deploy that cancels a running one",
      () => checkDeployGuards([edited(ci, (d) => (ciJobs(d).deploy.concurrency["cancel-in-progress"] = true))]),
      "cancel-in-progress: false",
    ],
    [
      "a deploy with no concurrency",
      () => checkDeployGuards([edited(ci, (d) => delete ciJobs(d).deploy.concurrency)]),
      "needs concurrency",
    ],
    [
      "a deploy from any branch",
      () => checkDeployGuards([edited(ci, (d) => (ciJobs(d).deploy.if = "github.event_name != 'pull_request'"))]),
      "runs only on main",
    ],
    [
      "a job of one GitHub environment opening another",
      () => checkDeployGuards([editRun(rollback, "rollback", (r) => r.replace("--name production", "--name staging"))]),
      "runs in the GitHub environment production (its approval and OIDC subject) but opens environment --name staging",
    ],
    [
      "a deploy outside its GitHub environment",
      () => checkDeployGuards([editRun(ci, "plan", (r) => r.replace(/^(\s*)plan \\$/m, "$1deploy \\"))]),
      "runs deploy on production without `environment: production`",
    ],
    [
      "pull_request_target",
      () => checkDeployGuards([edited(ci, (d) => (d.on.pull_request_target = null))]),
      "the pull_request_target trigger",
    ],
  ])("%s", (_what, check, message) => {
    const problems = check();
    expect(problems.join("\n")).toContain(message);
  });
});

/** The arguments checkAwsAccess takes, for one workflow. */
function both(wf: YamlFile): [YamlFile[], YamlFile[]] {
  return [[wf], [wf]];
}

describe("parseDaggerCall", () => {
  const parsed = (script: string) => {
    const call = parseDaggerCall(script);
    if (typeof call === "string") throw new Error(call);
    return call;
  };

  it("reads a chained call: the environment, each function with its flags, the operation", () => {
    const call = parsed(
      "dagger call environment --name staging \\\n  with-endpoint --url=https://ecs-fips.eu-west-1.amazonaws.com \\\n  logs --since 60",
    );
    expect(call.env).toBe("staging");
    expect(call.fn).toBe("logs");
    expect(call.args).toEqual(["--since", "60"]);
    expect(call.chain.map((l) => [l.fn, l.flags])).toEqual([
      ["environment", { "--name": "staging" }],
      ["with-endpoint", { "--url": "https://ecs-fips.eu-west-1.amazonaws.com" }],
      ["logs", { "--since": "60" }],
    ]);
  });

  it("opens the module's default environment, local, when --name is left out, and none for a top-level function", () => {
    expect(parsed("dagger call environment status").env).toBe("local");
    expect(parsed("dagger call deploy --git-commit abc").env).toBeUndefined();
  });

  it("takes a bare Boolean flag as true, so the next word is a function, not its value", () => {
    const call = parsed("dagger call environment --name staging destroy --include-base --confirm staging");
    expect(call.chain.at(-1)?.flags).toEqual({ "--include-base": "true", "--confirm": "staging" });
    expect(parsed("dagger call environment destroy --include-base=false").chain.at(-1)?.flags).toEqual({
      "--include-base": "false",
    });
  });

  it.each([
    ["dagger call environment --name", "passes --name to environment with no value"],
    ["dagger call environment --name --confirm x", "passes --name to environment with no value"],
    ['dagger call environment --name production "plan"', 'has `"plan"` where a function name belongs'],
    ["dagger call deploy -v", "passes `-v` to deploy; the module's flags are --kebab-case"],
  ])("refuses %s", (script, reason) => {
    expect(parseDaggerCall(script)).toContain(reason);
  });

  it("reads the value of a flag of any function of the chain", () => {
    const call = parsed(
      "dagger call environment --name production with-aws-credentials --access-key-id env:A --secret-access-key env:B plan --lock-timeout 60",
    );
    expect(flagValue(call, "--lock-timeout")).toBe("60");
    expect(flagValue(call, "--secret-access-key", "with-aws-credentials")).toBe("env:B");
    expect(flagValue(call, "--secret-access-key")).toBeUndefined();
  });
});

describe("the workflows' calls and the module's interface (the SDK's scan() of dagger/src)", () => {
  let mod: DescribedModule;
  beforeAll(async () => {
    mod = describeModule(await scanModule());
  }, SCAN_TIMEOUT_MS);

  it("every function and flag a workflow calls exists, with its required arguments", () => {
    expect(checkCallsAgainst(workflows, mod)).toEqual([]);
  });

  it("the parser knows the module's Boolean arguments, and the secret rule its Secret arguments", () => {
    expect(argsOfType(mod, "Boolean")).toEqual(BOOLEAN_ARGS);
    expect(argsOfType(mod, "Secret")).toEqual(
      Object.fromEntries(Object.entries(SECRET_ARGS).map(([fn, flags]) => [fn, [...flags].sort()])),
    );
  });

  it.each<[string, () => YamlFile, string]>([
    [
      "the API before the environment object",
      () =>
        editRun(ci, "plan", (r) => r.replace(/environment --name production[^]*?plan \\/, "plan --env production \\")),
      "FargatePipeline has no function plan",
    ],
    [
      "a flag the module no longer has",
      () => editRun(ci, "deploy", (r) => r.replace("--version", '--aws-region "$AWS_REGION" --version')),
      "deploy has no --aws-region",
    ],
    [
      "a required argument left out",
      () => editRun(ci, "deploy", (r) => r.replace(/--access-key-id \S+/, "")),
      "with-aws-credentials needs --access-key-id",
    ],
    [
      "a function chained after a text result",
      () => editRun(ci, "deploy", (r) => r.replace(/(--version \S+)/, "$1 status")),
      "deploy returns String; nothing chains after it",
    ],
  ])("catches %s", (_what, wf, message) => {
    expect(checkCallsAgainst([wf()], mod).join("\n")).toContain(message);
  });
});
