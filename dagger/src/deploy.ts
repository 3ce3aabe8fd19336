/**
 * `deploy` and `rollback`: from source (or an earlier image) to a verified
 * rollout, one path for every environment.
 *
 *   preflight ─┬─ check ──┐
 *              ├─ test ───┼─ publish (by digest) ─┐
 *              ├─ build ──┘                       ├─ apply service stack ─ rollout ─ smoke test ─ ledger ─ summary
 *              └─ synth ─ init (─ base stack, local) ┘
 *
 * A failure stops the deploy with its cause, what state things are in and what
 * to do. A rollout that fails (or whose smoke test fails) is a failed deploy:
 * the previous successful image is put back through the same apply and
 * tracking (as ECS's circuit breaker would), and the call fails.
 */
import { createHash } from "node:crypto";

import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { type Container, dag, type Directory, type Service } from "@dagger.io/dagger";

import { runTests, runtimeImage } from "./app.js";
import { explainAwsError } from "./aws.js";
import { runChecks } from "./check.js";
import { type EnvironmentArgs, type OpenEnvironment, openEnvironment } from "./environment.js";
import { commandFailure, indent, redact, tail } from "./errors.js";
import { digestOf, type LedgerEntry, lastSuccessful } from "./ledger.js";
import { LOCAL_REGISTRY, pullLocal, reachable, standInService } from "./local.js";
import { ecrLogin, publishImage } from "./registry.js";
import { createRolloutClients, formatProgress, type RolloutResult, trackRollout } from "./rollout.js";
import { smokeTest, type SmokeResult } from "./smoke.js";
import { type Stacks, synthesize } from "./stacks.js";
import { errorLines, explainLock, lockArgs, outputs, run, stateLock, tofuInit, alreadyExists } from "./tofu.js";
import { infraContainer } from "./stacks.js";

/** What deploy takes beyond the environment. */
export interface DeployArgs extends EnvironmentArgs {
  dockerfile: string;
  version: string;
  gitCommit: string;
  /** A registry to push to instead of the account's ECR registry (AWS emulators only: moto has no registry). */
  emulatorRegistry?: Service;
  /** Seconds to wait for a state lock another run holds. */
  lockTimeoutSeconds: number;
  /** The ID of a dead run's lock to remove first. */
  forceUnlock?: string;
}

/** What rollback takes beyond the environment. */
export interface RollbackArgs extends EnvironmentArgs {
  /** Roll back to this image (by digest) instead of the last successful one before the current. */
  image?: string;
  lockTimeoutSeconds: number;
  forceUnlock?: string;
  emulatorRegistry?: Service;
}

// Expected rollout time (shown while waiting; the tracker's budget is 3× this):
// 90 s on AWS with the stacks' fast defaults (infra README, "deploy-time budget");
// 30 s on an emulator, which runs no tasks (the stand-in starts in seconds).
const EXPECTED_ROLLOUT_SECONDS = { aws: 90, emulator: 30 } as const;
// 120 s for the smoke test on AWS: DNS and the ALB may need a minute after the first deploy; 45 s for the stand-in.
const SMOKE_TIMEOUT_SECONDS = { aws: 120, emulator: 45 } as const;
// 3 answers in a row that are not 200: the app is up and unhealthy (the ALB's unhealthy threshold is 2).
const SMOKE_MAX_BAD_ANSWERS = 3;

/** Timing of the steps of one call, for the summary. */
class Steps {
  readonly start = Date.now();
  readonly rows: { name: string; seconds: number; note?: string }[] = [];
  constructor(private readonly log: (line: string) => void) {}

  async run<T>(name: string, fn: () => Promise<T>, note?: (v: T) => string | undefined): Promise<T> {
    const t = Date.now();
    this.log(`▶ ${name}`);
    try {
      const v = await fn();
      const seconds = (Date.now() - t) / 1000;
      const n = note?.(v);
      this.rows.push({ name, seconds, ...(n ? { note: n } : {}) });
      this.log(`✔ ${name} (${seconds.toFixed(1)} s)${n ? `: ${n}` : ""}`);
      return v;
    } catch (err) {
      this.log(`✘ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      throw err;
    }
  }

  get total(): number {
    return (Date.now() - this.start) / 1000;
  }

  table(): string {
    return ["| step | time | |", "|---|---:|---|", ...this.rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(1)} s | ${r.note ?? ""} |`), `| **total** | **${this.total.toFixed(1)} s** | |`].join("\n");
  }
}

/** An error whose message already says what state things are in and what to do. */
export class DeployError extends Error {
  override name = "DeployError";
}

/**
 * The commit the image reports: --git-commit, or else the source's content
 * hash (`source-…`), so that every different source is a different, checkable
 * build even without git metadata (the module reads no .git).
 *
 * @param source the app's source
 * @param gitCommit --git-commit
 */
export async function effectiveCommit(source: Directory, gitCommit: string): Promise<string> {
  if (gitCommit && gitCommit !== "unknown") return gitCommit;
  return `source-${createHash("sha256").update(await source.digest()).digest("hex").slice(0, 12)}`;
}

/**
 * An immutable tag for a push: the commit (12) and the UTC time, so a rerun of
 * the same commit on another machine (another digest) never collides with ECR's immutable tags.
 *
 * @param commit the build's commit
 * @param now the time
 */
export function imageTag(commit: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z").toLowerCase();
  return `${commit.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 40)}-${stamp}`;
}

/** `host/repo:tag@sha256:…` → `host/repo@sha256:…` (the digest is what counts). */
export function byDigest(ref: string): string {
  const at = ref.indexOf("@");
  if (at < 0) return ref;
  const name = ref.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  return `${colon >= 0 ? name.slice(0, colon) : name}${ref.slice(at)}`;
}

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

  const env = await steps.run("preflight", () => openEnvironment(args, "deploy"), (e) => `${e.mode}, account ${e.identity.account}`);
  try {
    const prepared = prepareInfra(env, args, steps);
    prepared.catch(() => {});
    const [, , image] = await Promise.all([checked, tested, built]);
    const { serviceInit } = await prepared;
    const ref = await steps.run("publish", () => publish(env, image, commit, args.emulatorRegistry), (r) => digestOf(r));
    return await rollOut({ env, args, steps, serviceInit, image: ref, commit, version: args.version, kind: "deploy" });
  } catch (err) {
    throw new DeployError(redact(describeFailure(err, steps), env.secrets));
  } finally {
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
  const env = await steps.run("preflight", () => openEnvironment(args, "rollback"), (e) => `${e.mode}, account ${e.identity.account}`);
  try {
    const entries = await env.ledger.read();
    const current = [...entries].reverse().find((e) => e.verdict === "SUCCESSFUL");
    const chosen = args.image ? entries.find((e) => digestOf(e.image) === digestOf(args.image!)) : lastSuccessful(entries, current?.image);
    if (!chosen) {
      throw new DeployError(
        args.image
          ? `rollback: ${args.image} is not in the deployment ledger of "${env.target.name}" (${env.ledger.where}); \`status\` lists the images deployed`
          : `rollback: no earlier successful deploy in the ledger of "${env.target.name}" (${env.ledger.where})${current ? `; the only one is ${current.image}` : ""}: nothing to roll back to`,
      );
    }
    args.log(`rollback to ${chosen.image} (commit ${chosen.commit}, deployed ${chosen.at})`);
    const { serviceInit } = await prepareInfra(env, args, steps);
    return await rollOut({ env, args, steps, serviceInit, image: chosen.image, commit: chosen.commit, version: chosen.version, kind: "rollback" });
  } catch (err) {
    throw new DeployError(redact(describeFailure(err, steps), env.secrets));
  } finally {
    await env.close();
  }
}

/** Synthesis, init of the service stack and, for local (whose emulator starts empty), the base stack applied. */
async function prepareInfra(env: OpenEnvironment, args: EnvironmentArgs & { lockTimeoutSeconds: number; forceUnlock?: string }, steps: Steps) {
  const stacks: Stacks = await steps.run("synth", async () => synthesize(await infraContainer(args.source), env.target));
  if (env.mode === "local") {
    await steps.run("apply base stack", async () => {
      const init = await tofuInit(stacks.base, env.tofu, env.runId);
      const r = await run(init, ["apply", "-auto-approve", "-input=false", ...lockArgs(args.lockTimeoutSeconds)]);
      if (r.exitCode !== 0) throw new DeployError(`applying ${env.target.names.stacks.base} to the local emulator failed:\n${indent(errorLines(r))}\nRun deploy again (the local emulator starts empty on every call).`);
    });
  } else {
    await steps.run("check registry", () => checkRepository(env));
  }
  const serviceInit = await steps.run("init", async () => {
    const init = await tofuInit(stacks.service, env.tofu, env.runId);
    if (args.forceUnlock) {
      const r = await run(init, ["force-unlock", "-force", args.forceUnlock]);
      if (r.exitCode !== 0) throw new DeployError(`--force-unlock ${args.forceUnlock} failed (nothing else was done):\n${indent(errorLines(r))}`);
      args.log(`removed the state lock ${args.forceUnlock} (--force-unlock)`);
      return r.container;
    }
    return init;
  });
  return { stacks, serviceInit };
}

/** The ECR repository exists (the base stack made it): else say to bootstrap. */
async function checkRepository(env: OpenEnvironment): Promise<void> {
  if (!env.auth) return;
  const ecr = new ECRClient(env.sdk);
  try {
    await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [env.target.names.repository] }));
  } catch (err) {
    if ((err as { name?: string }).name === "RepositoryNotFoundException") {
      throw new DeployError(
        `the ECR repository ${env.target.names.repository} does not exist in account ${env.identity.account} (${env.target.region}): ` +
          `the base stack is not applied. Run \`dagger call bootstrap --env ${env.target.name} …\` once, as an administrator (README, "Deploying to AWS").`,
      );
    }
    throw new DeployError(explainAwsError(err, env.auth, "deploy: ECR DescribeRepositories"));
  } finally {
    ecr.destroy();
  }
}

/** Pushes the image; returns `repository@sha256:…`. */
async function publish(env: OpenEnvironment, image: Container, commit: string, emulatorRegistry?: Service): Promise<string> {
  const repo = env.target.names.repository;
  const tag = imageTag(commit);
  if (env.mode === "local") {
    return byDigest(await image.publish(`${LOCAL_REGISTRY}/${repo}:${tag}`, { registryService: env.registry! }));
  }
  const login = await ecrLogin(env.auth!, "deploy");
  const target = await registryTarget(env, login.registry, emulatorRegistry);
  const auth = { registry: target.host, username: login.username, password: login.password };
  const flags = "the AWS credentials (their identity needs ecr:GetAuthorizationToken and push rights on the repository)";
  return byDigest(await publishImage(image, `${target.host}/${repo}:${tag}`, auth, [login.plaintext, ...env.secrets], flags, target.service));
}

/**
 * Where an AWS environment's images go: the account's ECR registry, or on an
 * emulator the registry service passed with --emulator-registry, addressed as
 * `localhost:<port>` (the engine reaches it as the service, over plain HTTP).
 */
async function registryTarget(env: OpenEnvironment, ecrRegistry: string, emulatorRegistry?: Service): Promise<{ host: string; service?: Service }> {
  if (!emulatorRegistry) return { host: ecrRegistry };
  if (env.mode !== "emulator") throw new DeployError("--emulator-registry is only for AWS emulators (with --aws-endpoint): on AWS, images go to the account's ECR registry");
  const port = new URL(await emulatorRegistry.endpoint({ scheme: "http" })).port || "80";
  return { host: `localhost:${port}`, service: emulatorRegistry };
}

interface RollOutArgs {
  env: OpenEnvironment;
  args: EnvironmentArgs & { lockTimeoutSeconds: number; emulatorRegistry?: Service };
  steps: Steps;
  serviceInit: Container;
  image: string;
  commit: string;
  version: string;
  kind: LedgerEntry["kind"];
}

/** What one apply + rollout + smoke test gave. */
interface Outcome {
  ok: boolean;
  outputs: Record<string, string | string[]>;
  rollout?: RolloutResult;
  smoke?: SmokeResult;
  /** One line: why it failed. */
  cause?: string;
  /** The evidence, for people. */
  details: string;
}

/** Apply with the image, track, smoke test; on failure put the previous image back; record; summarize. */
async function rollOut(r: RollOutArgs): Promise<string> {
  const { env, args, steps } = r;
  const outcome = await applyAndVerify(r, r.image, r.commit, "");
  const entry: LedgerEntry = {
    at: new Date().toISOString(),
    kind: r.kind,
    image: r.image,
    commit: r.commit,
    version: r.version,
    verdict: outcome.ok ? "SUCCESSFUL" : outcome.rollout && outcome.rollout.verdict !== "SUCCESSFUL" ? outcome.rollout.verdict : "FAILED",
    ...(outcome.cause ? { cause: outcome.cause } : {}),
    seconds: Math.round(steps.total),
    by: env.identity.arn,
  };
  // The rollout's verdict stands whether or not it could be recorded: a failed write is a warning, not a failed deploy.
  const recorded = await steps.run("record", () => env.ledger.append(entry)).then(
    () => undefined,
    (err: unknown) => `this deploy is not in the ledger (${env.ledger.where}): ${(err as Error).message} — status and rollback will not know it`,
  );
  if (recorded) args.log(`warning: ${recorded}`);
  if (outcome.ok) {
    const unsaved = await saveLocalState(env, steps);
    if (unsaved) args.log(`warning: ${unsaved}`);
    return summary(r, outcome, steps, [recorded, unsaved].filter((w) => w !== undefined).join(" — ") || undefined);
  }

  // Failed: put the previous good image back, like the circuit breaker would, and say so.
  const previous = lastSuccessful(await env.ledger.read(), r.image);
  let restored: string;
  if (previous) {
    args.log(`restoring the previous image ${previous.image} (commit ${previous.commit}), as ECS's circuit breaker would`);
    const back = await applyAndVerify(r, previous.image, previous.commit, " (restore)").catch(
      (err: unknown): Outcome => ({ ok: false, outputs: {}, cause: (err as Error).message, details: (err as Error).message }),
    );
    await env.ledger.append({ ...entry, at: new Date().toISOString(), kind: "restore", image: previous.image, commit: previous.commit, version: previous.version, verdict: back.ok ? "SUCCESSFUL" : "FAILED", ...(back.cause ? { cause: back.cause } : {}), seconds: Math.round(steps.total) });
    restored = back.ok
      ? `The previous image ${previous.image} (commit ${previous.commit}) was put back and passed its rollout and smoke test: the service runs it now.`
      : `Putting the previous image ${previous.image} back failed too: ${back.cause ?? "see above"}. Check \`status\`; run \`rollback\` once the cause is fixed.`;
  } else {
    restored = `There is no earlier successful image in the ledger (${env.ledger.where}): the service is left on the failing one. Fix the cause and deploy again, or \`destroy\` it.`;
  }
  throw new DeployError(
    [
      `${r.kind} of ${r.image} to ${env.target.name} FAILED: ${outcome.cause ?? "see below"}`,
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
 * from empty and says why). Returns the warning, if any.
 */
async function saveLocalState(env: OpenEnvironment, steps: Steps): Promise<string | undefined> {
  if (!env.saveLocalState) return undefined;
  const save = env.saveLocalState;
  return steps.run("save local state", save, (s) => `${(s.bytes / 1e6).toFixed(1)} MB`).then(
    () => undefined,
    (err: unknown) => `the local emulator's state was not saved (${(err as Error).message}): the next call starts from empty`,
  );
}

/** Apply with an image, follow the rollout, smoke test. Throws only when the apply itself fails. */
async function applyAndVerify(r: RollOutArgs, image: string, commit: string, label: string): Promise<Outcome> {
  const { env, args, steps } = r;
  const stack = env.target.names.stacks.service;
  const applyStartedAt = new Date();
  const applied = await steps.run(`apply service stack${label}`, async () => {
    const res = await run(r.serviceInit, ["apply", "-auto-approve", "-input=false", ...lockArgs(args.lockTimeoutSeconds), "-var", `image=${image}`]);
    if (res.exitCode !== 0) throw new DeployError(explainApplyFailure(res, stack, args, env));
    return res;
  });
  const out = await outputs(applied.container);
  const cluster = String(out.cluster_name ?? env.target.names.cluster);
  const service = String(out.service_name ?? env.target.names.service);
  const taskDefinitionArn = String(out.task_definition_arn ?? "");
  const emulated = env.mode !== "aws";
  const rollout = await steps.run(
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
          emulator: emulated,
          onProgress: (p) => args.log(formatProgress(p)),
        });
      } finally {
        clients.destroy();
      }
    },
    (res) => res.verdict,
  );
  if (rollout.verdict !== "SUCCESSFUL") {
    return { ok: false, outputs: out, rollout, cause: `rollout ${rollout.verdict}: ${rollout.reason}`, details: rollout.summary };
  }
  const smoke = await steps.run(`smoke test${label}`, () => (emulated ? smokeStandIn(env, image, commit, args.emulatorRegistry) : smokeAws(env, out, commit)), (s) =>
    s.ok ? `${s.url} → ${s.status} commit ${s.commit}` : `FAILED: ${s.reason}`,
  );
  if (!smoke.ok) {
    return {
      ok: false,
      outputs: out,
      rollout,
      smoke,
      cause: `smoke test failed: ${smoke.reason}`,
      details: [
        `The rollout reached ${rollout.verdict}, but the health check failed: ${smoke.url} — ${smoke.reason} (${smoke.attempts} attempts in ${smoke.seconds.toFixed(0)} s).`,
        ...(emulated ? ["(On an emulator the image runs as a stand-in service in the engine; the ALB would mark these targets unhealthy and the circuit breaker would roll back.)"] : []),
      ].join("\n"),
    };
  }
  return { ok: true, outputs: out, rollout, smoke, details: rollout.summary };
}

/** The apply failed: why, in which state things are, what to do. */
function explainApplyFailure(res: { stdout: string; stderr: string }, stack: string, args: { env: string; lockTimeoutSeconds: number }, env: OpenEnvironment): string {
  const text = `${res.stderr}\n${res.stdout}`;
  const lock = stateLock(text);
  const rerun = `dagger call deploy --env ${args.env}${env.mode === "local" ? "" : " --aws-… (the same flags)"}`;
  if (lock) return explainLock(lock, stack, args.lockTimeoutSeconds, rerun);
  const lines = errorLines(res);
  const partial = /Creation complete|Modifications complete|Destruction complete|Still creating|Still modifying/.test(text);
  return [
    `tofu apply of ${stack} failed${partial ? " partway" : ""}:`,
    indent(lines),
    partial
      ? "State: what the apply completed is recorded in the state; the rest was not changed. Fix the cause and run deploy again: it continues from there."
      : "State: nothing was changed. Fix the cause and run deploy again.",
    ...(alreadyExists(text)
      ? ["A resource already exists that the state does not know (an earlier run was killed between creating it and recording it): import it (`tofu import`) or delete it, then run again."]
      : []),
  ].join("\n");
}

/** Smoke test on AWS: the URL, or the ALB's DNS name while the domain does not resolve yet. */
async function smokeAws(env: OpenEnvironment, out: Record<string, string | string[]>, commit: string): Promise<SmokeResult> {
  const url = `${String(out.url ?? `https://${env.target.domain}`).replace(/\/$/, "")}${env.target.healthCheckPath}`;
  const first = await smokeTest({ url, expectCommit: commit, timeoutSeconds: SMOKE_TIMEOUT_SECONDS.aws, maxBadAnswers: SMOKE_MAX_BAD_ANSWERS });
  if (first.ok || !/ENOTFOUND|EAI_AGAIN/.test(first.reason ?? "") || !out.alb_dns_name) return first;
  // The domain does not resolve yet (zone not delegated): ask the ALB directly, with the domain's name for TLS and Host.
  const viaAlb = await smokeTest({ url, connectTo: String(out.alb_dns_name), expectCommit: commit, timeoutSeconds: 30, maxBadAnswers: SMOKE_MAX_BAD_ANSWERS });
  return viaAlb.ok ? { ...viaAlb, url: `${url} (through ${String(out.alb_dns_name)}: ${env.target.domain} does not resolve yet — delegate its zone)` } : viaAlb;
}

/**
 * Smoke test on an emulator: the image, pulled back by digest from the registry
 * it was pushed to, runs as a service standing in for the Fargate tasks.
 */
async function smokeStandIn(env: OpenEnvironment, image: string, commit: string, emulatorRegistry?: Service): Promise<SmokeResult> {
  let pulled: Container;
  if (env.mode === "local") pulled = pullLocal(image, env.registry!);
  else {
    const login = await ecrLogin(env.auth!, "deploy");
    const target = await registryTarget(env, login.registry, emulatorRegistry);
    pulled = dag.container().withRegistryAuth(target.host, login.username, login.password).from(image, target.service ? { registryService: target.service } : {});
  }
  const svc: Service = standInService(pulled, env.target.containerPort);
  const url0 = `(stand-in for ${image})`;
  try {
    await svc.start();
  } catch (err) {
    return { ok: false, url: url0, attempts: 1, seconds: 0, reason: await standInFailure(err, pulled) };
  }
  const reach = await reachable(svc, env.target.containerPort);
  try {
    const res = await smokeTest({
      url: `${reach.url}${env.target.healthCheckPath}`,
      expectCommit: commit,
      timeoutSeconds: SMOKE_TIMEOUT_SECONDS.emulator,
      intervalSeconds: 1,
      maxBadAnswers: SMOKE_MAX_BAD_ANSWERS,
    });
    return { ...res, url: `${env.target.healthCheckPath} of the stand-in for ${image}` };
  } finally {
    await reach.close().catch(() => {});
    await svc.stop().catch(() => {});
  }
}

/**
 * Why the stand-in did not start. Dagger starts a service only once the image's
 * own HEALTHCHECK passes (as ECS does with a container health check), so the
 * command that failed is either that check — the app runs but says it is
 * unhealthy — or the app's process, which exited.
 *
 * @param err what `Service.start()` threw
 * @param image the stand-in's image
 */
async function standInFailure(err: unknown, image: Container): Promise<string> {
  const { cmd, output, exitCode } = commandFailure(err);
  const said = tail(output.replace(/\s*\[traceparent:[0-9a-f-]+\]/g, ""), 12).join(" | ");
  const code = exitCode >= 0 ? ` (exit code ${exitCode})` : "";
  const healthcheck = await image
    .dockerHealthcheck()
    .args()
    .catch(() => [] as string[]);
  const isHealthcheck = healthcheck.length > 0 && cmd.length > 0 && healthcheck.every((a) => cmd.includes(a));
  return isHealthcheck
    ? `the image's HEALTHCHECK (${healthcheck.join(" ")}) failed${code}: the app runs but is not healthy: ${said}`
    : `the container exited${code} before it served: ${said}`;
}

/** The Markdown summary of a successful deploy or rollback. */
function summary(r: RollOutArgs, o: Outcome, steps: Steps, warning?: string): string {
  const { env } = r;
  const url = String(o.outputs.url ?? `https://${env.target.domain}`);
  const where =
    env.mode === "local"
      ? `${url} (local: nothing serves it after this call; the image ran as a stand-in for the smoke test — \`dagger call serve up\` serves it)`
      : env.mode === "emulator"
        ? `${url} (AWS emulator: no tasks run; the image ran as a stand-in for the smoke test)`
        : url;
  return [
    `### ${r.kind === "rollback" ? "Rolled back" : "Deployed"} ${env.target.names.service} to ${env.target.name} ✔`,
    "",
    "| | |",
    "|---|---|",
    `| URL | ${where} |`,
    `| image | \`${r.image}\` |`,
    `| commit | \`${r.commit}\` (version ${r.version}) |`,
    `| rollout | ${o.rollout?.verdict ?? "?"} — ${o.rollout?.reason ?? ""} |`,
    `| smoke test | ${o.smoke ? `${o.smoke.url} answered ${o.smoke.status} with commit \`${o.smoke.commit}\` (${o.smoke.attempts} attempt${o.smoke.attempts === 1 ? "" : "s"})` : "-"} |`,
    `| account | ${env.identity.account} (${env.identity.arn}) |`,
    `| task definition | \`${String(o.outputs.task_definition_arn ?? "?")}\` |`,
    "",
    steps.table(),
    ...(o.rollout?.details.notes.length ? ["", ...o.rollout.details.notes.map((n) => `> ${n}`)] : []),
    ...(warning ? ["", `> ⚠️ ${warning}`] : []),
  ].join("\n");
}

/** A failure before or during the apply, with the step it happened in. */
function describeFailure(err: unknown, steps: Steps): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof DeployError) return message;
  const done = steps.rows.map((r) => r.name);
  const applied = done.some((n) => n.startsWith("apply service stack"));
  return [
    message,
    "",
    applied
      ? "State: the service stack was applied; see above for what failed after it. `status` shows what runs."
      : "State: nothing was applied to the environment. Fix the cause above and run again.",
  ].join("\n");
}
