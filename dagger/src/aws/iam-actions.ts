/**
 * The AWS API calls the module's own code makes (the SDK calls, and the ECR
 * registry calls Dagger makes when it pushes or pulls with the module's login),
 * each with the functions it is made by. OpenTofu's calls are not here: what
 * an apply needs follows from the stacks, and infra's policies list it.
 *
 * The roles infra creates must allow these: the deploy role everything
 * deploy, rollback, logs and the publish functions call; the plan role what
 * plan and status call (pull requests run them with it). A unit test
 * (dagger/test/unit/aws/iam-actions.test.ts) checks this list against the policies
 * infra synthesizes and against the SDK commands dagger/src imports, so a new
 * call the roles do not allow fails there, not as AccessDenied in a pipeline.
 */
import { ROLLOUT_IAM_ACTIONS } from "../rollout/clients.js";

/** The module's functions that call AWS (their names in index.ts). */
export type ModuleFunction =
  | "deploy"
  | "rollback"
  | "status"
  | "logs"
  | "plan"
  | "destroy"
  | "bootstrap"
  | "publish-ecr"
  | "set-secret"
  | "platform"
  | "preview"
  | "sweep-previews";

/** Which identity a function runs as in CI, and so which role's policy must allow its calls. */
export const FUNCTION_ROLE = {
  deploy: "deploy",
  rollback: "deploy",
  logs: "deploy",
  destroy: "deploy",
  "publish-ecr": "deploy",
  // Pull requests plan and check status with the plan role: read-only.
  plan: "plan",
  status: "plan",
  // Before the roles exist: an administrator's credentials (docs/deploy.md).
  bootstrap: "administrator",
  // Writes a secret's value: whoever owns the value (an operator), never the deploy or plan role.
  "set-secret": "administrator",
  // A shared environment's apply, plan, status and destroy: the platform team's own credentials.
  platform: "administrator",
  // Pull requests' previews: the previews' role, which reaches previews only.
  preview: "preview",
  "sweep-previews": "preview",
} as const satisfies Record<ModuleFunction, "deploy" | "plan" | "preview" | "administrator">;

/**
 * How a call is authorized: by the caller's identity policy, by the trust
 * policy of the role it assumes, or not at all (AWS lets every identity call it).
 */
export type Authorization = "identity-policy" | "trust-policy" | "none";

/** One AWS action the module's code calls. */
export interface ModuleAwsAction {
  /** The IAM action, e.g. ecs:DescribeServices. */
  action: string;
  /** The functions that call it. */
  functions: readonly ModuleFunction[];
  /** Where in dagger/src, for the reader. */
  source: string;
  authorization: Authorization;
  /** Made only for an environment attached to a shared environment (its roles have the statements then). */
  attachedOnly?: true;
}

/** Every function that opens an AWS environment (env/open.ts openEnvironment: resolves credentials, asks STS who they are). */
const EVERY_AWS_FUNCTION: readonly ModuleFunction[] = [
  "deploy",
  "rollback",
  "status",
  "logs",
  "plan",
  "destroy",
  "bootstrap",
  "publish-ecr",
  "set-secret",
  "platform",
];

/** The deploy's rollout tracking and the rollback's, which runs the same rollout. */
const ROLLOUT_FUNCTIONS: readonly ModuleFunction[] = ["deploy", "rollback"];

/**
 * A preview is a deploy of the environment's service under a preview's names,
 * and its removal a destroy; the janitor destroys them too: they call what
 * deploy and destroy call, with the previews' role.
 * @param functions the functions of an action
 */
function withPreviews(functions: readonly ModuleFunction[]): readonly ModuleFunction[] {
  return functions.some((f) => f === "deploy" || f === "destroy")
    ? [...functions, "preview", "sweep-previews"]
    : functions;
}

/** The AWS actions the module's code calls, with the functions each comes from. */
export const MODULE_AWS_ACTIONS: readonly ModuleAwsAction[] = (
  [
    {
      action: "sts:GetCallerIdentity",
      functions: EVERY_AWS_FUNCTION,
      source: "aws/auth.ts callerIdentity",
      authorization: "none",
    },
    {
      action: "sts:AssumeRoleWithWebIdentity",
      functions: EVERY_AWS_FUNCTION,
      source: "aws/auth.ts resolveAwsAuth (with-web-identity)",
      authorization: "trust-policy",
    },
    {
      action: "ecr:GetAuthorizationToken",
      functions: ["deploy", "rollback", "publish-ecr"],
      source: "build/publish.ts ecrLogin",
      authorization: "identity-policy",
    },
    {
      action: "ecr:DescribeRepositories",
      functions: ["deploy", "rollback"],
      source: "deploy/image.ts checkRepository (deploy/prepare-stacks.ts prepareInfra)",
      authorization: "identity-policy",
    },
    // Dagger's push with the module's ECR login (env/images.ts ecrImages push, ops/publish-ecr.ts publishEcr).
    ...[
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ].map((action): ModuleAwsAction => ({
      action,
      functions: ["deploy", "publish-ecr"],
      source: "env/images.ts ecrImages push, ops/publish-ecr.ts publishEcr (Dagger pushes)",
      authorization: "identity-policy",
    })),
    // Dagger's pull of the image back by digest for the stand-in smoke test (env/images.ts ecrImages pull).
    ...["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"].map((action): ModuleAwsAction => ({
      action,
      functions: ROLLOUT_FUNCTIONS,
      source: "env/images.ts ecrImages pull (Dagger pulls)",
      authorization: "identity-policy",
    })),
    {
      action: "s3:GetObject",
      functions: ["deploy", "rollback", "status"],
      source: "env/ledger.ts s3Ledger read",
      authorization: "identity-policy",
    },
    // Without it S3 answers a ledger not written yet with AccessDenied, not NoSuchKey (env/ledger.ts reads NoSuchKey as empty).
    {
      action: "s3:ListBucket",
      functions: ["deploy", "rollback", "status"],
      source: "env/ledger.ts s3Ledger read (a missing ledger)",
      authorization: "identity-policy",
    },
    {
      action: "s3:PutObject",
      functions: ["deploy", "rollback"],
      source: "env/ledger.ts s3Ledger append",
      authorization: "identity-policy",
    },
    ...[
      "s3:CreateBucket",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutBucketPublicAccessBlock",
    ].map((action): ModuleAwsAction => ({
      action,
      functions: ["bootstrap"],
      source: "state-bucket.ts ensureStateBucket",
      authorization: "identity-policy",
    })),
    ...["ecs:DescribeServices", "ecs:DescribeTaskDefinition"].map((action): ModuleAwsAction => ({
      action,
      functions: ["status", "plan"],
      source: "service-state.ts serviceState",
      authorization: "identity-policy",
    })),
    ...ROLLOUT_IAM_ACTIONS.map((action): ModuleAwsAction => ({
      action,
      functions: ROLLOUT_FUNCTIONS,
      source: "rollout/track.ts trackRollout (rollout/clients.ts)",
      authorization: "identity-policy",
    })),
    { action: "logs:FilterLogEvents", functions: ["logs"], source: "logs.ts logs", authorization: "identity-policy" },
    // The app's secrets: metadata only for deploy (preflight, the summary's versions) and status; values only by set-secret.
    {
      action: "ssm:DescribeParameters",
      functions: ["deploy", "rollback", "status", "set-secret"],
      source: "env/secrets.ts checkSecretsExist, describeSecrets, secretsStatus",
      authorization: "identity-policy",
    },
    {
      action: "secretsmanager:DescribeSecret",
      functions: ["deploy", "rollback", "status", "set-secret"],
      source: "env/secrets.ts checkSecretsExist, describeSecrets, secretsStatus",
      authorization: "identity-policy",
    },
    ...[
      "ssm:PutParameter",
      "secretsmanager:PutSecretValue",
      "secretsmanager:CreateSecret",
      "secretsmanager:GetSecretValue",
    ].map((action): ModuleAwsAction => ({
      action,
      functions: ["set-secret"],
      source: "ops/set-secret.ts setSecret",
      authorization: "identity-policy",
    })),
    // An attached service's shared environment: what it published and the claims on it (shared/).
    ...["ssm:GetParametersByPath", "ssm:GetParameter"].map((action): ModuleAwsAction => ({
      action,
      functions: EVERY_AWS_FUNCTION.filter((f) => f !== "platform"),
      source: "shared/attach.ts openAttachment (env/open.ts): published outputs, the service's claim",
      authorization: "identity-policy",
      attachedOnly: true,
    })),
    {
      action: "ssm:PutParameter",
      functions: ["deploy"],
      source: "shared/claims.ts claimHost (deploy's preflight)",
      authorization: "identity-policy",
      attachedOnly: true,
    },
    {
      action: "ssm:DeleteParameter",
      functions: ["deploy", "destroy"],
      source: "shared/claims.ts releaseHost (destroy), a priority given back after a lost race (deploy)",
      authorization: "identity-policy",
      attachedOnly: true,
    },
    ...[
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeListenerCertificates",
      "elasticloadbalancing:DescribeTargetGroups",
    ].map((action): ModuleAwsAction => ({
      action,
      functions: ["deploy", "plan"],
      source: "shared/quotas.ts loadBalancerHoldings (the deploy's quota preflight, the plan's priority)",
      authorization: "identity-policy",
      attachedOnly: true,
    })),
    ...[
      "ssm:GetParametersByPath",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeListenerCertificates",
      "elasticloadbalancing:DescribeTargetGroups",
      "s3:CreateBucket",
    ].map((action): ModuleAwsAction => ({
      action,
      functions: ["platform"],
      source: "ops/platform.ts (published outputs, attachments, quotas, the state bucket)",
      authorization: "identity-policy",
    })),
    ...["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingActivities"].map(
      (action): ModuleAwsAction => ({
        action,
        functions: ["status"],
        source: "ops/status.ts scalingStatus",
        authorization: "identity-policy",
      }),
    ),
  ] satisfies ModuleAwsAction[]
).map((a): ModuleAwsAction => ({ ...a, functions: withPreviews(a.functions) }));
