/**
 * The stacks before a rollout: synthesis; for local the base stack planned
 * (and applied when its plan has changes) beside the service stack's init,
 * and — with the emulator restored — the service stack's plan beside the
 * base stack's; elsewhere the ECR repository checked, then the init.
 */
import type { Container } from "@dagger.io/dagger";

import { planStack, planThenApply } from "./plan-apply.js";
import { checkRepository } from "./image.js";
import type { BaseApply, DeployArgs, LockArgs } from "./args.js";
import { serviceStackOp, serviceStackVars } from "./apply-and-verify.js";
import type { OpenEnvironment } from "../env/open.js";
import { DeployError, indent } from "../common/errors.js";
import { type Stacks, synthesize } from "../stacks/infra-bridge.js";
import type { Steps } from "./steps.js";
import { runTofu, type SavedPlan, tofuInit } from "../stacks/tofu.js";
import { errorLines } from "../stacks/tofu-failure.js";

/**
 * Synthesis, then the service stack's init and, for local (whose emulator may
 * start empty), beside it the base stack planned and applied when its plan has
 * changes; elsewhere the ECR repository checked first (`bootstrap` applies the
 * base stack there).
 *
 * @returns the service stack's init and the base stack's plan (local), each settling on its own
 */
export function prepareInfra(
  env: OpenEnvironment,
  args: LockArgs,
  steps: Steps,
): { serviceInit: Promise<Container>; base: Promise<BaseApply | undefined> } {
  const stacks: Promise<Stacks> = steps.run("synth", async () => synthesize(env.infra, env.config));
  const base: Promise<BaseApply | undefined> = env.traits.deployAppliesBase
    ? stacks.then(async (s) => {
        const op = {
          stack: env.config.names.stacks.base,
          lockTimeoutSeconds: args.lockTimeoutSeconds,
          rerun: env.traits.command("deploy"),
          next: () => "Run deploy again.",
        };
        const done = await planThenApply(steps, "base stack", () => tofuInit(s.base, env.tofu, env.runId), op, []);
        return { planned: done.planned, applied: done.applied };
      })
    : stacks.then(async () => {
        await steps.run("check registry", () => checkRepository(env));
        return undefined;
      });
  // local: beside the base stack's plan (init only downloads the provider and reads the backend).
  const ready = env.traits.deployAppliesBase ? stacks : base.then(() => stacks);
  const serviceInit = ready.then((s) => steps.run("init", () => initServiceStack(s, env, args)));
  base.catch(() => {});
  serviceInit.catch(() => {});
  return { serviceInit, base };
}

/** `tofu init` of the service stack, and the dead run's lock removed first when --force-unlock names one. */
async function initServiceStack(stacks: Stacks, env: OpenEnvironment, args: LockArgs): Promise<Container> {
  const init = await tofuInit(stacks.service, env.tofu, env.runId);
  if (!args.forceUnlock) return init;
  const r = await runTofu(init, ["force-unlock", "-force", args.forceUnlock]);
  if (r.exitCode !== 0)
    throw new DeployError(
      `--force-unlock ${args.forceUnlock} failed (nothing else was done):\n${indent(errorLines(r))}`,
    );
  args.log(`removed the state lock ${args.forceUnlock} (--force-unlock)`);
  return r.container;
}

/** The service stack's plan made beside the base stack's (planServiceBesideBase()). */
export interface BesideBase {
  plan: SavedPlan;
  /** Whether it started before the base stack's plan (and apply) ended: then it read the base as it was before. */
  beforeBase: boolean;
}

/**
 * local, with the emulator restored from the last deploy's state: the service
 * stack planned with the image as soon as it is published and the stack
 * initialized, beside the base stack's plan rather than after it. The base
 * stack then almost never changes (only with its configuration), and a
 * no-change deploy's two plans take the time of one (~6 s less). undefined
 * where the base stack is about to be created (an emulator started empty) or
 * is not this call's (AWS: `bootstrap` applies it).
 *
 * @param env the open environment
 * @param args the call's arguments
 * @param steps the call's steps
 * @param infra the service stack's init and the base stack's plan (prepareInfra())
 * @param published the image, by digest, once published
 */
export function planServiceBesideBase(
  env: OpenEnvironment,
  args: DeployArgs,
  steps: Steps,
  infra: ReturnType<typeof prepareInfra>,
  published: Promise<string>,
): Promise<BesideBase> | undefined {
  if (!env.traits.deployAppliesBase || env.emulatorStart !== "restored") return undefined;
  let baseEnded = false;
  const ended = () => {
    baseEnded = true;
  };
  infra.base.then(ended, ended);
  return Promise.all([infra.serviceInit, published]).then(async ([init, ref]) => {
    const beforeBase = !baseEnded;
    const vars = await serviceStackVars(env, ref);
    return { beforeBase, plan: await planStack(steps, "service stack", init, serviceStackOp({ env, args }), vars) };
  });
}

/**
 * The plan made beside the base stack's, when it stands: always when the base
 * stack had nothing to apply. When it was applied, a plan that started before
 * the apply ended read the base as it was: it is waited for (it holds the
 * service state's lock), its row marked discarded, and the service stack is
 * planned again (no plan returned).
 *
 * @param besideBase the plan made beside the base stack's
 * @param base what the base stack's plan did
 * @param steps the call's steps
 * @param log progress lines
 */
export async function servicePlanStanding(
  besideBase: Promise<BesideBase>,
  base: BaseApply | undefined,
  steps: Steps,
  log: (line: string) => void,
): Promise<{ servicePlan?: SavedPlan }> {
  if (!base?.applied) return { servicePlan: (await besideBase).plan };
  const made = await besideBase.catch(() => undefined);
  if (made && !made.beforeBase) return { servicePlan: made.plan };
  const why = "made beside the base stack's plan, which then had changes: planned again after the base stack's apply";
  steps.discard("plan service stack", why);
  log(`the service stack's plan ${why}`);
  return {};
}
