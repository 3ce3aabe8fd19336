import { DataAwsLb } from "@cdktf/provider-aws/lib/data-aws-lb/index.js";
import { LbListenerCertificate } from "@cdktf/provider-aws/lib/lb-listener-certificate/index.js";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule/index.js";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener/index.js";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group/index.js";
import { Lb } from "@cdktf/provider-aws/lib/lb/index.js";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group/index.js";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js";
import { TerraformIterator, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/** Timing of the target group's health check (see schema.ts for the chosen values). */
export interface TargetHealthCheckOptions {
  /** URL path probed on each task. */
  path: string;
  /** Seconds between probes. */
  intervalSeconds: number;
  /** Seconds before a probe counts as failed (below the interval). */
  timeoutSeconds: number;
  /** Consecutive successes before a task receives traffic. */
  healthyThreshold: number;
  /** Consecutive failures before a task is taken out. */
  unhealthyThreshold: number;
}

/** Create an ALB in the given network. */
export interface CreateLoadBalancer {
  mode: "create";
  /** VPC of the ALB and the tasks. */
  vpcId: string;
  /** Public subnets of the ALB and the tasks (two zones). */
  subnetIds: string[];
  /** TLS policy of the HTTPS listener. */
  tlsPolicy: string;
  /** Refuse deletion of the ALB. */
  deletionProtection: boolean;
}

/** Attach to an ALB that exists already, through a rule on its HTTPS listener. */
export interface ExistingLoadBalancer {
  mode: "existing";
  /** ARN of the ALB. */
  arn: string;
  /** ARN of its HTTPS listener. */
  httpsListenerArn: string;
  /** Priority of the host-header rule. */
  listenerRulePriority: number;
  /** Add the certificate to the listener as an SNI certificate. */
  attachCertificate: boolean;
  /** Path patterns the rule requires besides the host (none: every path). */
  paths?: string[];
}

/** Options of LoadBalancer. */
export interface LoadBalancerOptions {
  /** How the ALB comes to be. */
  placement: CreateLoadBalancer | ExistingLoadBalancer;
  /** Name of the ALB (when created) and prefix of the security groups' names. */
  name: string;
  /** Target group name prefix (≤ 6 characters). */
  targetGroupNamePrefix: string;
  /** The domain routed to the service. */
  domain: string;
  /** ARN of an issued certificate for the domain (none: the listener's certificate covers it already). */
  certificateArn?: string;
  /** Port the container listens on. */
  containerPort: number;
  /** Seconds the ALB lets in-flight requests finish on a deregistered task. */
  deregistrationDelaySeconds: number;
  /** The target group's health check. */
  healthCheck: TargetHealthCheckOptions;
}

/** The HTTPS port, the one clients use. */
const HTTPS_PORT = 443;
/** The HTTP port, redirected to HTTPS. */
const HTTP_PORT = 80;

/**
 * The ALB side of the service: security groups (the ALB's open to the internet
 * on 80/443, the app's open only to the ALB's), the target group, and either a
 * new ALB with an HTTPS listener and an HTTP→HTTPS redirect, or a host-header
 * rule on an existing ALB's HTTPS listener.
 *
 * The target group has a name prefix and create_before_destroy: a change that
 * replaces it (port, protocol, VPC) creates the new group under a new name,
 * moves the listener and the service to it, then deletes the old one. No manual
 * step, no "target group is in use" error.
 */
export class LoadBalancer extends Construct {
  /** VPC of the tasks (the ALB's). */
  readonly vpcId: string;
  /** Subnets for the tasks (the ALB's). */
  readonly subnetIds: string[];
  /** Security group of the tasks. */
  readonly appSecurityGroupId: string;
  /** ARN of the target group the service registers into. */
  readonly targetGroupArn: string;
  /** DNS name of the ALB (alias target). */
  readonly dnsName: string;
  /** Route 53 zone id of the ALB (alias target). */
  readonly zoneId: string;
  /** What must exist before the service is created: the target group must be attached to the ALB. */
  readonly routing: ITerraformDependable[];
  /**
   * `app/LB_NAME/LB_ID/targetgroup/TG_NAME/TG_ID`: the ALB's ARN suffix (the stack's ALB
   * or the existing one's, read by the data source) and the target group's, which name
   * the ALB's RequestCountPerTarget metric of this service's targets.
   */
  readonly requestCountResourceLabel: string;

  /**
   * @param scope The stack.
   * @param id Construct id (part of resource addresses).
   * @param options See LoadBalancerOptions.
   */
  constructor(scope: Construct, id: string, options: LoadBalancerOptions) {
    super(scope, id);
    const { placement } = options;
    const existing =
      placement.mode === "existing" ? new DataAwsLb(this, "existing_alb", { arn: placement.arn }) : undefined;
    this.vpcId = existing ? existing.vpcId : (placement as CreateLoadBalancer).vpcId;
    this.subnetIds = existing ? existing.subnets : (placement as CreateLoadBalancer).subnetIds;

    const appSecurityGroup = new SecurityGroup(this, "app_security_group", {
      name: `${options.name}-app`,
      description: "Tasks: only from the load balancer",
      vpcId: this.vpcId,
      tags: { Name: `${options.name}-app` },
    });
    this.appSecurityGroupId = appSecurityGroup.id;
    new VpcSecurityGroupEgressRule(this, "app_egress_https", {
      securityGroupId: appSecurityGroup.id,
      description: "HTTPS out: ECR image pulls, CloudWatch Logs, AWS APIs",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });

    const targetGroup = new LbTargetGroup(this, "target_group", {
      namePrefix: options.targetGroupNamePrefix,
      port: options.containerPort,
      protocol: "HTTP",
      // Fargate tasks register by IP (awsvpc networking).
      targetType: "ip",
      vpcId: this.vpcId,
      deregistrationDelay: String(options.deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        path: options.healthCheck.path,
        protocol: "HTTP",
        port: "traffic-port",
        matcher: "200",
        interval: options.healthCheck.intervalSeconds,
        timeout: options.healthCheck.timeoutSeconds,
        healthyThreshold: options.healthCheck.healthyThreshold,
        unhealthyThreshold: options.healthCheck.unhealthyThreshold,
      },
      tags: { Name: options.name },
      lifecycle: { createBeforeDestroy: true },
    });
    this.targetGroupArn = targetGroup.arn;

    if (placement.mode === "create") {
      const { alb, securityGroupId, https } = addAlb(this, {
        name: options.name,
        vpcId: this.vpcId,
        subnetIds: placement.subnetIds,
        tlsPolicy: placement.tlsPolicy,
        deletionProtection: placement.deletionProtection,
        certificateArn: options.certificateArn!,
        defaultAction: { type: "forward", targetGroupArn: targetGroup.arn },
      });
      new VpcSecurityGroupEgressRule(this, "alb_egress_app", {
        securityGroupId,
        description: "To the tasks only (traffic and health checks)",
        ipProtocol: "tcp",
        fromPort: options.containerPort,
        toPort: options.containerPort,
        referencedSecurityGroupId: appSecurityGroup.id,
      });
      new VpcSecurityGroupIngressRule(this, "app_ingress_from_alb", {
        securityGroupId: appSecurityGroup.id,
        description: "From the load balancer only",
        ipProtocol: "tcp",
        fromPort: options.containerPort,
        toPort: options.containerPort,
        referencedSecurityGroupId: securityGroupId,
      });
      this.dnsName = alb.dnsName;
      this.zoneId = alb.zoneId;
      this.requestCountResourceLabel = `${alb.arnSuffix}/${targetGroup.arnSuffix}`;
      this.routing = [https];
    } else {
      const alb = existing!;
      this.dnsName = alb.dnsName;
      this.zoneId = alb.zoneId;
      this.requestCountResourceLabel = `${alb.arnSuffix}/${targetGroup.arnSuffix}`;
      // One rule per security group of the shared ALB (known at plan: read from the ALB).
      const albGroups = TerraformIterator.fromList(alb.securityGroups);
      new VpcSecurityGroupIngressRule(this, "app_ingress_from_alb", {
        forEach: albGroups,
        securityGroupId: appSecurityGroup.id,
        description: "From the shared load balancer only",
        ipProtocol: "tcp",
        fromPort: options.containerPort,
        toPort: options.containerPort,
        // cdktf types an iterator's element `any`; each element of this list is a security group id.
        referencedSecurityGroupId: albGroups.value as string,
      });
      const paths = placement.paths ?? [];
      const rule = new LbListenerRule(this, "https_rule", {
        listenerArn: placement.httpsListenerArn,
        priority: placement.listenerRulePriority,
        condition: [
          { hostHeader: { values: [options.domain] } },
          ...(paths.length > 0 ? [{ pathPattern: { values: paths } }] : []),
        ],
        action: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: { Name: options.name },
      });
      this.routing = [rule];
      if (placement.attachCertificate && options.certificateArn !== undefined) {
        this.routing.push(
          new LbListenerCertificate(this, "https_certificate", {
            listenerArn: placement.httpsListenerArn,
            certificateArn: options.certificateArn,
          }),
        );
      }
    }
  }
}

/** What an HTTPS listener does with a request no rule takes. */
export type DefaultAction =
  | { type: "forward"; targetGroupArn: string }
  /** A fixed answer: a shared load balancer says 404 for a host no service claimed. */
  | { type: "fixed-response"; statusCode: string; body: string };

/** Options of addAlb(). */
export interface AlbOptions {
  /** Name of the ALB and prefix of its security group's. */
  name: string;
  /** VPC of the ALB. */
  vpcId: string;
  /** Public subnets (two zones). */
  subnetIds: string[];
  /** TLS policy of the HTTPS listener. */
  tlsPolicy: string;
  /** Refuse deletion of the ALB. */
  deletionProtection: boolean;
  /** The HTTPS listener's default certificate. */
  certificateArn: string;
  /** The HTTPS listener's default action. */
  defaultAction: DefaultAction;
  /** Where access logs go (a bucket that admits ELB's log delivery), when they are on. */
  accessLogs?: { bucket: string; dependsOn: ITerraformDependable[] };
}

/**
 * An internet-facing ALB in a scope: its security group (80 and 443 from the
 * internet; no egress rule: the caller adds the one to its targets), the HTTP
 * listener redirecting to HTTPS, and the HTTPS listener with its default action.
 * Resources are added to `scope` itself, so their addresses are `<scope>_alb`,
 * `<scope>_https_listener`, … whoever calls it (a standalone service's
 * LoadBalancer, a shared environment's edge).
 * @param scope The construct the resources belong to.
 * @param options See AlbOptions.
 */
export function addAlb(scope: Construct, options: AlbOptions): { alb: Lb; securityGroupId: string; https: LbListener } {
  const albSecurityGroup = new SecurityGroup(scope, "alb_security_group", {
    name: `${options.name}-alb`,
    description: "Load balancer: HTTP and HTTPS from the internet",
    vpcId: options.vpcId,
    tags: { Name: `${options.name}-alb` },
  });
  for (const port of [HTTP_PORT, HTTPS_PORT]) {
    new VpcSecurityGroupIngressRule(scope, `alb_ingress_${port}`, {
      securityGroupId: albSecurityGroup.id,
      description: port === HTTP_PORT ? "HTTP from anywhere (redirected to HTTPS)" : "HTTPS from anywhere",
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrIpv4: "0.0.0.0/0",
    });
  }
  const alb = new Lb(scope, "alb", {
    name: options.name,
    internal: false,
    loadBalancerType: "application",
    ipAddressType: "ipv4",
    securityGroups: [albSecurityGroup.id],
    subnets: options.subnetIds,
    // Malformed headers are dropped instead of being passed to the app (request smuggling).
    dropInvalidHeaderFields: true,
    enableDeletionProtection: options.deletionProtection,
    ...(options.accessLogs
      ? { accessLogs: { bucket: options.accessLogs.bucket, enabled: true }, dependsOn: options.accessLogs.dependsOn }
      : {}),
    tags: { Name: options.name },
  });
  new LbListener(scope, "http_listener", {
    loadBalancerArn: alb.arn,
    port: HTTP_PORT,
    protocol: "HTTP",
    defaultAction: [
      { type: "redirect", redirect: { protocol: "HTTPS", port: String(HTTPS_PORT), statusCode: "HTTP_301" } },
    ],
  });
  const action = options.defaultAction;
  const https = new LbListener(scope, "https_listener", {
    loadBalancerArn: alb.arn,
    port: HTTPS_PORT,
    protocol: "HTTPS",
    sslPolicy: options.tlsPolicy,
    certificateArn: options.certificateArn,
    defaultAction: [
      action.type === "forward"
        ? { type: "forward", targetGroupArn: action.targetGroupArn }
        : {
            type: "fixed-response",
            fixedResponse: { statusCode: action.statusCode, contentType: "text/plain", messageBody: action.body },
          },
    ],
  });
  return { alb, securityGroupId: albSecurityGroup.id, https };
}
