/**
 * The secrets of an environment, resolved from its configuration
 * (`service.secrets`) into plain data: which store, which name, which region,
 * which key. And the three strings built from a reference: the task
 * definition's `valueFrom`, the IAM resource the execution role may read, and
 * the `kms:ViaService` value the store decrypts through. Pure functions: the
 * partition and account may be Terraform references (the stacks) or literals
 * (the Dagger module, tests).
 */
import { SECRET_ARN_PATTERN, SSM_PARAMETER_ARN_PATTERN } from "./schema.ts";

/** The two stores a secret can live in. */
export type SecretStore = "ssm" | "secretsManager";

/** One secret environment variable, resolved. */
export interface SecretReference {
  /** The container's environment variable. */
  envVar: string;
  /** Parameter Store or Secrets Manager. */
  kind: SecretStore;
  /**
   * The parameter's name ("/app/db-url") or the secret's name ("prod/db"), without the
   * random suffix; what DescribeParameters (filter Name) and DescribeSecret take.
   */
  name: string;
  /** The configured ARN, when the reference was an ARN (a secret's full ARN, suffix included). */
  arn?: string;
  /** The store's region: the ARN's, or the environment's for a name. */
  region: string;
  /** The ARN's account, when the reference was an ARN. */
  account?: string;
  /** One JSON key of a secret's value (Secrets Manager only). */
  key?: string;
  /** The customer-managed KMS key, when configured; otherwise the store's AWS-managed key. */
  kmsKeyArn?: string;
}

/** A reference as the schema parses it (before resolution). */
export interface ConfiguredSecret {
  ssm?: string | undefined;
  secretsManager?: string | undefined;
  key?: string | undefined;
  kmsKeyArn?: string | undefined;
}

/** Where ARNs are built: partition and account (literals or Terraform references). */
export interface ArnScope {
  /** ARN partition, e.g. "aws". */
  partition: string;
  /** Account id. */
  account: string;
}

/**
 * Resolves one configured reference. Assumes the schema accepted it.
 * @param envVar The environment variable.
 * @param configured The reference as configured.
 * @param region The environment's region (for references by name).
 */
export function resolveSecret(envVar: string, configured: ConfiguredSecret, region: string): SecretReference {
  const extras = { ...(configured.kmsKeyArn !== undefined ? { kmsKeyArn: configured.kmsKeyArn } : {}) };
  if (configured.ssm !== undefined) {
    const match = configured.ssm.match(SSM_PARAMETER_ARN_PATTERN);
    if (!match) return { envVar, kind: "ssm", name: configured.ssm, region, ...extras };
    const [, arnRegion, account, path] = match as unknown as [string, string, string, string];
    // A hierarchical parameter's ARN drops the name's leading slash; a top-level name has none.
    const name = path.includes("/") ? `/${path}` : path;
    return { envVar, kind: "ssm", name, arn: configured.ssm, region: arnRegion, account, ...extras };
  }
  const value = configured.secretsManager!;
  const key = configured.key !== undefined ? { key: configured.key } : {};
  const match = value.match(SECRET_ARN_PATTERN);
  if (!match) return { envVar, kind: "secretsManager", name: value, region, ...key, ...extras };
  const [, arnRegion, account, name] = match as unknown as [string, string, string, string];
  return { envVar, kind: "secretsManager", name, arn: value, region: arnRegion, account, ...key, ...extras };
}

/**
 * Every secret of a configuration, resolved, sorted by environment variable.
 * @param secrets The configuration's `service.secrets`.
 * @param region The environment's region.
 */
export function resolveSecrets(secrets: Record<string, ConfiguredSecret>, region: string): SecretReference[] {
  return Object.keys(secrets)
    .sort()
    .map((envVar) => resolveSecret(envVar, secrets[envVar]!, region));
}

/**
 * The ARN of the parameter or secret: as configured, or built from the name.
 * A secret named by name gets its partial ARN (no random suffix), which ECS
 * and Secrets Manager resolve to the secret of that name.
 * @param ref The reference.
 * @param scope Partition and account.
 */
export function secretArn(ref: SecretReference, scope: ArnScope): string {
  if (ref.arn !== undefined) return ref.arn;
  if (ref.kind === "ssm") {
    // The ARN of "/app/db-url" is "…:parameter/app/db-url": one slash.
    return `arn:${scope.partition}:ssm:${ref.region}:${scope.account}:parameter/${ref.name.replace(/^\//, "")}`;
  }
  return `arn:${scope.partition}:secretsmanager:${ref.region}:${scope.account}:secret:${ref.name}`;
}

/**
 * The task definition's `valueFrom`: the parameter's ARN; the secret's ARN; or
 * for one key of a secret `ARN:KEY::` (empty version stage and id: the current
 * version, AWSCURRENT).
 * @param ref The reference.
 * @param scope Partition and account.
 */
export function secretValueFrom(ref: SecretReference, scope: ArnScope): string {
  const arn = secretArn(ref, scope);
  return ref.key !== undefined ? `${arn}:${ref.key}::` : arn;
}

/**
 * The IAM resource the execution role may read: the exact ARN. For a secret
 * named by name, `NAME-??????`: its real ARN ends in "-" and six random
 * characters AWS appends at creation, unknown until then (and new when the
 * secret is deleted and created again). Each `?` matches one character, so the
 * pattern matches this name and no longer one ("prod/db-??????" does not match
 * "prod/db-old-AbCdEf"); names cannot contain `*` or `?` themselves (schema).
 * @param ref The reference.
 * @param scope Partition and account.
 */
export function secretIamResource(ref: SecretReference, scope: ArnScope): string {
  const arn = secretArn(ref, scope);
  return ref.kind === "secretsManager" && ref.arn === undefined ? `${arn}-??????` : arn;
}

/**
 * The endpoint the store calls KMS through, as `kms:ViaService` names it:
 * "ssm.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com".
 * @param ref The reference.
 * @param dnsSuffix The partition's DNS suffix ("amazonaws.com"; data.aws_partition.dns_suffix in the stacks).
 */
export function secretViaService(ref: SecretReference, dnsSuffix: string): string {
  return `${ref.kind === "ssm" ? "ssm" : "secretsmanager"}.${ref.region}.${dnsSuffix}`;
}
