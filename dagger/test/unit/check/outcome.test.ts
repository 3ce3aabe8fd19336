/**
 * How check turns a test command's result into a step outcome: from the
 * runner's machine-readable results when there are some, never a pass that
 * the exit code or the report contradicts.
 */
import type { Container } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { type Captured, plainOutcome, testOutcome } from "../../../src/check/step.js";
import { failureDetails } from "../../../src/check/run-checks.js";
import { failingFiles, fixOf, SCRIPT_STEPS, workspacesIn } from "../../../src/check/node.js";
import type { TestResults } from "../../../src/check/test-results.js";

// testOutcome and plainOutcome read only the exit code and the output.
const run = (exitCode: number, output: string): Captured => ({ exitCode, output, container: {} as Container });
const results = (failed: TestResults["failed"], passed = 3): TestResults => ({
  format: "JUnit XML",
  passed,
  skipped: 0,
  failed,
});

describe("testOutcome", () => {
  it("passes with the report's count", () => {
    expect(testOutcome("pytest", run(0, "...."), results([]))).toEqual({
      name: "unit tests",
      status: "passed",
      command: "pytest",
      note: "3 tests: 3 passed, 0 failed, 0 skipped (JUnit XML)",
    });
  });

  it("fails naming each failing test and its cause, even when the command exited 0", () => {
    const o = testOutcome("pytest", run(0, ""), results([{ name: "tests.test_a > test_x", cause: "assert 1 == 2" }]));
    expect(o.status).toBe("failed");
    expect(o.keyLines).toEqual([
      "failing: tests.test_a > test_x — assert 1 == 2",
      "4 tests: 3 passed, 1 failed, 0 skipped (JUnit XML)",
    ]);
    expect(o.fix).toBe("pytest");
  });

  it("fails when the command failed although its report has no failing test, with the end of its output", () => {
    const o = testOutcome("go test ./...", run(2, "panic: boom\nexit status 2"), results([]));
    expect(o.status).toBe("failed");
    expect(o.keyLines?.[0]).toBe(
      "3 tests: 3 passed, 0 failed, 0 skipped (JUnit XML), but the command exited with 2; its last lines:",
    );
    expect(o.keyLines).toContain("panic: boom");
  });

  it("reads the runner's text when there is no report", () => {
    expect(
      testOutcome("npm run test:unit", run(0, " Test Files  1 passed (1)\n      Tests  3 passed (3)"), undefined).note,
    ).toBe("Test Files  1 passed (1); Tests  3 passed (3)");
    const o = testOutcome(
      "npm run test:unit",
      run(1, " FAIL  |unit| test/root.test.ts > root > adds up\nAssertionError: expected 1 to be 2\n"),
      undefined,
    );
    expect(o.keyLines).toEqual(["failing: test/root.test.ts > root > adds up — AssertionError: expected 1 to be 2"]);
  });
});

describe("plainOutcome", () => {
  it("keeps the lines that matter, else the last lines", () => {
    const out = "a.py:1:8: F401 [*] `os` imported but unused\nFound 1 error.";
    expect(
      plainOutcome("lint", "ruff check .", run(1, out), (o) => o.split("\n").filter((l) => /: F\d+/.test(l))).keyLines,
    ).toEqual(["a.py:1:8: F401 [*] `os` imported but unused"]);
    expect(plainOutcome("vet", "go vet ./...", run(1, "something odd\nexit status 1"), () => []).keyLines).toEqual([
      "something odd",
      "exit status 1",
    ]);
    expect(plainOutcome("vet", "go vet ./...", run(0, ""))).toEqual({
      name: "vet",
      status: "passed",
      command: "go vet ./...",
    });
  });
});

describe("the format step of a Node project", () => {
  const format = SCRIPT_STEPS.find((s) => s.name === "format");

  it("runs the format:check script (Prettier's or Biome's)", () => {
    expect(format?.scripts).toEqual(["format:check"]);
  });

  it("names each file Prettier would change, not its summary line", () => {
    // `prettier --check .` with one file out of format (Prettier 3.10).
    const out = [
      "Checking formatting...",
      "[warn] web/src/a.ts",
      "[warn] Code style issues found in the above file. Run Prettier with --write to fix.",
    ].join("\n");
    expect(format?.keyLines(out)).toEqual(["[warn] web/src/a.ts"]);
  });

  it("fails with those files as its key lines", () => {
    const out = "Checking formatting...\n[warn] web/src/a.ts\n[warn] Code style issues found in the above file.";
    const outcome = plainOutcome("format", "npm run format:check", run(1, out), format?.keyLines ?? (() => []));
    expect(outcome.status).toBe("failed");
    expect(JSON.stringify(outcome)).toContain("[warn] web/src/a.ts");
  });
});

describe("the fix a failed step names", () => {
  const format = SCRIPT_STEPS.find((s) => s.name === "format")!;
  const lint = SCRIPT_STEPS.find((s) => s.name === "lint")!;
  const npm = (script: string) => `npm run ${script}`;

  it("is the project's format script when it has one, not the check that found the files", () => {
    expect(fixOf(format, { "format:check": "prettier --check .", format: "prettier --write ." }, npm)).toBe(
      "npm run format",
    );
    expect(fixOf(format, { "format:check": "prettier --check ." }, npm)).toBeUndefined();
    expect(fixOf(lint, { lint: "eslint .", format: "prettier --write ." }, npm)).toBeUndefined();
  });

  it("is shown apart from the command that reproduces, when they differ", () => {
    const failed = plainOutcome("format", "npm run format:check", run(1, "[warn] web/src/a.ts"), format.keyLines);
    const text = failureDetails({ ...failed, fix: "npm run format" });
    expect(text).toContain("  to reproduce: npm run format:check\n  to fix: npm run format");
    expect(text).not.toContain("reproduce and fix");
  });

  it("is one line when the command that reproduces also fixes", () => {
    const failed = plainOutcome("lint", "npm run lint", run(1, "/src/a.ts\n  1:7  error  x  rule"), lint.keyLines);
    expect(failureDetails(failed)).toContain("  to reproduce and fix: npm run lint");
  });
});

describe("where a failing unit test is placed", () => {
  it("by its file, not by a path its name mentions", () => {
    const key = [
      "failing: scripts/test/type-aware-lint.test.ts > lint > fails an un-awaited sync() at app/src/server.ts — AssertionError: expected 0 to be 1",
      "failing: app/test/unit/health.test.ts > GET /healthcheck > answers 200",
      "4 tests: 2 passed, 2 failed, 0 skipped (JUnit XML)",
    ];
    expect(failingFiles(key)).toEqual(["scripts/test/type-aware-lint.test.ts", "app/test/unit/health.test.ts"]);
    expect(workspacesIn(failingFiles(key.slice(0, 1)).join("\n"), ["app"])).toEqual([]);
    expect(workspacesIn(key[0]!, ["app"])).toEqual(["app"]); // what the name alone would have said
  });
});
