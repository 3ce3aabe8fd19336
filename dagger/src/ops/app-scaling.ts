/**
 * The service's task count as Application Auto Scaling owns it (service.autoscaling):
 * the bounds and the last scaling activity, for `status`.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
} from "@aws-sdk/client-application-auto-scaling";

import type { OpenEnvironment } from "../env/open.js";

/**
 * Status lines for the task count: min/desired/max and the last scaling
 * activity when autoscaling is on; who owns the count when it is off.
 *
 * @param env the open environment
 * @param desired the service's desired count as ECS reports it (the autoscaler's, when on)
 */
export async function scalingStatus(env: OpenEnvironment, desired: number | undefined): Promise<string[]> {
  const a = env.target.autoscaling;
  if (!a.enabled)
    return [
      `**Scaling**: off — the desired count is the configured ${env.target.desiredCount} (service.desiredCount).`,
    ];
  const configured = `configured ${a.minCount}–${a.maxCount}`;
  if (env.mode !== "aws") {
    return [
      `**Scaling**: on (${configured}), ${desired ?? "?"} desired — the emulator leaves the scaling target and policies out (infra's EMULATOR_OMITTED_RESOURCES), so there is no activity to show.`,
    ];
  }
  const resourceId = `service/${env.target.names.cluster}/${env.target.names.service}`;
  const aas = new ApplicationAutoScalingClient(env.sdk);
  try {
    const targets = await aas.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: "ecs",
        ResourceIds: [resourceId],
        ScalableDimension: "ecs:service:DesiredCount",
      }),
    );
    const t = targets.ScalableTargets?.[0];
    if (!t)
      return [
        `**Scaling**: on in the configuration (${configured}), but there is no scalable target for ${resourceId}: deploy applies it.`,
      ];
    const acts = await aas.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "ecs",
        ResourceId: resourceId,
        ScalableDimension: "ecs:service:DesiredCount",
        MaxResults: 1,
      }),
    );
    const last = acts.ScalingActivities?.[0];
    return [
      `**Scaling**: min ${t.MinCapacity ?? "?"} / desired ${desired ?? "?"} / max ${t.MaxCapacity ?? "?"} (Application Auto Scaling owns the count)`,
      `**Last scaling activity**: ${last ? `${last.StartTime?.toISOString() ?? "?"} ${last.StatusCode ?? ""} — ${last.Description ?? ""}${last.Cause ? ` (${last.Cause})` : ""}` : "none yet"}`,
    ];
  } catch (err) {
    return [
      `**Scaling**: on (${configured}); Application Auto Scaling could not be asked (${(err as Error).message.split("\n")[0]}).`,
    ];
  } finally {
    aas.destroy();
  }
}
