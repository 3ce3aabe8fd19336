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
  /** ARN of an issued certificate for the domain. */
  certificateArn: string;
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
      const albSecurityGroup = new SecurityGroup(this, "alb_security_group", {
        name: `${options.name}-alb`,
        description: "Load balancer: HTTP and HTTPS from the internet",
        vpcId: this.vpcId,
        tags: { Name: `${options.name}-alb` },
      });
      for (const port of [HTTP_PORT, HTTPS_PORT]) {
        new VpcSecurityGroupIngressRule(this, `alb_ingress_${port}`, {
          securityGroupId: albSecurityGroup.id,
          description: port === HTTP_PORT ? "HTTP from anywhere (redirected to HTTPS)" : "HTTPS from anywhere",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
        });
      }
      new VpcSecurityGroupEgressRule(this, "alb_egress_app", {
        securityGroupId: albSecurityGroup.id,
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
        referencedSecurityGroupId: albSecurityGroup.id,
      });

      const alb = new Lb(this, "alb", {
        name: options.name,
        internal: false,
        loadBalancerType: "application",
        ipAddressType: "ipv4",
        securityGroups: [albSecurityGroup.id],
        subnets: placement.subnetIds,
        // Malformed headers are dropped instead of being passed to the app (request smuggling).
        dropInvalidHeaderFields: true,
        enableDeletionProtection: placement.deletionProtection,
        tags: { Name: options.name },
      });
      this.dnsName = alb.dnsName;
      this.zoneId = alb.zoneId;
      this.requestCountResourceLabel = `${alb.arnSuffix}/${targetGroup.arnSuffix}`;

      new LbListener(this, "http_listener", {
        loadBalancerArn: alb.arn,
        port: HTTP_PORT,
        protocol: "HTTP",
        defaultAction: [
          { type: "redirect", redirect: { protocol: "HTTPS", port: String(HTTPS_PORT), statusCode: "HTTP_301" } },
        ],
      });
      const https = new LbListener(this, "https_listener", {
        loadBalancerArn: alb.arn,
        port: HTTPS_PORT,
        protocol: "HTTPS",
        sslPolicy: placement.tlsPolicy,
        certificateArn: options.certificateArn,
        defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      });
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
      const rule = new LbListenerRule(this, "https_rule", {
        listenerArn: placement.httpsListenerArn,
        priority: placement.listenerRulePriority,
        condition: [{ hostHeader: { values: [options.domain] } }],
        action: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: { Name: options.name },
      });
      this.routing = [rule];
      if (placement.attachCertificate) {
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
