/**
 * What a deploy changes (deploy/change.ts): each stack's plan line, the
 * "unchanged" verdict (both stacks planned no change and the image is the one
 * the service runs), and how the summary and the step table say it.
 *
 * The plan outputs in fixtures/tofu-*.txt are OpenTofu 1.12.6's own
 * (`tofu plan -no-color -detailed-exitcode -out=tfplan`, TF_IN_AUTOMATION=1) on a
 * stack of built-in terraform_data resources, with the exit codes noted below.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { deployChange, type PlannedStack, planLine, unchangedLine } from "../../../src/deploy/change.js";
import { deploySummary, type SummaryInput } from "../../../src/deploy/summary.js";
import { Steps } from "../../../src/deploy/steps.js";
import { tofuFailure } from "../../../src/stacks/tofu-failure.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
// Exit codes with -detailed-exitcode: 0 for no-changes, 2 for the other two.
const NO_CHANGES = fixture("tofu-plan-no-changes.txt");
const CHANGES = fixture("tofu-plan-changes.txt");
const OUTPUTS_ONLY = fixture("tofu-plan-outputs-only.txt");

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const IMAGE = `localhost:5000/fargate-pipeline-local@${D1}`;

const plan = (stack: string, stdout: string, changes: boolean): PlannedStack => ({
  stack,
  changes,
  summary: planLine(stdout, changes),
});
const base = (stdout: string, changes: boolean) => plan("fargate-pipeline-local-base", stdout, changes);
const service = (stdout: string, changes: boolean) => plan("fargate-pipeline-local", stdout, changes);

describe("a plan's line", () => {
  it("reads tofu's counts, or says no changes, or outputs only", () => {
    expect(planLine(NO_CHANGES, false)).toBe("no changes");
    expect(planLine(CHANGES, true)).toBe("0 to add, 1 to change, 0 to destroy");
    expect(planLine(OUTPUTS_ONLY, true)).toBe("changes to outputs only");
  });
});

describe("whether a deploy is unchanged", () => {
  it("is unchanged when both stacks planned no change and the service runs the same digest", () => {
    expect(
      deployChange({
        base: base(NO_CHANGES, false),
        service: service(NO_CHANGES, false),
        image: IMAGE,
        running: IMAGE,
      }),
    ).toEqual({ unchanged: true, digest: D1 });
  });

  it("compares digests, not references (the task definition may name the image by another repository path)", () => {
    expect(
      deployChange({
        service: service(NO_CHANGES, false),
        image: IMAGE,
        running: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@${D1}`,
      }),
    ).toEqual({ unchanged: true, digest: D1 });
  });

  it("is not unchanged when either stack plans changes, and says which and what", () => {
    expect(
      deployChange({ base: base(CHANGES, true), service: service(NO_CHANGES, false), image: IMAGE, running: IMAGE }),
    ).toEqual({ unchanged: false, why: "fargate-pipeline-local-base plans 0 to add, 1 to change, 0 to destroy" });
    expect(
      deployChange({
        base: base(NO_CHANGES, false),
        service: service(OUTPUTS_ONLY, true),
        image: IMAGE,
        running: IMAGE,
      }),
    ).toEqual({ unchanged: false, why: "fargate-pipeline-local plans changes to outputs only" });
  });

  it("is not unchanged when the plans are empty but the service runs another digest, or nothing", () => {
    const running = `localhost:5000/fargate-pipeline-local@${D2}`;
    expect(deployChange({ service: service(NO_CHANGES, false), image: IMAGE, running })).toEqual({
      unchanged: false,
      why: `the service runs ${D2}, not ${D1}`,
    });
    expect(deployChange({ service: service(NO_CHANGES, false), image: IMAGE })).toEqual({
      unchanged: false,
      why: "no image runs yet",
    });
  });
});

describe("how an unchanged deploy is shown", () => {
  it("the step table marks the skipped applies, rollout and save, with why; only steps that ran count as run", () => {
    const lines: string[] = [];
    const steps = new Steps((l) => lines.push(l));
    steps.rows.push({ name: "plan base stack", seconds: 6.2, note: "no changes" });
    steps.skip("apply base stack", "its plan has no changes");
    steps.skip("rollout", `nothing was applied: the service runs ${D1} already`);
    const table = steps.table();
    expect(table).toContain("| plan base stack | 6.2 s | no changes |");
    expect(table).toContain("| apply base stack | – | skipped: its plan has no changes |");
    expect(table).toContain(`| rollout | – | skipped: nothing was applied: the service runs ${D1} already |`);
    expect(lines).toEqual([
      "⏭ apply base stack: skipped, its plan has no changes",
      `⏭ rollout: skipped, nothing was applied: the service runs ${D1} already`,
    ]);
    expect(steps.ran).toEqual(["plan base stack"]);
  });

  it("the summary says it planned no change, applied nothing, and which digest answered the smoke test", () => {
    const input: SummaryInput = {
      kind: "deploy",
      mode: "local",
      config: { name: "local", domain: "app.local.example.com", names: { service: "fargate-pipeline-local" } },
      identity: { account: "123456789012", arn: "arn:aws:iam::123456789012:root" },
      image: IMAGE,
      commit: "source-0123456789ab",
      version: "0.0.0-dev",
      smoke: { ok: true, url: "/healthcheck", status: 200, commit: "source-0123456789ab", attempts: 1, seconds: 1 },
      stepsTable: "| step | time | |",
      unchanged: unchangedLine(D1, ["fargate-pipeline-local-base", "fargate-pipeline-local"]),
    };
    const md = deploySummary(input);
    expect(md).toContain(
      `| change | unchanged: the running digest ${D1} answered the smoke test; nothing applied (fargate-pipeline-local-base and fargate-pipeline-local planned no change) |`,
    );
    expect(md).toContain("| rollout | not followed: nothing was applied, so no deployment started |");
    expect(deploySummary({ ...input, unchanged: undefined })).not.toContain("| change |");
  });
});

describe("a saved plan made stale by another run", () => {
  it("fails the apply saying that nothing was applied and that running again plans afresh", () => {
    const err = tofuFailure(
      { stdout: "", stderr: fixture("tofu-apply-stale-plan.txt") },
      { command: "apply", stack: "fargate-pipeline-local", lockTimeoutSeconds: 0, rerun: "dagger call deploy" },
    );
    expect(err.kind).toBe("stale-plan");
    expect(err.partial).toBe(false);
    expect(err.lines).toContain("Error: Saved plan is stale");
    expect(err.message).toContain(
      "The state of fargate-pipeline-local changed between this run's plan and its apply (another run applied it in between): nothing was changed by this one.",
    );
    expect(err.message).toContain("run again, and it plans from the state as that run left it: dagger call deploy");
  });
});
