import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy/index.js";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/** Options of ServiceAutoscaling. */
export interface ServiceAutoscalingOptions {
  /** `service/CLUSTER/SERVICE` (a reference to the ECS service, so the target waits for it). */
  resourceId: string;
  /** Prefix of the two policies' names (unique per scalable target). */
  policyNamePrefix: string;
  /** Fewest tasks. */
  minCount: number;
  /** Most tasks. */
  maxCount: number;
  /** Average CPU utilization to hold, percent. */
  cpuTargetPercent: number;
  /** ALB requests per task per minute to hold. */
  requestsPerTarget: number;
  /** Seconds after a scale-out before the next one. */
  scaleOutCooldownSeconds: number;
  /** Seconds after a scale-in before the next one. */
  scaleInCooldownSeconds: number;
  /**
   * `app/LB_NAME/LB_ID/targetgroup/TG_NAME/TG_ID`: the ALB's and the target group's
   * ARN suffixes, which name the RequestCountPerTarget metric.
   */
  requestCountResourceLabel: string;
  /** What must exist before the request policy: the target group attached to the ALB (listener or rule). */
  dependsOn: ITerraformDependable[];
}

/** ECS's scalable dimension: the service's desired count. */
const DESIRED_COUNT = "ecs:service:DesiredCount";

/**
 * Application Auto Scaling of the ECS service: a scalable target between the
 * minimum and the maximum, and two target-tracking policies, on average CPU
 * (ECSServiceAverageCPUUtilization) and on ALB requests per task
 * (ALBRequestCountPerTarget). With two policies the autoscaler takes the larger
 * count either asks for, and scales in only when both allow it.
 *
 * The scalable target uses the account's service-linked role
 * (AWSServiceRoleForApplicationAutoScaling_ECSService), created on first use.
 */
export class ServiceAutoscaling extends Construct {
  /**
   * @param scope The service stack.
   * @param id Construct id (part of resource addresses).
   * @param o See ServiceAutoscalingOptions.
   */
  constructor(scope: Construct, id: string, o: ServiceAutoscalingOptions) {
    super(scope, id);
    const target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "ecs",
      scalableDimension: DESIRED_COUNT,
      resourceId: o.resourceId,
      minCapacity: o.minCount,
      maxCapacity: o.maxCount,
    });
    const tracking = (metric: string, targetValue: number, resourceLabel?: string) => ({
      targetValue,
      scaleOutCooldown: o.scaleOutCooldownSeconds,
      scaleInCooldown: o.scaleInCooldownSeconds,
      predefinedMetricSpecification: {
        predefinedMetricType: metric,
        ...(resourceLabel !== undefined ? { resourceLabel } : {}),
      },
    });
    const policy = {
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
    };
    new AppautoscalingPolicy(this, "cpu", {
      name: `${o.policyNamePrefix}-cpu`,
      ...policy,
      targetTrackingScalingPolicyConfiguration: tracking("ECSServiceAverageCPUUtilization", o.cpuTargetPercent),
    });
    new AppautoscalingPolicy(this, "requests", {
      name: `${o.policyNamePrefix}-requests`,
      ...policy,
      targetTrackingScalingPolicyConfiguration: tracking(
        "ALBRequestCountPerTarget",
        o.requestsPerTarget,
        o.requestCountResourceLabel,
      ),
      dependsOn: o.dependsOn,
    });
  }
}
