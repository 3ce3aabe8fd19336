/**
 * `plan`: what applying the infrastructure would change, both stacks, as
 * Markdown for a pull-request comment (plan-summary.ts writes it).
 */
import { DeployError, indent } from "../common/errors.js";
import { type EnvironmentArgs, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { secretVersionsVar } from "../env/secrets.js";
import { PLACEHOLDER_IMAGE, serviceState } from "../env/service-state.js";
import { priorityForPlan } from "../shared/attach.js";
import { environmentCost } from "../shared/environment-cost.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { runLocked, runTofu, tofuInit } from "../stacks/tofu.js";
import { errorLines } from "../stacks/tofu-failure.js";
import { planMarkdown, readPlan, type PlanJson, type StackPlan } from "./plan-summary.js";

/** What `plan` takes. */
export interface PlanArgs extends EnvironmentArgs {
  /** How long to wait for the state lock (a plan takes it). */
  lockTimeoutSeconds: number;
}

/**
 * `plan`: what an apply would change in both stacks, as Markdown for a PR
 * comment. The service stack is planned with the image running now, so the
 * plan shows infrastructure changes only.
 *
 * @param args the environment and the lock timeout
 */
export async function plan(args: PlanArgs): Promise<string> {
  return withEnvironment(args, "plan", async (env) => {
    const stacks = await synthesize(env.infra, env.config);
    const state = await serviceState(env);
    const image = state.image && /@sha256:[0-9a-f]{64}$/.test(state.image) ? state.image : PLACEHOLDER_IMAGE;
    const priority = await plannedPriorityVar(env);
    const plans: StackPlan[] = [];
    for (const [role, dir] of [
      ["base", stacks.base],
      ["service", stacks.service],
    ] as const) {
      // The secrets' versions now: a rotation the running tasks have not read shows as their redeploy.
      const vars =
        role === "service"
          ? ["-var", `${env.config.imageVariable}=${image}`, ...(await secretVersionsVar(env)), ...priority.vars]
          : [];
      plans.push(await planOne(env, env.config.names.stacks[role], dir, vars, args.lockTimeoutSeconds));
    }
    const notes = [
      `account ${env.identity.account} (${env.identity.arn}), region ${env.config.region}`,
      image === PLACEHOLDER_IMAGE
        ? "the service is not deployed yet: planned with a placeholder image"
        : `service planned with the image running now: \`${image}\``,
      `${env.config.names.stacks.base} is applied by an administrator (\`dagger call bootstrap\`); ${env.config.names.stacks.service} by \`deploy\``,
      ...(priority.note ? [priority.note] : []),
      ...(await environmentCost(env.sdk, env.config, env.shared)),
    ];
    return planMarkdown(`Plan for ${env.config.name}`, plans, notes);
  });
}

/**
 * One stack planned and read back as JSON (`tofu plan -out`, then `tofu show -json`).
 *
 * @param env the open environment
 * @param name the stack's name
 * @param dir the synthesized stack
 * @param vars the plan's variables
 * @param lockTimeoutSeconds how long to wait for the state lock
 */
async function planOne(
  env: OpenEnvironment,
  name: string,
  dir: Parameters<typeof tofuInit>[0],
  vars: string[],
  lockTimeoutSeconds: number,
): Promise<StackPlan> {
  const init = await tofuInit(dir, env.tofu, env.runId);
  const p = await runLocked(
    init,
    { command: "plan", stack: name, lockTimeoutSeconds, rerun: env.traits.command("plan") },
    ["-out=tfplan", ...vars],
  );
  const shown = await runTofu(p.container, ["show", "-json", "tfplan"]);
  if (shown.exitCode !== 0)
    throw new DeployError(`tofu show of the plan of ${name} failed:\n${indent(errorLines(shown))}`);
  return readPlan(name, JSON.parse(shown.stdout) as PlanJson);
}

/**
 * An attached service's rule priority for the plan: its claim's, or the one a
 * deploy would claim now (a plan claims nothing), with a note saying which.
 *
 * @param env the open environment
 */
async function plannedPriorityVar(env: OpenEnvironment): Promise<{ vars: string[]; note?: string }> {
  if (!env.shared) return { vars: [] };
  const { priority, claimed } = await priorityForPlan(env.sdk, env.shared);
  return {
    vars: ["-var", `${env.shared.view.priorityVariable}=${priority}`],
    note: `on shared environment "${env.shared.view.environment}" as ${env.shared.host}, rule priority ${priority}${claimed ? "" : " (free now; the first deploy claims it)"}`,
  };
}
