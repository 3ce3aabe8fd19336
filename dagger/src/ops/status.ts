/**
 * `status`: what runs now (image digest, commit), task counts, deployments in
 * progress, the task count's owner (Application Auto Scaling, when on), the
 * health of the URL, and the recent deployments from the ledger.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
} from "@aws-sdk/client-application-auto-scaling";

import { secretsStatus } from "../env/secrets.js";
import { type EnvironmentArgs, type OpenEnvironment, openEnvironment } from "../env/open.js";
import { redact } from "../common/errors.js";
import { digestOf, type LedgerEntry } from "../env/ledger.js";
import { pullLocal } from "../local/services.js";
import { serviceState } from "../env/service-state.js";
import { smokeTest } from "../deploy/probe.js";

// 10 entries: the last few deploys and what a rollback would go back to.
const STATUS_HISTORY = 10;
/**
 * The ledger as a Markdown table, newest first.
 *
 * @param entries the ledger, oldest first
 */
function historyTable(entries: readonly LedgerEntry[]): string[] {
  if (entries.length === 0) return ["No deployments recorded yet."];
  return [
    "| when (UTC) | kind | image digest | commit | verdict | cause |",
    "|---|---|---|---|---|---|",
    ...[...entries]
      .reverse()
      .slice(0, STATUS_HISTORY)
      .map(
        (e) =>
          `| ${e.at.replace("T", " ").replace(/\.\d+Z$/, "")} | ${e.kind} | \`${digestOf(e.image).slice(0, 19)}…\` | \`${e.commit.slice(0, 19)}\` | ${e.verdict} | ${(e.cause ?? "").replace(/\|/g, "/").slice(0, 120)} |`,
      ),
  ];
}

/**
 * `status`: what runs now (image digest, commit), task counts, deployments in
 * progress, the health of the URL, and the recent deployments.
 *
 * @param args the environment's arguments
 */
export async function status(args: EnvironmentArgs): Promise<string> {
  const env = await openEnvironment(args, "status", { startLocal: false });
  try {
    const entries = await env.ledger.read();
    const current = [...entries].reverse().find((e) => e.verdict === "SUCCESSFUL");
    const lines = [`### ${env.config.names.service} (${env.config.name}): status`, ""];
    if (env.mode === "local") {
      if (current) {
        const present = await pullLocal(current.image, env.registry!)
          .sync()
          .then(
            () => "in the local registry",
            (err: unknown) => `MISSING from the local registry (${(err as Error).message.split("\n")[0]})`,
          );
        lines.push(
          `**Running now**: \`${current.image}\` — commit \`${current.commit}\`, version ${current.version}, ${current.kind === "unchanged" ? "deploy (unchanged)" : current.kind} of ${current.at} (${present}).`,
          "",
          "The local environment runs only during a call: `deploy` and `rollback` re-create the emulator and its infrastructure from this ledger, and run the image as a stand-in for the smoke test; `dagger call serve up` serves the image.",
        );
      } else lines.push("**Running now**: nothing (no successful deploy recorded).");
    } else {
      const state = await serviceState(env);
      if (state.service) {
        const s = state.service;
        const deployed = entries.find((e) => state.image && digestOf(e.image) === digestOf(state.image));
        lines.push(
          `**Running now**: \`${state.image ?? "?"}\`${deployed ? ` — commit \`${deployed.commit}\`, version ${deployed.version}` : ""} (task definition \`${s.taskDefinition ?? "?"}\`)`,
          `**Tasks**: ${s.runningCount ?? 0} running, ${s.pendingCount ?? 0} pending, ${s.desiredCount ?? 0} desired`,
          ...(await scalingStatus(env, s.desiredCount)),
          "",
          "| deployment | status | rollout | task definition | running/desired | failed tasks | updated |",
          "|---|---|---|---|---|---|---|",
          ...(s.deployments ?? []).map(
            (d) =>
              `| ${d.id ?? "?"} | ${d.status ?? "?"} | ${d.rolloutState ?? "-"} | ${(d.taskDefinition ?? "").split("/").pop()} | ${d.runningCount ?? 0}/${d.desiredCount ?? 0} | ${d.failedTasks ?? 0} | ${d.updatedAt?.toISOString() ?? "?"} |`,
          ),
        );
        lines.push(...(await secretsStatus(env, s.deployments?.find((d) => d.status === "PRIMARY")?.createdAt)));
        if (env.mode === "aws") {
          const url = `https://${env.config.domain}${env.config.healthCheckPath}`;
          const h = await smokeTest({
            url,
            expectCommit: deployed?.commit ?? "(any)",
            commitFrom: deployed ? env.config.smokeTest.commitFrom : undefined,
            timeoutSeconds: 6,
            intervalSeconds: 3,
          });
          lines.push(
            "",
            `**Health**: ${url} → ${h.status ? `HTTP ${h.status}${h.commit ? `, commit \`${h.commit}\`` : ""}` : h.reason}`,
          );
        } else lines.push("", "**Health**: not checked (AWS emulator: it runs no tasks).");
      } else lines.push(`**Running now**: nothing — ${state.missing}.`);
    }
    lines.push("", `**Recent deployments** (${env.ledger.where}):`, "", ...historyTable(entries));
    return redact(lines.join("\n"), env.secrets);
  } finally {
    await env.close();
  }
}

/**
 * Status lines for the task count: min/desired/max and the last scaling
 * activity when autoscaling is on; who owns the count when it is off.
 *
 * @param env the open environment
 * @param desired the service's desired count as ECS reports it (the autoscaler's, when on)
 */
async function scalingStatus(env: OpenEnvironment, desired: number | undefined): Promise<string[]> {
  const a = env.config.autoscaling;
  if (!a.enabled)
    return [
      `**Scaling**: off — the desired count is the configured ${env.config.desiredCount} (service.desiredCount).`,
    ];
  const configured = `configured ${a.minCount}–${a.maxCount}`;
  if (env.mode !== "aws") {
    return [
      `**Scaling**: on (${configured}), ${desired ?? "?"} desired — the emulator leaves the scaling target and policies out (infra's EMULATOR_OMITTED_RESOURCES), so there is no activity to show.`,
    ];
  }
  const resourceId = `service/${env.config.names.cluster}/${env.config.names.service}`;
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
