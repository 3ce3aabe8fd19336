/**
 * The service stack's plan made beside the base stack's (local, emulator
 * restored): used when the base stack had nothing to apply, or when it started
 * after the base stack's apply ended; discarded, with its row and a line that
 * say so, when it read the base before an apply.
 */
import type { Container } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { type BesideBase, servicePlanStanding } from "../../../src/deploy/prepare-stacks.js";
import type { BaseApply } from "../../../src/deploy/args.js";
import { Steps } from "../../../src/deploy/steps.js";
import type { SavedPlan } from "../../../src/stacks/tofu.js";

/** A saved plan as planLocked() returns it (the container is not touched here). */
const savedPlan = (changes: boolean): SavedPlan => ({
  changes,
  run: {
    exitCode: changes ? 2 : 0,
    stdout: changes
      ? "Plan: 0 to add, 1 to change, 0 to destroy."
      : "No changes. Your infrastructure matches the configuration.",
    stderr: "",
    seconds: 6,
    container: {} as Container,
  },
});

/** What the base stack's plan did. */
const baseStack = (applied: boolean): BaseApply => ({
  planned: {
    stack: "fargate-pipeline-local-base",
    changes: applied,
    summary: applied ? "1 to change" : "no changes",
  },
  applied,
});

/** Steps with the plan made beside the base's already in the table, as deploy has them. */
async function stepsWithPlan(lines: string[]): Promise<Steps> {
  const steps = new Steps((l) => lines.push(l));
  await steps.run(
    "plan service stack",
    async () => savedPlan(true),
    () => "1 to change",
  );
  return steps;
}

describe("the service stack's plan made beside the base stack's", () => {
  it("stands when the base stack had nothing to apply, even if it started before the base plan ended", async () => {
    const lines: string[] = [];
    const steps = await stepsWithPlan(lines);
    const plan = savedPlan(true);
    const made: BesideBase = { plan, beforeBase: true };
    const standing = await servicePlanStanding(Promise.resolve(made), baseStack(false), steps, (l) => lines.push(l));
    expect(standing.servicePlan).toBe(plan);
    expect(steps.rows.map((r) => r.name)).toEqual(["plan service stack"]);
    expect(lines.some((l) => l.includes("discarded") || l.includes("planned again"))).toBe(false);
  });

  it("is discarded when it started before a base apply: its row says so, a line says it is planned again", async () => {
    const lines: string[] = [];
    const steps = await stepsWithPlan(lines);
    const standing = await servicePlanStanding(
      Promise.resolve({ plan: savedPlan(true), beforeBase: true }),
      baseStack(true),
      steps,
      (l) => lines.push(l),
    );
    expect(standing.servicePlan).toBeUndefined();
    expect(steps.table()).toMatch(
      /^\| plan service stack, discarded \| [\d.]+ s \| made beside the base stack's plan, which then had changes: planned again after the base stack's apply \|$/m,
    );
    expect(lines).toContain(
      "the service stack's plan made beside the base stack's plan, which then had changes: planned again after the base stack's apply",
    );
  });

  it("stands when it started after the base apply ended (an app change: check outlasts the base stack)", async () => {
    const lines: string[] = [];
    const steps = await stepsWithPlan(lines);
    const plan = savedPlan(false);
    const standing = await servicePlanStanding(
      Promise.resolve({ plan, beforeBase: false }),
      baseStack(true),
      steps,
      (l) => lines.push(l),
    );
    expect(standing.servicePlan).toBe(plan);
    expect(steps.rows.map((r) => r.name)).toEqual(["plan service stack"]);
  });

  it("a failure of that plan is the deploy's when the base stack had nothing to apply", async () => {
    const steps = new Steps(() => {});
    const failed = Promise.reject(new Error("tofu plan failed: Error acquiring the state lock"));
    await expect(servicePlanStanding(failed, baseStack(false), steps, () => {})).rejects.toThrow(
      "Error acquiring the state lock",
    );
  });

  it("a failure of that plan is not the deploy's when the base stack was applied under it: planned again", async () => {
    const lines: string[] = [];
    const steps = new Steps((l) => lines.push(l));
    const failed = Promise.reject(new Error("tofu plan failed: no such target group"));
    const standing = await servicePlanStanding(failed, baseStack(true), steps, (l) => lines.push(l));
    expect(standing.servicePlan).toBeUndefined();
    expect(lines.at(-1)).toMatch(/planned again after the base stack's apply$/);
  });
});
