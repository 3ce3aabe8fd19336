/**
 * A stack planned, then applied only when its plan changes something: the
 * saved plan is what is applied (no second refresh), and a plan with no
 * changes skips the apply. Both are steps of the deploy, so its table shows
 * which ran and which were skipped.
 */
import type { Container } from "@dagger.io/dagger";

import { type PlannedStack, planLine } from "./change.js";
import type { Steps } from "./steps.js";
import { applySaved, planLocked, type SavedPlan } from "../stacks/tofu.js";
import type { TofuOperation } from "../stacks/tofu-failure.js";

/** What planThenApply() did. */
export interface StackApply {
  planned: PlannedStack;
  /** Whether the apply ran (the plan had changes). */
  applied: boolean;
  /** The container after the apply, or after the plan when nothing was applied (to read the outputs). */
  container: Container;
}

/**
 * Plans a stack (step "plan <what>") and applies the saved plan only when it
 * has changes (step "apply <what>", else a skipped row that says why).
 *
 * @param steps the call's steps
 * @param what the stack as the steps name it, e.g. "base stack", "service stack (restore)"
 * @param init a container from tofuInit(), or a function that makes one (its time counts in the plan step)
 * @param op the stack, lock timeout and messages (the command is set here)
 * @param vars the plan's variables (e.g. -var image=…)
 */
export async function planThenApply(
  steps: Steps,
  what: string,
  init: Container | (() => Promise<Container>),
  op: Omit<TofuOperation, "command">,
  vars: string[],
): Promise<StackApply> {
  return applyPlanned(steps, what, await planStack(steps, what, init, op, vars), op);
}

/**
 * The plan step of planThenApply() alone ("plan <what>"): deploy makes the
 * service stack's plan beside the base stack's and applies it with applyPlanned().
 *
 * @param steps the call's steps
 * @param what the stack as the steps name it
 * @param init a container from tofuInit(), or a function that makes one
 * @param op the stack, lock timeout and messages
 * @param vars the plan's variables
 */
export async function planStack(
  steps: Steps,
  what: string,
  init: Container | (() => Promise<Container>),
  op: Omit<TofuOperation, "command">,
  vars: string[],
): Promise<SavedPlan> {
  return steps.run(
    `plan ${what}`,
    async () => {
      const ctr = typeof init === "function" ? await init() : init;
      return planLocked(
        ctr,
        {
          ...op,
          command: "plan",
          next: () => "State: nothing was changed (a plan changes nothing). Fix the cause and run again.",
        },
        vars,
      );
    },
    (p) => planLine(p.run.stdout, p.changes),
  );
}

/**
 * The apply step of planThenApply() alone: the saved plan applied when it has
 * changes ("apply <what>"), else a skipped row that says why.
 *
 * @param steps the call's steps
 * @param what the stack as the steps name it
 * @param plan the saved plan (planStack())
 * @param op the stack, lock timeout and messages
 */
export async function applyPlanned(
  steps: Steps,
  what: string,
  plan: SavedPlan,
  op: Omit<TofuOperation, "command">,
): Promise<StackApply> {
  const planned: PlannedStack = {
    stack: op.stack,
    changes: plan.changes,
    summary: planLine(plan.run.stdout, plan.changes),
  };
  if (!plan.changes) {
    steps.skip(`apply ${what}`, "its plan has no changes");
    return { planned, applied: false, container: plan.run.container };
  }
  const applied = await steps.run(`apply ${what}`, () => applySaved(plan, { ...op, command: "apply" }));
  return { planned, applied: true, container: applied.container };
}
