import { TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { secretValueFrom } from "../config/secrets.ts";
import type { AttachedEdge, EnvironmentConfig, StandaloneEdge } from "../config/types.ts";
import { Certificate } from "../constructs/certificate.ts";
import { AliasRecord, zoneIdFor } from "../constructs/dns.ts";
import { ServiceAutoscaling } from "../constructs/autoscaling.ts";
import { TaskRoles } from "../constructs/iam.ts";
import { LoadBalancer, type CreateLoadBalancer, type ExistingLoadBalancer } from "../constructs/load-balancer.ts";
import { Network } from "../constructs/network.ts";
import { FargateService } from "../constructs/service.ts";
import { SharedLookup } from "../constructs/shared-outputs.ts";
import {
  IMAGE_DIGEST_PATTERN,
  IMAGE_VARIABLE,
  RULE_PRIORITY_VARIABLE,
  SECRET_VERSIONS_VARIABLE,
  SERVICE_OUTPUTS,
} from "../tofu.ts";
import { EnvironmentStack } from "./environment-stack.ts";
import { boundaryPolicyArn, policyContext } from "../policies/context.ts";

/**
 * The service stack of an environment: network, certificate, load balancer,
 * task roles, ECS cluster/task definition/service, DNS alias. Applied on every
 * deploy with the image digest and the secrets' versions as its variables; a
 * second plan with the same two shows no changes. Needs the base stack applied first (it refers to the
 * zone, the repository and the boundary by name).
 */
export class ServiceStack extends EnvironmentStack {
  /**
   * @param scope The app.
   * @param config The environment's validated configuration.
   */
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config, "service");
    const n = config.names;
    const s = config.service;

    const image = new TerraformVariable(this, IMAGE_VARIABLE, {
      type: "string",
      description: "The image to run, by digest: REPOSITORY@sha256:DIGEST",
      nullable: false,
      validation: [
        {
          condition: `\${can(regex(${JSON.stringify(IMAGE_DIGEST_PATTERN)}, var.${IMAGE_VARIABLE}))}`,
          errorMessage:
            "image must be an image reference by digest, REPOSITORY@sha256:<64 hex digits>; a tag can point elsewhere tomorrow.",
        },
      ],
    });

    // Set by deploy and plan from the stores' metadata; the default keeps a stack without secrets callable as before.
    const secretVersions = new TerraformVariable(this, SECRET_VERSIONS_VARIABLE, {
      type: "string",
      description:
        "The versions of the app's secrets (VAR=version,…; never values): a rotation redeploys the tasks, which read secrets when they start",
      default: "",
      nullable: false,
    });

    const edge = config.shared ? this.attachedEdge(config) : this.ownEdge(config);
    const lb = new LoadBalancer(this, "load_balancer", {
      placement: edge.placement,
      // The ALB's name when it creates one; the prefix of its security group's in any case.
      name: config.shared ? n.service : n.loadBalancer,
      targetGroupNamePrefix: s.targetGroupNamePrefix,
      domain: edge.domain,
      ...(edge.certificateArn !== undefined ? { certificateArn: edge.certificateArn } : {}),
      containerPort: s.containerPort,
      deregistrationDelaySeconds: s.deregistrationDelaySeconds,
      healthCheck: { path: s.healthCheckPath, ...s.targetHealthCheck },
    });
    const zoneId = edge.zoneId;

    new AliasRecord(this, "alias", {
      zoneId,
      domain: edge.domain,
      targetDnsName: lb.dnsName,
      targetZoneId: lb.zoneId,
    });

    const policy = policyContext(config, {
      partition: this.partition,
      dnsSuffix: this.dnsSuffix,
      account: this.accountId,
      hostedZoneId: zoneId,
      boundaryPolicyArn: boundaryPolicyArn(config, this.partition, this.accountId),
      host: edge.domain,
    });
    const roles = new TaskRoles(this, "iam", { policy });
    const scaling = s.autoscaling;
    // The emulator cannot hold a scalable target (EMULATOR_OMITTED_RESOURCES): there the
    // service keeps only the autoscaler's side of the ownership (desired count ignored).
    const scaled = scaling.enabled && !config.emulator;

    const service = new FargateService(this, "ecs", {
      names: n,
      region: config.region,
      image: image.stringValue,
      cpu: s.cpu,
      memory: s.memory,
      cpuArchitecture: s.cpuArchitecture,
      containerPort: s.containerPort,
      healthCheckPath: s.healthCheckPath,
      environment: s.environment,
      secrets: policy.secrets.map((ref) => ({ name: ref.envVar, valueFrom: secretValueFrom(ref, policy) })),
      // Tasks read their secrets only when they start: a rotated one reaches them through a redeploy.
      ...(policy.secrets.length > 0 ? { redeployOn: { [SECRET_VERSIONS_VARIABLE]: secretVersions.stringValue } } : {}),
      // With autoscaling the service starts at the minimum; from then on the count is the autoscaler's.
      desiredCount: scaling.enabled ? scaling.minCount : s.desiredCount,
      desiredCountOwnedByAutoscaler: scaling.enabled,
      deploymentMinimumHealthyPercent: s.deploymentMinimumHealthyPercent,
      deploymentMaximumPercent: s.deploymentMaximumPercent,
      healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
      stopTimeoutSeconds: s.stopTimeoutSeconds,
      enableExecuteCommand: s.enableExecuteCommand,
      containerInsights: s.containerInsights,
      logRetentionDays: s.logRetentionDays,
      subnetIds: lb.subnetIds,
      securityGroupId: lb.appSecurityGroupId,
      targetGroupArn: lb.targetGroupArn,
      executionRoleArn: roles.executionRoleArn,
      taskRoleArn: roles.taskRoleArn,
      dependsOn: [...lb.routing, roles.executionPolicy],
      ...(edge.cluster ? { cluster: edge.cluster } : {}),
    });

    if (scaled) {
      new ServiceAutoscaling(this, "autoscaling", {
        resourceId: service.scalingResourceId,
        policyNamePrefix: n.prefix,
        minCount: scaling.minCount,
        maxCount: scaling.maxCount,
        cpuTargetPercent: scaling.cpuTargetPercent,
        requestsPerTarget: scaling.requestsPerTarget,
        scaleOutCooldownSeconds: scaling.scaleOutCooldownSeconds,
        scaleInCooldownSeconds: scaling.scaleInCooldownSeconds,
        requestCountResourceLabel: lb.requestCountResourceLabel,
        dependsOn: lb.routing,
      });
    }

    new TerraformOutput(this, SERVICE_OUTPUTS.url, { value: `https://${edge.domain}` });
    new TerraformOutput(this, SERVICE_OUTPUTS.clusterName, { value: service.clusterName });
    new TerraformOutput(this, SERVICE_OUTPUTS.serviceName, { value: service.serviceName });
    new TerraformOutput(this, SERVICE_OUTPUTS.taskDefinitionArn, { value: service.taskDefinitionArn });
    new TerraformOutput(this, SERVICE_OUTPUTS.logGroupName, { value: service.logGroupName });
    new TerraformOutput(this, SERVICE_OUTPUTS.albDnsName, { value: lb.dnsName });
    new TerraformOutput(this, SERVICE_OUTPUTS.targetGroupArn, { value: lb.targetGroupArn });
  }
  /**
   * A standalone environment's edge: its zone, its certificate (created or
   * given), and its own network and load balancer, or an existing one's.
   * @param config The environment (standalone).
   */
  private ownEdge(config: EnvironmentConfig & StandaloneEdge): Edge {
    const n = config.names;
    const zoneId = zoneIdFor(this, "zone", config.hostedZone);
    const certificateArn =
      config.certificate.mode === "existing"
        ? config.certificate.arn
        : new Certificate(this, "certificate", {
            domain: config.domain,
            zoneId,
            validationTimeout: config.certificate.validationTimeout,
          }).arn;
    if (config.loadBalancer.mode === "existing")
      return { zoneId, domain: config.domain, certificateArn, placement: { ...config.loadBalancer } };
    const network = new Network(this, "network", {
      name: n.prefix,
      vpcCidr: config.network.vpcCidr,
      publicSubnets: config.network.publicSubnetCidrs.map((cidr, i) => ({
        cidr,
        availabilityZone: config.availabilityZones[i]!,
      })),
    });
    return {
      zoneId,
      domain: config.domain,
      certificateArn,
      placement: {
        mode: "create",
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        tlsPolicy: config.loadBalancer.tlsPolicy,
        deletionProtection: config.loadBalancer.deletionProtection,
      },
    };
  }

  /**
   * The edge of a service attached to a shared environment: everything read
   * from what the environment published (SharedLookup), the rule's priority
   * from the variable the module's preflight claimed it for, the host
   * `<label>.<domain>` under the environment's wildcard certificate.
   * @param config The environment (attached).
   */
  private attachedEdge(config: EnvironmentConfig & AttachedEdge): Edge {
    const shared = new SharedLookup(this, "shared", config.shared.names.parameterPath);
    const priority = new TerraformVariable(this, RULE_PRIORITY_VARIABLE, {
      type: "number",
      description: `Priority of the service's rule on the shared listener of "${config.shared.environment}" (claimed by the module's preflight, unique per listener)`,
      nullable: false,
      validation: [
        {
          condition: `\${var.${RULE_PRIORITY_VARIABLE} >= 1 && var.${RULE_PRIORITY_VARIABLE} <= 50000 && floor(var.${RULE_PRIORITY_VARIABLE}) == var.${RULE_PRIORITY_VARIABLE}}`,
          errorMessage: "listener_rule_priority must be a whole number from 1 to 50000 (ALB rule priorities).",
        },
      ],
    });
    return {
      zoneId: shared.value("hostedZoneId"),
      domain: `${config.shared.host}.${shared.value("domain")}`,
      placement: {
        mode: "existing",
        arn: shared.value("loadBalancerArn"),
        httpsListenerArn: shared.value("httpsListenerArn"),
        listenerRulePriority: priority.numberValue,
        // The listener's wildcard certificate covers the host.
        attachCertificate: false,
        paths: config.shared.paths,
      },
      cluster: { arn: shared.value("clusterArn"), name: shared.value("clusterName") },
    };
  }
}

/** Where the service is reached: its zone and name, the load balancer's placement, the certificate and cluster when not its own. */
interface Edge {
  zoneId: string;
  /** The name the service answers on (a reference, for an attached service). */
  domain: string;
  /** The certificate to attach (none: the shared listener's wildcard covers it). */
  certificateArn?: string;
  placement: CreateLoadBalancer | ExistingLoadBalancer;
  /** The shared environment's cluster (none: the service creates its own). */
  cluster?: { arn: string; name: string };
}
