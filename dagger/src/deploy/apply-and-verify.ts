/**
 * One rollout of an image, as deploy, rollback and the restore after a failed
 * deploy run it: the service stack planned with the image and applied when the
 * plan has changes, the rollout followed, the smoke test. With nothing applied
 * there is no rollout to follow: the smoke test checks the running image, and
 * deployChange() says whether the deploy is unchanged.
 */
import { secretVersionsVar } from "../env/secrets.js";
import { callOn } from "../common/cli.js";
import { applyPlanned, planThenApply } from "./plan-apply.js";
import { type Change, deployChange } from "./change.js";
import type { RollOutArgs } from "./args.js";
import { smokeAws, smokeStandIn } from "./smoke.js";
import type { OpenEnvironment } from "../env/open.js";
import { trackRollout } from "../rollout/track.js";
import { ECS_ACCEPTANCE, EMULATOR_ACCEPTANCE } from "../rollout/acceptance.js";
import { createRolloutClients } from "../rollout/clients.js";
import type { RolloutResult } from "../rollout/model.js";
import { formatProgress } from "../rollout/summary.js";
import { serviceState } from "../env/service-state.js";
import type { SmokeResult } from "./probe.js";
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
 * @param r the rollout's environment, steps and service stack
 * @param image the image to run, by digest
 * @param commit the commit the smoke test expects the image to report
 * @param label appended to the step names ("" or " (restore)")
 */
export async function applyAndVerify(r: RollOutArgs, image: string, commit: string, label: string): Promise<Outcome> {
  const { env, args, steps } = r;
  const applyStartedAt = new Date();
  const op = serviceStackOp(r);
  const what = `service stack${label}`;
  const done =
    r.servicePlan && label === "" && image === r.image
      ? await applyPlanned(steps, what, r.servicePlan, op)
      : await planThenApply(steps, what, r.serviceInit, op, await serviceStackVars(env, image));
  const emulated = isEmulated(env.mode);
  const smokeTest = (out?: ServiceOutputs) =>
    steps.run(
      `smoke test${label}`,
      // out: undefined only for the stand-in's (it needs no outputs).
      () => (emulated ? smokeStandIn(env, image, commit, args.emulatorRegistry) : smokeAws(env, out!, commit)),
      (s) => (s.ok ? `${s.url} → ${s.status} commit ${s.commit}` : `FAILED: ${s.reason}`),
    );
  // Nothing applied on an emulator: the stand-in's smoke test needs only the image, so it starts
  // now, beside reading the outputs and what runs (a no-change deploy's last steps, ~1.3 s).
  const earlySmoke = !done.applied && emulated ? smokeTest() : undefined;
  earlySmoke?.catch(() => {});
  const [stackOutputs, running] = await Promise.all([
    readOutputs(done.container),
    done.applied ? undefined : serviceState(env),
  ]);
  // Required, each: a rollout followed on a guessed name or an empty task definition would watch the wrong thing.
  const out = serviceOutputs(stackOutputs, env.config.outputs.service, {
    role: "service",
    stack: op.stack,
    next: "the apply did not finish writing its state; run deploy again",
  });
  let rollout: RolloutResult | undefined;
  let change: Change | undefined;
  if (done.applied) {
    rollout = await followRollout(r, out, applyStartedAt, label);
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
    change = deployChange({
      ...(r.base ? { base: r.base.planned } : {}),
      service: done.planned,
      image,
      ...(running?.image ? { running: running.image } : {}),
    });
    steps.skip(
      `rollout${label}`,
      change.unchanged
        ? `nothing was applied: the service runs ${change.digest} already`
        : `nothing was applied to the service (${change.why})`,
    );
  }
  const smoke = await (earlySmoke ?? smokeTest(out));
  const ran = {
    outputs: out,
    smoke,
    applied: done.applied,
    ...(rollout ? { rollout } : {}),
    ...(change ? { change } : {}),
  };
  if (!smoke.ok) {
    return {
      ok: false,
      ...ran,
      cause: `smoke test failed: ${smoke.reason}`,
      details: [
        rollout
          ? `The rollout reached ${rollout.verdict}, but the health check failed: ${smoke.url} — ${smoke.reason} (${smoke.attempts} attempts in ${smoke.seconds.toFixed(0)} s).`
          : `Nothing was applied (the service stack's plan had no changes), and the health check of the image it runs failed: ${smoke.url} — ${smoke.reason} (${smoke.attempts} attempts in ${smoke.seconds.toFixed(0)} s).`,
        ...(emulated
          ? [
              "(On an emulator the image runs as a stand-in service in the engine; the ALB would mark these targets unhealthy and the circuit breaker would roll back.)",
            ]
          : []),
      ].join("\n"),
    };
  }
  return {
    ok: true,
    ...ran,
    details: rollout?.summary ?? (change?.unchanged ? "unchanged" : "nothing was applied to the service"),
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
    rerun: rerunDeploy(r.args.name, r.env),
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
  ];
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
  const emulated = isEmulated(env.mode);
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
 * The command that runs a deploy again, for the state-lock message.
 *
 * @param name the environment's name
 * @param env the open environment (local needs no AWS flags)
 */
export function rerunDeploy(name: string, env: OpenEnvironment): string {
  return env.mode === "local" ? "dagger call deploy" : callOn(name, "deploy");
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

/**
 * Whether a rollout gets the emulator's rules: the emulator's verdict (it runs
 * no tasks, so a completed deployment with none running is accepted) and the
 * stand-in smoke test. Only where the caller said there is an emulator: `local`,
 * or with-emulator. AWS at a custom endpoint gets the real rules.
 *
 * @param mode where the deploy runs (environment.ts environmentMode)
 */
export function isEmulated(mode: OpenEnvironment["mode"]): boolean {
  return mode !== "aws";
}
