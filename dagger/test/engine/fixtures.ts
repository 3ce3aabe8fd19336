/**
 * Fixtures for the engine tier, derived from the repository with Directory
 * operations (one file added or changed each), so they stay tiny and follow
 * the real app as it changes.
 */
import { dag, type Directory } from "@dagger.io/dagger";

import { stageRuns, TEST_STAGE } from "../../src/build/dockerfile.js";

/** Where fixture tests go: the app's unit test directory (the test stage runs it). */
const FIXTURE_TEST = "app/test/unit/zz-engine-fixture.test.ts";

/** The name the failing fixture test reports under (file > test). */
export const FAILING_TEST_NAME = "zz-engine-fixture.test.ts > fixture: one plus one is three";

/** The name the network fixture test reports under. */
export const NETWORK_TEST_NAME = "zz-engine-fixture.test.ts > fixture: reaches a server over the network";

/** The app plus a test that fails on an assertion. */
export function withFailingTest(source: Directory): Directory {
  return source.withNewFile(
    FIXTURE_TEST,
    `import { expect, it } from "vitest";

it("fixture: one plus one is three", () => {
  expect(1 + 1).toBe(3);
});
`,
  );
}

/**
 * A script that fetches `url` and exits 0 on any HTTP answer: the network
 * fixture's test body, and the control run in a container that has network.
 */
export function fetchScript(url: string): string {
  return `const res = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(10_000) }); console.log("HTTP", res.status);`;
}

/**
 * The app plus a test that needs the network: it fetches `url` (a server the
 * engine's containers reach when they have network).
 */
export function withNetworkTest(source: Directory, url: string): Directory {
  return source.withNewFile(
    FIXTURE_TEST,
    `import { expect, it } from "vitest";

it("fixture: reaches a server over the network", async () => {
  const res = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBeGreaterThan(0);
});
`,
  );
}

/** The app with a dependency in app/package.json that package-lock.json does not have. */
export async function withLockDrift(source: Directory): Promise<Directory> {
  const manifest = JSON.parse(await source.file("app/package.json").contents()) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies["is-number"] = "7.0.0";
  return source.withNewFile("app/package.json", `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The app with a test that prints a random nonce, so a report shows whether
 * the tests really ran again. The test stage must leave the runner's output in
 * /test-report.txt (what `test` returns), as the repository's Dockerfile does.
 */
export async function withReportAndNonce(source: Directory): Promise<Directory> {
  const runs = stageRuns(await source.file("Dockerfile").contents(), TEST_STAGE);
  if (!runs.some((r) => r.noNetwork && /^npm test\b.*\| tee \/test-report\.txt\b/.test(r.command))) {
    throw new Error(
      "fixture: the Dockerfile's test stage no longer writes /test-report.txt (`RUN --network=none npm test … | tee /test-report.txt`)",
    );
  }
  return source.withNewFile(
    FIXTURE_TEST,
    `import { expect, it } from "vitest";

it("fixture: prints a nonce", () => {
  console.log("nonce", crypto.randomUUID());
  expect(true).toBe(true);
});
`,
  );
}

/** The nonce a report of {@link withReportAndNonce} carries. */
export function nonceOf(report: string): string | undefined {
  return /nonce ([0-9a-f-]{36})/.exec(report)?.[1];
}

/**
 * A tiny npm project with one workspace ("web") whose scripts stand in for the
 * tools: typecheck passes; lint fails with an eslint-style error in web/src/a.ts;
 * a unit test of the root package fails while a test of web/ passes.
 */
export function tinyProject(): Directory {
  const manifest = {
    name: "tiny",
    version: "1.0.0",
    private: true,
    workspaces: ["web"],
    scripts: {
      typecheck: `node -e "console.log('no type errors')"`,
      lint: "node lint.mjs",
      "test:unit": "node unit.mjs",
    },
  };
  const lock = {
    name: "tiny",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "tiny", version: "1.0.0", workspaces: ["web"] },
      "node_modules/web": { resolved: "web", link: true },
      web: { version: "1.0.0" },
    },
  };
  return (
    dag
      .directory()
      .withNewFile("package.json", JSON.stringify(manifest, null, 2))
      .withNewFile("package-lock.json", JSON.stringify(lock, null, 2))
      .withNewFile("web/package.json", JSON.stringify({ name: "web", version: "1.0.0", private: true }))
      .withNewFile("web/src/a.ts", "const x = 1;\n")
      // Unit tests: the passing one is in web/ (its path is printed too), the failing one in the root package.
      .withNewFile(
        "unit.mjs",
        `console.log(" ✓ |unit| web/test/a.test.ts (1 test) 2ms\\n ❯ |unit| test/root.test.ts (1 test | 1 failed) 3ms\\n FAIL  |unit| test/root.test.ts > root > adds up\\n      Tests  1 failed | 1 passed (2)");
process.exit(1);
`,
      )
      .withNewFile(
        "lint.mjs",
        `console.log("/src/web/src/a.ts\\n  1:7  error  'x' is assigned a value but never used  @typescript-eslint/no-unused-vars\\n\\n✖ 1 problem (1 error, 0 warnings)");
process.exit(1);
`,
      )
  );
}

/** The example apps' fixtures: a failing test, a test that needs the network, a lock file out of date. */
export const EXAMPLE_FIXTURES = {
  "python-poetry": {
    failingTestName: "tests.test_zz_engine_fixture > test_one_plus_one_is_three",
    networkTestName: "tests.test_zz_engine_fixture > test_reaches_a_server_over_the_network",
    withFailingTest: (source: Directory) =>
      source.withNewFile(
        "tests/test_zz_engine_fixture.py",
        "def test_one_plus_one_is_three() -> None:\n    assert 1 + 1 == 3\n",
      ),
    withNetworkTest: (source: Directory, url: string) =>
      source.withNewFile(
        "tests/test_zz_engine_fixture.py",
        `import urllib.request\n\n\ndef test_reaches_a_server_over_the_network() -> None:\n    with urllib.request.urlopen(${JSON.stringify(url)}, timeout=10) as res:\n        assert res.status > 0\n`,
      ),
    /** A dependency added to pyproject.toml, poetry.lock left as it was. */
    withLockDrift: async (source: Directory) => {
      const manifest = await source.file("pyproject.toml").contents();
      const changed = manifest.replace(
        '    "gunicorn (>=23,<24)",\n',
        '    "gunicorn (>=23,<24)",\n    "itsdangerous (>=2.2,<3)",\n',
      );
      if (changed === manifest)
        throw new Error(
          "fixture: examples/python-poetry/pyproject.toml no longer lists gunicorn as the fixture expects",
        );
      return source.withNewFile("pyproject.toml", changed);
    },
  },
  go: {
    failingTestName: "example.com/go-demo > TestFixtureOnePlusOneIsThree",
    networkTestName: "example.com/go-demo > TestFixtureReachesAServerOverTheNetwork",
    withFailingTest: (source: Directory) =>
      source.withNewFile(
        "zz_engine_fixture_test.go",
        'package main\n\nimport "testing"\n\nfunc TestFixtureOnePlusOneIsThree(t *testing.T) {\n\tif got := 1 + 1; got != 3 {\n\t\tt.Errorf("1+1 = %d, want 3", got)\n\t}\n}\n',
      ),
    withNetworkTest: (source: Directory, url: string) =>
      source.withNewFile(
        "zz_engine_fixture_test.go",
        `package main\n\nimport (\n\t"net/http"\n\t"testing"\n\t"time"\n)\n\nfunc TestFixtureReachesAServerOverTheNetwork(t *testing.T) {\n\tres, err := (&http.Client{Timeout: 10 * time.Second}).Get(${JSON.stringify(url)})\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\tres.Body.Close()\n}\n`,
      ),
    /** Code that imports a module go.mod does not require (go mod tidy and go mod vendor not run). */
    withLockDrift: (source: Directory) =>
      Promise.resolve(
        source.withNewFile("zz_engine_fixture_lang.go", 'package main\n\nimport _ "golang.org/x/text/language"\n'),
      ),
  },
} as const;

/**
 * A dependency added to a manifest, its lock file left as it was: the corpus's lock drift.
 *
 * @param source the app
 * @param file the manifest
 * @param edit the change (must change the text)
 */
export async function withManifestEdit(
  source: Directory,
  file: string,
  edit: (text: string) => string,
): Promise<Directory> {
  const text = await source.file(file).contents();
  const changed = edit(text);
  if (changed === text) throw new Error(`fixture: ${file} no longer has what the lock drift fixture edits`);
  return source.withNewFile(file, changed);
}

/**
 * A package.json with one more dependency (is-number, a tiny package with no dependencies).
 *
 * @param source the app
 * @param file the package.json to change
 */
export function withNpmDependency(source: Directory, file: string): Promise<Directory> {
  return withManifestEdit(source, file, (text) => {
    const manifest = JSON.parse(text) as { dependencies?: Record<string, string> };
    manifest.dependencies = { ...manifest.dependencies, "is-number": "7.0.0" };
    return `${JSON.stringify(manifest, null, 2)}\n`;
  });
}
