/**
 * Keyless CI access: the account's OIDC provider of the CI's issuer (created
 * or reused) and the two roles CI jobs assume with their OIDC tokens. Which
 * jobs each role trusts comes from policies/trust.ts (ciTrust), for GitHub
 * Actions, GitLab CI/CD or any other issuer the configuration names.
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Construct } from "constructs";
import type { CiConfig } from "../config/types.ts";
import { DEPLOY_POLICY_PARTS, deployRolePolicies } from "../policies/deploy-role.ts";
import { GITHUB_ISSUER } from "../config/oidc.ts";
import { ciTrust, oidcTrustPolicy } from "../policies/trust.ts";
import { planRolePolicy } from "../policies/plan-role.ts";
import { type PolicyContext, type ServicePolicyContext } from "../policies/document.ts";

/**
 * Thumbprints of GitHub's OIDC endpoint certificates. AWS no longer uses them for
 * GitHub (it trusts the issuer's CA library), but the API and the emulator still
 * accept a list, and giving it keeps the resource identical everywhere. Other
 * issuers get none: AWS then verifies the issuer's certificate against its
 * trusted root CAs (a thumbprint would only pin a certificate that rotates).
 */
export const GITHUB_THUMBPRINTS = [
  "6938fd4d98bab03faadb97b34396831e3780aea1",
  "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
];

/** Options of CiOidc. */
export interface CiOidcOptions {
  /** The CI whose tokens the roles trust (not none: without a CI there is no CiOidc). */
  ci: Exclude<CiConfig, { provider: "none" }>;
  /** Names and ARNs the policies refer to (oidcProviderArn is filled in here). */
  policy: ServicePolicyContext;
}

/** Longest session of either role: 1 h covers a deploy with a slow rollout. */
const MAX_SESSION_SECONDS = 3600;

/**
 * The CI's OIDC provider and two roles:
 * - deploy role, for the jobs that deploy (GitHub: the GitHub environment's
 *   jobs; GitLab: the deploy branch's pipelines): push images, apply the
 *   service stack, follow the rollout;
 * - plan role, for the jobs that plan (pull or merge requests, the branch):
 *   read-only, plus the state lock a plan takes.
 *
 * The construct id its callers give is part of every resource's address in the
 * state: the base stack keeps "github", its first CI, so that environments
 * made before GitLab and other issuers keep their roles, and switching CI
 * changes the roles' trust in place.
 */
export class CiOidc extends Construct {
  /** ARN of the provider (created or reused). */
  readonly providerArn: string;
  /** ARN of the deploy role. */
  readonly deployRoleArn: string;
  /** ARN of the plan role. */
  readonly planRoleArn: string;

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See CiOidcOptions.
   */
  constructor(scope: Construct, id: string, options: CiOidcOptions) {
    super(scope, id);
    const { ci } = options;
    const trust = ciTrust(ci);
    this.providerArn =
      ci.oidcProviderArn ??
      new IamOpenidConnectProvider(this, "provider", {
        url: trust.issuer,
        clientIdList: [trust.audience],
        ...(trust.issuer === GITHUB_ISSUER ? { thumbprintList: GITHUB_THUMBPRINTS } : {}),
      }).arn;
    const ctx: PolicyContext = { ...options.policy, oidcProviderArn: this.providerArn };
    const identity = { providerArn: this.providerArn, issuer: trust.issuer, audience: trust.audience };

    const deploy = new IamRole(this, "deploy_role", {
      name: ctx.roles.deploy,
      description:
        ci.provider === "github"
          ? `GitHub Actions deploys from ${ci.repository}, environment ${ci.environment}`
          : ci.provider === "gitlab"
            ? `GitLab CI/CD deploys from ${ci.project}, branch ${ci.branch}`
            : `CI jobs with tokens of ${ci.issuer} deploy`,
      assumeRolePolicy: JSON.stringify(oidcTrustPolicy(identity, trust.deploy)),
      maxSessionDuration: MAX_SESSION_SECONDS,
    });
    const parts = deployRolePolicies(ctx);
    for (const part of DEPLOY_POLICY_PARTS) {
      const id = part.replaceAll("-", "_");
      const policy = new IamPolicy(this, `deploy_policy_${id}`, {
        name: `${ctx.prefix}-deploy-${part}`,
        description: `Deploy role: ${part.replaceAll("-", " ")}`,
        policy: JSON.stringify(parts[part]),
      });
      new IamRolePolicyAttachment(this, `deploy_policy_${id}_attachment`, { role: deploy.name, policyArn: policy.arn });
    }
    this.deployRoleArn = deploy.arn;

    const plan = new IamRole(this, "plan_role", {
      name: ctx.roles.plan,
      description:
        ci.provider === "github"
          ? `GitHub Actions plans from ${ci.repository}: pull requests and ${ci.branch}`
          : ci.provider === "gitlab"
            ? `GitLab CI/CD plans from ${ci.project}: merge requests and branches`
            : `CI jobs with tokens of ${ci.issuer} plan`,
      assumeRolePolicy: JSON.stringify(oidcTrustPolicy(identity, trust.plan)),
      maxSessionDuration: MAX_SESSION_SECONDS,
    });
    new IamRolePolicy(this, "plan_policy", {
      name: "plan",
      role: plan.name,
      policy: JSON.stringify(planRolePolicy(ctx)),
    });
    this.planRoleArn = plan.arn;
  }
}
