/**
 * One rollout of an image, as deploy, rollback and the restore after a failed
 * deploy run it: the service stack planned with the image and applied when the
 * plan has changes, the rollout followed, the smoke test. With nothing applied
 * there is no rollout to follow: the smoke test checks the running image, and
 * deployChange() says whether the deploy is unchanged.
 */
import { DeployError } from "../common/errors.js";
import { secretVersionsVar } from "../env/secrets.js";
import { applyPlanned, planThenApply, type StackApply } from "./plan-apply.js";
import { type Change, deployChange, type PlannedStack } from "./change.js";
import type { RollOutArgs } from "./args.js";
import { smokeAws, smokeStandIn } from "./smoke.js";
import type { OpenEnvironment } from "../env/open.js";
import { trackRollout } from "../rollout/track.js";
import { ECS_ACCEPTANCE, EMULATOR_ACCEPTANCE } from "../rollout/acceptance.js";
import { createRolloutClients } from "../rollout/clients.js";
import type { RolloutResult } from "../rollout/model.js";
import { formatProgress } from "../rollout/summary.js";
import { serviceState } from "../env/service-state.js";
import { smokeDetail, type SmokeResult } from "./probe.js";
import { serviceOutputs, type ServiceOutputs } from "../stacks/outputs.js";
import { readOutputs } from "../stacks/tofu.js";
import type { TofuOperation } from "../stacks/tofu-failure.js";

// Expected rollout time (shown while waiting; the tracker's budget is 3× this):
// 90 s on AWS with the stacks' fast defaults (infra README, "deploy-time budget");
// 30 s on an emulator, which runs no tasks (the stand-in starts in seconds).
const EXPECTED_ROLLOUT_SECONDS = { aws: 90, emulator: 30 } as const;

/** What one apply + rollout + smoke test gave. */
export interface Outcome {
  ok: boolean;
  /** The service stack's outputs; undefined when the apply failed before them. */
  outputs?: ServiceOutputs;
  rollout?: RolloutResult;
  smoke?: SmokeResult;
  /** One line: why it failed. */
  cause?: string;
  /** The evidence, for people. */
  details: string;
  /** Whether the service stack was applied (false: its plan had no changes). */
  applied: boolean;
  /** Whether the deploy is unchanged (nothing applied, the image runs already), when nothing was applied. */
  change?: Change;
}

/**
 * Plan with an image (apply when the plan has changes), follow the rollout,
 * smoke test. With nothing applied there is no rollout to follow: the smoke
 * test checks the running image, and whether the deploy is unchanged is
 * decided (deployChange). Throws only when the plan or apply fails or its state
 * lacks an output the rollout needs (MissingOutputError).
 *
 * @param job the rollout's environment, steps and service stack
 * @param image the image to run, by digest
 * @param commit the commit the smoke test expects the image to report
 * @param label appended to the step names ("" or " (restore)")
 */
export async function applyAndVerify(job: RollOutArgs, image: string, commit: string, label: string): Promise<Outcome> {
  const { env, steps } = job;
  const applyStartedAt = new Date();
  const done = await applyService(job, image, label);
  const smokeTest = (out?: ServiceOutputs) =>
    steps.run(
      `smoke test${label}`,
      // out: undefined only for the stand-in's (it needs no outputs).
      () => (env.traits.emulated ? smokeStandIn(env, image, commit) : smokeAws(env, out!, commit)),
      smokeDetail,
    );
  // Nothing applied on an emulator: the stand-in's smoke test needs only the image, so it starts
  // now, beside reading the outputs and what runs (a no-change deploy's last steps, ~1.3 s).
  const earlySmoke = !done.applied && env.traits.emulated ? smokeTest() : undefined;
  earlySmoke?.catch(() => {});
  const [stackOutputs, running] = await Promise.all([
    readOutputs(done.container),
    done.applied ? undefined : serviceState(env),
  ]);
  // Required, each: a rollout followed on a guessed name or an empty task definition would watch the wrong thing.
  const out = serviceOutputs(stackOutputs, env.config.outputs.service, {
    role: "service",
    stack: env.config.names.stacks.service,
    next: "the apply did not finish writing its state; run deploy again",
  });
  let rollout: RolloutResult | undefined;
  let change: Change | undefined;
  if (done.applied) {
    rollout = await followRollout(job, out, applyStartedAt, label);
    if (rollout.verdict !== "SUCCESSFUL") {
      return {
        ok: false,
        outputs: out,
        rollout,
        cause: `rollout ${rollout.verdict}: ${rollout.reason}`,
        details: rollout.summary,
        applied: true,
      };
    }
  } else {
    change = nothingApplied(job, done.planned, image, running?.image, label);
  }
  const smoke = await (earlySmoke ?? smokeTest(out));
  const ran = {
    outputs: out,
    smoke,
    applied: done.applied,
    ...(rollout ? { rollout } : {}),
    ...(change ? { change } : {}),
  };
  if (!smoke.ok) return { ok: false, ...ran, ...smokeFailure(env, smoke, rollout) };
  return {
    ok: true,
    ...ran,
    details: rollout?.summary ?? (change?.unchanged ? "unchanged" : "nothing was applied to the service"),
  };
}

/**
 * The service stack with the image: the plan made beside the base stack's
 * applied when it is this image's, else planned now; applied only with changes.
 *
 * @param job the rollout
 * @param image the image to run, by digest
 * @param label appended to the step names
 */
async function applyService(job: RollOutArgs, image: string, label: string): Promise<StackApply> {
  const op = serviceStackOp(job);
  const what = `service stack${label}`;
  return job.servicePlan && label === "" && image === job.image
    ? await applyPlanned(job.steps, what, job.servicePlan, op)
    : await planThenApply(job.steps, what, job.serviceInit, op, await serviceStackVars(job.env, image));
}

/**
 * Nothing was applied to the service: whether the deploy is unchanged (the
 * image runs already) or why not, and the rollout's row skipped with that.
 *
 * @param job the rollout
 * @param service the service stack's plan
 * @param image the image being rolled out
 * @param running the image the service runs now, if any
 * @param label appended to the step names
 */
function nothingApplied(
  job: RollOutArgs,
  service: PlannedStack,
  image: string,
  running: string | undefined,
  label: string,
): Change {
  const change = deployChange({
    ...(job.base ? { base: job.base.planned } : {}),
    service,
    image,
    ...(running ? { running } : {}),
  });
  job.steps.skip(
    `rollout${label}`,
    change.unchanged
      ? `nothing was applied: the service runs ${change.digest} already`
      : `nothing was applied to the service (${change.why})`,
  );
  return change;
}

/**
 * Why a smoke test's failure fails the rollout, in words.
 *
 * @param env the open environment
 * @param smoke what the smoke test saw
 * @param rollout the rollout it followed, if one was
 */
function smokeFailure(
  env: OpenEnvironment,
  smoke: SmokeResult,
  rollout: RolloutResult | undefined,
): { cause: string; details: string } {
  const tried = `${smoke.url} — ${smoke.reason} (${smoke.attempts} attempts in ${smoke.seconds.toFixed(0)} s).`;
  return {
    cause: `smoke test failed: ${smoke.reason}`,
    details: [
      rollout
        ? `The rollout reached ${rollout.verdict}, but the health check failed: ${tried}`
        : `Nothing was applied (the service stack's plan had no changes), and the health check of the image it runs failed: ${tried}`,
      ...(env.traits.emulated
        ? [
            "(On an emulator the image runs as a stand-in service in the engine; the ALB would mark these targets unhealthy and the circuit breaker would roll back.)",
          ]
        : []),
    ].join("\n"),
  };
}

/**
 * The service stack's plan and apply: its state, lock timeout and what to say on failure.
 *
 * @param r the rollout's environment and arguments
 */
export function serviceStackOp(r: Pick<RollOutArgs, "env" | "args">): Omit<TofuOperation, "command"> {
  return {
    stack: r.env.config.names.stacks.service,
    lockTimeoutSeconds: r.args.lockTimeoutSeconds,
    rerun: r.env.traits.command("deploy"),
    next: applyState,
  };
}

/**
 * The service stack's plan variables for an image.
 *
 * @param env the open environment
 * @param image the image to run, by digest
 */
export async function serviceStackVars(env: OpenEnvironment, image: string): Promise<string[]> {
  return [
    "-var",
    `${env.config.imageVariable}=${image}`,
    // The versions now: a secret rotated since the running tasks started makes the plan redeploy them.
    ...(await secretVersionsVar(env)),
    ...rulePriorityVar(env),
  ];
}

/**
 * An attached service's rule priority, as its claim holds it (the deploy's
 * preflight claims it; a rollback runs only after a deploy did); none for a
 * standalone service.
 *
 * @param env the open environment
 */
export function rulePriorityVar(env: OpenEnvironment): string[] {
  if (!env.shared) return [];
  const claim = env.shared.claim;
  if (!claim)
    throw new DeployError(
      `${env.config.names.service} holds no claim on ${env.shared.host} in shared environment "${env.shared.view.environment}": nothing of it is deployed there. Run ${env.traits.command("deploy")} first.`,
    );
  return ["-var", `${env.shared.view.priorityVariable}=${claim.priority}`];
}

/**
 * Follows the rollout an apply started (step "rollout<label>").
 *
 * @param r the rollout's environment and steps
 * @param out the service stack's outputs (cluster, service, task definition)
 * @param applyStartedAt when the apply started (deployments before it are not this one's)
 * @param label appended to the step name
 */
async function followRollout(
  r: RollOutArgs,
  out: ServiceOutputs,
  applyStartedAt: Date,
  label: string,
): Promise<RolloutResult> {
  const { env, args, steps } = r;
  const { clusterName: cluster, serviceName: service, taskDefinitionArn } = out;
  const emulated = env.traits.emulated;
  return steps.run(
    `rollout${label}`,
    async () => {
      const clients = await createRolloutClients(env.sdk);
      try {
        return await trackRollout({
          clients,
          cluster,
          service,
          taskDefinitionArn,
          applyStartedAt,
          expectedSeconds: EXPECTED_ROLLOUT_SECONDS[emulated ? "emulator" : "aws"],
          acceptance: emulated ? EMULATOR_ACCEPTANCE : ECS_ACCEPTANCE,
          onProgress: (p) => args.log(formatProgress(p)),
        });
      } finally {
        clients.destroy();
      }
    },
    (res) => res.verdict,
  );
}

/**
 * What state a failed service-stack apply left, and what to do.
 *
 * @param partial whether the apply changed some resources before it failed
 */
function applyState(partial: boolean): string {
  return partial
    ? "State: what the apply completed is recorded in the state; the rest was not changed. Fix the cause and run deploy again: it continues from there."
    : "State: nothing was changed. Fix the cause and run deploy again.";
}
