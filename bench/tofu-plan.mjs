#!/usr/bin/env node
/**
 * What one `tofu plan` costs before it reads anything: the floor under each
 * plan step of a deploy (a no-change deploy's time is mostly its two plans).
 * In one run on this machine, medians of ROUNDS:
 *
 *   exec         `tofu version` in the deploy's OpenTofu image, in the engine:
 *                what the engine adds to any command (the baseline)
 *   plan         `tofu plan` of a stack with one data source (the caller's
 *                identity, from the test bed's AWS emulator), same image, same
 *                engine, the AWS provider the stacks pin
 *   host plan    the same plan with the test bed's tofu on the host (no engine)
 *
 * and, read from the plan's debug log, how many times tofu started the AWS
 * provider and how long those provider sessions took in all. Every figure is
 * a fresh exec (a nonce keeps the engine from replaying it).
 *
 *   node bench/tofu-plan.mjs [rounds]     (default 3; needs the test bed: sudo testbed/up; ~2 minutes)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { connection, dag, ReturnType } from "@dagger.io/dagger";

import { readTestbedEnv, testbedReadiness } from "../scripts/testbed-env.mjs";
import { median } from "./median.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROUNDS = Number(process.argv[2] ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`rounds (${process.argv[2]}) must be a whole number ≥ 1`);

// The image and provider version a deploy uses: read from the module and the test bed's pins, not repeated here.
const TOFU_IMAGE = /export const TOFU_IMAGE = "([^"]+)"/.exec(
  readFileSync(join(ROOT, "dagger/src/stacks/tofu.ts"), "utf8"),
)?.[1];
const PROVIDER = /^AWS_PROVIDER_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, "testbed/versions.env"), "utf8"))?.[1];
if (!TOFU_IMAGE || !PROVIDER)
  throw new Error("TOFU_IMAGE (dagger/src/stacks/tofu.ts) or AWS_PROVIDER_VERSION (testbed/versions.env) not found");

const bed = readTestbedEnv();
const readiness = testbedReadiness(bed);
if (!readiness.e2e.ok) {
  console.error(
    `bench/tofu-plan.mjs needs the test bed's engine, OpenTofu and AWS provider: ${readiness.e2e.reason} (${readiness.e2e.fix})`,
  );
  process.exit(2);
}
// The test bed's values win (its engine, its OpenTofu CLI config): this process's SDK connection and the host's tofu read them.
Object.assign(process.env, readiness.e2e.env);

/**
 * The stack: the AWS provider pointed at an emulator's STS, and one data source.
 *
 * @param {string} sts the emulator's endpoint as seen where tofu runs
 */
const stack = (sts) =>
  JSON.stringify({
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: PROVIDER } } },
    provider: {
      aws: {
        region: "eu-west-1",
        access_key: "testing",
        secret_key: "testing",
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        endpoints: [{ sts }],
      },
    },
    data: { aws_caller_identity: { me: {} } },
  });

/**
 * The provider sessions in a TF_LOG=debug log: how many, and their seconds in all.
 *
 * @param {string} log the debug log
 */
function providerSessions(log) {
  const at = (line) => Date.parse(line.slice(0, 24));
  let started;
  let seconds = 0;
  let count = 0;
  for (const line of log.split("\n")) {
    if (/\[DEBUG\] provider: starting plugin: .*terraform-provider-aws/.test(line)) started = at(line);
    else if (/\[DEBUG\] provider: plugin exited/.test(line) && started !== undefined) {
      seconds += (at(line) - started) / 1000;
      count++;
      started = undefined;
    }
  }
  return { count, seconds };
}

const timed = async (f) => {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
};

/** @type {{ exec: number, plan: number, sessions: number, sessionSeconds: number, host: number, hostSessions: number, hostSessionSeconds: number }[]} */
const rounds = [];

// Host: the test bed's tofu, its CLI config (the provider from the local mirror), the emulator on loopback.
const hostDir = mkdtempSync(join(tmpdir(), "fp-bench-tofu-"));
writeFileSync(join(hostDir, "main.tf.json"), stack(bed.MOTO_ENDPOINT));
const hostTofu = (args, env = {}) =>
  spawnSync(bed.TOFU_BIN, args, {
    cwd: hostDir,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
const init = hostTofu(["init", "-input=false"]);
if (init.status !== 0) throw new Error(`host tofu init failed:\n${init.stderr}`);

try {
  await connection(async () => {
    const ready = dag
      .container()
      .from(TOFU_IMAGE)
      .withNewFile("/stack/main.tf.json", stack(bed.MOTO_ENGINE_ENDPOINT))
      .withWorkdir("/stack")
      .withExec(["tofu", "init", "-input=false"]);
    await ready.sync();
    for (let round = 1; round <= ROUNDS; round++) {
      const fresh = () => ready.withEnvVariable("FP_BENCH_NONCE", `${process.pid}-${round}-${performance.now()}`);
      const exec = await timed(() => fresh().withExec(["tofu", "version"]).sync());
      const plan = await timed(async () => {
        const out = fresh()
          .withEnvVariable("TF_LOG", "debug")
          .withExec(["tofu", "plan", "-input=false", "-lock=false", "-no-color"], { expect: ReturnType.Any });
        const [code, stderr] = await Promise.all([out.exitCode(), out.stderr()]);
        if (code !== 0) throw new Error(`tofu plan failed in the engine:\n${stderr.slice(-2000)}`);
        return providerSessions(stderr);
      });
      const host = await timed(async () => {
        const r = hostTofu(["plan", "-input=false", "-lock=false", "-no-color"], { TF_LOG: "debug" });
        if (r.status !== 0) throw new Error(`host tofu plan failed:\n${r.stderr.slice(-2000)}`);
        return providerSessions(r.stderr);
      });
      rounds.push({
        exec: exec.seconds,
        plan: plan.seconds,
        sessions: plan.value.count,
        sessionSeconds: plan.value.seconds,
        host: host.seconds,
        hostSessions: host.value.count,
        hostSessionSeconds: host.value.seconds,
      });
      console.log(
        `round ${round}: exec ${exec.seconds.toFixed(2)} s, plan ${plan.seconds.toFixed(2)} s (${plan.value.count} provider sessions, ${plan.value.seconds.toFixed(2)} s), host plan ${host.seconds.toFixed(2)} s (${host.value.count} sessions, ${host.value.seconds.toFixed(2)} s)`,
      );
    }
  });
} finally {
  rmSync(hostDir, { recursive: true, force: true });
}

/** The median of one figure over the rounds. */
const med = (key) => median(rounds.map((r) => r[key]));
const f = (key) => `${med(key).toFixed(2)} s`;
console.log(
  `\n${TOFU_IMAGE}, hashicorp/aws ${PROVIDER}; medians of ${ROUNDS}; load average ${loadavg()[0].toFixed(2)}`,
);
console.log("| what | wall | AWS provider sessions |");
console.log("|---|---:|---|");
console.log(`| exec: \`tofu version\` in the engine (baseline) | ${f("exec")} | – |`);
console.log(
  `| \`tofu plan\`, one data source, in the engine | ${f("plan")} | ${med("sessions")}, ${f("sessionSeconds")} in all |`,
);
console.log(
  `| the same plan on the host (no engine) | ${f("host")} | ${med("hostSessions")}, ${f("hostSessionSeconds")} in all |`,
);
console.log(
  `\nA plan's floor in the engine, beyond the exec baseline: ${(med("plan") - med("exec")).toFixed(2)} s, of which the provider sessions ${f("sessionSeconds")}.`,
);
