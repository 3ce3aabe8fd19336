/**
 * Reading the runners' machine-readable reports: JUnit XML as pytest and
 * vitest write it, node:test's (its cases right under <testsuites>), and go
 * test -json events (recorded from pytest 8.4, vitest 5.1, Node 24.21's
 * `--test-reporter=junit` and go 1.26), alone or inside a failing step's output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  findJUnit,
  goTestText,
  parseGoTestJson,
  parseJUnit,
  resultsInOutput,
  resultsSummary,
} from "../../../src/check/test-results.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures", name), "utf8");

describe("parseJUnit", () => {
  it("reads pytest's report: failing tests by module and name with the assertion, skipped and passed counted", () => {
    const r = parseJUnit(fixture("pytest-junit-failed.xml"));
    expect(r.failed).toEqual([
      { name: "tests.test_zz > test_one_plus_one_is_three", cause: "assert (1 + 1) == 3" },
      {
        name: "tests.test_zz > test_network",
        cause: "urllib.error.URLError: <urlopen error [Errno 111] Connection refused>",
      },
    ]);
    expect({ passed: r.passed, skipped: r.skipped }).toEqual({ passed: 4, skipped: 1 });
    expect(resultsSummary(r)).toBe("7 tests: 4 passed, 2 failed, 1 skipped (JUnit XML)");
  });

  it("reads vitest's report: the file, the suite path and the error as vitest names it", () => {
    const r = parseJUnit(fixture("vitest-junit-failed.xml"));
    expect(r.failed).toEqual([
      {
        name: "app/test/unit/zz-junit-sample.test.ts > math > subtracts wrongly",
        cause: "AssertionError: expected 1 to be 2 // Object.is equality",
      },
      { name: "app/test/unit/zz-junit-sample.test.ts > reaches the network", cause: "TypeError: fetch failed" },
    ]);
    expect({ passed: r.passed, skipped: r.skipped }).toEqual({ passed: 1, skipped: 1 });
  });

  it("reads a lone <testsuite> root, nested suites, <error> as a failure and a failure given only as text", () => {
    const xml = `<?xml version="1.0"?><testsuite name="outer"><testsuite name="inner"><testcase classname="pkg.A" name="ok"/>
      <testcase classname="pkg.A" name="boom"><error>RuntimeError: boom\n  at line 3</error></testcase></testsuite>
      <testcase name="alone"><failure/></testcase></testsuite>`;
    const r = parseJUnit(xml);
    expect(r.failed).toEqual([{ name: "alone" }, { name: "pkg.A > boom", cause: "RuntimeError: boom" }]);
    expect(r.passed).toBe(1);
  });

  it("reads node:test's report: test cases right under <testsuites>, named by their file", () => {
    const results = parseJUnit(fixture("node-test-junit-failed.xml"));
    expect(results.passed).toBe(1);
    expect(results.failed).toEqual([
      {
        name: "/app/test/a.test.js > one plus one is three",
        cause: "testCodeFailure: Expected values to be strictly equal:",
      },
    ]);
  });

  it("refuses what is not a JUnit report, saying so", () => {
    expect(() => parseJUnit("<html><body>no</body></html>")).toThrow(/no <testsuites> or <testsuite> element/);
    expect(() => parseJUnit("<testsuites><testsuite>")).toThrow(/not well-formed XML/);
  });
});

describe("findJUnit and resultsInOutput", () => {
  it("finds the report a failing step printed after the runner's text", () => {
    const output = `============ test session starts ============\ncollected 7 items\ntests/test_zz.py F.s\n${fixture("pytest-junit-failed.xml")}\n`;
    expect(findJUnit(output)?.startsWith("<testsuites")).toBe(true);
    expect(resultsInOutput(output)?.failed.map((t) => t.name)).toEqual([
      "tests.test_zz > test_one_plus_one_is_three",
      "tests.test_zz > test_network",
    ]);
  });

  it("finds go test -json events among other lines", () => {
    const output = `#10 [test 3/3] RUN go test -json ./...\n${fixture("go-test-failed.json")}\nexit status 1\n`;
    expect(resultsInOutput(output)?.format).toBe("go test -json");
  });

  it("finds nothing in plain text", () => {
    expect(resultsInOutput(" FAIL  test/a.test.ts > x\n Tests  1 failed (1)\n")).toBeUndefined();
    expect(findJUnit("no xml here")).toBeUndefined();
  });
});

describe("parseGoTestJson", () => {
  it("names failing tests by package and test, through the failing subtest, with go's message", () => {
    const r = parseGoTestJson(fixture("go-test-failed.json"));
    expect(r?.failed).toEqual([
      { name: "example.com/go-demo > TestOnePlusOneIsThree", cause: "zz_test.go:7: 1+1 = 2, want 3" },
      { name: "example.com/go-demo > TestSub/inner", cause: "zz_test.go:12: inner broke" },
    ]);
    // 5 tests of server_test.go and TestSub/ok passed.
    expect(r && resultsSummary(r)).toBe("8 tests: 6 passed, 2 failed, 0 skipped (go test -json)");
  });

  it("names a package that failed to build", () => {
    const events = [
      { ImportPath: "example.com/x [example.com/x.test]", Action: "build-output", Output: "# example.com/x\n" },
      {
        ImportPath: "example.com/x [example.com/x.test]",
        Action: "build-output",
        Output: "./a.go:3:2: undefined: nope\n",
      },
      { ImportPath: "example.com/x [example.com/x.test]", Action: "build-fail" },
      { Package: "example.com/x", Action: "output", Output: "FAIL\texample.com/x [build failed]\n" },
      { Package: "example.com/x", Action: "fail" },
    ];
    const r = parseGoTestJson(events.map((e) => JSON.stringify(e)).join("\n"));
    expect(r?.failed.map((t) => t.name)).toContain("example.com/x (the package failed before or outside its tests)");
    expect(r?.failed.some((t) => t.cause === "./a.go:3:2: undefined: nope")).toBe(true);
  });

  it("returns undefined without events, and the -v text of a run", () => {
    expect(parseGoTestJson("ok  \texample.com/x\t0.01s")).toBeUndefined();
    expect(goTestText(fixture("go-test-failed.json"))).toMatch(
      /=== RUN {3}TestOnePlusOneIsThree\n {4}zz_test\.go:7: 1\+1 = 2, want 3\n--- FAIL: TestOnePlusOneIsThree/,
    );
  });
});
