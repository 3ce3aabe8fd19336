/**
 * The corpus of app shapes (examples/) through the module's functions against
 * the test bed's engine. For every app: `check` passes on the healthy project
 * (one whose workflow carries shellcheck info and style notes among them), a
 * lock file out of date gives the fix in the first line, `test` passes and
 * returns the report, `build` and `serve` answer 200 on the health path. The
 * poetry and Go apps also show `test` naming a failing test and giving the
 * tests no network. One app copied out of the repository (no dagger/ beside
 * it) passes check, test and build. One describe per app, its assertions in
 * order, so they share the builds (the engine caches every stage by its inputs).
 */
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dag, type Directory } from "@dagger.io/dagger";
import { afterAll, describe, expect, it } from "vitest";

import { REPO_ROOT } from "../../scripts/introspect.mjs";
import { NODE_IMAGE } from "../../src/common/npm.js";
import { EXAMPLE_FIXTURES, fetchScript, withManifestEdit, withNpmDependency } from "./fixtures.js";
import {
  EXAMPLE_IGNORE,
  type ExampleName,
  exampleSource,
  pipeline,
  rejection,
  testbed,
  useEngineSession,
} from "./session.js";

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
      "✔ toolchain: Python 3.11 (python:3.11-slim), the oldest maintained line that requires-python >=3.11,<4 admits",
      // The readme and license files pyproject.toml names are in the build context: the lock check sees them.
      "✔ lock file in sync with pyproject.toml (poetry.lock) (poetry check --lock)",
      "✔ install from poetry.lock (poetry install --all-groups)",
      "✔ typecheck (poetry run mypy)",
      "✔ lint (poetry run ruff check .)",
      "✔ format (poetry run ruff format --check .)",
      "– unit tests: skipped (Python declares no standard test command",
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
      "go.mod, go.sum and vendor/ are out of sync with the code's imports: run `go mod tidy && go mod vendor` and commit go.mod, go.sum and vendor/",
    report: {
      from: "/test-report.json",
      counts: /5 tests: 5 passed, 0 failed, 0 skipped \(go test -json\), from \/test-report\.json/,
      text: /--- PASS: TestHealthzReportsStatusVersionAndCommit/,
    },
    network: /connect: (network is unreachable|no route to host)/,
    checkLines: [
      "✔ toolchain: Go 1.26.8 (golang:1.26.8), go.mod's toolchain line",
      "✔ go.mod and go.sum in sync with the imports (go mod tidy -diff)",
      "✔ vendor/ in sync with go.mod",
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

/** A corpus app beyond the two above: what its check says, its lock drift and fix, its port. */
interface CorpusApp {
  name: ExampleName;
  port: number;
  /** Lines check's report holds on the healthy app. */
  checkLines: (string | RegExp)[];
  /** The app with a dependency its lock file lacks, and the first line check's message must be; none: no lock file. */
  drift?: { edit: (source: Directory) => Promise<Directory>; firstLine: string };
}

const CORPUS: CorpusApp[] = [
  {
    name: "python-uv",
    port: 8000,
    checkLines: [
      "✔ toolchain: Python 3.13 (python:3.13-slim), from .python-version",
      "✔ lock file in sync with pyproject.toml (uv.lock) (uv lock --check)",
      // Every group (the tests import httpx from "test") and the workspace member.
      "✔ install from uv.lock (uv sync --locked --all-groups --all-packages --no-install-project)",
      "✔ typecheck (uv run --no-sync mypy)",
      "✔ lint (uv run --no-sync ruff check .)",
    ],
    drift: {
      edit: (s) =>
        withManifestEdit(s, "pyproject.toml", (t) =>
          t.replace('"greeting",\n', '"greeting",\n    "itsdangerous>=2.2",\n'),
        ),
      firstLine: "uv.lock is out of sync with pyproject.toml: run `uv lock` and commit uv.lock",
    },
  },
  {
    name: "python-requirements",
    port: 8000,
    checkLines: [
      /^check skipped every step: the root of --source has none of package\.json/,
      /– skipped requirements\.txt: not checked\. It is both the manifest and the pins, so there is no lock file/,
    ],
  },
  {
    name: "node-npm-workspaces",
    port: 8080,
    checkLines: [
      "✔ toolchain: Node 24 (node:24-slim), from .nvmrc",
      "✔ lock file in sync with the manifests of root, apps/api, packages/format (npm ci)",
      // Each workspace's tests in its own step; the root's script, which runs theirs, not a second time.
      /✔ apps\/api: unit tests \(npm run test\): .*pass 3/,
      /✔ packages\/format: unit tests \(npm run test\): .*pass 2/,
      /– root: unit tests: skipped \(its "test" script runs the packages' own \(npm test --workspaces\)/,
      // Its workflow's shellcheck notes are reported, and do not fail it.
      /✔ workflows \(actionlint with shellcheck\): 1 workflow; 2 shellcheck info\/style notes, which do not fail: .*SC2086:info:.*SC2129:style:/,
    ],
    drift: {
      edit: (s) => withNpmDependency(s, "apps/api/package.json"),
      firstLine: "package-lock.json is out of sync with package.json: run `npm install` and commit the lock file",
    },
  },
  {
    name: "node-pnpm",
    port: 8080,
    checkLines: [
      "✔ toolchain: Node 24 (node:24-slim), the oldest maintained LTS line that engines.node >=24 admits",
      "✔ lock file in sync with the manifests of root, packages/slug (pnpm install --frozen-lockfile)",
      // packages/slug has no scripts: the root's tools cover it, with its files (the root depends on it anyway).
      '✔ root: typecheck (pnpm exec tsc --noEmit): package.json has no "typecheck" script; tsconfig.json asks for tsc; also covers packages/slug',
      '✔ root: lint (pnpm exec biome ci .): package.json has no "lint" script; biome.json asks for biome; also covers packages/slug',
      "– root: format: skipped (`biome ci` in the lint step checks the formatting)",
      /✔ root: unit tests \(pnpm run test\): .*pass 3/,
    ],
    drift: {
      edit: (s) => withNpmDependency(s, "package.json"),
      firstLine: "pnpm-lock.yaml is out of sync with package.json: run `pnpm install` and commit pnpm-lock.yaml",
    },
  },
  {
    name: "node-yarn",
    port: 8080,
    checkLines: [
      "✔ toolchain: Node 24 (node:24-slim), from .node-version",
      "✔ lock file in sync with package.json (yarn install --immutable)",
      /✔ unit tests \(yarn run test\): .*pass 2/,
    ],
    drift: {
      edit: (s) => withNpmDependency(s, "package.json"),
      firstLine: "yarn.lock is out of sync with package.json: run `yarn install` and commit yarn.lock",
    },
  },
];

for (const app of CORPUS) {
  describe(`examples/${app.name}`, () => {
    it("check passes on the healthy project, naming each step it ran and why it skipped the others", async () => {
      const report = await pipeline(exampleSource(app.name)).check();
      if (app.drift) expect(report.split("\n")[0]).toBe("check passed");
      for (const line of app.checkLines)
        if (typeof line === "string") expect(report).toContain(line);
        else expect(report).toMatch(line);
    });

    if (app.drift) {
      const drift = app.drift;
      it("a dependency its lock file lacks fails check with the fix in the first line", async () => {
        const message = await rejection(pipeline(await drift.edit(exampleSource(app.name))).check());
        expect(message.split("\n")[0]).toBe(drift.firstLine);
      });
    }

    it("test passes and returns the report", async () => {
      const report = await pipeline(exampleSource(app.name)).test();
      expect(report).toMatch(/^tests passed: the "test" stage of Dockerfile ran\n/);
      expect(report).not.toContain("WITH network");
      expect(report).toMatch(/report \(\/test-report\.(txt|xml)\)|\d+ tests: \d+ passed, 0 failed/);
    });

    it("build and serve answer 200 on /healthz with the commit", async () => {
      const gitCommit = `c0ffee${randomUUID().replace(/-/g, "").slice(0, 34)}`;
      const image = await pipeline(exampleSource(app.name)).build("1.2.3-engine", gitCommit);
      expect(await image.label("org.opencontainers.image.revision")).toBe(gitCommit);
      const res = await probe(
        await pipeline(exampleSource(app.name)).serve("1.2.3-engine", gitCommit),
        app.port,
        "/healthz",
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: "ok", version: "1.2.3-engine", commit: gitCommit });
    });
  });
}

describe("a corpus app as a toolchain sees it: its own directory outside this repository", () => {
  // examples/node-pnpm copied to a temporary directory: its source alone, no dagger/ or repository beside it.
  const dir = mkdtempSync(join(tmpdir(), "fp-outside-"));
  cpSync(join(REPO_ROOT, "examples/node-pnpm"), dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = () => dag.host().directory(dir, { exclude: EXAMPLE_IGNORE });

  it("passes check, test and build", async () => {
    expect((await pipeline(source()).check()).split("\n")[0]).toBe("check passed");
    expect(await pipeline(source()).test()).toMatch(/^tests passed/);
    const image = await pipeline(source()).build("1.0.0-outside", "outside");
    expect(await image.label("org.opencontainers.image.revision")).toBe("outside");
  });
});
