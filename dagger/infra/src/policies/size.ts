/**
 * IAM's size limit for the policies that grow with the configuration: checked
 * when an environment is resolved (../resolve.ts), so that a configuration whose
 * secrets would not fit fails with the other configuration errors, before any apply.
 */
import type { ConfigIssue, EnvironmentConfig } from "../config/types.ts";
import { boundaryPolicyArn, policyContext } from "./context.ts";
import { DEPLOY_POLICY_PARTS, deployRolePolicies } from "./deploy-role.ts";
import type { PolicyDocument } from "./document.ts";
import { taskBoundaryPolicy } from "./task.ts";

/** IAM's limit for a customer-managed policy, in characters (whitespace excluded; the documents have none). */
export const MANAGED_POLICY_LIMIT = 6144;

/**
 * Policies that grow with the configured secrets (the task boundary, the deploy
 * role's parts) must fit IAM's size limit; measured with the longest partition
 * and DNS suffix in use, where the stacks have references.
 * @param config The resolved configuration.
 */
export function policySizeIssues(config: EnvironmentConfig): ConfigIssue[] {
  if (Object.keys(config.service.secrets).length === 0) return [];
  const account = config.accountId ?? "123456789012";
  const ctx = {
    ...policyContext(config, {
      partition: "aws-us-gov",
      dnsSuffix: "amazonaws.com.cn",
      account,
      hostedZoneId: "Z".repeat(32),
      // Attached: the shared domain is read at plan time; measured at its longest likely length.
      ...(config.shared ? { host: `${config.shared.host}.${"d".repeat(63)}.example.com` } : {}),
      boundaryPolicyArn: boundaryPolicyArn(config, "aws-us-gov", account),
    }),
    oidcProviderArn: `arn:aws-us-gov:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
  };
  const deploy = deployRolePolicies(ctx);
  const documents: [string, PolicyDocument][] = [
    [`the task roles' permissions boundary (${config.names.taskBoundaryPolicy})`, taskBoundaryPolicy(ctx)],
    ...DEPLOY_POLICY_PARTS.map((part): [string, PolicyDocument] => [
      `the deploy role's "${part}" policy`,
      deploy[part],
    ]),
  ];
  return documents
    .map(([what, doc]) => [what, JSON.stringify(doc).length] as const)
    .filter(([, size]) => size > MANAGED_POLICY_LIMIT)
    .map(([what, size]) => ({
      path: "service.secrets",
      message: `these secrets make ${what} ${size} characters long, over IAM's ${MANAGED_POLICY_LIMIT} for a managed policy; reference fewer parameters or secrets (keys of one Secrets Manager secret count once: keep related values in one JSON secret)`,
    }));
}
