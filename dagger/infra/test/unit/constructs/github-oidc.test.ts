import { describe, expect, it } from "vitest";
import { GITHUB_THUMBPRINTS } from "../../../src/constructs/github-oidc.ts";
import { all, one, parseJsonAttribute, synthEnvironment } from "../support.ts";

type Trust = {
  Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, unknown> } }[];
};

describe("GithubOidc", () => {
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
    const { base: reused } = synthEnvironment("production", { github: { oidcProviderArn: arn } });
    expect(all(reused, "aws_iam_openid_connect_provider")).toEqual({});
    const trust = parseJsonAttribute(one(reused, "aws_iam_role", "github_deploy_role")["assume_role_policy"]) as Trust;
    expect(trust.Statement[0]!.Principal.Federated).toBe(arn);
  });

  it("scopes to the configured GitHub environment and branch", () => {
    const { base: custom } = synthEnvironment("staging", { github: { environment: "stage", branch: "release" } });
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
