/**
 * deploy's step log once the call has ended: a background step that outlives
 * the deploy (check still running after preflight failed) must not print its
 * outcome later, where it would read as part of whatever runs next (issue #15:
 * a `✘ check (113 s)` line in the middle of the following e2e test).
 */
import { describe, expect, it } from "vitest";

import { Steps } from "../../../src/deploy/steps.js";

/** A step that fails after ms. */
const failsAfter = (ms: number, message: string) => () =>
  new Promise<never>((_, fail) => setTimeout(() => fail(new Error(message)), ms));

describe("deploy's steps after the call has ended", () => {
  it("a background step that fails after the deploy ended prints nothing; the deploy's last line names it as left running", async () => {
    const lines: string[] = [];
    const steps = new Steps((l) => lines.push(l));
    // As deploy() runs them: check in the background, then preflight, which fails first.
    const checked = steps.run("check", failsAfter(300, "check failed: lint"));
    checked.catch(() => {});
    const preflight = steps.run("preflight", failsAfter(10, "deploy needs AWS credentials")).catch((err: unknown) => {
      steps.end();
      throw err;
    });
    await expect(preflight).rejects.toThrow("deploy needs AWS credentials");
    const atEnd = [...lines];
    expect(atEnd).toEqual([
      "▶ check",
      "▶ preflight",
      expect.stringMatching(/^✘ preflight \(0\.\d s\)$/),
      "(not waited for, their results unused: check — still running in the engine)",
    ]);
    await expect(checked).rejects.toThrow("check failed: lint");
    expect(lines).toEqual(atEnd); // no "✘ check (0.3 s)" after the call
  });

  it("before the end, every step's outcome is printed; end() says nothing when nothing runs", async () => {
    const lines: string[] = [];
    const steps = new Steps((l) => lines.push(l));
    await steps.run(
      "synth",
      async () => "ok",
      () => "2 stacks",
    );
    await expect(steps.run("publish", failsAfter(1, "push refused"))).rejects.toThrow("push refused");
    steps.end();
    steps.end();
    expect(lines).toEqual([
      "▶ synth",
      expect.stringMatching(/^✔ synth \(0\.\d s\): 2 stacks$/),
      "▶ publish",
      expect.stringMatching(/^✘ publish \(0\.\d s\)$/),
    ]);
    expect(steps.rows.map((r) => r.name)).toEqual(["synth"]);
  });
});
