/**
 * OpenTofu on a synthesized stack, in the official OpenTofu image: init with the
 * S3 backend (native lock file), plan, apply, output, destroy, force-unlock.
 * Credentials reach tofu as secret environment variables; every command that
 * touches remote state runs again on every call (never replayed from cache).
 * A plan, apply or destroy goes through runLocked(), whose failure is a typed
 * TofuError (tofu-failure.ts) whose message says what state things are in and what to do.
 */
import { dag, type Container, type Directory, ReturnType, type Secret, type Service } from "@dagger.io/dagger";

import { indent } from "../common/errors.js";
import { parseOutputs, type StackOutputs } from "./outputs.js";
import { errorLines, type TofuOperation, tofuFailure } from "./tofu-failure.js";

/** The OpenTofu image (≥ 1.10: the S3 backend's native lock file, `use_lockfile`). */
export const TOFU_IMAGE = "opentofu/opentofu:1.12.6";

// No shared provider cache (TF_PLUGIN_CACHE_DIR): the synthesized stacks carry no
// dependency lock file, and without one OpenTofu never takes a provider from the
// cache; it installs it into the cache again on every init, and two inits at once
// (the two stacks' inits run side by side) remove each other's copy mid-install
// ("failed to compute a checksum … no such file or directory"; the cache is not
// safe for concurrent use, opentofu/opentofu#1483). Each init installs into its
// own working directory instead, as it did into the cache.

/** Where OpenTofu's AWS calls go and with which credentials. */
export interface TofuAws {
  region: string;
  /**
   * Access key id, secret key and optional session token: Secrets (never in plain
   * env), or plain strings for an emulator's fixed fake credentials (as secrets,
   * the engine would mask their common words, e.g. "test", in every output).
   */
  accessKeyId: Secret | string;
  secretAccessKey: Secret | string;
  sessionToken?: Secret;
  /** Environment variables that point the provider and backend at an emulator (empty for AWS). */
  emulatorEnv: Record<string, string>;
  /** `tofu init` flags an emulator's backend needs (empty for AWS). */
  backendConfig: string[];
  /** The emulator as a Dagger service, bound as `bindingName` (the local environment). */
  service?: { binding: string; svc: Service };
}

/** The outcome of one tofu command. */
export interface TofuRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The container after the command (to chain `output`). */
  container: Container;
  seconds: number;
}

/**
 * A container with tofu, the stack, the credentials, and `tofu init` done.
 *
 * @param stack the synthesized stack (its cdk.tf.json)
 * @param aws where OpenTofu's AWS calls go
 * @param runId unique per call: keeps the engine from replaying anything that touches state
 */
export async function tofuInit(stack: Directory, aws: TofuAws, runId: string): Promise<Container> {
  let ctr = dag
    .container()
    .from(TOFU_IMAGE)
    .withEnvVariable("TF_IN_AUTOMATION", "1")
    .withEnvVariable("TF_INPUT", "0")
    .withEnvVariable("AWS_REGION", aws.region);
  for (const [name, value] of [
    ["AWS_ACCESS_KEY_ID", aws.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", aws.secretAccessKey],
  ] as const) {
    ctr = typeof value === "string" ? ctr.withEnvVariable(name, value) : ctr.withSecretVariable(name, value);
  }
  if (aws.sessionToken) ctr = ctr.withSecretVariable("AWS_SESSION_TOKEN", aws.sessionToken);
  for (const [k, v] of Object.entries(aws.emulatorEnv)) ctr = ctr.withEnvVariable(k, v);
  if (aws.service) ctr = ctr.withServiceBinding(aws.service.binding, aws.service.svc);
  ctr = ctr.withDirectory("/stack", stack).withWorkdir("/stack").withEnvVariable("FP_RUN", runId);
  const init = await runTofu(ctr, ["init", "-input=false", ...aws.backendConfig]);
  if (init.exitCode !== 0) {
    throw new Error(
      [
        "tofu init failed (nothing was changed):",
        indent(errorLines(init)),
        /NoSuchBucket|bucket does not exist|S3 bucket .* does not exist/i.test(init.stderr + init.stdout)
          ? "The state bucket does not exist: run `dagger call environment --name <env> with-aws-credentials … bootstrap` first (once, as an administrator)."
          : "Check the credentials and region, then run again.",
      ].join("\n"),
    );
  }
  return init.container;
}

/**
 * Runs `tofu ARGS` and returns whatever its exit status (nothing is cached: FP_RUN
 * is unique per call, and each command has its own start time).
 *
 * @param ctr a container from tofuInit()
 * @param args arguments after `tofu`
 */
export async function runTofu(ctr: Container, args: string[]): Promise<TofuRun> {
  const start = Date.now();
  const out = ctr
    .withEnvVariable("FP_STEP_AT", String(start))
    .withExec(["tofu", ...args.slice(0, 1), "-no-color", ...args.slice(1)], { expect: ReturnType.Any });
  const [exitCode, stdout, stderr] = await Promise.all([out.exitCode(), out.stdout(), out.stderr()]);
  return { exitCode, stdout, stderr, container: out, seconds: (Date.now() - start) / 1000 };
}

/**
 * Runs a tofu command that takes the state lock (plan, apply, destroy), with
 * -input=false and the lock flags; its failure throws a TofuError that says
 * whose lock it was, or why it failed, and what to do.
 *
 * @param ctr a container from tofuInit()
 * @param op the command, the stack and what to say on failure
 * @param args the command's own arguments (e.g. -auto-approve, -var image=…)
 */
export async function runLocked(ctr: Container, op: TofuOperation, args: string[]): Promise<TofuRun> {
  const r = await runTofu(ctr, [op.command, "-input=false", ...lockArgs(op.lockTimeoutSeconds), ...args]);
  if (r.exitCode !== 0) throw tofuFailure(r, op);
  return r;
}

/** Where planLocked() saves the plan, in the stack's directory. */
export const PLAN_FILE = "tfplan";

/** A plan saved in its container (PLAN_FILE), and whether applying it would change anything. */
export interface SavedPlan {
  /** tofu's -detailed-exitcode: 2 (changes, outputs included) → true, 0 → false. */
  changes: boolean;
  /** The plan as it ran: its container holds the saved plan. */
  run: TofuRun;
}

/**
 * `tofu plan -detailed-exitcode -out=tfplan` under the state lock: exit 0 is
 * no change, 2 is changes (the plan is saved for applySaved()), anything else
 * throws the TofuError of the failure.
 *
 * @param ctr a container from tofuInit()
 * @param op what to say on failure (command "plan")
 * @param args the plan's own arguments (e.g. -var image=…)
 */
export async function planLocked(ctr: Container, op: TofuOperation, args: string[]): Promise<SavedPlan> {
  const r = await runTofu(ctr, [
    "plan",
    "-input=false",
    ...lockArgs(op.lockTimeoutSeconds),
    "-detailed-exitcode",
    `-out=${PLAN_FILE}`,
    ...args,
  ]);
  // 2 with -detailed-exitcode: the plan succeeded and has changes.
  if (r.exitCode !== 0 && r.exitCode !== 2) throw tofuFailure(r, op);
  return { changes: r.exitCode === 2, run: r };
}

/**
 * Applies a saved plan (no second refresh; a plan made stale by another run's
 * apply in between is refused by tofu, and that refusal is the TofuError).
 *
 * @param plan what planLocked() returned
 * @param op what to say on failure (command "apply")
 */
export async function applySaved(plan: SavedPlan, op: TofuOperation): Promise<TofuRun> {
  return runLocked(plan.run.container, op, [PLAN_FILE]);
}

/** Lock flags for commands that write state. */
export function lockArgs(lockTimeoutSeconds: number): string[] {
  return ["-lock=true", `-lock-timeout=${Math.max(0, Math.round(lockTimeoutSeconds))}s`];
}

/**
 * The `tofu output -json` values of a stack, as strings (lists joined by commas).
 *
 * @param ctr a container from tofuInit() (after an apply or not)
 */
export async function readOutputs(ctr: Container): Promise<StackOutputs> {
  const r = await runTofu(ctr, ["output", "-json"]);
  if (r.exitCode !== 0) throw new Error(`tofu output failed:\n${indent(errorLines(r))}`);
  return parseOutputs(r.stdout);
}
