/**
 * What a deploy changes, read from its plans: what each stack's plan would do
 * (its apply runs only when there is something to apply), and whether the
 * deploy as a whole is "unchanged" — both stacks planned no change and the
 * image is the one the service runs — so that it applies nothing, follows no
 * rollout, confirms the running digest with the smoke test and is recorded as
 * "unchanged" in the ledger. Pure: unit-tested on tofu's own output.
 */
import { digestOf } from "../env/ledger.js";

/** A stack's plan, as far as a deploy is concerned. */
export interface PlannedStack {
  /** The stack's name (e.g. fargate-pipeline-local-base). */
  stack: string;
  /** Whether applying the plan changes anything (tofu plan -detailed-exitcode). */
  changes: boolean;
  /** One line: "no changes", or tofu's counts ("1 to add, 2 to change, 0 to destroy"). */
  summary: string;
}

/**
 * The one line a plan's output says about what it changes.
 *
 * @param stdout what `tofu plan -no-color` printed
 * @param changes its -detailed-exitcode verdict (2: true)
 */
export function planLine(stdout: string, changes: boolean): string {
  if (!changes) return "no changes";
  const counts = /^Plan: (.+?)\.?$/m.exec(stdout)?.[1];
  if (counts) return counts;
  // Exit code 2 without a "Plan:" line: only the outputs change.
  return /Changes to Outputs/.test(stdout) ? "changes to outputs only" : "changes";
}

/** What decides whether a deploy is unchanged. */
export interface ChangeFacts {
  /** The base stack's plan; undefined where deploy does not apply the base stack (AWS: `bootstrap` does). */
  base?: PlannedStack;
  service: PlannedStack;
  /** The image being deployed, by digest. */
  image: string;
  /** The image the service's task definition runs now (ECS), if there is a service. */
  running?: string;
}

/** The verdict: unchanged (nothing to apply, the image runs already), or why not. */
export type Change = { unchanged: true; digest: string } | { unchanged: false; why: string };

/**
 * Whether a deploy is unchanged: only when every stack it applies planned no
 * change *and* the image's digest is the one running. An empty plan alone is
 * not enough (the service could run another task definition than its stack's).
 *
 * @param f the plans and the images
 */
export function deployChange(f: ChangeFacts): Change {
  const changed = [f.base, f.service].filter((p): p is PlannedStack => p?.changes === true);
  if (changed.length > 0)
    return { unchanged: false, why: changed.map((p) => `${p.stack} plans ${p.summary}`).join("; ") };
  const digest = digestOf(f.image);
  if (!f.running) return { unchanged: false, why: "no image runs yet" };
  if (digestOf(f.running) !== digest)
    return { unchanged: false, why: `the service runs ${digestOf(f.running)}, not ${digest}` };
  return { unchanged: true, digest };
}

/**
 * The summary's line for an unchanged deploy.
 *
 * @param digest the running digest the smoke test confirmed
 * @param stacks the stacks that planned no change
 */
export function unchangedLine(digest: string, stacks: readonly string[]): string {
  return `unchanged: the running digest ${digest} answered the smoke test; nothing applied (${stacks.join(" and ")} planned no change)`;
}
