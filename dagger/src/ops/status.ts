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
import { type EnvironmentArgs, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { digestOf, type LedgerEntry } from "../env/ledger.js";
import { serviceState } from "../env/service-state.js";
import { smokeTest } from "../deploy/probe.js";
import { environmentCost } from "../shared/environment-cost.js";

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
  return withEnvironment(
    args,
    "status",
    async (env) => {
      const entries = await env.ledger.read();
      return [
        `### ${env.config.names.service} (${env.config.name}): status`,
        "",
        ...sharedLines(env),
        ...(env.traits.outlivesCalls ? await runningService(env, entries) : await lastLocalDeploy(env, entries)),
        "",
        ...(await environmentCost(env.sdk, env.config, env.shared)),
        "",
        `**Recent deployments** (${env.ledger.where}):`,
        "",
        ...historyTable(entries),
      ].join("\n");
    },
    { startLocal: false },
  );
}

/**
 * local, whose emulator runs only during a call: the last successful deploy
 * from the ledger, and whether its image is still in the local registry.
 *
 * @param env the open environment (its emulator not started)
 * @param entries the ledger
 */
async function lastLocalDeploy(env: OpenEnvironment, entries: readonly LedgerEntry[]): Promise<string[]> {
  const current = [...entries].reverse().find((e) => e.verdict === "SUCCESSFUL");
  if (!current) return ["**Running now**: nothing (no successful deploy recorded)."];
  const present = await env.images
    .pull(current.image)
    .then((image) => image.sync())
    .then(
      () => "in the local registry",
      (err: unknown) => `MISSING from the local registry (${(err as Error).message.split("\n")[0]})`,
    );
  return [
    `**Running now**: \`${current.image}\` — commit \`${current.commit}\`, version ${current.version}, ${current.kind === "unchanged" ? "deploy (unchanged)" : current.kind} of ${current.at} (${present}).`,
    "",
    "The local environment runs only during a call: `deploy` and `rollback` re-create the emulator and its infrastructure from this ledger, and run the image as a stand-in for the smoke test; `dagger call serve up` serves the image.",
  ];
}

/**
 * An environment whose service outlives the call: what ECS runs, its
 * deployments, who owns the task count, the secrets' versions and the health of its URL.
 *
 * @param env the open environment
 * @param entries the ledger (to name the running image's commit)
 */
async function runningService(env: OpenEnvironment, entries: readonly LedgerEntry[]): Promise<string[]> {
  const state = await serviceState(env);
  if (!state.service) return [`**Running now**: nothing — ${state.missing}.`];
  const s = state.service;
  const deployed = entries.find((e) => state.image && digestOf(e.image) === digestOf(state.image));
  return [
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
    ...(await secretsStatus(env, s.deployments?.find((d) => d.status === "PRIMARY")?.createdAt)),
    "",
    await healthLine(env, deployed),
  ];
}

/**
 * The health of the service's URL (AWS only: an emulator runs no tasks).
 *
 * @param env the open environment
 * @param deployed the ledger's entry of the running image, if any (its commit is expected)
 */
async function healthLine(env: OpenEnvironment, deployed: LedgerEntry | undefined): Promise<string> {
  if (env.traits.emulated) return "**Health**: not checked (AWS emulator: it runs no tasks).";
  const url = `https://${env.config.domain}${env.config.healthCheckPath}`;
  const h = await smokeTest({
    url,
    expectCommit: deployed?.commit ?? "(any)",
    commitFrom: deployed ? env.config.smokeTest.commitFrom : undefined,
    timeoutSeconds: 6,
    intervalSeconds: 3,
  });
  return `**Health**: ${url} → ${h.status ? `HTTP ${h.status}${h.commit ? `, commit \`${h.commit}\`` : ""}` : h.reason}`;
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
  if (env.traits.emulated) {
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

/**
 * An attached service's place on its shared environment: host, rule priority, since when.
 *
 * @param env the open environment
 */
function sharedLines(env: OpenEnvironment): string[] {
  const shared = env.shared;
  if (!shared) return [];
  const claim = shared.claim;
  return [
    `**Shared environment**: ${shared.view.environment} (load balancer \`${shared.view.loadBalancer}\`, cluster \`${shared.published.clusterName}\`) — ${
      claim
        ? `answers on ${shared.host} at rule priority ${claim.priority} (claimed ${claim.at})`
        : `${shared.host} is not claimed: nothing of it is deployed there yet`
    }`,
    "",
  ];
}
