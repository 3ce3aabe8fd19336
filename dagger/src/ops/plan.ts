/**
 * `plan`: what applying the infrastructure would change, both stacks, as
 * Markdown for a pull-request comment (plan-summary.ts writes it).
 */
import { DeployError, indent } from "../common/errors.js";
import { type EnvironmentArgs, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { secretVersionsVar } from "../env/secrets.js";
import { PLACEHOLDER_IMAGE, serviceState } from "../env/service-state.js";
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
    const plans: StackPlan[] = [];
    for (const [role, dir] of [
      ["base", stacks.base],
      ["service", stacks.service],
    ] as const) {
      // The secrets' versions now: a rotation the running tasks have not read shows as their redeploy.
      const vars =
        role === "service" ? ["-var", `${env.config.imageVariable}=${image}`, ...(await secretVersionsVar(env))] : [];
      plans.push(await planOne(env, env.config.names.stacks[role], dir, vars, args.lockTimeoutSeconds));
    }
    const notes = [
      `account ${env.identity.account} (${env.identity.arn}), region ${env.config.region}`,
      image === PLACEHOLDER_IMAGE
        ? "the service is not deployed yet: planned with a placeholder image"
        : `service planned with the image running now: \`${image}\``,
      `${env.config.names.stacks.base} is applied by an administrator (\`dagger call bootstrap\`); ${env.config.names.stacks.service} by \`deploy\``,
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
