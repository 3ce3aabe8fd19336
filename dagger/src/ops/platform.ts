/**
 * `platform …`: what a platform team runs on a shared environment, once and
 * then on changes — apply (the state bucket, then the shared stack: network,
 * cluster, load balancer, wildcard certificate, the outputs it publishes),
 * plan, status (what is attached, the quotas, the cost) and destroy (refused
 * while services are attached, naming them).
 */
import { SSMClient } from "@aws-sdk/client-ssm";

import { DeployError, indent } from "../common/errors.js";
import { planLine } from "../deploy/change.js";
import { type OpenShared, type SharedArgs, withShared } from "../env/shared.js";
import { type Attachments, attachedBy, listAttachments, runningSizes } from "../shared/attachments.js";
import { dollars, ESTIMATE_NOTE, loadBalancerMonthly, tasksMonthly } from "../shared/cost.js";
import { NotPublishedError, type Published, readPublished } from "../shared/published.js";
import { ALB_QUOTAS } from "../shared/quotas.js";
import { synthesizeShared } from "../stacks/infra-bridge.js";
import { requireListOutput, requireOutput } from "../stacks/outputs.js";
import { ensureStateBucket } from "../stacks/state-bucket.js";
import { applySaved, planLocked, readOutputs, runLocked, runTofu, tofuInit } from "../stacks/tofu.js";
import { errorLines } from "../stacks/tofu-failure.js";
import { planMarkdown, readPlan, type PlanJson } from "./plan-summary.js";

/** What the platform's apply, plan and destroy take. */
export interface PlatformArgs extends SharedArgs {
  /** Seconds to wait for the shared stack's state lock. */
  lockTimeoutSeconds: number;
}

/** What the platform's destroy takes. */
export interface PlatformDestroyArgs extends PlatformArgs {
  /** Must equal the shared environment's name. */
  confirm: string;
}

/**
 * `platform apply`: the state bucket, then the shared stack, planned and
 * applied when its plan changes something; returns what services attach to.
 *
 * @param args the shared environment and the lock timeout
 */
export async function platformApply(args: PlatformArgs): Promise<string> {
  return withShared(args, "platform apply", async (env) => {
    const { config } = env;
    const bucket = await ensureStateBucket(env.sdk, config.state.bucket, config.state.region);
    args.log(`✔ state bucket ${bucket.bucket} ${bucket.created ? "created" : "already there"}`);
    const init = await tofuInit(await synthesizeShared(env.infra, config), env.tofu, env.runId);
    const op = {
      stack: config.names.stack,
      lockTimeoutSeconds: args.lockTimeoutSeconds,
      rerun: env.command("apply"),
      next: () => "Fix the cause and run apply again: it continues from what the state records.",
    };
    args.log(`▶ plan ${config.names.stack}`);
    const plan = await planLocked(init, { ...op, command: "plan" }, []);
    const change = planLine(plan.run.stdout, plan.changes);
    args.log(`▶ apply ${config.names.stack}: ${change}`);
    const after = plan.changes ? (await applySaved(plan, { ...op, command: "apply" })).container : plan.run.container;
    const out = await readOutputs(after);
    const source = { role: "base", stack: config.names.stack, next: "run apply again" } as const;
    const names = config.outputs;
    const published = await publishedOf(env);
    const attached = await listAttachments(env.sdk, published, config.names.claims);
    const zone = requireOutput(out, names.hostedZoneId, source);
    const nameServers = requireListOutput(out, names.nameServers, source);
    return [
      `### Shared environment ${config.name} ✔ (account ${env.identity.account}, ${config.region})`,
      "",
      "| | |",
      "|---|---|",
      `| change | ${plan.changes ? `applied: ${change}` : "none: the stack matches the configuration"} |`,
      `| domain | services answer on \`<host>.${config.domain}\`, under the wildcard certificate \`*.${config.domain}\` |`,
      `| load balancer | \`${config.names.loadBalancer}\` (\`${requireOutput(out, names.loadBalancerDnsName, source)}\`): HTTPS with TLS 1.3, 404 for a host no service claimed; HTTP redirected to HTTPS |`,
      `| cluster | \`${requireOutput(out, names.clusterName, source)}\` |`,
      `| published | SSM parameters under \`${config.names.parameterPath}\`: services read them, never copies |`,
      `| attached | ${attachedLine(attached)} |`,
      `| state | \`s3://${config.state.bucket}/${config.state.key}\` |`,
      "",
      "**Next steps**",
      "",
      ...(config.createsZone && nameServers.length > 0
        ? [
            `1. Delegate the zone \`${config.domain}\` (\`${zone}\`) from its parent with these name servers (the certificate validates only after that):`,
            "",
            "   ```",
            ...nameServers.map((n) => `   ${config.domain}. NS ${n}.`),
            "   ```",
          ]
        : [`1. The zone is an existing one (\`${zone}\`): nothing to delegate.`]),
      `2. A service attaches with one line in its fargate-pipeline.yaml: \`environments.<env>.shared: ${config.name}\` (same account and region), then \`bootstrap\` and \`deploy\` as usual.`,
    ].join("\n");
  });
}

/**
 * `platform plan`: what applying the shared stack would change, as Markdown.
 *
 * @param args the shared environment and the lock timeout
 */
export async function platformPlan(args: PlatformArgs): Promise<string> {
  return withShared(args, "platform plan", async (env) => {
    const { config } = env;
    const init = await tofuInit(await synthesizeShared(env.infra, config), env.tofu, env.runId);
    const p = await runLocked(
      init,
      {
        command: "plan",
        stack: config.names.stack,
        lockTimeoutSeconds: args.lockTimeoutSeconds,
        rerun: env.command("plan"),
      },
      ["-out=tfplan"],
    );
    const shown = await runTofu(p.container, ["show", "-json", "tfplan"]);
    if (shown.exitCode !== 0)
      throw new DeployError(`tofu show of the plan of ${config.names.stack} failed:\n${indent(errorLines(shown))}`);
    const plan = readPlan(config.names.stack, JSON.parse(shown.stdout) as PlanJson);
    return planMarkdown(
      `Plan for shared environment ${config.name}`,
      [plan],
      [
        `account ${env.identity.account} (${env.identity.arn}), region ${config.region}`,
        `applied by the platform team (\`${env.command("apply")}\`); the services attached to it are not in this plan`,
      ],
    );
  });
}

/**
 * `platform status`: what the shared environment published, what is attached
 * (host, service, priority, rule), and how close its load balancer is to its quotas.
 *
 * @param args the shared environment
 */
export async function platformStatus(args: SharedArgs): Promise<string> {
  return withShared(args, "platform status", async (env) => {
    const { config } = env;
    const head = `### Shared environment ${config.name}: status (account ${env.identity.account}, ${config.region})`;
    let published: Published;
    try {
      published = await publishedOf(env);
    } catch (err) {
      if (err instanceof NotPublishedError) return [head, "", `**Not applied**: ${err.message}`].join("\n");
      throw err;
    }
    const attached = await listAttachments(env.sdk, published, config.names.claims);
    return [
      head,
      "",
      `**Domain**: \`*.${published.domain}\` on load balancer \`${config.names.loadBalancer}\`, cluster \`${published.clusterName}\`; outputs published under \`${config.names.parameterPath}\``,
      "",
      ...attachmentsTable(attached),
      "",
      ...quotaLines(attached),
      "",
      ...(await costTable(env, attached, published)),
    ].join("\n");
  });
}

/**
 * `platform destroy`: removes the shared stack, refused while anything is
 * attached (a claim or a rule), naming what is.
 *
 * @param args the shared environment, the confirmation and the lock timeout
 */
export async function platformDestroy(args: PlatformDestroyArgs): Promise<string> {
  if (args.confirm !== args.name)
    throw new DeployError(
      [
        `platform destroy refused: it deletes shared environment "${args.name}" (its network, cluster, load balancer, certificate and what it publishes).`,
        "To go ahead, repeat its name:",
        `  dagger call platform --name ${args.name} with-aws-credentials … destroy --confirm ${args.name}`,
      ].join("\n"),
    );
  return withShared(args, "platform destroy", async (env) => {
    const { config } = env;
    const published = await publishedOf(env).catch((err: unknown) => {
      if (err instanceof NotPublishedError) return undefined;
      throw err;
    });
    if (published) {
      const attached = await listAttachments(env.sdk, published, config.names.claims);
      if (attached.hosts.length > 0)
        throw new DeployError(
          [
            `platform destroy refused: ${attached.hosts.length} ${attached.hosts.length === 1 ? "service is" : "services are"} attached to shared environment "${config.name}":`,
            ...attached.hosts.map((a) => `  - ${attachedBy(a)} on ${a.host}`),
            "Destroying it would leave their rules and target groups behind a load balancer that is gone. Destroy each of them first, in its own repository (`dagger call environment --name <env> with-aws-credentials … destroy --confirm <env>`; previews: `… preview --pr <N> --destroy`), then run this again.",
          ].join("\n"),
        );
    }
    const init = await tofuInit(await synthesizeShared(env.infra, config), env.tofu, env.runId);
    args.log(`▶ destroy ${config.names.stack}`);
    const done = await runLocked(
      init,
      {
        command: "destroy",
        stack: config.names.stack,
        lockTimeoutSeconds: args.lockTimeoutSeconds,
        rerun: env.command(`destroy --confirm ${config.name}`),
      },
      ["-auto-approve"],
    );
    return [
      `Destroyed shared environment ${config.name} (${config.names.stack}, ${done.seconds.toFixed(0)} s) in account ${env.identity.account}.`,
      `The state bucket ${config.state.bucket} remains (it holds the state history); delete it by hand when nothing uses it.`,
    ].join("\n");
  });
}

/**
 * What the shared environment published (SSM), or NotPublishedError.
 * @param env the open shared environment
 */
async function publishedOf(env: OpenShared): Promise<Published> {
  const ssm = new SSMClient(env.sdk);
  try {
    return await readPublished(
      ssm,
      {
        environment: env.config.name,
        parameterPath: env.config.names.parameterPath,
        parameters: env.config.parameters,
      },
      `Apply it: ${env.command("apply")}.`,
    );
  } finally {
    ssm.destroy();
  }
}

/**
 * One line: how many services are attached, and which.
 * @param attached what is attached
 */
function attachedLine(attached: Attachments): string {
  if (attached.hosts.length === 0) return "no service yet";
  return `${attached.hosts.length}: ${attached.hosts.map((a) => `${attachedBy(a)} (${a.host})`).join(", ")}`;
}

/**
 * What is attached, as a Markdown table.
 * @param attached what is attached
 */
function attachmentsTable(attached: Attachments): string[] {
  if (attached.hosts.length === 0) return ["**Attached**: no service yet."];
  return [
    `**Attached**: ${attached.hosts.length}`,
    "",
    "| host | service | kind | rule priority | rule |",
    "|---|---|---|---|---|",
    ...attached.hosts.map(
      (a) =>
        `| ${a.host} | ${a.claim?.stack ?? "-"} | ${a.claim ? (a.claim.kind === "preview" ? `preview of #${a.claim.pullRequest}` : "service") : "-"} | ${a.claim?.priority ?? a.rulePriority ?? "-"} | ${a.rulePriority === undefined ? "claimed, not applied" : "on the listener"} |`,
    ),
  ];
}

/**
 * The load balancer against its quotas.
 * @param attached what it holds
 */
function quotaLines(attached: Attachments): string[] {
  const h = attached.holdings;
  return [
    `**Quotas** (AWS's defaults; the preflight of every deploy checks them): rules ${h.rules.length}/${ALB_QUOTAS.rules.limit}, target groups ${h.targetGroups.length}/${ALB_QUOTAS.targetGroups.limit}, certificates ${h.certificates}/${ALB_QUOTAS.certificates.limit}`,
  ];
}

/**
 * The shared environment's fixed monthly cost per attached service, beside
 * what each would cost standalone (its own load balancer), and the total.
 * @param env the open shared environment
 * @param attached what is attached
 * @param published what it published (the cluster)
 */
async function costTable(env: OpenShared, attached: Attachments, published: Published): Promise<string[]> {
  const claims = attached.hosts.flatMap((a) => (a.claim ? [a.claim] : []));
  const sizes = await runningSizes(
    env.sdk,
    published.clusterName,
    claims.map((c) => c.stack),
  );
  const services = claims.filter((c) => c.kind === "service");
  const lb = loadBalancerMonthly();
  if (claims.length === 0)
    return [`**Fixed monthly cost**: ${dollars(lb)}, its load balancer with no service yet — ${ESTIMATE_NOTE}`];
  const shares = Math.max(1, services.length);
  let shared = lb;
  let standalone = 0;
  const rows = claims.map((c) => {
    const size = sizes.get(c.stack);
    const tasks = size ? tasksMonthly(size, size.tasks) : 0;
    const share = c.kind === "service" ? lb / shares : 0;
    shared += tasks;
    standalone += tasks + (c.kind === "service" ? lb : 0);
    const what = size ? `${size.tasks} × ${size.cpu / 1024} vCPU / ${size.memory / 1024} GB` : "not running";
    return `| ${c.stack}${c.kind === "preview" ? ` (preview of #${c.pullRequest})` : ""} | ${what} | ${dollars(tasks)} | ${dollars(share)} | ${dollars(tasks + share)} | ${c.kind === "service" ? dollars(tasks + lb) : "-"} |`;
  });
  return [
    `**Fixed monthly cost**: ${dollars(shared)} for the environment (its load balancer ${dollars(lb)}, shared by ${services.length} service${services.length === 1 ? "" : "s"}; previews pay their tasks only); standalone, the same services would cost ${dollars(standalone)} — ${ESTIMATE_NOTE}`,
    "",
    "| service | tasks | tasks a month | share of the load balancer | shared | standalone |",
    "|---|---|---|---|---|---|",
    ...rows,
  ];
}
