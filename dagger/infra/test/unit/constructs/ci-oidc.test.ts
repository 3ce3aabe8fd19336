import { describe, expect, it } from "vitest";
import { GITHUB_THUMBPRINTS } from "../../../src/constructs/ci-oidc.ts";
import { BASE_OUTPUTS } from "../../../src/tofu.ts";
import { readFileSync } from "node:fs";
import { parseConfigFile } from "../../../src/config/file.ts";
import { all, one, parseJsonAttribute, synthEnvironment } from "../support.ts";
import { SAMPLE, SAMPLE_CONFIG_PATH } from "../sample.ts";

type Trust = {
  Statement: {
    Principal: { Federated: string };
    Condition: { StringEquals: Record<string, unknown>; StringLike?: Record<string, unknown> };
  }[];
};

describe("CiOidc for GitHub Actions (ci.provider github, or the older github:)", () => {
  const { base } = synthEnvironment("production");

  it("creates the account's GitHub OIDC provider for the STS audience", () => {
    expect(one(base, "aws_iam_openid_connect_provider", "github_provider")).toEqual({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
      thumbprint_list: GITHUB_THUMBPRINTS,
    });
  });

  it("the deploy role trusts jobs of the repository's GitHub environment only", () => {
    const trust = parseJsonAttribute(one(base, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    expect(trust.Statement[0]!.Principal.Federated).toBe("${aws_iam_openid_connect_provider.github_provider.arn}");
    expect(trust.Statement[0]!.Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": ["repo:example-org/fargate-pipeline:environment:production"],
    });
  });

  it("the plan role trusts pull requests and pushes to main", () => {
    const trust = parseJsonAttribute(one(base, "aws_iam_role", "github_plan_role")["assume_role_policy"]) as Trust;
    expect(trust.Statement[0]!.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toEqual([
      "repo:example-org/fargate-pipeline:pull_request",
      "repo:example-org/fargate-pipeline:ref:refs/heads/main",
    ]);
  });

  it("the deploy role gets its four managed policies", () => {
    const attachments = Object.values(all(base, "aws_iam_role_policy_attachment"));
    expect(attachments.map((a) => a["policy_arn"])).toEqual([
      "${aws_iam_policy.github_deploy_policy_network_and_edge.arn}",
      "${aws_iam_policy.github_deploy_policy_scaling_and_secrets.arn}",
      "${aws_iam_policy.github_deploy_policy_service.arn}",
      "${aws_iam_policy.github_deploy_policy_state_and_images.arn}",
    ]);
    expect(attachments.every((a) => a["role"] === "${aws_iam_role.github_deploy_role.name}")).toBe(true);
    expect(one(base, "aws_iam_policy", "github_deploy_policy_service")["name"]).toBe(
      "fargate-pipeline-production-deploy-service",
    );
  });

  it("the deploy policy refers to the boundary by reference (created first)", () => {
    const policy = JSON.stringify(
      parseJsonAttribute(one(base, "aws_iam_policy", "github_deploy_policy_service")["policy"]),
    );
    expect(policy).toContain("${aws_iam_policy.task_boundary_policy.arn}");
  });

  it("reuses an existing provider: no provider resource, trust names its ARN", () => {
    const arn = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
    const { base: reused } = synthEnvironment("production", { ci: { provider: "github", oidcProviderArn: arn } });
    expect(all(reused, "aws_iam_openid_connect_provider")).toEqual({});
    const trust = parseJsonAttribute(one(reused, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    expect(trust.Statement[0]!.Principal.Federated).toBe(arn);
  });

  it("scopes to the configured GitHub environment and branch", () => {
    const { base: custom } = synthEnvironment("staging", {
      ci: { provider: "github", environment: "stage", branch: "release" },
    });
    const deploy = parseJsonAttribute(one(custom, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    const plan = parseJsonAttribute(one(custom, "aws_iam_role", "github_plan_role")["assume_role_policy"]) as Trust;
    expect(deploy.Statement[0]!.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toEqual([
      "repo:example-org/fargate-pipeline:environment:stage",
    ]);
    expect(plan.Statement[0]!.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toContain(
      "repo:example-org/fargate-pipeline:ref:refs/heads/release",
    );
  });
});

describe("CiOidc for GitLab CI/CD", () => {
  const gitlab = { provider: "gitlab", project: "acme/platform/shop" } as const;

  it("creates the instance's OIDC provider for the jobs' audience, without thumbprints (AWS trusts the instance's CA)", () => {
    const { base } = synthEnvironment("production", { ci: gitlab });
    expect(one(base, "aws_iam_openid_connect_provider", "github_provider")).toEqual({
      url: "https://gitlab.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  it("the same resource addresses as GitHub's: switching CI changes the roles' trust in place", () => {
    const { base } = synthEnvironment("production", { ci: gitlab });
    const deploy = parseJsonAttribute(one(base, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    const plan = parseJsonAttribute(one(base, "aws_iam_role", "github_plan_role")["assume_role_policy"]) as Trust;
    expect(deploy.Statement[0]!.Condition.StringEquals).toEqual({
      "gitlab.com:aud": "sts.amazonaws.com",
      "gitlab.com:sub": ["project_path:acme/platform/shop:ref_type:branch:ref:main"],
    });
    expect(plan.Statement[0]!.Condition.StringLike).toEqual({
      "gitlab.com:sub": ["project_path:acme/platform/shop:ref_type:branch:ref:*"],
    });
    expect(one(base, "aws_iam_role", "github_deploy_role")["description"]).toBe(
      "GitLab CI/CD deploys from acme/platform/shop, branch main",
    );
  });

  it("a self-managed instance, its audience and an existing provider", () => {
    const arn = "arn:aws:iam::222222222222:oidc-provider/git.acme.example";
    const { base } = synthEnvironment("production", {
      ci: { ...gitlab, url: "https://git.acme.example", audience: "https://git.acme.example", oidcProviderArn: arn },
    });
    expect(all(base, "aws_iam_openid_connect_provider")).toEqual({});
    const deploy = parseJsonAttribute(one(base, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    expect(deploy.Statement[0]!.Principal.Federated).toBe(arn);
    expect(deploy.Statement[0]!.Condition.StringEquals["git.acme.example:aud"]).toBe("https://git.acme.example");
  });
});

describe("no CI (ci left out, or provider none)", () => {
  const withoutCi = parseConfigFile(
    readFileSync(SAMPLE_CONFIG_PATH, "utf8").replace(/^ {2}ci:\n(?: {4}.*\n)+/m, ""),
    "fargate-pipeline.yaml",
  );

  it.each([
    ["provider none", { ci: { provider: "none" } }, SAMPLE],
    ["neither ci nor github in the file", {}, withoutCi],
  ] as const)(
    "%s: no OIDC provider, no CI roles, no role outputs; the boundary stays for the task roles",
    (_, overrides, file) => {
      const { base, config } = synthEnvironment("production", overrides, file);
      expect(config.ci).toEqual({ provider: "none" });
      expect(all(base, "aws_iam_openid_connect_provider")).toEqual({});
      expect(all(base, "aws_iam_role")).toEqual({});
      expect(all(base, "aws_iam_policy")).toEqual({ task_boundary_policy: expect.anything() });
      expect(Object.keys(base.output ?? {})).not.toContain(BASE_OUTPUTS.deployRoleArn);
      expect(Object.keys(base.output ?? {})).not.toContain(BASE_OUTPUTS.planRoleArn);
      expect(Object.keys(base.output ?? {})).toContain(BASE_OUTPUTS.repositoryUrl);
    },
  );
});
