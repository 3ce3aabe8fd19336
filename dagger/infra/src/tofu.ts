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
  /** Role the pull requests' preview jobs assume (attached environments only: absent otherwise). */
  previewRoleArn: "preview_role_arn",
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

/**
 * The service stack's input variable for its listener rule's priority on a
 * shared environment's listener (attached services only): the module's
 * preflight claims one per host before any apply (see SharedNames.claims).
 */
export const RULE_PRIORITY_VARIABLE = "listener_rule_priority";

/**
 * What a shared environment publishes for the services that attach to it: one
 * SSM parameter each, below its path (SharedNames.parameterPath). Services read
 * them (data sources, and the module's preflight), never copies of them.
 */
export const SHARED_PARAMETERS = {
  /** The environment's domain: services answer on <host>.<domain>. */
  domain: "domain",
  /** The hosted zone of the domain (services add their alias records there). */
  hostedZoneId: "hosted-zone-id",
  /** The VPC of the tasks. */
  vpcId: "vpc-id",
  /** The two public subnets of the tasks (a StringList). */
  subnetIds: "subnet-ids",
  /** The ECS cluster's name and ARN. */
  clusterName: "cluster-name",
  clusterArn: "cluster-arn",
  /** The load balancer (its DNS name and zone, for alias records, come with it). */
  loadBalancerArn: "load-balancer-arn",
  /** The load balancer's security group: the only source a service's tasks admit. */
  loadBalancerSecurityGroupId: "load-balancer-security-group-id",
  /** The HTTPS listener services add their rules to. */
  httpsListenerArn: "https-listener-arn",
  /** The wildcard certificate of *.<domain> (on the listener already). */
  certificateArn: "certificate-arn",
} as const;

/** Outputs of a shared environment's stack (what `platform … apply` reports). */
export const SHARED_OUTPUTS = {
  domain: "domain",
  hostedZoneId: "hosted_zone_id",
  /** The zone's name servers (delegate the zone to these when the stack created it). */
  nameServers: "name_servers",
  loadBalancerArn: "load_balancer_arn",
  loadBalancerDnsName: "load_balancer_dns_name",
  httpsListenerArn: "https_listener_arn",
  clusterName: "cluster_name",
  /** Where the outputs are published (SSM). */
  parameterPath: "parameter_path",
} as const;
