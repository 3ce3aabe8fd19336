import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Construct } from "constructs";
import { DEPLOY_POLICY_PARTS, deployRolePolicies } from "../policies/deploy-role.ts";
import {
  deploySubjects,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  githubTrustPolicy,
  planSubjects,
} from "../policies/trust.ts";
import { planRolePolicy } from "../policies/plan-role.ts";
import { type PolicyContext, type ServicePolicyContext } from "../policies/document.ts";

/**
 * Thumbprints of GitHub's OIDC endpoint certificates. AWS no longer uses them for
 * GitHub (it trusts the issuer's CA library), but the API and the emulator still
 * accept a list, and giving it keeps the resource identical everywhere.
 */
export const GITHUB_THUMBPRINTS = [
  "6938fd4d98bab03faadb97b34396831e3780aea1",
  "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
];

/** Options of GithubOidc. */
export interface GithubOidcOptions {
  /** "OWNER/REPO". */
  repository: string;
  /** The GitHub environment whose jobs deploy. */
  environment: string;
  /** The branch whose pushes run checks and plans. */
  branch: string;
  /** Reuse this provider instead of creating one (one per account). */
  existingProviderArn?: string | undefined;
  /** Names and ARNs the policies refer to (oidcProviderArn is filled in here). */
  policy: ServicePolicyContext;
}

/** Longest session of either role: 1 h covers a deploy with a slow rollout. */
const MAX_SESSION_SECONDS = 3600;

/**
 * Keyless CI access: the account's GitHub OIDC provider (created or reused) and
 * two roles GitHub Actions jobs assume with their OIDC token:
 * - deploy role, for jobs in the GitHub environment (sub
 *   `repo:OWNER/REPO:environment:ENV`): push images, apply the service stack,
 *   follow the rollout;
 * - plan role, for pull requests and pushes to the branch: read-only, plus the
 *   state lock a plan takes.
 */
export class GithubOidc extends Construct {
  /** ARN of the provider (created or reused). */
  readonly providerArn: string;
  /** ARN of the deploy role. */
  readonly deployRoleArn: string;
  /** ARN of the plan role. */
  readonly planRoleArn: string;

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See GithubOidcOptions.
   */
  constructor(scope: Construct, id: string, options: GithubOidcOptions) {
    super(scope, id);
    this.providerArn =
      options.existingProviderArn ??
      new IamOpenidConnectProvider(this, "provider", {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: [GITHUB_OIDC_AUDIENCE],
        thumbprintList: GITHUB_THUMBPRINTS,
      }).arn;
    const ctx: PolicyContext = { ...options.policy, oidcProviderArn: this.providerArn };

    const deploy = new IamRole(this, "deploy_role", {
      name: ctx.roles.deploy,
      description: `GitHub Actions deploys from ${options.repository}, environment ${options.environment}`,
      assumeRolePolicy: JSON.stringify(
        githubTrustPolicy(this.providerArn, deploySubjects(options.repository, options.environment)),
      ),
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
      description: `GitHub Actions plans from ${options.repository}: pull requests and ${options.branch}`,
      assumeRolePolicy: JSON.stringify(
        githubTrustPolicy(this.providerArn, planSubjects(options.repository, options.branch)),
      ),
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
