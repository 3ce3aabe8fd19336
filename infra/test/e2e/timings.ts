/**
 * Wall times of the tofu steps, printed as a table after each e2e file (they
 * are figures for the README, not assertions: e2e tests never assert timings).
 */
import { afterAll } from "vitest";

/** One measured step. */
interface Timing {
  environment: string;
  stack: string;
  step: string;
  seconds: number;
}

const timings: Timing[] = [];

/**
 * Records how long a step took.
 * @param environment The environment's name.
 * @param stack base or service.
 * @param step e.g. "apply".
 * @param seconds Wall time.
 */
export function recordTiming(environment: string, stack: string, step: string, seconds: number): void {
  timings.push({ environment, stack, step, seconds });
}

/** Prints the recorded timings when the file's tests are done. */
export function printTimingsAfterAll(): void {
  afterAll(() => {
    if (timings.length === 0) return;
    const lines = timings.map((t) => `${t.environment.padEnd(22)} ${t.stack.padEnd(8)} ${t.step.padEnd(12)} ${t.seconds.toFixed(1).padStart(7)} s`);
    console.log(`\ntofu step timings against the emulator:\n${"environment".padEnd(22)} ${"stack".padEnd(8)} ${"step".padEnd(12)} ${"time".padStart(9)}\n${lines.join("\n")}\n`);
  });
}
