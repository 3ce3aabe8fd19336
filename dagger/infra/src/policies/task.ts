/**
 * What a task may do: the execution role's policy (pull the image, write the
 * logs, read exactly the configured secrets) and the permissions boundary of
 * every role the service stack creates.
 */
import { previewPrefix } from "../config/naming.ts";
import { secretIamResource, secretViaService, type SecretReference } from "../config/secrets.ts";
import { arn, distinct, type PolicyDocument, type PolicyStatement, type ServicePolicyContext } from "./document.ts";

/**
 * ARNs of the repository and log group, shared by the execution role's policy
 * and the boundary.
 * @param ctx The policy context.
 */
export function taskResources(ctx: ServicePolicyContext) {
  return {
    repository: arn(ctx, "ecr", `repository/${ctx.repository}`),
    logStreams: arn(ctx, "logs", `log-group:${ctx.logGroup}:log-stream:*`),
  };
}

/**
 * The IAM resources of the secrets of one store, distinct (several keys of one
 * secret are one resource).
 * @param ctx The policy context.
 * @param kind The store.
 */
export function secretResources(ctx: ServicePolicyContext, kind: SecretReference["kind"]): string[] {
  return distinct(ctx.secrets.filter((s) => s.kind === kind).map((s) => secretIamResource(s, ctx)));
}

/**
 * A Sid-safe word from a region ("eu-west-1" → "EuWest1").
 * @param region A region name.
 */
function regionWord(region: string): string {
  return region
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/**
 * What ECS needs to put the secrets into a task, and nothing more:
 * - ssm:GetParameters on exactly the referenced parameters' ARNs;
 * - secretsmanager:GetSecretValue on exactly the referenced secrets (by full
 *   ARN, or NAME-?????? for a secret named by name: see secretIamResource);
 * - kms:Decrypt only through the store (kms:ViaService = that store's endpoint
 *   in the secret's region), on the named customer-managed keys; for the
 *   AWS-managed key (aws/ssm, aws/secretsmanager), whose ARN carries an id
 *   known only in the account, on the region's keys through the store: the
 *   store decrypts only for a parameter or secret the role may read, so this
 *   opens no other value. (The AWS-managed keys' policies allow the account
 *   already; the statement keeps decryption working under the permissions
 *   boundary.)
 * None when the environment has no secrets.
 * @param ctx The policy context.
 */
export function secretReadStatements(ctx: ServicePolicyContext): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const parameters = secretResources(ctx, "ssm");
  if (parameters.length > 0)
    statements.push({ Sid: "ReadTheseParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameters });
  const secrets = secretResources(ctx, "secretsManager");
  if (secrets.length > 0)
    statements.push({
      Sid: "ReadTheseSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secrets,
    });
  // One statement per store endpoint (store and region): each key may decrypt through its store only.
  const byEndpoint = new Map<string, SecretReference[]>();
  for (const ref of ctx.secrets) {
    const endpoint = `${ref.kind === "ssm" ? 0 : 1}:${ref.region}`;
    byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), ref]);
  }
  // Parameters before secrets, then by region: the order stays put when a variable is renamed.
  for (const endpoint of [...byEndpoint.keys()].sort()) {
    const refs = byEndpoint.get(endpoint)!;
    const first = refs[0]!;
    // A named key beside the AWS-managed one, in the same store and region, is covered by
    // key/* under the same ViaService condition: listing it too would change nothing.
    const awsManaged = refs.some((r) => r.kmsKeyArn === undefined);
    const keys = awsManaged
      ? [`arn:${ctx.partition}:kms:${first.region}:${ctx.account}:key/*`]
      : distinct(refs.map((r) => r.kmsKeyArn!));
    const store = first.kind === "ssm" ? "Parameters" : "Secrets";
    statements.push({
      Sid: `Decrypt${store}${first.region === ctx.region ? "" : regionWord(first.region)}`,
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: keys,
      Condition: { StringEquals: { "kms:ViaService": secretViaService(first, ctx.dnsSuffix) } },
    });
  }
  return statements;
}

/**
 * The execution role's policy: pull this repository's images, write this log
 * group, read exactly the configured secrets (secretReadStatements). Nothing else.
 * @param ctx The policy context.
 */
export function executionRolePolicy(ctx: ServicePolicyContext): PolicyDocument {
  const r = taskResources(ctx);
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullThisRepository",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: r.repository,
      },
      {
        Sid: "WriteThisLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: r.logStreams,
      },
      ...secretReadStatements(ctx),
    ],
  };
}

/**
 * The permissions boundary of every role the service stack creates: the most
 * any task role or execution role can ever be granted. Extend it (in the base
 * stack, applied by an administrator) when the app needs more AWS access.
 * It lists the configured secrets too, so a compromised pipeline cannot point
 * a task at any other secret: adding a secret reference takes an apply of the
 * base stack (`bootstrap`) before the deploy that uses it.
 * @param ctx The policy context.
 */
export function taskBoundaryPolicy(ctx: ServicePolicyContext): PolicyDocument {
  const statements = executionRolePolicy(ctx).Statement;
  if (!ctx.sharedEnvironment) return { Version: "2012-10-17", Statement: statements };
  // Attached: the pull requests' previews run under the same boundary, each with a log group of its own.
  const previews = arn(ctx, "logs", `log-group:/ecs/${previewPrefix(ctx.prefix, "*")}:log-stream:*`);
  return {
    Version: "2012-10-17",
    Statement: statements.map((s) =>
      s.Sid === "WriteThisLogGroup" ? { ...s, Resource: [taskResources(ctx).logStreams, previews] } : s,
    ),
  };
}
