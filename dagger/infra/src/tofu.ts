/**
 * What callers of the synthesized stacks need to know to run OpenTofu on them:
 * the input variable and the outputs. Plain data, no cdktf: the Dagger module
 * and the e2e tests import this.
 */

/** The service stack's input variable for the image, by digest. */
export const IMAGE_VARIABLE = "image";

/**
 * The service stack's input variable for the versions of the app's secrets
 * (`VAR=version,…`, sorted; versions and names only, never values). Tasks read
 * a secret when they start, so a changed version redeploys them (the ECS
 * service's triggers); empty when the environment has no secrets.
 */
export const SECRET_VERSIONS_VARIABLE = "secret_versions";

/** What the image variable accepts: `repository@sha256:<64 hex>` (a tag can move; a digest cannot). */
export const IMAGE_DIGEST_PATTERN = "^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$";

/** Outputs of the base stack. */
export const BASE_OUTPUTS = {
  /** Where the pipeline pushes images. */
  repositoryUrl: "repository_url",
  /** Role GitHub Actions deploy jobs assume. */
  deployRoleArn: "deploy_role_arn",
  /** Role GitHub Actions plan jobs (pull requests, pushes) assume. */
  planRoleArn: "plan_role_arn",
  /** The domain's hosted zone. */
  hostedZoneId: "hosted_zone_id",
  /** Its name servers: delegate the zone to these from the parent zone. */
  nameServers: "name_servers",
} as const;

/** Outputs of the service stack. */
export const SERVICE_OUTPUTS = {
  /** https://<domain> */
  url: "url",
  /** ECS cluster name. */
  clusterName: "cluster_name",
  /** ECS service name. */
  serviceName: "service_name",
  /** Task definition revision this apply registered. */
  taskDefinitionArn: "task_definition_arn",
  /** CloudWatch log group of the tasks. */
  logGroupName: "log_group_name",
  /** The ALB's own DNS name (reachable before DNS delegation). */
  albDnsName: "alb_dns_name",
  /** Target group of the tasks (target health during rollouts). */
  targetGroupArn: "target_group_arn",
} as const;
