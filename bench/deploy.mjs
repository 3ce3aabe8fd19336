#!/usr/bin/env node
/**
 * A full local deploy (`deploy` with the default environment, local), three
 * times in one run on this machine, each call in an engine session of its own
 * (as `dagger call deploy` runs), printed side by side with the steps' times:
 *
 *   cold       the baseline: a new --local-state (empty registry and deployment
 *              ledger, a fresh emulator) and an app change nothing has built yet
 *              (check, test, build all run); the engine's package cache and base
 *              images are warm, as on any machine that ran the module before
 *   warm       a second app change, same state: check, test and build run again
 *              on warm caches (npm ci replayed), infrastructure re-created
 *   no change  the same source again: check, test and build replayed from cache,
 *              the same digest published and rolled out
 *
 *   node bench/deploy.mjs          (needs the test bed: sudo testbed/up; ~12 minutes)
 *
 * Every local call re-creates the emulator and applies both stacks (the emulator
 * lives as long as the call), so the infrastructure's ~2 minutes are in every
 * row: they are the AWS provider's fixed waits (ALB, Route 53), not our code.
 * Not included: `dagger call`'s TypeScript module start (its runtime cannot be
 * built here); the module is driven through the SDK, one process per call.
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

const readiness = testbedReadiness(readTestbedEnv());
if (!readiness.engine.ok) {
  console.error(`bench/deploy.mjs needs the test bed's engine: ${readiness.engine.reason}`);
  process.exit(2);
}

const state = `bench-${Date.now().toString(36)}`;
const appText = readFileSync(join(ROOT, APP_FILE), "utf8");

/** One deploy in its own process and session; returns wall time, per-step times, digest. */
function deploy(label, mark) {
  const call = { env: { name: "local", localState: state }, fn: "deploy", args: ["0.0.0-bench"], sourceFiles: { [APP_FILE]: `${appText}\n// bench ${mark}\n` } };
  const t0 = performance.now();
  const r = spawnSync(join(ROOT, "node_modules/.bin/tsx"), ["--tsconfig", join(ROOT, "dagger/tsconfig.json"), join(ROOT, "dagger/test/e2e/driver.ts"), JSON.stringify(call)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    console.error(`${label}: deploy failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
    process.exit(1);
  }
  const steps = {};
  for (const m of r.stdout.matchAll(/^\| ([a-z][a-z ()]*?) \| ([\d.]+) s \|/gm)) steps[m[1]] = Number(m[2]);
  const digest = /\| image \| `[^`]*@(sha256:[0-9a-f]{64})` \|/.exec(r.stdout)?.[1] ?? "?";
  console.error(`${label}: ${seconds.toFixed(1)} s (${digest.slice(0, 19)}…)`);
  return { label, seconds, steps, digest };
}

console.error(`bench/deploy.mjs: local deploys, state "${state}", load average ${loadavg()[0].toFixed(2)}`);
const runs = [deploy("cold", `${state}-a`), deploy("warm", `${state}-b`), deploy("no change", `${state}-b`)];

const stepNames = ["preflight", "check", "test", "build", "synth", "apply base stack", "init", "publish", "apply service stack", "rollout", "smoke test", "record"];
const col = (s) => String(s).padStart(12);
const lines = [
  `local deploy, ${new Date().toISOString()} (2 shared cores; cold = baseline)`,
  `${"".padEnd(22)}${runs.map((r) => col(r.label)).join("")}`,
  `${"wall time (call)".padEnd(22)}${runs.map((r) => col(`${r.seconds.toFixed(1)} s`)).join("")}`,
  `${"vs cold".padEnd(22)}${runs.map((r) => col(`${((100 * r.seconds) / runs[0].seconds).toFixed(0)} %`)).join("")}`,
  ...stepNames.map((n) => `${`  ${n}`.padEnd(22)}${runs.map((r) => col(r.steps[n] === undefined ? "-" : `${r.steps[n].toFixed(1)} s`)).join("")}`),
  `${"digest".padEnd(22)}${runs.map((r) => col(r.digest.slice(7, 17))).join("")}`,
  "Steps overlap (check, test, build, preflight and synth run in parallel): they do not add up to the wall time.",
  `no change published the warm run's digest again: ${runs[2].digest === runs[1].digest ? "yes" : "NO"}`,
];
console.log(lines.join("\n"));
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, `bench/results/deploy-${Date.now()}.json`), JSON.stringify({ state, loadavg: loadavg(), runs }, null, 2));
