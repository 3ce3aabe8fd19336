/**
 * `plan`: what applying the infrastructure would change, both stacks, as
 * Markdown for a pull-request comment (plan-summary.ts writes it).
 */
import { secretVersionsVar } from "../env/secrets.js";
import { type EnvironmentArgs, openEnvironment } from "../env/open.js";
import { DeployError, indent, redact } from "../common/errors.js";
import { planMarkdown, readPlan, type PlanJson, type StackPlan } from "./plan-summary.js";
import { PLACEHOLDER_IMAGE, serviceState } from "../env/service-state.js";
import { callOn } from "../common/cli.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { runTofu, runLocked, tofuInit } from "../stacks/tofu.js";
import { errorLines } from "../stacks/tofu-failure.js";

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
    const stacks = await synthesize(env.infra, env.config);
    const state = await serviceState(env);
    const image = state.image && /@sha256:[0-9a-f]{64}$/.test(state.image) ? state.image : PLACEHOLDER_IMAGE;
    const plans: StackPlan[] = [];
    for (const [role, dir] of [
      ["base", stacks.base],
      ["service", stacks.service],
    ] as const) {
      const name = env.config.names.stacks[role];
      const init = await tofuInit(dir, env.tofu, env.runId);
      // The secrets' versions now: a rotation the running tasks have not read shows as their redeploy.
      const vars =
        role === "service" ? ["-var", `${env.config.imageVariable}=${image}`, ...(await secretVersionsVar(env))] : [];
      const p = await runLocked(
        init,
        { command: "plan", stack: name, lockTimeoutSeconds, rerun: callOn(args.name, "plan") },
        ["-out=tfplan", ...vars],
      );
      const shown = await runTofu(p.container, ["show", "-json", "tfplan"]);
      if (shown.exitCode !== 0)
        throw new DeployError(`tofu show of the plan of ${name} failed:\n${indent(errorLines(shown))}`);
      plans.push(readPlan(name, JSON.parse(shown.stdout) as PlanJson));
    }
    const notes = [
      `account ${env.identity.account} (${env.identity.arn}), region ${env.config.region}`,
      image === PLACEHOLDER_IMAGE
        ? "the service is not deployed yet: planned with a placeholder image"
        : `service planned with the image running now: \`${image}\``,
      `${env.config.names.stacks.base} is applied by an administrator (\`dagger call bootstrap\`); ${env.config.names.stacks.service} by \`deploy\``,
    ];
    return redact(planMarkdown(`Plan for ${env.config.name}`, plans, notes), env.secrets);
  } finally {
    await env.close();
  }
}
