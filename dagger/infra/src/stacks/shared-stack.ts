import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster/index.js";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { SharedEnvironmentConfig } from "../config/types.ts";
import { AccessLogBucket } from "../constructs/access-logs.ts";
import { Certificate } from "../constructs/certificate.ts";
import { HostedZone } from "../constructs/dns.ts";
import { addAlb } from "../constructs/load-balancer.ts";
import { Network } from "../constructs/network.ts";
import { PublishedOutputs } from "../constructs/shared-outputs.ts";
import { STACK_TAG } from "../policies/document.ts";
import { SHARED_OUTPUTS } from "../tofu.ts";
import { PinnedStack } from "./environment-stack.ts";

/**
 * The lowest and highest port a service's container may listen on (the
 * configuration's containerPort): the shared load balancer may reach tasks on
 * these, and each task's own security group admits it on its one port only.
 */
const TASK_PORTS = { from: 1024, to: 65535 } as const;

/** What an HTTPS request for a host no service claimed gets: a plain 404, not some service's answer. */
const NO_SUCH_HOST = { statusCode: "404", body: "No service answers on this host." } as const;

/**
 * A shared environment's stack, applied by the platform team (`platform …
 * apply`): the network (VPC, two public subnets), the ECS cluster, the load
 * balancer with its security group, HTTPS listener (TLS 1.3 policy, default
 * 404) and HTTP→HTTPS redirect, a DNS-validated wildcard certificate for
 * `*.<domain>`, the hosted zone (created or read), the access-log bucket when
 * configured, and the outputs published as SSM parameters for the services
 * that attach to it. Services add only their own target group, listener rule,
 * security group, task definition, service, log group and alias record.
 */
export class SharedStack extends PinnedStack {
  /** The shared environment's configuration. */
  readonly config: SharedEnvironmentConfig;

  /**
   * @param scope The app.
   * @param config The shared environment's validated configuration.
   */
  constructor(scope: Construct, config: SharedEnvironmentConfig) {
    const n = config.names;
    super(scope, {
      name: n.stack,
      region: config.region,
      accountId: config.accountId,
      tags: {
        ...config.tags,
        Project: n.prefix,
        Environment: config.name,
        ManagedBy: "opentofu",
        [STACK_TAG]: n.stack,
      },
      state: { bucket: config.state.bucket, key: config.state.key, region: config.state.region },
      emulator: config.emulator,
    });
    this.config = config;

    const zone = new HostedZone(this, "dns", { zone: config.hostedZone, purpose: `shared environment ${config.name}` });
    const network = new Network(this, "network", {
      name: n.prefix,
      vpcCidr: config.network.vpcCidr,
      publicSubnets: config.network.publicSubnetCidrs.map((cidr, i) => ({
        cidr,
        availabilityZone: config.availabilityZones[i]!,
      })),
    });
    // One certificate for every service's host: *.<domain> covers <host>.<domain> (one label).
    const certificate = new Certificate(this, "certificate", {
      domain: `*.${config.domain}`,
      zoneId: zone.zoneId,
      validationTimeout: config.certificate.validationTimeout,
    });
    const cluster = new EcsCluster(this, "cluster", {
      name: n.cluster,
      setting: [{ name: "containerInsights", value: config.containerInsights }],
    });
    const logs = config.loadBalancer.accessLogs;
    const accessLogs = logs
      ? new AccessLogBucket(this, "access_logs", {
          name: n.accessLogBucket,
          region: config.region,
          account: this.accountId,
          partition: this.partition,
          retentionDays: logs.retentionDays,
        })
      : undefined;
    const edge = new Construct(this, "edge");
    const { alb, securityGroupId, https } = addAlb(edge, {
      name: n.loadBalancer,
      vpcId: network.vpcId,
      subnetIds: network.publicSubnetIds,
      tlsPolicy: config.loadBalancer.tlsPolicy,
      deletionProtection: config.loadBalancer.deletionProtection,
      certificateArn: certificate.arn,
      defaultAction: { type: "fixed-response", ...NO_SUCH_HOST },
      ...(accessLogs ? { accessLogs: { bucket: accessLogs.bucket, dependsOn: accessLogs.ready } } : {}),
    });
    new VpcSecurityGroupEgressRule(edge, "alb_egress_tasks", {
      securityGroupId,
      description: "To the tasks in the VPC (traffic and health checks); each task admits only this group",
      ipProtocol: "tcp",
      fromPort: TASK_PORTS.from,
      toPort: TASK_PORTS.to,
      cidrIpv4: config.network.vpcCidr,
    });

    new PublishedOutputs(this, "published", {
      parameterPath: n.parameterPath,
      values: {
        domain: config.domain,
        hostedZoneId: zone.zoneId,
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        loadBalancerArn: alb.arn,
        loadBalancerSecurityGroupId: securityGroupId,
        httpsListenerArn: https.arn,
        certificateArn: certificate.arn,
      },
    });

    new TerraformOutput(this, SHARED_OUTPUTS.domain, { value: config.domain });
    new TerraformOutput(this, SHARED_OUTPUTS.hostedZoneId, { value: zone.zoneId });
    new TerraformOutput(this, SHARED_OUTPUTS.nameServers, { value: zone.nameServers });
    new TerraformOutput(this, SHARED_OUTPUTS.loadBalancerArn, { value: alb.arn });
    new TerraformOutput(this, SHARED_OUTPUTS.loadBalancerDnsName, { value: alb.dnsName });
    new TerraformOutput(this, SHARED_OUTPUTS.httpsListenerArn, { value: https.arn });
    new TerraformOutput(this, SHARED_OUTPUTS.clusterName, { value: cluster.name });
    new TerraformOutput(this, SHARED_OUTPUTS.parameterPath, { value: n.parameterPath });
  }
}
