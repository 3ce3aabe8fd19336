/**
 * Reading tool output into messages: failing test names (vitest with and
 * without colours, jest, node:test, TAP), npm ci failures (recorded from npm 11),
 * and which workspace an error is in.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { workspacesIn } from "../../../src/check/run-checks.js";
import { redact, tail } from "../../../src/common/errors.js";
import { explainNpmInstallFailure } from "../../../src/common/npm.js";
import { failingTests, failureCauses, summaryLines } from "../../../src/check/test-report.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures", name), "utf8");

describe("failingTests", () => {
  // Recorded from vitest 5.1.1: one failing assertion, one test that needs the network.
  const expected = [
    "test/unit/math.test.ts > math > subtracts wrongly",
    "test/unit/net.test.ts > reaches the registry",
  ];

  it("names each failing test with its file and suites (vitest, no colours)", () => {
    expect(failingTests(fixture("vitest-failed-plain.txt"))).toEqual(expected);
  });

  it("reads the same names when vitest writes colours and project badges", () => {
    expect(failingTests(fixture("vitest-failed-color.txt"))).toEqual(expected);
  });

  it("reads jest, node:test and TAP failures", () => {
    expect(failingTests("PASS a.test.js\nFAIL src/b.test.js\n  ✕ rejects bad input (4 ms)")).toEqual(["src/b.test.js"]);
    expect(failingTests("✔ ok one (0.4ms)\n✖ parses dates (1.2ms)\n")).toEqual(["parses dates"]);
    expect(failingTests("ok 1 - first\nnot ok 2 - second # time=3ms\n")).toEqual(["second"]);
  });

  it("gives each failing test the first line of its error, with or without colours", () => {
    for (const name of ["vitest-failed-plain.txt", "vitest-failed-color.txt"]) {
      const causes = failureCauses(fixture(name));
      expect(causes.get(expected[0]!)).toBe("AssertionError: expected 2 to be 1 // Object.is equality");
      expect(causes.get(expected[1]!)).toBe("TypeError: fetch failed");
    }
  });

  it("finds nothing in a passing run", () => {
    expect(
      failingTests(
        " ✓ |unit| app/test/unit/a.test.ts (3 tests) 4ms\n Test Files  1 passed (1)\n      Tests  3 passed (3)",
      ),
    ).toEqual([]);
  });

  it("returns vitest's summary lines", () => {
    expect(summaryLines(fixture("vitest-failed-color.txt"))).toEqual([
      "Test Files  2 failed (2)",
      "Tests  2 failed | 1 passed (3)",
    ]);
  });
});

describe("explainNpmInstallFailure", () => {
  it("turns npm ci's out-of-sync error into the fix, with npm's Missing lines", () => {
    const msg = explainNpmInstallFailure(fixture("npm-ci-out-of-sync.txt"), "check");
    expect(msg).toMatch(
      /^package-lock\.json is out of sync with package\.json: run `npm install` and commit the lock file$/m,
    );
    expect(msg).toContain("Missing: is-odd@3.0.1 from lock file");
    // Not npm's usage screen.
    expect(msg).not.toContain("--install-strategy");
  });

  it("says to create and commit a lock file when there is none", () => {
    expect(explainNpmInstallFailure(fixture("npm-ci-no-lock.txt"), "check")).toMatch(
      /no package-lock\.json: run `npm install` and commit the lock file/,
    );
  });

  it("says the registry is unreachable on network errors", () => {
    const out =
      "npm error code EAI_AGAIN\nnpm error request to https://registry.example/x failed, reason: getaddrinfo EAI_AGAIN registry.example";
    expect(explainNpmInstallFailure(out, "check")).toMatch(/could not download packages/);
  });

  it("leaves output that is not from npm alone", () => {
    expect(explainNpmInstallFailure("Segmentation fault", "check")).toBeUndefined();
  });
});

describe("workspacesIn", () => {
  const ws = ["app", "dagger", "infra"];
  it("finds workspaces in tsc, eslint and vitest paths", () => {
    expect(workspacesIn("infra/src/stack.ts(3,7): error TS2322: Type 'number'", ws)).toEqual(["infra"]);
    expect(workspacesIn("/src/app/src/app.ts\n  3:5  error  'x' is unused  no-unused-vars", ws)).toEqual(["app"]);
    expect(
      workspacesIn(" FAIL  |unit| dagger/test/unit/a.test.ts > x\n FAIL  |unit| app/test/unit/b.test.ts > y", ws),
    ).toEqual(["app", "dagger"]);
  });
  it("does not take a word for a workspace", () => {
    expect(workspacesIn("the app failed to start; see infrastructure docs", ws)).toEqual([]);
  });
});

describe("redact and tail", () => {
  it("removes every occurrence of each secret", () => {
    expect(redact("user:s3cr3t@host s3cr3t", ["s3cr3t", undefined, ""])).toBe("user:***@host ***");
  });
  it("keeps the last non-blank lines without colours", () => {
    expect(tail("a\n\n\u001b[31mb\u001b[39m\nc\n", 2)).toEqual(["b", "c"]);
  });
});
