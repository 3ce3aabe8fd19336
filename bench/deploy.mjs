#!/usr/bin/env node
/**
 * Deploys on this machine, each call in an engine session and process of its
 * own (as `dagger call` runs), with each step's time and its share of the call,
 * along two paths, one after the other:
 *
 *   local        `deploy` with the default environment: the emulator in the engine,
 *                its state kept between calls under a --local-state name
 *   staging      `environment --name staging with-aws-credentials … with-emulator …
 *                deploy`: the real-AWS code path (S3 state and lock, ECR login,
 *                the real plan/apply) against the test bed's emulator on the host,
 *                in an emulator account of its own, bootstrapped first
 *
 * and for each path these calls:
 *
 *   cold         a new --local-state (empty registry, ledger and emulator state)
 *                and an app change nothing has built yet: check, test, build run,
 *                both stacks are created; the engine's package cache and base
 *                images are warm, as on any machine that ran the module before
 *   app change   a new app change on that state: check, test and build run again
 *                (npm ci replayed), the emulator starts from the state the last
 *                deploy saved, the task definition and service are updated
 *   no change    the same source and configuration again: check, test and build
 *                replayed from cache, the same digest published, both stacks plan
 *                no change, nothing is applied and the smoke test confirms the
 *                running digest (the deploy is "unchanged")
 *   log-retention change
 *                the same app, the log retention changed in its fargate-pipeline.yaml
 *
 * Beside each local deploy, its floor, measured in the same run (floor.mjs):
 * the module's `test` and `build` of the same source replayed from the engine's
 * cache in a call of their own right after it, plus one apply of the service
 * stack from saved state (the median of the run's own "apply service stack"
 * steps where the emulator started from saved state); and the deploy's ratio to
 * it. Then an app that is not the sample, a multi-workspace one
 * (examples/node-npm-workspaces): a cold deploy on a state of its own, and
 * ROUNDS changes to one of its workspaces (apps/api), each beside its floor.
 *
 * The engine, by default, is one the bench starts like the test bed's but
 * without its custom CA certificates (fresh-engine.mjs: the engine as a user
 * has it; its state in a named volume, so a second run starts warm), warmed by
 * one untimed deploy on a state of its own before the cold call (only when the
 * volume is new);
 * `--engine testbed` uses the test bed's engine (with its custom CAs, ~1.3 s
 * more per exec). The 1-minute load average is recorded beside every call.
 *
 * After the cold call, the three others run ROUNDS times in turn (medians are
 * printed, a table per path, every call is kept in bench/results/deploy-<time>.json).
 * With COLD (3: a median), that many cold calls per path, each on a state of its
 * own (local: a new --local-state; staging: a new emulator account, bootstrapped);
 * the rounds run on the first one's.
 *
 *   node bench/deploy.mjs [rounds] [local|staging|both] [cold] [--engine fresh|testbed] [--example-rounds N] [--minutes M]
 *                          (default: 3 rounds, both paths, 1 cold, a fresh engine, N = rounds (0: no
 *                          example); needs the test bed: sudo testbed/up; ~45 minutes for 3 rounds of
 *                          both, each further cold call ~4 min local, ~6 min staging, the example ~10 min;
 *                          --minutes: no call starts after M minutes, the tables say how many calls each row has)
 *
 * Every call reads its source from a working copy (a clone of HEAD: commit what you want
 * measured) that the bench edits
 * before it, as a developer edits a checkout: the engine then sees each package's files by
 * content, as `dagger call` uploads them.
 *
 * Not included: `dagger call`'s TypeScript module start (its runtime cannot be
 * built here; the module is driven through the SDK, one process per call).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

import { readTestbedEnv, testbedReadiness } from "../scripts/testbed-env.mjs";
import { applyFromSavedState, floorRow, floorTable } from "./floor.mjs";
import { startFreshEngine, stopFreshEngine } from "./fresh-engine.mjs";
import { median } from "./median.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const APP_FILE = "app/src/app.ts";
/** The sample's deployment configuration, where an infrastructure change is made. */
const CONFIG_FILE = "fargate-pipeline.yaml";
/** The stacks' snapshots, which the unit tests (and so `check`) compare with that configuration. */
const SNAPSHOT_FILE = "dagger/infra/test/unit/__snapshots__/snapshot.test.ts.snap";
/** The unit test that pins staging's log retention (30 days, the default): a staging change updates it too. */
const RETENTION_TEST_FILE = "dagger/infra/test/unit/constructs/service.test.ts";
const STAGING_RETENTION_EXPECTED = "      retention_in_days: 30,\n";
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: "string", default: "fresh" },
    "example-rounds": { type: "string" },
    minutes: { type: "string" },
  },
});
const ROUNDS = Number(positionals[0] ?? 3);
const PATHS = positionals[1] && positionals[1] !== "both" ? [positionals[1]] : ["local", "staging"];
if (!PATHS.every((p) => p === "local" || p === "staging"))
  throw new Error(`unknown path ${positionals[1]}: use local, staging or both (default: both)`);
const COLD = Number(positionals[2] ?? 1);
if (!Number.isInteger(ROUNDS) || ROUNDS < 0 || !Number.isInteger(COLD) || COLD < 1)
  throw new Error(`rounds (${positionals[0]}) must be a whole number, and cold (${positionals[2]}) 1 or more`);
if (opts.engine !== "fresh" && opts.engine !== "testbed")
  throw new Error(`--engine ${opts.engine}: use fresh (default: without custom CA certificates) or testbed`);
const EXAMPLE_ROUNDS = Number(opts["example-rounds"] ?? ROUNDS);
if (!Number.isInteger(EXAMPLE_ROUNDS) || EXAMPLE_ROUNDS < 0)
  throw new Error(`--example-rounds ${opts["example-rounds"]} must be a whole number (0: no example)`);
// --minutes: no call starts after that long (a shared machine's budget); the tables show what completed.
const BUDGET_MS = opts.minutes === undefined ? Infinity : Number(opts.minutes) * 60_000;
if (!(BUDGET_MS > 0)) throw new Error(`--minutes ${opts.minutes} must be a positive number`);
const STARTED = Date.now();
/** Whether the run's time budget is spent (said once). */
function overBudget() {
  const over = Date.now() - STARTED > BUDGET_MS;
  if (over && !overBudget.said) {
    overBudget.said = true;
    console.error(`bench/deploy.mjs: the ${opts.minutes}-minute budget is spent: no further call starts`);
  }
  return over;
}
/** The multi-workspace app that is not the sample, and the file of one workspace its change edits. */
const EXAMPLE = { source: "examples/node-npm-workspaces", file: "apps/api/src/app.js" };
// The engine's state between bench runs (the fresh engine's): a second run starts with its caches warm.
const ENGINE_VOLUME = "fp-bench-deploy-engine-state";
// 240 s: a fresh engine answers in seconds; on a loaded two-core machine its first session has taken minutes.
const ENGINE_START_TIMEOUT_S = 240;
// The staging path's region: the sample's staging environment's.
const STAGING_REGION = "eu-west-1";
// The environment variables the driver reads the staging path's keys from (never on a command line).
const STAGING_KEYS = {
  accessKeyId: "BENCH_AWS_KEY",
  secretAccessKey: "BENCH_AWS_SECRET",
  sessionToken: "BENCH_AWS_TOKEN",
};
// Log retention periods the infra-only change alternates between (both differ from the default, 30 days).
const RETENTIONS = [14, 7];

const bed = readTestbedEnv();
const readiness = testbedReadiness(bed);
if (!readiness.e2e.ok) {
  console.error(
    `bench/deploy.mjs needs the test bed's engine, OpenTofu and AWS provider: ${readiness.e2e.reason} (${readiness.e2e.fix})`,
  );
  process.exit(2);
}

const state = `bench-${Date.now().toString(36)}`;
const appText = readFileSync(join(ROOT, APP_FILE), "utf8");
const exampleText = readFileSync(join(ROOT, EXAMPLE.source, EXAMPLE.file), "utf8");
const configText = readFileSync(join(ROOT, CONFIG_FILE), "utf8");
if (!/^ {2}local: \{\}$/m.test(configText) || !/^ {2}staging:\n/m.test(configText))
  throw new Error(
    `${CONFIG_FILE} no longer has "  local: {}" and "  staging:": update the infra-change step of bench/deploy.mjs`,
  );

/**
 * The unit test that pins staging's log retention, expecting `days`: a developer who changes
 * staging's retention changes this expectation with it, or `check` fails.
 *
 * @param {number} days the retention
 */
function withStagingRetentionTest(days) {
  const text = readFileSync(join(ROOT, RETENTION_TEST_FILE), "utf8");
  if (!text.includes(STAGING_RETENTION_EXPECTED))
    throw new Error(
      `${RETENTION_TEST_FILE} no longer pins staging's retention as "${STAGING_RETENTION_EXPECTED.trim()}": update the infra-change step of bench/deploy.mjs`,
    );
  return text.replace(STAGING_RETENTION_EXPECTED, `      retention_in_days: ${days},\n`);
}

/**
 * The configuration file with an environment's log retention set (the infra-only change).
 *
 * @param {string} env local or staging
 * @param {number} days the retention
 */
function withRetention(env, days) {
  if (env === "local")
    return configText.replace(/^ {2}local: \{\}$/m, `  local:\n    service:\n      logRetentionDays: ${days}`);
  return configText.replace(/^ {2}staging:\n/m, `  staging:\n    service:\n      logRetentionDays: ${days}\n`);
}

/**
 * The stacks' snapshot file for a configuration, as a developer commits it with an
 * infrastructure change (`vitest -u` of the snapshot test): without it, `check`'s unit
 * tests fail on the changed stack. Made before the call is timed, in a clone of the repository.
 *
 * @param config the configuration file's text
 * @returns the snapshot file's text
 */
function snapshotFor(config) {
  const dir = mkdtempSync(join(tmpdir(), "fp-bench-snapshot-"));
  try {
    execFileSync("git", ["clone", "--quiet", "--local", ROOT, dir]);
    for (const m of ["node_modules", "dagger/node_modules", "dagger/infra/node_modules"])
      symlinkSync(join(ROOT, m), join(dir, m));
    writeFileSync(join(dir, CONFIG_FILE), config);
    const r = spawnSync(
      join(ROOT, "node_modules/.bin/vitest"),
      // The file before --update: vitest 5 reads a value after --update as its mode.
      ["run", "--project", "unit", "dagger/infra/test/unit/snapshot.test.ts", "--update"],
      { cwd: dir, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`updating the stacks' snapshot failed:\n${r.stdout}\n${r.stderr}`);
    return readFileSync(join(dir, SNAPSHOT_FILE), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a driver call to a file of its own (the driver reads `@FILE`).
 *
 * @param {object} call the DriverCall
 * @returns {string} the file's path
 */
function callFile(call) {
  const file = join(mkdtempSync(join(tmpdir(), "fp-bench-call-")), "call.json");
  writeFileSync(file, JSON.stringify(call));
  return file;
}

/** snapshotFor(), once per configuration. */
const snapshots = new Map();

/**
 * The working copy every call reads its source from: a clone of the repository at HEAD,
 * edited before each call as a developer edits a checkout. (Files written over the source
 * in the engine, `withNewFile`, would make every package's files new to it, and check
 * would run every package's steps again for a one-file change.)
 */
const CHECKOUT = mkdtempSync(join(tmpdir(), "fp-bench-checkout-"));
execFileSync("git", ["clone", "--quiet", "--local", ROOT, CHECKOUT]);
/** The files edited in CHECKOUT so far (paths from its root): the next call puts back those it does not change. */
const edited = new Set();

/**
 * Brings CHECKOUT to HEAD plus `files`, writing only what differs, so a file the call does
 * not change is left exactly as the previous call read it.
 *
 * @param {Record<string, string>} files path (from CHECKOUT's root) → content
 */
function editCheckout(files) {
  for (const rel of new Set([...edited, ...Object.keys(files)])) {
    const want = files[rel] ?? execFileSync("git", ["-C", CHECKOUT, "show", `HEAD:${rel}`], { encoding: "utf8" });
    const abs = join(CHECKOUT, rel);
    if (readFileSync(abs, "utf8") !== want) writeFileSync(abs, want);
    if (rel in files) edited.add(rel);
    else edited.delete(rel);
  }
}

/**
 * The staging path's environment: an emulator account of its own on the host's moto (AssumeRole
 * switches to any account id there), its keys in the driver's environment variables, and the
 * registry that stands in for ECR (moto has none) accepting exactly the credentials moto's ECR hands out.
 *
 * @returns {Promise<Pick<import("../dagger/test/e2e/driver.ts").DriverCall, "keys" | "emulator">>}
 */
async function stagingAccount() {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const sts = new STSClient({
    region: STAGING_REGION,
    endpoint: bed.MOTO_ENDPOINT,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/bench-deploy`, RoleSessionName: "bench" }),
  );
  sts.destroy();
  process.env[STAGING_KEYS.accessKeyId] = c.AccessKeyId;
  process.env[STAGING_KEYS.secretAccessKey] = c.SecretAccessKey;
  process.env[STAGING_KEYS.sessionToken] = c.SessionToken;
  return {
    keys: STAGING_KEYS,
    emulator: {
      endpoint: bed.MOTO_ENGINE_ENDPOINT,
      configOverrides: JSON.stringify({ accountId: account }),
      registry: {
        htpasswd: execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" }),
        volume: `fargate-pipeline-bench-registry-${account}`,
      },
    },
  };
}

/**
 * One call in its own process and session.
 *
 * @param {{ name: string, env: import("../dagger/test/e2e/driver.ts").DriverCall["env"], fn?: "deploy" | "bootstrap" | "replay" } & Partial<import("../dagger/test/e2e/driver.ts").DriverCall>} path
 *   the path: its name, environment, keys and emulator (staging), its source (default the repository)
 * @param {string} kind the row it belongs to
 * @param {string} mark what makes the app's source differ
 * @param {number | undefined} retention the local environment's log retention (days) written into fargate-pipeline.yaml; undefined: the file as it is
 * @returns {{ path: string, kind: string, seconds: number, load: number, steps: Record<string, number>, digest: string, emulator: string, unchanged: boolean, replay?: number, failed?: string }}
 */
function deploy(path, kind, mark, retention) {
  const sourceFiles = path.source
    ? { [EXAMPLE.file]: `${exampleText}\n// bench ${mark}\n` }
    : { [APP_FILE]: `${appText}\n// bench ${mark}\n` };
  // An infrastructure change as a user makes one: in the app's configuration file.
  if (retention !== undefined) {
    const config = withRetention(path.env.name, retention);
    if (!snapshots.has(config)) snapshots.set(config, snapshotFor(config));
    sourceFiles[CONFIG_FILE] = config;
    sourceFiles[SNAPSHOT_FILE] = snapshots.get(config);
    if (path.env.name === "staging") sourceFiles[RETENTION_TEST_FILE] = withStagingRetentionTest(retention);
  }
  // The change as a developer makes it: in the working copy the call reads.
  editCheckout(
    Object.fromEntries(
      Object.entries(sourceFiles).map(([file, text]) => [path.source ? `${path.source}/${file}` : file, text]),
    ),
  );
  const fn = path.fn ?? "deploy";
  const call = {
    env: path.env,
    ...(path.keys ? { keys: path.keys } : {}),
    ...(path.emulator ? { emulator: path.emulator } : {}),
    ...(path.source ? { source: path.source } : {}),
    fn,
    args: fn === "deploy" || fn === "replay" ? ["0.0.0-bench"] : [],
    checkout: CHECKOUT,
  };
  const load = loadavg()[0];
  const file = callFile(call);
  const t0 = performance.now();
  const r = spawnSync(
    join(ROOT, "node_modules/.bin/tsx"),
    // The call in a file: with the stacks' snapshot it is over Linux's 128 KiB limit for one argument.
    ["--tsconfig", join(ROOT, "dagger/tsconfig.json"), join(ROOT, "dagger/test/e2e/driver.ts"), `@${file}`],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dirname(file), { recursive: true, force: true });
  if (r.error) throw new Error(`${path.name} ${kind}: the driver could not run: ${r.error.message}`);
  if (r.status !== 0) {
    // Kept and left out of the medians: on a loaded machine a unit test of `check` can time out; the next call goes on.
    const failed =
      /^(?:check failed|tofu|applying|deploy of)[^\n]*(?:\n(?!State:)[^\n]*){0,8}/m.exec(r.stderr)?.[0] ??
      r.stderr.slice(-800);
    console.error(`${path.name} ${kind}: ${fn} FAILED after ${seconds.toFixed(1)} s (exit ${r.status}):\n${failed}`);
    return { path: path.name, kind, seconds, load, steps: {}, digest: "?", emulator: "?", unchanged: false, failed };
  }
  if (fn === "replay")
    return { path: path.name, kind, seconds, load, steps: {}, digest: "?", emulator: "?", unchanged: false };
  const steps = {};
  for (const m of r.stdout.matchAll(/^\| ([a-z][a-z ()]*?) \| ([\d.]+) s \|/gm)) steps[m[1]] = Number(m[2]);
  const digest = /\| image \| `[^`]*@(sha256:[0-9a-f]{64})` \|/.exec(r.stdout)?.[1] ?? "?";
  // What the emulator started from (dagger/src/local/state.ts describeStart).
  const emulator =
    /local: (?:the )?AWS emulator[^\n]*?(started from the state saved|started empty|cannot be used)/.exec(
      r.stderr,
    )?.[1] ?? "?";
  // The summary's row for a deploy that applied nothing (dagger/src/deploy/change.ts unchangedLine).
  const unchanged = /^\| change \| unchanged: /m.test(r.stdout);
  const result = { path: path.name, kind, seconds, load, steps, digest, emulator, unchanged };
  // The floor's replay (floor.mjs): the same source's test and build, right after a local deploy.
  if (fn === "deploy" && path.env.name === "local") {
    const replay = deploy({ ...path, fn: "replay" }, kind, mark, retention);
    if (!replay.failed) result.replay = replay.seconds;
  }
  console.error(
    fn === "deploy"
      ? // Only local starts an emulator of its own (staging's is the host's, always running).
        `${path.name} ${kind}: ${seconds.toFixed(1)} s (load ${load.toFixed(1)}; ${digest.slice(0, 19)}…${path.env.name === "local" ? `; emulator ${emulator}; replay of test and build ${result.replay?.toFixed(1) ?? "-"} s` : ""}${unchanged ? "; unchanged" : ""})`
      : `${path.name} ${kind}: ${seconds.toFixed(1)} s (load ${load.toFixed(1)})`,
  );
  return result;
}

const kinds = ["cold", "app change", "no change", "log-retention change"];
const runs = [];
/**
 * A path on a state of its own: local a new --local-state, staging a new emulator account.
 *
 * @param {string} name local or staging
 * @param {number} n which one (0: the rounds run on it)
 */
async function pathOn(name, n) {
  return name === "local"
    ? { name, env: { name: "local", localState: n === 0 ? state : `${state}-cold${n}` } }
    : { name, env: { name: "staging" }, ...(await stagingAccount()) };
}

const engineName = `fp-bench-deploy-${state}`;
/** The engine, its caches warm: a fresh one (no custom CAs) warmed by one untimed deploy, or the test bed's. */
function startEngine() {
  if (opts.engine === "testbed") return "the test bed's engine (with its custom CA certificates)";
  // Two engines on one state directory corrupt it: one bench run at a time uses the volume.
  const users = spawnSync("docker", ["ps", "-q", "--filter", `volume=${ENGINE_VOLUME}`], { encoding: "utf8" });
  if (users.stdout.trim())
    throw new Error(`another engine uses ${ENGINE_VOLUME} (another bench/deploy.mjs run?): wait for it, or stop it`);
  const warm = spawnSync("docker", ["volume", "inspect", ENGINE_VOLUME], { stdio: "ignore" }).status === 0;
  process.env._EXPERIMENTAL_DAGGER_RUNNER_HOST = startFreshEngine(engineName, {
    testbedEngine: bed.DAGGER_ENGINE_CONTAINER,
    customCAs: false,
    stateVolume: ENGINE_VOLUME,
    label: "deploy",
  });
  const deadline = Date.now() + ENGINE_START_TIMEOUT_S * 1000;
  // A new volume: one untimed deploy fills its caches (images, packages, providers). An existing one
  // holds them from an earlier run: an untimed replay of test and build waits for the engine to answer.
  const warmUp = {
    name: "local",
    env: { name: "local", localState: `${state}-warmup` },
    ...(warm ? { fn: "replay" } : {}),
  };
  for (;;) {
    const r = deploy(warmUp, "warm-up", `${state}-warmup`, undefined);
    runs.push(r);
    if (!r.failed) break;
    if (Date.now() > deadline) throw new Error(`the bench's engine ${engineName} did not complete its warm-up`);
    spawnSync("sleep", ["5"]);
  }
  return `a fresh engine without custom CA certificates (${engineName}, state in volume ${ENGINE_VOLUME}), warmed by ${warm ? "an earlier run" : "one untimed deploy"}`;
}

/** Which engine the figures come from (startEngine()). */
let engineNote;
try {
  console.error(
    `bench/deploy.mjs: ${PATHS.join(" and ")} deploys, local state "${state}", ${ROUNDS} rounds, ${COLD} cold per path, example rounds ${EXAMPLE_ROUNDS}, load average ${loadavg()[0].toFixed(2)}`,
  );
  engineNote = startEngine();
  console.error(`engine: ${engineNote}`);
  for (const name of PATHS) {
    const pathRuns = [];
    /** @type {Awaited<ReturnType<typeof pathOn>> | undefined} */
    let path;
    for (let n = COLD - 1; n >= 0; n--) {
      // The rounds' state last: on staging, the account's keys are the driver's until the next one.
      const on = await pathOn(name, n);
      // The staging path's one-time setup (state bucket, base stack): timed, not a deploy row.
      if (name === "staging")
        runs.push(deploy({ ...on, fn: "bootstrap" }, "bootstrap", `${state}-bootstrap${n}`, undefined));
      pathRuns.push(deploy(on, "cold", `${state}-${name}-cold${n}`, undefined));
      path = on;
    }
    if (!path) throw new Error("no cold call ran");
    // On local, the example app's deploys go between the sample's (its cold first, a workspace change
    // each round): a run stopped at its time budget still has every row.
    const example =
      name === "local" && EXAMPLE_ROUNDS > 0
        ? { name: "example", source: EXAMPLE.source, env: { name: "local", localState: `${state}-ws` } }
        : undefined;
    /** @type {ReturnType<typeof deploy>[]} */
    const exampleRuns = [];
    if (example && !overBudget()) exampleRuns.push(deploy(example, "example cold", `${state}-ws-cold`, undefined));
    let retention;
    for (let round = 1; round <= Math.max(ROUNDS, example ? EXAMPLE_ROUNDS : 0) && !overBudget(); round++) {
      const mark = `${state}-${name}-${round}`;
      if (round <= ROUNDS) {
        pathRuns.push(deploy(path, "app change", mark, retention));
        if (!overBudget()) pathRuns.push(deploy(path, "no change", mark, retention));
        retention = RETENTIONS[(round - 1) % RETENTIONS.length];
        if (!overBudget()) pathRuns.push(deploy(path, "log-retention change", mark, retention));
      }
      if (example && round <= EXAMPLE_ROUNDS && !overBudget())
        exampleRuns.push(deploy(example, "example workspace change", `${state}-ws-${round}`, undefined));
    }
    runs.push(...pathRuns, ...exampleRuns);
    // Printed as soon as the path is done: a failure on the next path cannot lose it.
    console.log(`${table(name, pathRuns)}\n`);
    if (name === "local") {
      try {
        console.log(`${floors(pathRuns, exampleRuns, engineNote)}\n`);
      } catch (err) {
        // The calls are kept (bench/results) whatever happens to the table.
        console.error(`the side-by-side table failed: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
  }
} finally {
  if (opts.engine === "fresh") stopFreshEngine(engineName);
  saveResults();
  rmSync(CHECKOUT, { recursive: true, force: true });
}
const bootstraps = runs.filter((r) => r.kind === "bootstrap");
if (bootstraps.length > 0)
  console.log(
    `staging bootstrap (once per account, before its cold deploy): ${bootstraps.map((b) => (b.failed ? "FAILED" : `${b.seconds.toFixed(1)} s`)).join(", ")}`,
  );
/** Every call so far, in bench/results/deploy-<time>.json (also after a failure: the finally block). */
function saveResults() {
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(ROOT, `bench/results/deploy-${Date.now()}.json`),
    JSON.stringify(
      {
        state,
        rounds: ROUNDS,
        cold: COLD,
        paths: PATHS,
        engine: engineNote,
        example: EXAMPLE_ROUNDS > 0 ? EXAMPLE : undefined,
        loadavg: loadavg(),
        runs,
        medians: Object.fromEntries(PATHS.map((p) => [p, medians(runs.filter((r) => r.path === p))])),
      },
      null,
      2,
    ),
  );
}

/**
 * The local deploys beside their floor (floor.mjs): the sample's kinds, then the example's.
 *
 * @param {ReturnType<typeof deploy>[]} sampleRuns the sample's local deploys
 * @param {ReturnType<typeof deploy>[]} exampleRuns the example's
 * @param {string} engine which engine
 */
function floors(sampleRuns, exampleRuns, engine) {
  const apply = applyFromSavedState(sampleRuns);
  const exampleApply = applyFromSavedState(exampleRuns);
  const rows = [
    ...kinds.map((k) =>
      floorRow(
        k,
        sampleRuns.filter((r) => r.kind === k),
        apply,
      ),
    ),
    ...(exampleRuns.length
      ? [
          floorRow(
            `${EXAMPLE.source} cold`,
            exampleRuns.filter((r) => r.kind === "example cold"),
            exampleApply,
          ),
          floorRow(
            `${EXAMPLE.source} ${EXAMPLE.file.split("/").slice(0, 2).join("/")} change`,
            exampleRuns.filter((r) => r.kind === "example workspace change"),
            exampleApply,
          ),
        ]
      : []),
  ];
  return [
    floorTable(
      `local deploy beside its floor, ${new Date().toISOString()} (medians; 2 shared cores, load = the 1-minute load average at each call's start; ${engine})`,
      rows,
    ),
    "floor = replay (the module's test and build of the same source, replayed from the engine's cache in a call of its own, right after the deploy)",
    "        + apply (one apply of the service stack from saved state: the median of this run's own deploys' \"apply service stack\" step, per app)",
    "ratio = deploy / floor. Failed calls are left out (n = the calls counted).",
  ].join("\n");
}

/**
 * The wall-time medians of each kind of call.
 *
 * @param {ReturnType<typeof deploy>[]} pathRuns one path's calls
 */
function medians(pathRuns) {
  return Object.fromEntries(
    kinds.map((k) => [k, median(pathRuns.filter((r) => r.kind === k && !r.failed).map((r) => r.seconds))]),
  );
}

/**
 * One path's table: wall time and each step's median and share, per kind of call.
 *
 * @param {string} name the path
 * @param {ReturnType<typeof deploy>[]} pathRuns its calls
 */
function table(name, pathRuns) {
  const of = (kind) => pathRuns.filter((r) => r.kind === kind && !r.failed);
  const failures = pathRuns.filter((r) => r.failed);
  const wall = medians(pathRuns);
  const stepNames = [...new Set(pathRuns.flatMap((r) => Object.keys(r.steps)))].filter((n) => n !== "total");
  const col = (s) => String(s).padStart(22);
  const cell = (kind, step) => {
    const t = median(of(kind).map((r) => r.steps[step]));
    return t === undefined || wall[kind] === undefined
      ? "-"
      : `${t.toFixed(1)} s ${String(Math.round((100 * t) / wall[kind])).padStart(3)}%`;
  };
  return [
    `${name} deploy, ${new Date().toISOString()} (2 shared cores; medians of up to ${ROUNDS} rounds, cold: ${COLD} (the "beside its floor" table says how many calls each row has); share = step / wall time)`,
    `${"".padEnd(24)}${kinds.map(col).join("")}`,
    `${"wall time (call)".padEnd(24)}${kinds.map((k) => col(wall[k] === undefined ? "-" : `${wall[k].toFixed(1)} s`)).join("")}`,
    `${"  min-max".padEnd(24)}${kinds.map((k) => col(of(k).length ? `${Math.min(...of(k).map((r) => r.seconds)).toFixed(0)}-${Math.max(...of(k).map((r) => r.seconds)).toFixed(0)} s` : "-")).join("")}`,
    ...stepNames.map((n) => `${`  ${n}`.padEnd(24)}${kinds.map((k) => col(cell(k, n))).join("")}`),
    "Steps overlap (check, test, build, preflight and synth run in parallel): shares do not add up to 100 %; - is a step that did not run (e.g. an apply skipped: its plan had no changes).",
    ...(name === "local"
      ? [
          `emulator started from saved state: ${kinds.map((k) => `${k} ${of(k).filter((r) => r.emulator.startsWith("started from")).length}/${of(k).length}`).join(", ")}`,
        ]
      : []),
    `recorded as unchanged (nothing applied): ${kinds.map((k) => `${k} ${of(k).filter((r) => r.unchanged).length}/${of(k).length}`).join(", ")}`,
    `failed calls (left out): ${failures.length}${failures.map((r) => `\n  ${r.kind}: ${r.failed.split("\n").slice(0, 6).join(" | ")}`).join("")}`,
    `no change published the app change's digest again: ${pathRuns.every((r, i) => r.kind !== "no change" || r.failed || pathRuns[i - 1]?.failed || r.digest === pathRuns[i - 1]?.digest) ? "yes" : "NO"}`,
  ].join("\n");
}
