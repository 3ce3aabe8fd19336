/**
 * The GitLab pipeline (.gitlab-ci.yml), linted in the unit tier: GitLab's own
 * JSON Schema (the one its pipeline editor uses, as gitlab-ci-local bundles it)
 * and the jobs each event runs (gitlab-ci-local evaluates the rules), then the
 * project's rules (gitlab-ci-policy.ts) and the module's interface.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { type DescribedModule, describeModule, scanModule, SCAN_TIMEOUT_MS } from "../../dagger/scripts/introspect.mjs";
import {
  asWorkflow,
  checkGitlabCi,
  DEPLOY_BRANCH,
  GITLAB_CI,
  gitlabJobs,
  loadGitlabCi,
  visibleJobs,
} from "./gitlab-ci-policy.js";
import { checkCallsAgainst, fromText, REPO_ROOT, type YamlFile } from "./workflow-policy.js";

// 60 s: gitlab-ci-local validates against GitLab's schema in 2–4 s on a shared 2-core machine.
const LINT_TIMEOUT_MS = 60_000;

/** gitlab-ci-local's program, from its package (a devDependency). */
const GITLAB_CI_LOCAL = join(
  dirname(createRequire(import.meta.url).resolve("gitlab-ci-local/package.json")),
  "dist",
  "index.js",
);

const file = loadGitlabCi();

/**
 * A copy of the pipeline with one job changed.
 * @param job the job's name
 * @param change what to change in it
 */
function editJob(job: string, change: (j: Record<string, unknown>) => void): YamlFile {
  const doc = structuredClone(file.doc);
  change(doc[job] as Record<string, unknown>);
  return fromText(GITLAB_CI, stringify(doc));
}

describe(".gitlab-ci.yml against GitLab's schema and rules (gitlab-ci-local)", () => {
  let repo: string;
  beforeAll(() => {
    // gitlab-ci-local reads a git work tree (branch, commit): a throwaway one holding the pipeline and dagger.json.
    repo = mkdtempSync(join(tmpdir(), "fp-gitlab-ci-"));
    copyFileSync(join(REPO_ROOT, GITLAB_CI), join(repo, GITLAB_CI));
    copyFileSync(join(REPO_ROOT, "dagger.json"), join(repo, "dagger.json"));
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo });
    git("init", "-q", "-b", DEPLOY_BRANCH);
    git("add", ".");
    git("commit", "-qm", "pipeline");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  /**
   * The jobs gitlab-ci-local lists for an event (rules evaluated), with its exit status and messages.
   * @param source CI_PIPELINE_SOURCE
   * @param text the pipeline to lint (default: the repository's)
   */
  function lint(source: string, text?: string): { status: number | null; jobs: string[]; output: string } {
    if (text !== undefined) writeFileSync(join(repo, GITLAB_CI), text);
    else copyFileSync(join(REPO_ROOT, GITLAB_CI), join(repo, GITLAB_CI));
    const r = spawnSync(
      process.execPath,
      [
        GITLAB_CI_LOCAL,
        "--list-json",
        // GitLab sets it per event; here the test does, on purpose.
        "--ignore-predefined-vars",
        "CI_PIPELINE_SOURCE",
        "--variable",
        `CI_PIPELINE_SOURCE=${source}`,
      ],
      { cwd: repo, encoding: "utf8", timeout: LINT_TIMEOUT_MS },
    );
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) return { status: r.status, jobs: [], output };
    const listed = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m))) as { name: string; when: string }[];
    return { status: r.status, jobs: listed.filter((j) => j.when !== "never").map((j) => j.name), output };
  }

  it(
    "is valid: merge requests run check, test and plan",
    () => {
      const r = lint("merge_request_event");
      expect(r.output).not.toContain("Invalid .gitlab-ci.yml");
      expect(r.status).toBe(0);
      expect(r.jobs).toEqual(["check", "test", "plan"]);
    },
    LINT_TIMEOUT_MS,
  );

  it.each(["push", "web"])(
    "a %s on main runs check, test, then deploy",
    (source) => {
      expect(lint(source).jobs).toEqual(["check", "test", "deploy"]);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    "fails on what GitLab would refuse (the lint is not a no-op)",
    () => {
      const broken = file.text.replace("  resource_group: production", "  resource_grup: production");
      const r = lint("push", broken);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("'resource_grup' property is not expected to be here");
    },
    LINT_TIMEOUT_MS,
  );

  it("the pipeline runs on merge requests and on main only (workflow rules)", () => {
    expect((file.doc["workflow"] as { rules: { if: string }[] }).rules.map((r) => r.if)).toEqual([
      '$CI_PIPELINE_SOURCE == "merge_request_event"',
      `$CI_COMMIT_BRANCH == "${DEPLOY_BRANCH}" && ($CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "web")`,
    ]);
  });
});

describe(".gitlab-ci.yml and the project's rules (gitlab-ci-policy.ts)", () => {
  it("breaks none", () => {
    expect(checkGitlabCi(file)).toEqual([]);
    expect(visibleJobs(file).map(([name]) => name)).toEqual(["check", "test", "plan", "deploy"]);
  });

  it.each<[string, () => YamlFile, string]>([
    [
      "logic in a job",
      () => editJob("test", (j) => (j["script"] = ["npm ci", "dagger call test"])),
      "job test: has 2 script lines",
    ],
    [
      "a job with a setup of its own",
      () => editJob("check", (j) => (j["before_script"] = ["apk add nodejs"])),
      "job check: sets before_script",
    ],
    [
      "a piped call without pipefail (a failed plan would pass)",
      () => editJob(".dagger", (j) => (j["before_script"] = (j["before_script"] as string[]).slice(1))),
      "before_script must start with `set -o pipefail`",
    ],
    [
      "an image not pinned",
      () => editJob(".dagger", (j) => (j["image"] = "docker:latest")),
      "image docker:latest must be pinned",
    ],
    [
      "a Dagger version written in the pipeline",
      () =>
        editJob(".dagger", (j) => {
          const s = j["before_script"] as string[];
          s[s.length - 1] = "curl -fsSL https://dl.dagger.io/dagger/install.sh | DAGGER_VERSION=0.21.8 sh";
        }),
      "installs Dagger at another version than dagger.json's",
    ],
    [
      "access keys instead of the ID token",
      () =>
        editJob("deploy", (j) => {
          const s = j["script"] as string[];
          s[0] = s[0]!.replace(
            'with-web-identity --token env:AWS_ID_TOKEN --role-arn "$AWS_DEPLOY_ROLE_ARN"',
            "with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY",
          );
        }),
      "names AWS access keys",
    ],
    [
      "an ID token for another audience",
      () => editJob("deploy", (j) => (j["id_tokens"] = { AWS_ID_TOKEN: { aud: "https://gitlab.com" } })),
      'its ID token\'s aud is "https://gitlab.com"; the roles trust sts.amazonaws.com',
    ],
    [
      "the deploy role on merge requests",
      () => editJob("deploy", (j) => (j["rules"] = [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }])),
      "assumes the deploy role on more than pushes to main",
    ],
    [
      "deploys that can overlap",
      () => editJob("deploy", (j) => delete j["resource_group"]),
      "deploys without resource_group: production",
    ],
    [
      "the plan role in a deploy",
      () =>
        editJob("plan", (j) => {
          const s = j["script"] as string[];
          s[0] = s[0]!.replace(/plan \| tee plan\.md$/, "deploy");
        }),
      "runs deploy with the read-only plan role",
    ],
    [
      "an ID token where no role is assumed",
      () => editJob("check", (j) => (j["id_tokens"] = { AWS_ID_TOKEN: { aud: "sts.amazonaws.com" } })),
      "job check: requests an ID token it does not use",
    ],
  ])("catches %s", (_what, broken, message) => {
    expect(checkGitlabCi(broken()).join("\n")).toContain(message);
  });

  it("the hidden .dagger job is the one setup, read from dagger.json", () => {
    expect(gitlabJobs(file)[".dagger"]?.before_script?.join("\n")).toMatch(
      /jq -r '\.engineVersion \/\/ empty' dagger\.json/,
    );
  });
});

describe(".gitlab-ci.yml's calls and the module's interface (the SDK's scan() of dagger/src)", () => {
  let mod: DescribedModule;
  beforeAll(async () => {
    mod = describeModule(await scanModule());
  }, SCAN_TIMEOUT_MS);

  it("every function and flag a job calls exists, with its required arguments", () => {
    expect(checkCallsAgainst([asWorkflow(file)], mod)).toEqual([]);
  });

  it("catches a flag the module does not have", () => {
    const broken = editJob("deploy", (j) => {
      const s = j["script"] as string[];
      s[0] = s[0]!.replace("--version", "--release");
    });
    expect(checkCallsAgainst([asWorkflow(broken)], mod).join("\n")).toContain("deploy has no --release");
  });
});
