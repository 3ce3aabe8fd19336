/**
 * OpenTofu on a synthesized stack, in the official OpenTofu image: init with the
 * S3 backend (native lock file), plan, apply, output, destroy, force-unlock.
 * Credentials reach tofu as secret environment variables; every command that
 * touches remote state runs again on every call (never replayed from cache).
 * Failures come back as messages that say what state things are in and what to do.
 */
import { dag, type Container, type Directory, ReturnType, type Secret, type Service } from "@dagger.io/dagger";

import { indent, stripAnsi, tail } from "./errors.js";

/** The OpenTofu image (≥ 1.10: the S3 backend's native lock file, `use_lockfile`). */
export const TOFU_IMAGE = "opentofu/opentofu:1.12.6";

// Providers downloaded by `tofu init` are kept between calls (the AWS provider is ~700 MB unpacked).
const PLUGIN_CACHE_VOLUME = "fargate-pipeline-tofu-plugins";
const PLUGIN_CACHE_DIR = "/var/cache/tofu-plugins";

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

/** A lock held on the state, as tofu reports it. */
export interface StateLock {
  id: string;
  path?: string;
  who?: string;
  operation?: string;
  created?: string;
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
    .withMountedCache(PLUGIN_CACHE_DIR, dag.cacheVolume(PLUGIN_CACHE_VOLUME))
    .withEnvVariable("TF_PLUGIN_CACHE_DIR", PLUGIN_CACHE_DIR)
    .withEnvVariable("TF_IN_AUTOMATION", "1")
    .withEnvVariable("TF_INPUT", "0")
    .withEnvVariable("AWS_REGION", aws.region);
  for (const [name, value] of [["AWS_ACCESS_KEY_ID", aws.accessKeyId], ["AWS_SECRET_ACCESS_KEY", aws.secretAccessKey]] as const) {
    ctr = typeof value === "string" ? ctr.withEnvVariable(name, value) : ctr.withSecretVariable(name, value);
  }
  if (aws.sessionToken) ctr = ctr.withSecretVariable("AWS_SESSION_TOKEN", aws.sessionToken);
  for (const [k, v] of Object.entries(aws.emulatorEnv)) ctr = ctr.withEnvVariable(k, v);
  if (aws.service) ctr = ctr.withServiceBinding(aws.service.binding, aws.service.svc);
  ctr = ctr.withDirectory("/stack", stack).withWorkdir("/stack").withEnvVariable("FP_RUN", runId);
  const init = await run(ctr, ["init", "-input=false", ...aws.backendConfig]);
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
export async function run(ctr: Container, args: string[]): Promise<TofuRun> {
  const start = Date.now();
  const out = ctr.withEnvVariable("FP_STEP_AT", String(start)).withExec(["tofu", ...args.slice(0, 1), "-no-color", ...args.slice(1)], { expect: ReturnType.Any });
  const [exitCode, stdout, stderr] = await Promise.all([out.exitCode(), out.stdout(), out.stderr()]);
  return { exitCode, stdout, stderr, container: out, seconds: (Date.now() - start) / 1000 };
}

/** Lock flags for commands that write state. */
export function lockArgs(lockTimeoutSeconds: number): string[] {
  return ["-lock=true", `-lock-timeout=${Math.max(0, Math.round(lockTimeoutSeconds))}s`];
}

/**
 * The lock another run holds, when tofu failed to acquire it.
 *
 * @param output what tofu printed
 */
export function stateLock(output: string): StateLock | undefined {
  // Diagnostics are framed with box-drawing characters ("│ ") even with -no-color.
  const text = stripAnsi(output)
    .split("\n")
    .map((l) => l.replace(/^[│╷╵]\s?/, ""))
    .join("\n");
  if (!/Error acquiring the state lock|state lock/i.test(text)) return undefined;
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
  const id = field("ID");
  if (!id) return undefined;
  const lock: StateLock = { id };
  const path = field("Path");
  const who = field("Who");
  const operation = field("Operation");
  const created = field("Created");
  if (path) lock.path = path;
  if (who) lock.who = who;
  if (operation) lock.operation = operation;
  if (created) lock.created = created;
  return lock;
}

/**
 * The message for a state lock held by another run: whose, since when, and what to do.
 *
 * @param lock what stateLock() read
 * @param stack the stack's name
 * @param waitedSeconds how long this run waited (--lock-timeout)
 * @param rerun the command to run again, without the unlock flag
 */
export function explainLock(lock: StateLock, stack: string, waitedSeconds: number, rerun: string): string {
  return [
    `The state of ${stack} is locked by another run (waited ${waitedSeconds} s for it): nothing was changed by this one.`,
    `  lock ID:   ${lock.id}`,
    ...(lock.path ? [`  lock file: ${lock.path}`] : []),
    ...(lock.operation ? [`  operation: ${lock.operation}`] : []),
    ...(lock.who ? [`  held by:   ${lock.who}`] : []),
    ...(lock.created ? [`  since:     ${lock.created}`] : []),
    "What to do:",
    `  - another deploy is running (CI or a colleague): wait for it, then run again, or pass --lock-timeout <seconds> to wait longer: ${rerun}`,
    `  - the run that took it is dead (killed, timed out, lost its credentials): remove the lock and run again:`,
    `      ${rerun} --force-unlock ${lock.id}`,
    "    Only when that run is really dead: removing a live run's lock lets two applies write the same state.",
  ].join("\n");
}

/** The lines of a failed tofu command that say why (its `Error:` blocks, else the tail). */
export function errorLines(r: Pick<TofuRun, "stdout" | "stderr">): string[] {
  const text = stripAnsi(`${r.stderr}\n${r.stdout}`);
  const lines = text.split("\n").map((l) => l.trimEnd());
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^(│\s*)?Error: /.test(lines[i] ?? "")) continue;
    for (let j = i; j < Math.min(lines.length, i + 12); j++) {
      const l = (lines[j] ?? "").replace(/^│ ?/, "");
      if (j > i && (/^(│\s*)?Error: /.test(lines[j] ?? "") || /^╵/.test(lines[j] ?? ""))) break;
      if (l.trim() !== "") blocks.push(l);
    }
  }
  return (blocks.length > 0 ? blocks : tail(text, 20)).slice(0, 40);
}

/**
 * Resources an interrupted apply created but did not record (tofu says "already exists").
 *
 * @param output what tofu printed
 */
export function alreadyExists(output: string): boolean {
  return /already exists|EntityAlreadyExists|DuplicateLoadBalancerName|ResourceAlreadyExistsException|RepositoryAlreadyExistsException|InvalidGroup\.Duplicate/i.test(output);
}

/**
 * The `tofu output -json` values of a stack, as strings (lists joined by commas).
 *
 * @param ctr a container from tofuInit() (after an apply or not)
 */
export async function outputs(ctr: Container): Promise<Record<string, string | string[]>> {
  const r = await run(ctr, ["output", "-json"]);
  if (r.exitCode !== 0) throw new Error(`tofu output failed:\n${indent(errorLines(r))}`);
  const parsed = JSON.parse(r.stdout || "{}") as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, Array.isArray(v.value) ? v.value.map(String) : String(v.value)]));
}
