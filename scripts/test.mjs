#!/usr/bin/env node
/**
 * Runs the test tiers and says plainly which ones ran.
 *
 *   npm test                 unit tier, then the engine tier when the test bed is up
 *   npm run test:engine      engine tier only (fails when the test bed is down)
 *   npm run test:e2e         e2e tier only (fails when OpenTofu/the provider/moto are missing)
 *   … --tier e2e --if-ready  the same, but a tier that cannot run is reported NOT RUN without failing (.ci/run)
 *   … --tier e2e -- FILE…    only those test files (vitest's filters), e.g. dagger/test/e2e/secrets.test.ts
 *   … --tier e2e --lane L    only that lane of the e2e tier (scripts/e2e-lanes.mjs), e.g. infra, which
 *                            needs no Dagger engine and so runs beside the engine tier (.ci/run)
 *
 * The whole e2e tier runs in lanes side by side (scripts/e2e-lanes.mjs), each
 * line of a lane's output prefixed with its name, e.g. "[infra] ".
 *
 * A tier that cannot run is never counted as passed: it is reported as NOT RUN
 * with the reason and the command that enables it, in the tier list and on the
 * last line, after the total:
 *
 *   tests: N passed, N failed, N skipped; NOT RUN: e2e (the AWS provider is not built yet …)
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

import { E2E_LANES } from "./e2e-lanes.mjs";
import { failureExcerpts, formatExcerpts } from "./failure-excerpts.mjs";
import { emulatorTroubleIn, laneTestbedEnv, startLaneEmulator } from "./lane-emulator.mjs";
import { TESTBED_ENV_FILE, testbedReadiness } from "./testbed-env.mjs";

const { values, positionals: files } = parseArgs({
  options: {
    tier: { type: "string", multiple: true },
    totals: { type: "string" },
    "if-ready": { type: "boolean" },
    lane: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  },
  allowPositionals: true,
});
if (values.help) {
  console.log(
    "usage: node scripts/test.mjs [--tier unit|engine|e2e]... [--if-ready] [--lane NAME]... [-- FILE...] | --totals FILE\n" +
      "Default: unit, then engine when the test bed is up. --if-ready: a tier asked for that cannot run is NOT RUN, not a failure.\n" +
      "FILE...: run only these test files of the tier (vitest's file filters).\n" +
      `--lane NAME: only that lane of the e2e tier (${E2E_LANES.map((l) => l.name).join(", ")}).`,
  );
  process.exit(0);
}

if (values.totals) {
  // Sums the totals that earlier runs appended to FILE (FP_TEST_TOTALS_FILE) and prints them.
  const runs = readFileSync(values.totals, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const t = { passed: 0, failed: 0, skipped: 0 };
  // What the failed tests printed last, before the totals: a CI log is read from its tail.
  for (const line of [
    ...formatExcerpts(runs.flatMap((r) => r.failures ?? [])),
    ...formatEmulatorNotes(runs.flatMap((r) => r.emulatorNotes ?? [])),
  ])
    console.log(line);
  console.log("\n== all test tiers");
  for (const r of runs) {
    for (const k of Object.keys(t)) t[k] += r[k];
    for (const line of r.summary) console.log(`  ${line}`);
  }
  printTotal(
    t,
    runs.flatMap((r) => r.notRun ?? []),
  );
  process.exit(0);
}

const laneNames = values.lane ?? [];
const unknownLanes = laneNames.filter((n) => !E2E_LANES.some((l) => l.name === n));
if (unknownLanes.length > 0) {
  console.error(`unknown e2e lane "${unknownLanes.join(", ")}": use ${E2E_LANES.map((l) => l.name).join(", ")}`);
  process.exit(2);
}
// The e2e lanes this run covers: those named by --lane, else all of them.
const lanesToRun = laneNames.length > 0 ? E2E_LANES.filter((l) => laneNames.includes(l.name)) : E2E_LANES;

const explicit = values.tier ?? [];
const tiers = explicit.length > 0 ? explicit : ["unit", "engine"];
const readiness = testbedReadiness();
const outDir = mkdtempSync(join(tmpdir(), "fp-tests-"));
const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];
/** What the failed tests of the lanes printed last (failure-excerpts.mjs). */
const failures = [];
/** What went wrong inside a failed lane's AWS emulator (lane-emulator.mjs). */
const emulatorNotes = [];
/** The tiers that could not run, with why: { tier, reason }. */
const notRun = [];
let exitCode = 0;

for (const tier of tiers) {
  if (!["unit", "engine", "e2e"].includes(tier)) {
    console.error(`unknown tier "${tier}": use unit, engine or e2e`);
    process.exit(2);
  }
  const ready = tier === "unit" ? { ok: true } : readiness[tier];
  if (!ready.ok) {
    banner(`${tier.toUpperCase()} TIER NOT RUN`, [ready.reason, `To run it: ${ready.fix}`]);
    summary.push(`${label(tier)}: NOT RUN (${ready.reason})`);
    notRun.push({ tier: label(tier), reason: ready.reason });
    // Asked for explicitly: not running is a failure, never a silent pass (unless --if-ready).
    if (explicit.includes(tier) && !values["if-ready"]) exitCode = 1;
    continue;
  }
  // The whole e2e tier: its lanes side by side; otherwise one vitest run.
  const runs =
    tier === "e2e" && files.length === 0
      ? lanesToRun.map((lane) => ({
          report: join(outDir, `${tier}-${lane.name}.json`),
          files: [...lane.filters, ...(lane.exclude ?? []).flatMap((x) => ["--exclude", `**/${x}`])],
          prefix: lane.name,
        }))
      : [{ report: join(outDir, `${tier}.json`), files, prefix: undefined }];
  const started = Date.now();
  const lanes = await Promise.all(
    runs.map(async (r) => {
      // The lane's name, or the tier's for a run of chosen files: names its emulator, its log and its lines.
      const name = r.prefix ?? tier;
      // Each e2e run calls an AWS emulator of its own (lane-emulator.mjs), not the test bed's shared one.
      let emulator;
      try {
        emulator = tier === "e2e" ? await laneEmulator(name, ready.env) : undefined;
      } catch (error) {
        // The lane cannot run: a failure that names why, in the log's tail too.
        const why = error instanceof Error ? error.message : String(error);
        console.error(`${name}: ${why}`);
        failures.push({ label: `the ${name} lane's AWS emulator`, why, error: [], lines: [], omitted: 0 });
        return { ...r, status: 1, seconds: Math.round((Date.now() - started) / 1000) };
      }
      try {
        const env = {
          ...ready.env,
          ...(emulator && laneTestbedEnv(TESTBED_ENV_FILE, join(outDir, `testbed-${name}`), emulator.env)),
        };
        const { status, output } = await vitest(tier, r.files, r.report, r.prefix, env);
        failures.push(...failureExcerpts(output));
        if (status !== 0 && emulator)
          emulatorNotes.push(...emulatorTroubleIn(emulator.log).map((l) => `[${name}] ${l}`));
        return { ...r, status, seconds: Math.round((Date.now() - started) / 1000) };
      } finally {
        emulator?.stop();
      }
    }),
  );
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const lane of lanes) {
    const c = readCounts(lane.report);
    for (const k of Object.keys(counts)) counts[k] += c[k];
    if (lane.status !== 0) exitCode = 1;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  const laneTimes =
    lanes.length > 1
      ? ` (lanes side by side: ${lanes.map((l) => `${l.prefix} ${l.seconds} s`).join(", ")})`
      : lanes[0].prefix
        ? ` (lane ${lanes[0].prefix}: ${lanes[0].seconds} s)`
        : "";
  summary.push(
    `${label(tier)}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${laneTimes}`,
  );
}

for (const line of [...formatExcerpts(failures), ...formatEmulatorNotes(emulatorNotes)]) console.log(line);
console.log("\n== test tiers");
for (const line of summary) console.log(`  ${line}`);
printTotal(totals, notRun);
// For callers that run several tiers in separate invocations (.ci/run): append
// this run's totals (and the tiers it could not run) so they can print one grand total.
if (process.env.FP_TEST_TOTALS_FILE) {
  appendFileSync(
    process.env.FP_TEST_TOTALS_FILE,
    `${JSON.stringify({ ...totals, summary, notRun, failures, emulatorNotes })}\n`,
  );
}
process.exit(exitCode);

/**
 * A tier's name in the summary: the e2e tier with the lanes --lane chose, e.g. "e2e [infra]".
 *
 * @param {string} tier the tier
 * @returns {string}
 */
function label(tier) {
  return tier === "e2e" && laneNames.length > 0 && files.length === 0 ? `e2e [${laneNames.join(", ")}]` : tier;
}

/**
 * The lines about failed lanes' emulators, under a heading; none when there are none.
 *
 * @param {string[]} notes emulatorTrouble()'s lines, each with its lane
 * @returns {string[]}
 */
function formatEmulatorNotes(notes) {
  return notes.length === 0
    ? []
    : ["", "== the AWS emulator of each failed lane (its log is in the run's folder)", ...notes];
}

/**
 * The AWS emulator of one e2e run, started from the test bed's moto install.
 *
 * @param {string} name the lane (names its log)
 * @param {NodeJS.ProcessEnv | undefined} env the test bed's environment
 * @returns {Promise<import("./lane-emulator.mjs").LaneEmulator>}
 */
async function laneEmulator(name, env) {
  const emulator = await startLaneEmulator({
    server: env?.MOTO_SERVER ?? "",
    engineEndpoint: env?.MOTO_ENGINE_ENDPOINT ?? "",
    log: join(outDir, `moto-${name}.log`),
    env: env?.MOTO_ACM_VALIDATION_WAIT ? { MOTO_ACM_VALIDATION_WAIT: env.MOTO_ACM_VALIDATION_WAIT } : {},
  });
  // Also ended when this process exits before the lane is done (an error, process.exit).
  process.on("exit", emulator.stop);
  console.log(`${name}: an AWS emulator of its own on ${emulator.env.MOTO_ENDPOINT} (log: ${emulator.log})`);
  return emulator;
}

/**
 * The last line: the total, then the tiers NOT RUN (when any) with why, so a run that
 * left a tier out cannot be read as complete from its last line alone.
 *
 * @param t passed/failed/skipped counts
 * @param missed the tiers that could not run, with why
 */
function printTotal(t, missed) {
  const notRun = missed.length > 0 ? `; NOT RUN: ${missed.map((m) => `${m.tier} (${m.reason})`).join("; ")}` : "";
  console.log(`tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped${notRun}`);
}

/**
 * One vitest run of a tier's project; resolves to its exit status and, with a
 * prefix, the output lines it kept (for failure-excerpts.mjs). With a prefix,
 * each line of its output is prefixed "[prefix] " (lanes side by side).
 *
 * @param {string} tier the vitest project
 * @param {string[]} filters file filters (none: the whole project)
 * @param {string} report where its JSON report goes
 * @param {string | undefined} prefix the lane's name
 * @param {NodeJS.ProcessEnv | undefined} env the test bed's environment
 * @returns {Promise<{ status: number, output: string[] }>}
 */
function vitest(tier, filters, report, prefix, env) {
  const args = [
    "vitest",
    "run",
    "--project",
    tier,
    // The flags replace the config's reporters: the progress reporter (e2e) is named again.
    "--reporter=default",
    "--reporter=./scripts/e2e-progress.ts",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...filters,
  ];
  const child = spawn("npx", args, {
    stdio: prefix ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...env },
  });
  /** @type {string[]} */
  const output = [];
  if (prefix) {
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: from }).on("line", (line) => {
        output.push(line);
        to.write(`[${prefix}] ${line}\n`);
      });
    }
  }
  return new Promise((resolve) => {
    child.on("error", (err) => {
      console.error(`could not start vitest: ${err.message}`);
      resolve({ status: 1, output });
    });
    child.on("close", (code) => resolve({ status: code ?? 1, output }));
  });
}

/** Reads pass/fail/skip counts from vitest's JSON report (zeros when it is missing). */
function readCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 0, skipped: 0 };
  const r = JSON.parse(readFileSync(file, "utf8"));
  // A file that fails to load has no failed tests but a failed suite: count it.
  const failedSuitesOnly = r.numFailedTests === 0 ? (r.numFailedTestSuites ?? 0) : 0;
  return {
    passed: r.numPassedTests ?? 0,
    failed: (r.numFailedTests ?? 0) + failedSuitesOnly,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
  };
}

/** Prints a message nobody can miss in a CI log. */
function banner(title, lines) {
  const bar = "!".repeat(72);
  console.log(`\n${bar}\n!! ${title}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n`);
}
