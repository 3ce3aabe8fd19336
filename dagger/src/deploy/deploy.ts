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
 * (prepare-stacks.ts). Elsewhere `check registry` comes before init and publish.
 *
 * Each stack is planned first and its saved plan applied only when it has
 * changes. When both planned no change and the image is the one running, the
 * deploy is "unchanged" (change.ts): nothing is applied, no rollout is
 * followed, the smoke test confirms the running digest, and the ledger says so.
 *
 * A failure stops the deploy with its cause, what state things are in and what
 * to do. A rollout that fails (or whose smoke test fails) is a failed deploy:
 * the previous successful image is put back through the same apply and
 * tracking (as ECS's circuit breaker would), and the call fails (roll-out.ts).
 */
import type { Container } from "@dagger.io/dagger";

import { buildRuntime, effectiveCommit } from "../build/dockerfile.js";
import { runTests } from "../build/test-stage.js";
import { runChecks } from "../check/run-checks.js";
import { DeployError } from "../common/errors.js";
import { digestOf, lastSuccessful } from "../env/ledger.js";
import { type OpenEnvironment, type OperationOptions, withEnvironment } from "../env/open.js";
import { checkSecretsExist } from "../env/secrets.js";
import type { DeployArgs, RollbackArgs } from "./args.js";
import { pushToEnvironment } from "./image.js";
import { planServiceBesideBase, prepareInfra, servicePlanStanding } from "./prepare-stacks.js";
import { rollOut } from "./roll-out.js";
import { Steps } from "./steps.js";
import { attachService } from "./attach-service.js";

/**
 * `deploy`: builds, tests, publishes and rolls out the source to an environment.
 *
 * @param args the call's arguments
 * @returns the Markdown summary
 */
export async function deploy(args: DeployArgs): Promise<string> {
  const steps = new Steps(args.log);
  try {
    const commit = await effectiveCommit(args.source, args.gitCommit);
    const gates = startGates(args, steps, commit);
    return await withEnvironment(
      args,
      "deploy",
      async (env) => {
        await steps.run(
          "preflight: secrets",
          () => checkSecretsExist(env),
          (line) => line,
        );
        if (env.shared)
          await steps.run(
            "preflight: shared environment",
            () => attachService(env),
            (line) => line,
          );
        return await deployImage(env, args, steps, gates, commit);
      },
      stepsOptions(steps),
    );
  } finally {
    steps.end();
  }
}

/**
 * check, test and build, started at once: they depend only on the source.
 * Resolves to the built image once all three passed; the first failure is the
 * one reported (the others are moot, their rejections handled here).
 *
 * @param args the call's arguments
 * @param steps the call's steps
 * @param commit the commit the image reports
 */
function startGates(args: DeployArgs, steps: Steps, commit: string): Promise<Container> {
  // The tests run once: the test stage runs them, so check does not run the project's test command too.
  const checked = steps.run("check", () =>
    runChecks(args.source, { dockerfile: args.dockerfile, tests: false, secrets: args.buildSecrets }),
  );
  const tested = steps.run("test", () => runTests(args.source, args.dockerfile, args.buildSecrets));
  const built = steps.run("build", async () => {
    const { image } = await buildRuntime(args.source, args.dockerfile, {
      version: args.version,
      gitCommit: commit,
      secrets: args.buildSecrets,
    });
    return image.sync();
  });
  for (const p of [checked, tested, built]) p.catch(() => {});
  const gates = Promise.all([checked, tested, built]).then(([, , ready]) => ready);
  gates.catch(() => {});
  return gates;
}

/**
 * The deploy on an open environment: the stacks prepared while the gates run,
 * the image published once they pass (on AWS after the registry was checked),
 * the service stack planned beside the base stack where it can be, then the rollout.
 *
 * @param env the open environment
 * @param args the call's arguments
 * @param steps the call's steps
 * @param gates check, test and build (startGates())
 * @param commit the commit the image reports
 */
async function deployImage(
  env: OpenEnvironment,
  args: DeployArgs,
  steps: Steps,
  gates: Promise<Container>,
  commit: string,
): Promise<string> {
  const infra = prepareInfra(env, args, steps);
  // local pushes to its own registry, which needs nothing of the stacks; elsewhere the ECR
  // repository is checked first (prepareInfra).
  const ready = env.traits.deployAppliesBase ? gates : Promise.all([gates, infra.base]).then(([image]) => image);
  const published = ready.then((image) =>
    steps.run(
      "publish",
      () => pushToEnvironment(env, image, commit),
      (ref) => digestOf(ref),
    ),
  );
  published.catch(() => {});
  const besideBase = planServiceBesideBase(env, args, steps, infra, published);
  besideBase?.catch(() => {});
  // Awaited in this order: a failed check, test or build is the failure reported, then the base stack's.
  await gates;
  const base = await infra.base;
  const serviceInit = await infra.serviceInit;
  const image = await published;
  return await rollOut({
    env,
    args,
    steps,
    serviceInit,
    ...(base ? { base } : {}),
    ...(besideBase ? await servicePlanStanding(besideBase, base, steps, args.log) : {}),
    image,
    commit,
    version: args.version,
    kind: "deploy",
  });
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
  return withEnvironment(
    args,
    "rollback",
    async (env) => {
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
    },
    stepsOptions(steps),
  );
}

/**
 * How deploy and rollback open their environment: as the timed step
 * "preflight"; a failure says in which step it happened and what state things
 * are in; the steps end before the environment closes.
 *
 * @param steps the call's steps
 */
function stepsOptions(steps: Steps): OperationOptions {
  return {
    open: (open) => steps.run("preflight", open, (env) => `${env.mode}, account ${env.identity.account}`),
    describeFailure: (err) => describeFailure(err, steps),
    beforeClose: () => steps.end(),
  };
}

/**
 * A failure before or during the apply, with the step it happened in.
 *
 * @param err what failed
 * @param steps the call's steps
 */
function describeFailure(err: unknown, steps: Steps): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof DeployError) return message;
  const applied = steps.ran.some((n) => n.startsWith("apply service stack"));
  return [
    message,
    "",
    applied
      ? "State: the service stack was applied; see above for what failed after it. `status` shows what runs."
      : "State: nothing was applied to the environment. Fix the cause above and run again.",
  ].join("\n");
}
