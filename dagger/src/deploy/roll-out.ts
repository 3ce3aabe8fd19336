/**
 * One rollout and what follows it, for deploy and rollback alike: the image
 * applied, tracked and smoke-tested (apply-and-verify.ts), the outcome recorded
 * in the ledger, then either the summary of a success (with local's emulator
 * state saved) or, on a failure, the previous good image put back, as ECS's
 * circuit breaker would, and the call failed with both outcomes.
 */
import { DeployError } from "../common/errors.js";
import { type LedgerEntry, lastSuccessful } from "../env/ledger.js";
import type { OpenEnvironment } from "../env/open.js";
import { describeSecrets } from "../env/secrets.js";
import { applyAndVerify, type Outcome } from "./apply-and-verify.js";
import type { RollOutArgs } from "./args.js";
import { unchangedLine } from "./change.js";
import type { Steps } from "./steps.js";
import { deploySummary } from "./summary.js";

/**
 * Apply with the image, track, smoke test; record; on success summarize, on
 * failure put the previous image back and fail.
 *
 * @param job the rollout's environment, steps, stacks and image
 * @returns the Markdown summary of a success
 * @throws DeployError with the failure, the evidence and what was put back
 */
export async function rollOut(job: RollOutArgs): Promise<string> {
  const outcome = await applyAndVerify(job, job.image, job.commit, "");
  const entry = ledgerEntry(job, outcome);
  // The rollout's verdict stands whether or not it could be recorded: a failed write is a warning, not a failed deploy.
  const recorded = await job.steps
    .run("record", () => job.env.ledger.append(entry))
    .then(
      () => undefined,
      (err: unknown) =>
        `this deploy is not in the ledger (${job.env.ledger.where}): ${(err as Error).message} — status and rollback will not know it`,
    );
  if (recorded) job.args.log(`warning: ${recorded}`);
  if (outcome.ok) return await succeeded(job, outcome, recorded);
  throw new DeployError(await failed(job, outcome, entry));
}

/**
 * The ledger's record of a rollout.
 *
 * @param job the rollout
 * @param outcome what the apply, rollout and smoke test gave
 */
function ledgerEntry(job: RollOutArgs, outcome: Outcome): LedgerEntry {
  const unchanged = outcome.ok && outcome.change?.unchanged === true;
  return {
    at: new Date().toISOString(),
    kind: unchanged && job.kind === "deploy" ? "unchanged" : job.kind,
    image: job.image,
    commit: job.commit,
    version: job.version,
    verdict: outcome.ok
      ? "SUCCESSFUL"
      : outcome.rollout && outcome.rollout.verdict !== "SUCCESSFUL"
        ? outcome.rollout.verdict
        : "FAILED",
    ...(outcome.cause ? { cause: outcome.cause } : {}),
    seconds: Math.round(job.steps.total),
    by: job.env.identity.arn,
  };
}

/**
 * A successful rollout: local's emulator state saved, then the summary.
 *
 * @param job the rollout
 * @param outcome its outcome (ok)
 * @param recorded the ledger's warning, if the record failed
 */
async function succeeded(job: RollOutArgs, outcome: Outcome, recorded: string | undefined): Promise<string> {
  const { env, steps } = job;
  const unsaved = await saveLocalState(env, steps, outcome.applied || job.base?.applied === true);
  if (unsaved) job.args.log(`warning: ${unsaved}`);
  const warning = [recorded, unsaved].filter((w) => w !== undefined).join(" — ") || undefined;
  // Metadata only; a store that cannot be asked leaves the row out rather than fail a deploy that succeeded.
  const secrets = env.traits.secretStores ? await describeSecrets(env).catch(() => []) : [];
  return deploySummary({
    kind: job.kind,
    mode: env.mode,
    config: env.config,
    identity: env.identity,
    image: job.image,
    commit: job.commit,
    version: job.version,
    outputs: outcome.outputs,
    rollout: outcome.rollout,
    smoke: outcome.smoke,
    stepsTable: steps.table(),
    ...(outcome.change?.unchanged
      ? {
          unchanged: unchangedLine(outcome.change.digest, [
            ...(job.base ? [job.base.planned.stack] : []),
            env.config.names.stacks.service,
          ]),
        }
      : {}),
    secrets: secrets.map((m) => ({
      envVar: m.secret.envVar,
      store: m.secret.kind === "ssm" ? "SSM" : "Secrets Manager",
      name: m.secret.name,
      ...(m.version ? { version: m.version } : {}),
    })),
    warning,
  });
}

/**
 * A failed rollout: the previous good image put back through the same apply
 * and tracking, like the circuit breaker would, recorded, and the message of
 * the failure with what was put back.
 *
 * @param job the rollout
 * @param outcome its outcome (not ok)
 * @param entry its ledger record
 */
async function failed(job: RollOutArgs, outcome: Outcome, entry: LedgerEntry): Promise<string> {
  const { env, steps } = job;
  const previous = lastSuccessful(await env.ledger.read(), job.image);
  let restored: string;
  if (previous) {
    job.args.log(
      `restoring the previous image ${previous.image} (commit ${previous.commit}), as ECS's circuit breaker would`,
    );
    const back = await applyAndVerify(job, previous.image, previous.commit, " (restore)").catch(
      (err: unknown): Outcome => ({
        ok: false,
        cause: (err as Error).message,
        details: (err as Error).message,
        applied: false,
      }),
    );
    await env.ledger.append({
      ...entry,
      at: new Date().toISOString(),
      kind: "restore",
      image: previous.image,
      commit: previous.commit,
      version: previous.version,
      verdict: back.ok ? "SUCCESSFUL" : "FAILED",
      ...(back.cause ? { cause: back.cause } : {}),
      seconds: Math.round(steps.total),
    });
    restored = back.ok
      ? `The previous image ${previous.image} (commit ${previous.commit}) was put back and passed its rollout and smoke test: the service runs it now.`
      : `Putting the previous image ${previous.image} back failed too: ${back.cause ?? "see above"}. Check \`status\`; run \`rollback\` once the cause is fixed.`;
  } else {
    restored = `There is no earlier successful image in the ledger (${env.ledger.where}): the service is left on the failing one. Fix the cause and deploy again, or \`destroy\` it.`;
  }
  return [
    `${job.kind} of ${job.image} to ${env.config.name} FAILED: ${outcome.cause ?? "see below"}`,
    "",
    outcome.details,
    "",
    restored,
    "",
    steps.table(),
  ].join("\n");
}

/**
 * local, after a successful rollout: keeps the emulator's state for the next
 * call. A failed save is a warning (this deploy stands; the next call starts
 * from empty and says why). Returns the warning, if any. When nothing was
 * applied the emulator holds what the saved state holds: the save is skipped.
 *
 * @param env the open environment
 * @param steps the call's steps
 * @param applied whether either stack was applied in this call
 */
async function saveLocalState(env: OpenEnvironment, steps: Steps, applied: boolean): Promise<string | undefined> {
  if (!env.saveLocalState) return undefined;
  if (!applied) {
    steps.skip("save local state", "nothing was applied: the state saved by the last deploy is the emulator's");
    return undefined;
  }
  const save = env.saveLocalState;
  return steps
    .run("save local state", save, (s) => `${(s.bytes / 1e6).toFixed(1)} MB`)
    .then(
      () => undefined,
      (err: unknown) =>
        `the local emulator's state was not saved (${(err as Error).message}): the next call starts from empty`,
    );
}
