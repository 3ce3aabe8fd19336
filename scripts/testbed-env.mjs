/**
 * What the test bed provides, read from the env file `testbed/up` writes, and
 * whether each tier can run. Shared by scripts/test.mjs and the benches.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** The env file written by testbed/up (TESTBED_STATE overrides its directory). */
export const TESTBED_ENV_FILE = `${process.env.TESTBED_STATE ?? "/var/lib/fargate-pipeline-testbed"}/env`;

/** Reads KEY=VALUE lines of the test bed env file; empty when the test bed never came up. */
export function readTestbedEnv(file = TESTBED_ENV_FILE) {
  if (!existsSync(file)) return {};
  const env = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** True when the docker container NAME is running. */
function containerRunning(name) {
  const r = spawnSync("docker", ["inspect", "-f", "{{.State.Running}}", name], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() === "true";
}

/** True when URL answers HTTP at all within 3 s (asked by Node itself: curl is not everywhere the tests run). */
function answers(url) {
  const probe =
    "fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then(() => process.exit(0), () => process.exit(1))";
  const r = spawnSync(process.execPath, ["-e", probe, url], { timeout: 5000 });
  return r.status === 0;
}

/**
 * Whether the engine and e2e tiers can run here; for each, the reason it
 * cannot and the command that fixes it, or the environment to run it with.
 */
export function testbedReadiness(env = readTestbedEnv()) {
  const up = 'sudo testbed/up   (see README, "Test bed")';
  const engine = (() => {
    if (!env._EXPERIMENTAL_DAGGER_RUNNER_HOST)
      return { ok: false, reason: `the test bed is not up (no Dagger engine in ${TESTBED_ENV_FILE})`, fix: up };
    if (!env._EXPERIMENTAL_DAGGER_CLI_BIN || !existsSync(env._EXPERIMENTAL_DAGGER_CLI_BIN))
      return { ok: false, reason: `the Dagger CLI ${env._EXPERIMENTAL_DAGGER_CLI_BIN ?? ""} is missing`, fix: up };
    if (env.DAGGER_ENGINE_CONTAINER && !containerRunning(env.DAGGER_ENGINE_CONTAINER))
      return {
        ok: false,
        reason: `the Dagger engine container ${env.DAGGER_ENGINE_CONTAINER} is not running`,
        fix: up,
      };
    // publish-ecr's engine tests resolve the registry through the emulator's STS and ECR:
    // part of this tier, so without moto the tier does not run (it never skips them quietly).
    if (!env.MOTO_ENDPOINT || !answers(env.MOTO_ENDPOINT))
      return {
        ok: false,
        reason: `the AWS emulator (moto) is not answering at ${env.MOTO_ENDPOINT ?? "(MOTO_ENDPOINT unset)"}`,
        fix: up,
      };
    return { ok: true, env: { ...env, DO_NOT_TRACK: "1" } };
  })();
  const e2e = (() => {
    if (!engine.ok) return engine;
    if (!env.TOFU_BIN || !existsSync(env.TOFU_BIN)) return { ok: false, reason: "OpenTofu is not built", fix: up };
    // Each e2e lane starts an AWS emulator of its own from the test bed's moto (lane-emulator.mjs).
    if (!env.MOTO_SERVER || !existsSync(env.MOTO_SERVER))
      return {
        ok: false,
        reason: `the test bed's moto program ${env.MOTO_SERVER ?? "(MOTO_SERVER unset)"} is missing`,
        fix: up,
      };
    if (!env.TF_CLI_CONFIG_FILE || !existsSync(env.TF_CLI_CONFIG_FILE))
      return {
        ok: false,
        reason:
          "the AWS provider is not built yet (its cold build takes about 35 minutes on 2 cores left to it, hours beside other work; testbed/status shows how far it is)",
        fix: "sudo testbed/up --wait-provider",
      };
    return engine;
  })();
  return { engine, e2e };
}
