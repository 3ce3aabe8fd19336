/**
 * The example apps (examples/python-poetry, examples/go) through the module's
 * functions against the test bed's engine: `test` passes and returns the
 * report, names a failing test, gives the tests no network; `build` and
 * `serve` answer on the health path; a lock file out of date gives the fix
 * in the first line of `test`'s and `check`'s messages; `check` passes.
 * One describe per example, its assertions in order, so they share the
 * builds (the engine caches every stage by its inputs).
 */
import { randomUUID } from "node:crypto";

import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { NODE_IMAGE } from "../../src/common/npm.js";
import { EXAMPLE_FIXTURES, fetchScript } from "./fixtures.js";
import { exampleSource, pipeline, rejection, testbed, useEngineSession } from "./session.js";

useEngineSession();

/** The test bed's registry as the engine's containers reach it: a server the tests must NOT reach. */
function registryUrl(): string {
  const host = testbed.REGISTRY_ENGINE_HOST;
  if (!host || host.startsWith(":"))
    throw new Error(
      `REGISTRY_ENGINE_HOST is "${host ?? ""}" in the test bed env: bring the test bed up (sudo testbed/up)`,
    );
  return `http://${host}/v2/`;
}

/** GETs `path` of a service from a container with network; returns status and body. */
async function probe(
  service: Awaited<ReturnType<ReturnType<typeof pipeline>["serve"]>>,
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  const out = await dag
    .container()
    .from(NODE_IMAGE)
    .withServiceBinding("app", service)
    // A fresh value per run: the probe must not be served from the cache.
    .withEnvVariable("NONCE", randomUUID())
    .withExec([
      "node",
      "--input-type=module",
      "-e",
      `const r = await fetch("http://app:${port}${path}"); console.log(JSON.stringify({ status: r.status, body: await r.text() }));`,
    ])
    .stdout();
  return JSON.parse(out) as { status: number; body: string };
}

const EXAMPLES = [
  {
    name: "python-poetry" as const,
    port: 8000,
    lockFix: "poetry.lock is out of sync with pyproject.toml: run `poetry lock` and commit poetry.lock",
    report: {
      from: "/test-report.xml",
      counts: /4 tests: 4 passed, 0 failed, 0 skipped \(JUnit XML\), from \/test-report\.xml/,
      text: /4 passed in [\d.]+s/,
    },
    network: /URLError: <urlopen error \[Errno (101|113|-3)\]/,
    checkLines: [
      "✔ lock file in sync with pyproject.toml (poetry.lock) (poetry check --lock)",
      "✔ typecheck (poetry run mypy)",
      "✔ lint (poetry run ruff check .)",
      "✔ format (poetry run ruff format --check .)",
      "✔ unit tests (poetry run pytest): 4 tests: 4 passed",
    ],
    unformatted: {
      file: "zz_unformatted.py",
      contents: "x=1\n",
      shown: "Would reformat: zz_unformatted.py",
      fix: "poetry run ruff format .",
    },
  },
  {
    name: "go" as const,
    port: 8080,
    lockFix:
      "go.mod and go.sum are out of sync with the code's imports: run `go mod tidy` and commit go.mod and go.sum",
    report: {
      from: "/test-report.json",
      counts: /5 tests: 5 passed, 0 failed, 0 skipped \(go test -json\), from \/test-report\.json/,
      text: /--- PASS: TestHealthzReportsStatusVersionAndCommit/,
    },
    network: /connect: (network is unreachable|no route to host)/,
    checkLines: [
      "✔ go.mod and go.sum in sync with the imports (go mod tidy -diff)",
      "✔ vet (go vet ./...)",
      "✔ format (gofmt -l .)",
      "✔ unit tests (go test ./...): 5 tests: 5 passed",
    ],
    unformatted: {
      file: "zz_unformatted.go",
      contents: "package main\n\nvar   zz=1\n",
      shown: "zz_unformatted.go",
      fix: "gofmt -w .",
    },
  },
];

for (const ex of EXAMPLES) {
  const fx = EXAMPLE_FIXTURES[ex.name];
  describe(`examples/${ex.name}`, () => {
    it("test passes and returns the runner's report, every step without network", async () => {
      const report = await pipeline(exampleSource(ex.name)).test();
      expect(report).toMatch(/^tests passed: the "test" stage of Dockerfile ran\n/);
      expect(report).not.toContain("WITH network");
      expect(report).toMatch(ex.report.counts);
      expect(report).toMatch(ex.report.text);
    });

    it("test names a failing test, with its cause", async () => {
      const message = await rejection(pipeline(fx.withFailingTest(exampleSource(ex.name))).test());
      expect(message).toMatch(
        /^tests failed \(1 failing test, in the "test" stage of Dockerfile, run with no network\):/,
      );
      expect(message).toContain(`✘ ${fx.failingTestName} — `);
      expect(message).toMatch(/1 \+ 1\) == 3|1\+1 = 2, want 3/);
    });

    it("test gives the tests no network: a test that needs it fails, while the same request works from a container with network", async () => {
      const url = registryUrl();
      const control = await dag
        .container()
        .from(NODE_IMAGE)
        .withEnvVariable("NONCE", randomUUID())
        .withExec(["node", "--input-type=module", "-e", fetchScript(url)])
        .stdout();
      expect(control).toMatch(/^HTTP \d{3}/);
      const message = await rejection(pipeline(fx.withNetworkTest(exampleSource(ex.name), url)).test());
      expect(message).toContain(`✘ ${fx.networkTestName} — `);
      expect(message).toMatch(ex.network);
    });

    it("build labels the image and serve answers 200 on /healthz with the commit", async () => {
      const gitCommit = `c0ffee${randomUUID().replace(/-/g, "").slice(0, 34)}`;
      const image = await pipeline(exampleSource(ex.name)).build("1.2.3-engine", gitCommit);
      expect(await image.label("org.opencontainers.image.revision")).toBe(gitCommit);
      const res = await probe(
        await pipeline(exampleSource(ex.name)).serve("1.2.3-engine", gitCommit),
        ex.port,
        "/healthz",
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: "ok", version: "1.2.3-engine", commit: gitCommit });
    });

    it("a lock file out of date gives the fix in the first line, from test and from check", async () => {
      const drifted = await fx.withLockDrift(exampleSource(ex.name));
      const fromTest = await rejection(pipeline(drifted).test());
      expect(fromTest.split("\n")[0]).toBe(ex.lockFix);
      const fromCheck = await rejection(pipeline(drifted).check());
      expect(fromCheck.split("\n")[0]).toBe(ex.lockFix);
      expect(fromCheck).toMatch(/\(found by `(poetry check --lock|go mod tidy -diff)` in check\)/);
    });

    it("check passes, naming each step it ran", async () => {
      const report = await pipeline(exampleSource(ex.name)).check();
      expect(report.split("\n")[0]).toBe("check passed");
      for (const line of ex.checkLines) expect(report).toContain(line);
    });

    it("check fails on a file the ecosystem's formatter would change, naming it and the command that formats", async () => {
      const { file, contents, shown, fix } = ex.unformatted;
      const message = await rejection(pipeline(exampleSource(ex.name).withNewFile(file, contents)).check());
      expect(message).toMatch(/^check failed: .*\bformat\b/m);
      expect(message).toContain(shown);
      expect(message).toContain(fix);
    });
  });
}
