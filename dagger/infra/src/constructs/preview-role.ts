import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Construct } from "constructs";
import type { CiConfig } from "../config/types.ts";
import type { PolicyContext } from "../policies/document.ts";
import { PREVIEW_POLICY_PARTS, previewRolePolicies } from "../policies/preview-role.ts";
import { ciTrust, GITHUB_PREVIEW_ENVIRONMENT, oidcTrustPolicy } from "../policies/trust.ts";

/** Options of PreviewRole. */
export interface PreviewRoleOptions {
  /** The role's name. */
  name: string;
  /** The CI whose preview jobs assume the role (ciTrust's `previews` subjects). */
  ci: Exclude<CiConfig, { provider: "none" }>;
  /** The account's OIDC provider of the CI's issuer (the CI roles' own). */
  providerArn: string;
  /** Names and ARNs the policies refer to. */
  policy: PolicyContext;
  /** The service's host label, and the shared domain (a reference). */
  label: string;
  domain: string;
}

/** 1 h: a preview's deploy takes minutes; the janitor destroys a few previews in one session. */
const MAX_SESSION_SECONDS = 3600;

/**
 * The role pull requests' previews are deployed and removed with, for an
 * environment attached to a shared one: trusted for the CI's preview jobs
 * (policies/trust.ts ciTrust: on GitHub the jobs of the environment `preview`,
 * so a workflow must declare it; on GitLab the project's branches; for another
 * issuer its plan subjects), allowed only what previews are
 * (policies/preview-role.ts).
 */
export class PreviewRole extends Construct {
  /** The role's ARN. */
  readonly arn: string;

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See PreviewRoleOptions.
   */
  constructor(scope: Construct, id: string, options: PreviewRoleOptions) {
    super(scope, id);
    const { ci } = options;
    const trust = ciTrust(ci);
    const identity = { providerArn: options.providerArn, issuer: trust.issuer, audience: trust.audience };
    const role = new IamRole(this, "role", {
      name: options.name,
      description:
        ci.provider === "github"
          ? `Pull requests' previews of ${ci.repository} (GitHub environment ${GITHUB_PREVIEW_ENVIRONMENT})`
          : ci.provider === "gitlab"
            ? `Merge requests' previews of ${ci.project} (its branches' pipelines)`
            : `Previews deployed by CI jobs with tokens of ${ci.issuer}`,
      assumeRolePolicy: JSON.stringify(oidcTrustPolicy(identity, trust.previews)),
      maxSessionDuration: MAX_SESSION_SECONDS,
    });
    const parts = previewRolePolicies(options.policy, options.label, options.domain);
    for (const part of PREVIEW_POLICY_PARTS) {
      const key = part.replaceAll("-", "_");
      const policy = new IamPolicy(this, `policy_${key}`, {
        name: `${options.name}-${part}`,
        description: `Previews' role: ${part.replaceAll("-", " ")}`,
        policy: JSON.stringify(parts[part]),
      });
      new IamRolePolicyAttachment(this, `policy_${key}_attachment`, { role: role.name, policyArn: policy.arn });
    }
    this.arn = role.arn;
  }
}
