/**
 * `deploy` and `rollback`: from source (or an earlier image) to a verified
 * rollout, one path for every environment.
 *
 *   preflight ─┬─ check ──┐
 *              ├─ test ───┼─ publish (by digest) ──────────────┐
 *              ├─ build ──┘                                    ├─ plan (─ apply) service stack ─ rollout ─ smoke test ─ ledger ─ summary
 *              └─ synth ─┬─ init ──────────────────────────────┤
 *                        └─ plan (─ apply) base stack (local) ─┘
 *
 * On local with the emulator restored from the last deploy's state, the
 * service stack is planned as soon as the image is published and init done,
 * beside the base stack's plan; a base stack that then has changes to apply
 * makes that plan void, and the service stack is planned again after its apply
 * (deploy-infra.ts). Elsewhere `check registry` comes before init and publish.
 *
 * Each stack is planned first and its saved plan applied only when it has
 * changes. When both planned no change and the image is the one running, the
 * deploy is "unchanged" (deploy-change.ts): nothing is applied, no rollout is
 * followed, the smoke test confirms the running digest, and the ledger says so.
 *
 * A failure stops the deploy with its cause, what state things are in and what
 * to do. A rollout that fails (or whose smoke test fails) is a failed deploy:
 * the previous successful image is put back through the same apply and
 * tracking (as ECS's circuit breaker would), and the call fails.
 */
import { checkSecretsExist, describeSecrets } from "../env/secrets.js";
import { pushToEnvironment } from "./image.js";
import { unchangedLine } from "./change.js";
import { planServiceBesideBase, prepareInfra, servicePlanStanding } from "./prepare-stacks.js";
import { applyAndVerify, type Outcome } from "./apply-and-verify.js";
import type { DeployArgs, RollbackArgs, RollOutArgs } from "./args.js";
import { deploySummary } from "./summary.js";
import { effectiveCommit, runtimeImage } from "../build/dockerfile.js";
import { runTests } from "../build/test-stage.js";
import { runChecks } from "../check/run-checks.js";
import { type OpenEnvironment, openEnvironment } from "../env/open.js";
import { DeployError, redact } from "../common/errors.js";
import { digestOf, type LedgerEntry, lastSuccessful } from "../env/ledger.js";
import { Steps } from "./steps.js";

/**
 * `deploy`: builds, tests, publishes and rolls out the source to an environment.
 *
 * @param args the call's arguments
 * @returns the Markdown summary
 */
export async function deploy(args: DeployArgs): Promise<string> {
  const steps = new Steps(args.log);
  const commit = await effectiveCommit(args.source, args.gitCommit);
  const build = { version: args.version, gitCommit: commit };
  // Started at once: they depend only on the source.
  const checked = steps.run("check", () => runChecks(args.source));
  const tested = steps.run("test", () => runTests(args.source, args.dockerfile));
  const built = steps.run("build", async () => (await runtimeImage(args.source, args.dockerfile, build)).sync());
  // Unhandled-rejection guards: the first failure is reported below, the others are moot.
  for (const p of [checked, tested, built]) p.catch(() => {});

  const env = await steps
    .run(
      "preflight",
      () => openEnvironment(args, "deploy"),
      (e) => `${e.mode}, account ${e.identity.account}`,
    )
    .catch((err: unknown) => {
      steps.end();
      throw err;
    });
  try {
    await steps.run(
      "preflight: secrets",
      () => checkSecretsExist(env),
      (line) => line,
    );
    const images = Promise.all([checked, tested, built]).then(([, , image]) => image);
    images.catch(() => {});
    const infra = prepareInfra(env, args, steps);
    // local pushes to its own registry, which needs nothing of the stacks; elsewhere the ECR
    // repository is checked first (prepareInfra).
    const published = (env.mode === "local" ? images : Promise.all([images, infra.base]).then(([i]) => i)).then(
      (image) =>
        steps.run(
          "publish",
          () => pushToEnvironment(env, image, commit, args.emulatorRegistry),
          (r) => digestOf(r),
        ),
    );
    published.catch(() => {});
    const besideBase = planServiceBesideBase(env, args, steps, infra, published);
    besideBase?.catch(() => {});
    // Awaited in this order: a failed check, test or build is the failure reported, then the base stack's.
    await images;
    const base = await infra.base;
    const serviceInit = await infra.serviceInit;
    const ref = await published;
    return await rollOut({
      env,
      args,
      steps,
      serviceInit,
      ...(base ? { base } : {}),
      ...(besideBase ? await servicePlanStanding(besideBase, base, steps, args.log) : {}),
      image: ref,
      commit,
      version: args.version,
      kind: "deploy",
    });
  } catch (err) {
    throw new DeployError(redact(describeFailure(err, steps), env.secrets));
  } finally {
    steps.end();
    await env.close();
  }
}

/**
 * `rollback`: rolls the environment out to an earlier image (the last
 * successful one before the current, from the ledger), through the same
 * apply, tracking and smoke test as a deploy.
 *
 * @param args the call's arguments
 */
export async function rollback(args: RollbackArgs): Promise<string> {
  const steps = new Steps(args.log);
  const env = await steps.run(
    "preflight",
    () => openEnvironment(args, "rollback"),
    (e) => `${e.mode}, account ${e.identity.account}`,
  );
  try {
    const entries = await env.ledger.read();
    const current = [...entries].reverse().find((e) => e.verdict === "SUCCESSFUL");
    const chosen = args.image
      ? entries.find((e) => digestOf(e.image) === digestOf(args.image!))
      : lastSuccessful(entries, current?.image);
    if (!chosen) {
      throw new DeployError(
        args.image
          ? `rollback: ${args.image} is not in the deployment ledger of "${env.config.name}" (${env.ledger.where}); \`status\` lists the images deployed`
          : `rollback: no earlier successful deploy in the ledger of "${env.config.name}" (${env.ledger.where})${current ? `; the only one is ${current.image}` : ""}: nothing to roll back to`,
      );
    }
    args.log(`rollback to ${chosen.image} (commit ${chosen.commit}, deployed ${chosen.at})`);
    const infra = prepareInfra(env, args, steps);
    const base = await infra.base;
    const serviceInit = await infra.serviceInit;
    return await rollOut({
      env,
      args,
      steps,
      serviceInit,
      ...(base ? { base } : {}),
      image: chosen.image,
      commit: chosen.commit,
      version: chosen.version,
      kind: "rollback",
    });
  } catch (err) {
    throw new DeployError(redact(describeFailure(err, steps), env.secrets));
  } finally {
    await env.close();
  }
}

/** Apply with the image, track, smoke test; on failure put the previous image back; record; summarize. */
async function rollOut(r: RollOutArgs): Promise<string> {
  const { env, args, steps } = r;
  const outcome = await applyAndVerify(r, r.image, r.commit, "");
  const unchanged = outcome.ok && outcome.change?.unchanged === true;
  const entry: LedgerEntry = {
    at: new Date().toISOString(),
    kind: unchanged && r.kind === "deploy" ? "unchanged" : r.kind,
    image: r.image,
    commit: r.commit,
    version: r.version,
    verdict: outcome.ok
      ? "SUCCESSFUL"
      : outcome.rollout && outcome.rollout.verdict !== "SUCCESSFUL"
        ? outcome.rollout.verdict
        : "FAILED",
    ...(outcome.cause ? { cause: outcome.cause } : {}),
    seconds: Math.round(steps.total),
    by: env.identity.arn,
  };
  // The rollout's verdict stands whether or not it could be recorded: a failed write is a warning, not a failed deploy.
  const recorded = await steps
    .run("record", () => env.ledger.append(entry))
    .then(
      () => undefined,
      (err: unknown) =>
        `this deploy is not in the ledger (${env.ledger.where}): ${(err as Error).message} — status and rollback will not know it`,
    );
  if (recorded) args.log(`warning: ${recorded}`);
  if (outcome.ok) {
    const unsaved = await saveLocalState(env, steps, outcome.applied || r.base?.applied === true);
    if (unsaved) args.log(`warning: ${unsaved}`);
    const warning = [recorded, unsaved].filter((w) => w !== undefined).join(" — ") || undefined;
    const { kind, image, commit, version } = r;
    const { mode, config, identity } = env;
    // Metadata only; a store that cannot be asked leaves the row out rather than fail a deploy that succeeded.
    const secrets = mode === "local" ? [] : await describeSecrets(env).catch(() => []);
    const versions = secrets.map((m) => ({
      envVar: m.secret.envVar,
      store: m.secret.kind === "ssm" ? "SSM" : "Secrets Manager",
      name: m.secret.name,
      ...(m.version ? { version: m.version } : {}),
    }));
    return deploySummary({
      kind,
      mode,
      config,
      identity,
      image,
      commit,
      version,
      outputs: outcome.outputs,
      rollout: outcome.rollout,
      smoke: outcome.smoke,
      stepsTable: steps.table(),
      ...(outcome.change?.unchanged
        ? {
            unchanged: unchangedLine(outcome.change.digest, [
              ...(r.base ? [r.base.planned.stack] : []),
              env.config.names.stacks.service,
            ]),
          }
        : {}),
      secrets: versions,
      warning,
    });
  }

  // Failed: put the previous good image back, like the circuit breaker would, and say so.
  const previous = lastSuccessful(await env.ledger.read(), r.image);
  let restored: string;
  if (previous) {
    args.log(
      `restoring the previous image ${previous.image} (commit ${previous.commit}), as ECS's circuit breaker would`,
    );
    const back = await applyAndVerify(r, previous.image, previous.commit, " (restore)").catch(
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
  throw new DeployError(
    [
      `${r.kind} of ${r.image} to ${env.config.name} FAILED: ${outcome.cause ?? "see below"}`,
      "",
      outcome.details,
      "",
      restored,
      "",
      steps.table(),
    ].join("\n"),
  );
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

/** A failure before or during the apply, with the step it happened in. */
function describeFailure(err: unknown, steps: Steps): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof DeployError) return message;
  const done = steps.ran;
  const applied = done.some((n) => n.startsWith("apply service stack"));
  return [
    message,
    "",
    applied
      ? "State: the service stack was applied; see above for what failed after it. `status` shows what runs."
      : "State: nothing was applied to the environment. Fix the cause above and run again.",
  ].join("\n");
}
