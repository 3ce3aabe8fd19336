#!/usr/bin/env node
/**
 * Local deploys (`deploy` with the default environment, local) on this machine,
 * each call in an engine session and process of its own (as `dagger call deploy`
 * runs), with each step's time and its share of the call:
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
 *   infra change the same app, the log retention changed in its fargate-pipeline.yaml
 *
 * After the cold call, the three others run ROUNDS times in turn (medians are
 * printed, every call is kept in bench/results/deploy-<time>.json).
 *
 *   node bench/deploy.mjs [rounds]      (needs the test bed: sudo testbed/up; ~15 minutes for 3 rounds)
 *
 * Not included: `dagger call`'s TypeScript module start (its runtime cannot be
 * built here; the module is driven through the SDK, one process per call), and
 * the staging path against the host's emulator (not measured yet).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { readTestbedEnv, testbedReadiness } from "../scripts/testbed-env.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const APP_FILE = "app/src/app.ts";
/** The sample's deployment configuration, where an infrastructure change is made. */
const CONFIG_FILE = "fargate-pipeline.yaml";
const ROUNDS = Number(process.argv[2] ?? 3);
// Log retention periods the infra-only change alternates between (both differ from the default, 30 days).
const RETENTIONS = [14, 7];

const readiness = testbedReadiness(readTestbedEnv());
if (!readiness.e2e.ok) {
  console.error(
    `bench/deploy.mjs needs the test bed's engine, OpenTofu and AWS provider: ${readiness.e2e.reason} (${readiness.e2e.fix})`,
  );
  process.exit(2);
}

const state = `bench-${Date.now().toString(36)}`;
const appText = readFileSync(join(ROOT, APP_FILE), "utf8");
const configText = readFileSync(join(ROOT, CONFIG_FILE), "utf8");
if (!/^ {2}local: \{\}$/m.test(configText))
  throw new Error(`${CONFIG_FILE} no longer has "  local: {}": update the infra-change step of bench/deploy.mjs`);

/**
 * One deploy in its own process and session.
 *
 * @param {string} kind the row it belongs to
 * @param {string} mark what makes the app's source differ
 * @param {number | undefined} retention the local environment's log retention (days) written into fargate-pipeline.yaml; undefined: the file as it is
 * @returns {{ kind: string, seconds: number, steps: Record<string, number>, digest: string, emulator: string, unchanged: boolean }}
 */
function deploy(kind, mark, retention) {
  const sourceFiles = { [APP_FILE]: `${appText}\n// bench ${mark}\n` };
  // An infrastructure change as a user makes one: in the app's configuration file.
  if (retention !== undefined)
    sourceFiles[CONFIG_FILE] = configText.replace(
      /^ {2}local: \{\}$/m,
      `  local:\n    service:\n      logRetentionDays: ${retention}`,
    );
  const call = { env: { name: "local", localState: state }, fn: "deploy", args: ["0.0.0-bench"], sourceFiles };
  const t0 = performance.now();
  const r = spawnSync(
    join(ROOT, "node_modules/.bin/tsx"),
    ["--tsconfig", join(ROOT, "dagger/tsconfig.json"), join(ROOT, "dagger/test/e2e/driver.ts"), JSON.stringify(call)],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    // Kept and left out of the medians: on a loaded machine a unit test of `check` can time out; the next call goes on.
    const failed =
      /^(?:check failed|tofu|applying|deploy of)[^\n]*(?:\n(?!State:)[^\n]*){0,8}/m.exec(r.stderr)?.[0] ??
      r.stderr.slice(-800);
    console.error(`${kind}: deploy FAILED after ${seconds.toFixed(1)} s (exit ${r.status}):\n${failed}`);
    return { kind, seconds, steps: {}, digest: "?", emulator: "?", unchanged: false, failed };
  }
  const steps = {};
  for (const m of r.stdout.matchAll(/^\| ([a-z][a-z ()]*?) \| ([\d.]+) s \|/gm)) steps[m[1]] = Number(m[2]);
  const digest = /\| image \| `[^`]*@(sha256:[0-9a-f]{64})` \|/.exec(r.stdout)?.[1] ?? "?";
  // What the emulator started from (local-state.ts describeStart).
  const emulator =
    /local: (?:the )?AWS emulator[^\n]*?(started from the state saved|started empty|cannot be used)/.exec(
      r.stderr,
    )?.[1] ?? "?";
  // The summary's row for a deploy that applied nothing (deploy-change.ts unchangedLine).
  const unchanged = /^\| change \| unchanged: /m.test(r.stdout);
  console.error(
    `${kind}: ${seconds.toFixed(1)} s (${digest.slice(0, 19)}…; emulator ${emulator}${unchanged ? "; unchanged" : ""})`,
  );
  return { kind, seconds, steps, digest, emulator, unchanged };
}

/** The median of numbers (undefined when there are none). */
function median(xs) {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

console.error(
  `bench/deploy.mjs: local deploys, state "${state}", ${ROUNDS} rounds, load average ${loadavg()[0].toFixed(2)}`,
);
const runs = [deploy("cold", `${state}-cold`, undefined)];
let retention;
for (let round = 1; round <= ROUNDS; round++) {
  const mark = `${state}-${round}`;
  runs.push(deploy("app change", mark, retention));
  runs.push(deploy("no change", mark, retention));
  retention = RETENTIONS[(round - 1) % RETENTIONS.length];
  runs.push(deploy("infra change", mark, retention));
}

const kinds = ["cold", "app change", "no change", "infra change"];
const of = (kind) => runs.filter((r) => r.kind === kind && !r.failed);
const failures = runs.filter((r) => r.failed);
const wall = Object.fromEntries(kinds.map((k) => [k, median(of(k).map((r) => r.seconds))]));
const stepNames = [...new Set(runs.flatMap((r) => Object.keys(r.steps)))].filter((n) => n !== "total");
const col = (s) => String(s).padStart(16);
const cell = (kind, name) => {
  const t = median(of(kind).map((r) => r.steps[name]));
  return t === undefined || wall[kind] === undefined
    ? "-"
    : `${t.toFixed(1)} s ${String(Math.round((100 * t) / wall[kind])).padStart(3)}%`;
};
const lines = [
  `local deploy, ${new Date().toISOString()} (2 shared cores; medians of ${ROUNDS} rounds, cold: 1; share = step / wall time)`,
  `${"".padEnd(24)}${kinds.map(col).join("")}`,
  `${"wall time (call)".padEnd(24)}${kinds.map((k) => col(wall[k] === undefined ? "-" : `${wall[k].toFixed(1)} s`)).join("")}`,
  `${"  min-max".padEnd(24)}${kinds.map((k) => col(of(k).length ? `${Math.min(...of(k).map((r) => r.seconds)).toFixed(0)}-${Math.max(...of(k).map((r) => r.seconds)).toFixed(0)} s` : "-")).join("")}`,
  ...stepNames.map((n) => `${`  ${n}`.padEnd(24)}${kinds.map((k) => col(cell(k, n))).join("")}`),
  "Steps overlap (check, test, build, preflight and synth run in parallel): shares do not add up to 100 %; - is a step that did not run (e.g. an apply skipped: its plan had no changes).",
  `emulator started from saved state: ${kinds.map((k) => `${k} ${of(k).filter((r) => r.emulator.startsWith("started from")).length}/${of(k).length}`).join(", ")}`,
  `recorded as unchanged (nothing applied): ${kinds.map((k) => `${k} ${of(k).filter((r) => r.unchanged).length}/${of(k).length}`).join(", ")}`,
  `failed calls (left out): ${failures.length}${failures.map((r) => `\n  ${r.kind}: ${r.failed.split("\n").slice(0, 6).join(" | ")}`).join("")}`,
  `no change published the app change's digest again: ${runs.every((r, i) => r.kind !== "no change" || r.failed || runs[i - 1]?.failed || r.digest === runs[i - 1]?.digest) ? "yes" : "NO"}`,
];
console.log(lines.join("\n"));
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(
  join(ROOT, `bench/results/deploy-${Date.now()}.json`),
  JSON.stringify({ state, rounds: ROUNDS, loadavg: loadavg(), runs, medians: wall }, null, 2),
);
