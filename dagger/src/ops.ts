/**
 * The operations besides deploy and rollback: `status`, `logs`, `plan`,
 * `destroy` and `bootstrap`. Each opens the environment (environment.ts),
 * does one thing and returns Markdown or text for people.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service as EcsService } from "@aws-sdk/client-ecs";

import { explainAwsError } from "./aws.js";
import { DeployError } from "./deploy.js";
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, openEnvironment } from "./environment.js";
import { indent, redact } from "./errors.js";
import { digestOf, type LedgerEntry } from "./ledger.js";
import { pullLocal } from "./local.js";
import { clearLocalState } from "./local-state.js";
import { planMarkdown, readPlan, type PlanJson, type StackPlan } from "./plan-summary.js";
import { smokeTest } from "./smoke.js";
import { infraContainer, synthesize } from "./stacks.js";
import { ensureStateBucket } from "./state-bucket.js";
import { errorLines, explainLock, lockArgs, outputs, run, stateLock, tofuInit } from "./tofu.js";

// 10 entries: the last few deploys and what a rollback would go back to.
const STATUS_HISTORY = 10;

/** A digest that satisfies the image variable's validation, for commands that do not deploy (destroy, plans before the first deploy). */
export const PLACEHOLDER_IMAGE = `placeholder.invalid/none@sha256:${"0".repeat(64)}`;

/** What ECS says about the service, and the image its task definition runs. */
interface ServiceState {
  service?: EcsService;
  image?: string;
  /** Why there is no service, when there is none. */
  missing?: string;
}

async function serviceState(env: OpenEnvironment): Promise<ServiceState> {
  const ecs = new ECSClient(env.sdk);
  try {
    const out = await ecs.send(new DescribeServicesCommand({ cluster: env.target.names.cluster, services: [env.target.names.service] }));
    const service = out.services?.find((s) => s.status !== "INACTIVE");
    if (!service) return { missing: `no service ${env.target.names.service} in cluster ${env.target.names.cluster} (not deployed yet, or destroyed)` };
    const td = service.taskDefinition
      ? (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }))).taskDefinition
      : undefined;
    const image = td?.containerDefinitions?.find((c) => c.name === env.target.names.container)?.image;
    return { service, ...(image ? { image } : {}) };
  } catch (err) {
    if ((err as { name?: string }).name === "ClusterNotFoundException") return { missing: `no cluster ${env.target.names.cluster} (not deployed yet, or destroyed)` };
    throw new DeployError(explainAwsError(err, env.auth ?? { region: env.target.region, credentials: env.sdk.credentials }, "status: ECS DescribeServices"));
  } finally {
    ecs.destroy();
  }
}

/** The ledger as a Markdown table, newest first. */
function historyTable(entries: readonly LedgerEntry[]): string[] {
  if (entries.length === 0) return ["No deployments recorded yet."];
  return [
    "| when (UTC) | kind | image digest | commit | verdict | cause |",
    "|---|---|---|---|---|---|",
    ...[...entries]
      .reverse()
      .slice(0, STATUS_HISTORY)
      .map((e) => `| ${e.at.replace("T", " ").replace(/\.\d+Z$/, "")} | ${e.kind} | \`${digestOf(e.image).slice(0, 19)}…\` | \`${e.commit.slice(0, 19)}\` | ${e.verdict} | ${(e.cause ?? "").replace(/\|/g, "/").slice(0, 120)} |`),
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
    const lines = [`### ${env.target.names.service} (${env.target.name}): status`, ""];
    if (env.mode === "local") {
      if (current) {
        const present = await pullLocal(current.image, env.registry!)
          .sync()
          .then(
            () => "in the local registry",
            (err: unknown) => `MISSING from the local registry (${(err as Error).message.split("\n")[0]})`,
          );
        lines.push(
          `**Running now**: \`${current.image}\` — commit \`${current.commit}\`, version ${current.version}, ${current.kind} of ${current.at} (${present}).`,
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
          "",
          "| deployment | status | rollout | task definition | running/desired | failed tasks | updated |",
          "|---|---|---|---|---|---|---|",
          ...(s.deployments ?? []).map(
            (d) =>
              `| ${d.id ?? "?"} | ${d.status ?? "?"} | ${d.rolloutState ?? "-"} | ${(d.taskDefinition ?? "").split("/").pop()} | ${d.runningCount ?? 0}/${d.desiredCount ?? 0} | ${d.failedTasks ?? 0} | ${d.updatedAt?.toISOString() ?? "?"} |`,
          ),
        );
        if (env.mode === "aws") {
          const url = `https://${env.target.domain}${env.target.healthCheckPath}`;
          const h = await smokeTest({ url, expectCommit: deployed?.commit ?? "(any)", timeoutSeconds: 6, intervalSeconds: 3 });
          lines.push("", `**Health**: ${url} → ${h.status ? `HTTP ${h.status}${h.commit ? `, commit \`${h.commit}\`` : ""}` : h.reason}`);
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
 * `logs`: recent lines of the service's log group (CloudWatch Logs).
 *
 * @param args the environment's arguments
 * @param sinceMinutes how far back
 * @param limit at most this many lines (the newest)
 */
export async function logs(args: EnvironmentArgs, sinceMinutes: number, limit: number): Promise<string> {
  if (args.env === LOCAL) {
    return [
      "The local environment runs no tasks between calls, so it has no logs to show.",
      "Its image ran as a stand-in during the last deploy's smoke test; to watch it run:",
      "  dagger call serve up          # then curl localhost:8080/healthcheck",
    ].join("\n");
  }
  const env = await openEnvironment(args, "logs");
  const client = new CloudWatchLogsClient(env.sdk);
  try {
    const events = [];
    let nextToken: string | undefined;
    const startTime = Date.now() - sinceMinutes * 60_000;
    // FilterLogEvents pages oldest first; keep the newest `limit`.
    do {
      const out = await client.send(new FilterLogEventsCommand({ logGroupName: env.target.names.logGroup, startTime, ...(nextToken ? { nextToken } : {}) }));
      events.push(...(out.events ?? []));
      nextToken = out.nextToken;
    } while (nextToken && events.length < 10_000);
    const shown = events.slice(-limit);
    if (shown.length === 0) return `No log lines in ${env.target.names.logGroup} in the last ${sinceMinutes} minutes.`;
    return [
      `${env.target.names.logGroup}, last ${sinceMinutes} min (${shown.length} of ${events.length} lines; streams ecs/app/<task id>):`,
      ...shown.map((e) => `${new Date(e.timestamp ?? 0).toISOString()} ${(e.logStreamName ?? "").split("/").pop()?.slice(0, 8) ?? ""} ${(e.message ?? "").trimEnd()}`),
    ].join("\n");
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") return `There is no log group ${env.target.names.logGroup} (not deployed yet, or destroyed).`;
    throw new DeployError(explainAwsError(err, env.auth ?? { region: env.target.region, credentials: env.sdk.credentials }, "logs: CloudWatch Logs FilterLogEvents"));
  } finally {
    client.destroy();
    await env.close();
  }
}

/**
 * `plan`: what an apply would change in both stacks, as Markdown for a PR
 * comment. The service stack is planned with the image running now, so the
 * plan shows infrastructure changes only.
 *
 * @param args the environment's arguments
 * @param lockTimeoutSeconds how long to wait for the state lock (a plan takes it)
 */
export async function plan(args: EnvironmentArgs, lockTimeoutSeconds: number): Promise<string> {
  const env = await openEnvironment(args, "plan");
  try {
    const stacks = await synthesize(await infraContainer(args.source), env.target);
    const state = await serviceState(env);
    const image = state.image && /@sha256:[0-9a-f]{64}$/.test(state.image) ? state.image : PLACEHOLDER_IMAGE;
    const plans: StackPlan[] = [];
    for (const [role, dir] of [["base", stacks.base], ["service", stacks.service]] as const) {
      const name = env.target.names.stacks[role];
      const init = await tofuInit(dir, env.tofu, env.runId);
      const vars = role === "service" ? ["-var", `image=${image}`] : [];
      const p = await run(init, ["plan", "-input=false", "-out=tfplan", ...lockArgs(lockTimeoutSeconds), ...vars]);
      if (p.exitCode !== 0) {
        const lock = stateLock(`${p.stderr}\n${p.stdout}`);
        throw new DeployError(lock ? explainLock(lock, name, lockTimeoutSeconds, `dagger call plan --env ${args.env} …`) : `tofu plan of ${name} failed:\n${indent(errorLines(p))}`);
      }
      const shown = await run(p.container, ["show", "-json", "tfplan"]);
      if (shown.exitCode !== 0) throw new DeployError(`tofu show of the plan of ${name} failed:\n${indent(errorLines(shown))}`);
      plans.push(readPlan(name, JSON.parse(shown.stdout) as PlanJson));
    }
    const notes = [
      `account ${env.identity.account} (${env.identity.arn}), region ${env.target.region}`,
      image === PLACEHOLDER_IMAGE ? "the service is not deployed yet: planned with a placeholder image" : `service planned with the image running now: \`${image}\``,
      `${env.target.names.stacks.base} is applied by an administrator (\`dagger call bootstrap\`); ${env.target.names.stacks.service} by \`deploy\``,
    ];
    return redact(planMarkdown(`Plan for ${env.target.name}`, plans, notes), env.secrets);
  } finally {
    await env.close();
  }
}

/**
 * `destroy`: removes the environment — the service stack, then (with
 * includeBase) the base stack. For `local`: its registry storage and ledger.
 * Refuses unless `confirm` repeats the environment's name.
 *
 * @param args the environment's arguments
 * @param confirm must equal the environment's name
 * @param includeBase also destroy the base stack (registry, zone, CI roles)
 * @param lockTimeoutSeconds how long to wait for the state lock
 */
export async function destroy(args: EnvironmentArgs, confirm: string, includeBase: boolean, lockTimeoutSeconds: number): Promise<string> {
  if (confirm !== args.env) {
    throw new DeployError(
      [
        `destroy refused: it deletes environment "${args.env}"${args.env === LOCAL ? " (its emulator state, registry storage and deployment ledger)" : " (load balancer, service, network" + (includeBase ? ", and the base stack: registry with its images, zone, CI roles" : "") + ")"}.`,
        "To go ahead, repeat the environment's name:",
        `  dagger call destroy --env ${args.env} --confirm ${args.env}${includeBase ? " --include-base" : ""}${args.env === LOCAL ? "" : " --aws-… (the same flags as deploy)"}`,
      ].join("\n"),
    );
  }
  if (args.env === LOCAL) {
    const env = await openEnvironment(args, "destroy", { startLocal: false });
    await env.ledger.clear();
    await clearLocalState(args.localState);
    await env.close();
    return `Destroyed local environment "${args.localState}": the emulator's saved state (its infrastructure and OpenTofu's state), the registry storage and the deployment ledger emptied; the next deploy starts cold.`;
  }
  const env = await openEnvironment(args, "destroy");
  try {
    const stacks = await synthesize(await infraContainer(args.source), env.target);
    const done: string[] = [];
    for (const [role, dir] of (includeBase ? [["service", stacks.service], ["base", stacks.base]] : [["service", stacks.service]]) as [("base" | "service"), typeof stacks.base][]) {
      const name = env.target.names.stacks[role];
      args.log(`▶ destroy ${name}`);
      const init = await tofuInit(dir, env.tofu, env.runId);
      const r = await run(init, ["destroy", "-auto-approve", "-input=false", ...lockArgs(lockTimeoutSeconds), ...(role === "service" ? ["-var", `image=${PLACEHOLDER_IMAGE}`] : [])]);
      if (r.exitCode !== 0) {
        const lock = stateLock(`${r.stderr}\n${r.stdout}`);
        throw new DeployError(
          [
            lock ? explainLock(lock, name, lockTimeoutSeconds, `dagger call destroy --env ${args.env} --confirm ${args.env} …`) : `tofu destroy of ${name} failed:\n${indent(errorLines(r))}`,
            done.length > 0 ? `Already destroyed: ${done.join(", ")}.` : "",
            "Fix the cause and run destroy again: it continues with what is left.",
          ].join("\n"),
        );
      }
      done.push(name);
      args.log(`✔ destroy ${name} (${r.seconds.toFixed(1)} s)`);
    }
    return redact(
      [
        `Destroyed ${done.join(" and ")} in account ${env.identity.account}.`,
        includeBase ? "" : `The base stack ${env.target.names.stacks.base} (registry, zone, CI roles) remains: add --include-base to remove it too (as an administrator).`,
        `The state bucket ${env.target.state.bucket} remains (it holds the state history and the deployment ledger); delete it by hand when nothing uses it.`,
      ]
        .filter((l) => l !== "")
        .join("\n"),
      env.secrets,
    );
  } finally {
    await env.close();
  }
}

/**
 * `bootstrap`: the state bucket (versioned, encrypted, public access blocked;
 * idempotent), then the base stack (registry, zone, CI identity), then the next
 * steps: the NS records to delegate and the role ARNs for GitHub.
 *
 * @param args the environment's arguments
 * @param lockTimeoutSeconds how long to wait for the state lock
 */
export async function bootstrap(args: EnvironmentArgs, lockTimeoutSeconds: number): Promise<string> {
  if (args.env === LOCAL) {
    return "The local environment bootstraps itself on every call (its emulator starts empty): `dagger call deploy` creates the state bucket and both stacks in it.";
  }
  const env = await openEnvironment(args, "bootstrap");
  try {
    const bucket = await ensureStateBucket(env.sdk, env.target.state.bucket, env.target.state.region);
    args.log(`✔ state bucket ${bucket.bucket} ${bucket.created ? "created" : "already there"}: versioning, encryption, public access block set`);
    const stacks = await synthesize(await infraContainer(args.source), env.target);
    const name = env.target.names.stacks.base;
    args.log(`▶ apply ${name}`);
    const init = await tofuInit(stacks.base, env.tofu, env.runId);
    const r = await run(init, ["apply", "-auto-approve", "-input=false", ...lockArgs(lockTimeoutSeconds)]);
    if (r.exitCode !== 0) {
      const lock = stateLock(`${r.stderr}\n${r.stdout}`);
      throw new DeployError(
        lock
          ? explainLock(lock, name, lockTimeoutSeconds, `dagger call bootstrap --env ${args.env} …`)
          : `tofu apply of ${name} failed:\n${indent(errorLines(r))}\nThe state bucket is ready; fix the cause and run bootstrap again (it is idempotent).`,
      );
    }
    const out = await outputs(r.container);
    const ns = Array.isArray(out.name_servers) ? out.name_servers : String(out.name_servers ?? "").split(",").filter(Boolean);
    const zone = env.target.domain.split(".").slice(1).join(".");
    return redact(
      [
        `### Bootstrapped ${env.target.name} (account ${env.identity.account}, ${env.target.region})`,
        "",
        `- state bucket \`${bucket.bucket}\` (${bucket.created ? "created" : "already there"}; versioned, encrypted, public access blocked)`,
        `- ${name} applied (${r.seconds.toFixed(0)} s): ECR repository \`${String(out.repository_url ?? "?")}\`, hosted zone \`${String(out.hosted_zone_id ?? "?")}\`, CI roles`,
        "",
        "**Next steps**",
        "",
        ...(env.target.createsZone && ns.length > 0
          ? [
              `1. Delegate the zone \`${zone}\` from its parent zone: add an NS record for \`${zone}\` with these name servers (the certificate validates only after this):`,
              "",
              "   ```",
              ...ns.map((n) => `   ${zone}. NS ${n}.`),
              "   ```",
            ]
          : [`1. The zone is an existing one (\`${String(out.hosted_zone_id ?? "?")}\`): nothing to delegate.`]),
        "2. In the GitHub repository (Settings → Secrets and variables → Actions → Variables), set:",
        `   - \`AWS_DEPLOY_ROLE_ARN\` = \`${String(out.deploy_role_arn ?? "?")}\``,
        `   - \`AWS_PLAN_ROLE_ARN\` = \`${String(out.plan_role_arn ?? "?")}\``,
        `   - \`AWS_REGION\` = \`${env.target.region}\``,
        `3. Create the GitHub environment \`${env.target.name}\` (required reviewers, deployment branch main).`,
        `4. Deploy: push to main (the workflow assumes the deploy role above through GitHub's OIDC token), or from a laptop with your own credentials:`,
        `   \`dagger call deploy --env ${env.target.name} --aws-access-key-id env:AWS_ACCESS_KEY_ID --aws-secret-access-key env:AWS_SECRET_ACCESS_KEY --aws-session-token env:AWS_SESSION_TOKEN --git-commit "$(git rev-parse HEAD)"\``,
        `   (or \`--aws-web-identity-token\` with \`--aws-role-arn\` in place of the keys, for a token from another identity provider).`,
      ].join("\n"),
      env.secrets,
    );
  } finally {
    await env.close();
  }
}
