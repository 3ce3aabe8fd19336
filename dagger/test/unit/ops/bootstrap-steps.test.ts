/**
 * bootstrap's next steps fit the CI the configuration names: GitHub repository
 * variables and environment, GitLab CI/CD variables and protected branch,
 * another issuer's token, or no CI roles at all (keys or a role of one's own).
 */
import { describe, expect, it } from "vitest";

import { type BaseApplied, nextSteps } from "../../../src/ops/bootstrap.js";
import type { CiSummary, EnvironmentConfig } from "../../../src/stacks/infra-bridge.js";

const ROLES = {
  deploy: "arn:aws:iam::222222222222:role/shop-production-deploy",
  plan: "arn:aws:iam::222222222222:role/shop-production-plan",
};

/**
 * The next steps of production with a CI.
 * @param ci the environment's CI
 */
function stepsFor(ci: CiSummary): string {
  const config = {
    name: "production",
    region: "eu-west-1",
    domain: "app.example.com",
    createsZone: false,
    ci,
  } as EnvironmentConfig;
  const base: BaseApplied = {
    stack: "shop-production-base",
    seconds: 12,
    repositoryUrl: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop-production",
    hostedZoneId: "Z0123456789EXAMPLE",
    roles: ci.provider === "none" ? undefined : ROLES,
    nameServers: [],
  };
  return nextSteps(
    { config, identity: { account: "222222222222", arn: "arn:aws:iam::222222222222:user/admin" } },
    { bucket: "shop-tfstate-222222222222-eu-west-1", created: true },
    base,
  );
}

describe("bootstrap's next steps", () => {
  it("GitHub: the repository variables, the GitHub environment, push to the branch", () => {
    const out = stepsFor({ provider: "github", repository: "acme/shop", environment: "production", branch: "main" });
    expect(out).toContain("CI roles for GitHub Actions of acme/shop");
    expect(out).toContain("Settings → Secrets and variables → Actions → Variables");
    expect(out).toContain(`\`AWS_DEPLOY_ROLE_ARN\` = \`${ROLES.deploy}\``);
    expect(out).toContain(`\`AWS_PLAN_ROLE_ARN\` = \`${ROLES.plan}\``);
    expect(out).toContain("Create the GitHub environment `production`");
    expect(out).not.toContain("GitLab");
  });

  it("GitLab: the project's CI/CD variables (the deploy role's protected), the protected branch and environment", () => {
    const out = stepsFor({
      provider: "gitlab",
      project: "acme/shop",
      url: "https://gitlab.com",
      audience: "sts.amazonaws.com",
      branch: "main",
    });
    expect(out).toContain("CI roles for GitLab CI/CD of acme/shop");
    expect(out).toContain("In the GitLab project `acme/shop` (Settings → CI/CD → Variables)");
    expect(out).toContain(`\`AWS_DEPLOY_ROLE_ARN\` = \`${ROLES.deploy}\` (protected`);
    expect(out).toContain("Protect the branch `main`");
    expect(out).toContain("`aud: sts.amazonaws.com`");
    expect(out).not.toMatch(/GitHub|Actions → Variables/);
  });

  it("another issuer: the token to request and the with-web-identity calls", () => {
    const out = stepsFor({ provider: "oidc", issuer: "https://agent.buildkite.com", audience: "sts.amazonaws.com" });
    expect(out).toContain(
      "request an OIDC token from `https://agent.buildkite.com` for the audience `sts.amazonaws.com`",
    );
    expect(out).toContain(`with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn ${ROLES.deploy} deploy`);
    expect(out).not.toMatch(/GitHub|GitLab/);
  });

  it("no CI: no roles, no variables; keys or a role of one's own, and how to add a CI", () => {
    const out = stepsFor({ provider: "none" });
    expect(out).toContain("no CI roles (the configuration names no ci)");
    expect(out).toContain("No CI roles: the configuration names no `ci`");
    expect(out).toContain("with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID");
    expect(out).not.toMatch(/AWS_DEPLOY_ROLE_ARN|GitHub environment|GitLab project/);
  });
});
