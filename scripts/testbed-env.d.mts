/** Types of testbed-env.mjs (see there). */

/** The env file written by testbed/up (TESTBED_STATE overrides its directory). */
export const TESTBED_ENV_FILE: string;

/** Reads KEY=VALUE lines of the test bed env file; empty when the test bed never came up. */
export function readTestbedEnv(file?: string): Record<string, string>;

/** Whether one tier can run: the environment to run it with, or why not and the command that fixes it. */
export type TierReadiness = { ok: true; env: Record<string, string> } | { ok: false; reason: string; fix: string };

/** Whether the engine and e2e tiers can run here. */
export function testbedReadiness(env?: Record<string, string | undefined>): {
  engine: TierReadiness;
  e2e: TierReadiness;
};
