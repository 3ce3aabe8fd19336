/**
 * Wall times of the tofu steps, printed as a table after each e2e file (they
 * are figures for the README, not assertions: e2e tests never assert timings):
 * every step, the slowest resources of each apply/destroy (from tofu's own
 * "… complete after" lines), and per environment the total of apply and destroy.
 */
import { afterAll } from "vitest";

/** One measured step. */
interface Timing {
  environment: string;
  stack: string;
  step: string;
  seconds: number;
  /** The slowest resources of the step, e.g. "aws_lb.load_balancer_alb 21s". */
  slowest: string[];
}

const timings: Timing[] = [];

/** How many of a step's slowest resources are printed. */
const SLOWEST = 3;

/**
 * The slowest resources of an apply or destroy, from tofu's output
 * ("aws_lb.x: Creation complete after 1m2s [id=…]").
 * @param output tofu's standard output.
 */
export function slowestResources(output: string): string[] {
  const seconds = (d: string) =>
    [...d.matchAll(/(\d+)([hms])/g)].reduce(
      (t, [, n, u]) => t + Number(n) * { h: 3600, m: 60, s: 1 }[u as "h" | "m" | "s"],
      0,
    );
  return [...output.matchAll(/^(\S+): (?:Creation|Destruction|Modifications) complete after (\S+)/gm)]
    .map(([, address, duration]) => ({ address: address!, duration: duration!, s: seconds(duration!) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, SLOWEST)
    .map((r) => `${r.address} ${r.duration}`);
}

/**
 * Records how long a step took.
 * @param environment The environment's name.
 * @param stack base or service.
 * @param step e.g. "apply".
 * @param seconds Wall time.
 * @param output tofu's standard output, for the slowest resources (apply and destroy).
 */
export function recordTiming(environment: string, stack: string, step: string, seconds: number, output = ""): void {
  timings.push({ environment, stack, step, seconds, slowest: slowestResources(output) });
}

/** Prints the recorded timings when the file's tests are done. */
export function printTimingsAfterAll(): void {
  afterAll(() => {
    if (timings.length === 0) return;
    const width = Math.max(22, ...timings.map((t) => t.environment.length));
    const row = (environment: string, stack: string, step: string, time: string, rest = "") =>
      `${environment.padEnd(width)} ${stack.padEnd(8)} ${step.padEnd(12)} ${time.padStart(9)}${rest ? `   ${rest}` : ""}`;
    const lines = timings.map((t) =>
      row(t.environment, t.stack, t.step, `${t.seconds.toFixed(1)} s`, t.slowest.join(", ")),
    );
    const totals = [...new Set(timings.map((t) => t.environment))].flatMap((env) =>
      ["apply", "destroy"].flatMap((step) => {
        const steps = timings.filter((t) => t.environment === env && t.step === step);
        return steps.length === 0
          ? []
          : [row(env, "both", step, `${steps.reduce((s, t) => s + t.seconds, 0).toFixed(1)} s`)];
      }),
    );
    console.log(
      `\ntofu step timings against the emulator (slowest resources from tofu's output):\n${row("environment", "stack", "step", "time")}\n${lines.join("\n")}\n\ntotals:\n${totals.join("\n")}\n`,
    );
  });
}
