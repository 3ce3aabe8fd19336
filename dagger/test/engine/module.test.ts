/**
 * The module's functions against the test bed's Dagger engine: the test
 * stage runs without network and names failing tests, lock drift gets the
 * message with the fix, the image is built, served, published and pulled back.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { dag, type Directory } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";

import { NODE_IMAGE } from "../../src/common/npm.js";
import {
  FAILING_TEST_NAME,
  fetchScript,
  NETWORK_TEST_NAME,
  nonceOf,
  tinyProject,
  withFailingTest,
  withLockDrift,
  withNetworkTest,
  withReportAndNonce,
} from "./fixtures.js";
import { pipeline, rejection, repoSource, testbed, useEngineSession } from "./session.js";

const LOCK_FIX = "package-lock.json is out of sync with package.json: run `npm install` and commit the lock file";

useEngineSession();

let repo: Directory;
beforeAll(async () => {
  repo = await repoSource();
});

/** The test bed's registry as the engine's containers reach it (host:port). */
function registryFromEngine(): string {
  const host = testbed.REGISTRY_ENGINE_HOST;
  if (!host || host.startsWith(":"))
    throw new Error(
      `REGISTRY_ENGINE_HOST is "${host ?? ""}" in the test bed env: bring the test bed up (sudo testbed/up)`,
    );
  return host;
}

describe("test", () => {
  it("passes on the sample app", async () => {
    const report = await pipeline(repo).test();
    expect(report).toMatch(/^tests passed: the "test" stage of Dockerfile ran\n/);
    // Every step of the test stage is listed, and runs without network.
    expect(report).toMatch(/✔ npm test -w app\b.*\(no network\)/);
    expect(report).not.toContain("WITH network");
    // The runner's own account, which the stage leaves in /test-report.txt.
    expect(report).toMatch(/Tests\s+\d+ passed/);
    // Counted from the JUnit XML the stage leaves in /test-report.xml.
    expect(report).toMatch(
      /\n {2}\d+ tests: \d+ passed, 0 failed, \d+ skipped \(JUnit XML\), from \/test-report\.xml\n/,
    );
    // eslint-disable-next-line no-control-regex
    expect(report, "the report is plain text").not.toMatch(/\u001b\[/);
  });

  it("fails on a failing test and names it", async () => {
    const message = await rejection(pipeline(withFailingTest(repo)).test());
    expect(message).toMatch(/^tests failed \(1 failing test, in the "test" stage of Dockerfile, run with no network\)/);
    // Named from the JUnit XML the failing step printed, with the error's first line.
    expect(message).toContain(`✘ app/test/unit/${FAILING_TEST_NAME} — AssertionError: expected 2 to be 3`);
    // The runner's account of the failure, not npm's lifecycle noise.
    expect(message).toContain("AssertionError: expected 2 to be 3");
    expect(message).not.toContain("npm error");
  });

  it("gives the tests no network: a test that needs it fails, while the same request works from a container with network", async () => {
    const url = `http://${registryFromEngine()}/v2/`;
    // Control: the server answers containers that have network.
    const control = await dag
      .container()
      .from(NODE_IMAGE)
      .withEnvVariable("NONCE", randomUUID())
      .withExec(["node", "--input-type=module", "-e", fetchScript(url)])
      .stdout();
    expect(control).toMatch(/^HTTP \d{3}/);

    const message = await rejection(pipeline(withNetworkTest(repo, url)).test());
    expect(message).toContain(NETWORK_TEST_NAME);
    expect(message).toMatch(/fetch failed[\s\S]*(ENETUNREACH|EAI_AGAIN|EHOSTUNREACH)/);
  });

  it("fails on a lock file out of sync with the message that names the fix", async () => {
    const message = await rejection(pipeline(await withLockDrift(repo)).test());
    expect(message.split("\n")[0]).toBe(LOCK_FIX);
    expect(message).toContain("is-number@7.0.0");
  });

  it("replays the report when nothing changed and runs the tests again after any change", async () => {
    const fixture = await withReportAndNonce(repo);
    const first = await pipeline(fixture).test();
    const again = await pipeline(fixture).test();
    const changed = await pipeline(fixture.withNewFile("app/test/unit/zz-touch.txt", randomUUID())).test();
    expect(nonceOf(first)).toBeDefined();
    expect(nonceOf(again)).toBe(nonceOf(first));
    expect(nonceOf(changed)).toBeDefined();
    expect(nonceOf(changed)).not.toBe(nonceOf(first));
  });

  it("explains the contract when the Dockerfile has no test stage", async () => {
    const dockerfile = await repo.file("Dockerfile").contents();
    const noTest = repo.withNewFile("Dockerfile", dockerfile.replace(/^FROM (\S+) AS test$/im, "FROM $1 AS checks"));
    const message = await rejection(pipeline(noTest).test());
    expect(message).toMatch(
      /^Dockerfile has no "test" stage \(stages: .*checks.*\): --source must point at an app whose Dockerfile has a stage named "test"/,
    );
    expect(await rejection(pipeline(repo.withoutFile("Dockerfile")).test())).toMatch(
      /^there is no Dockerfile in the source directory/,
    );
  });
});

describe("check", () => {
  it("fails on a lock file out of sync with the message that names the fix", async () => {
    const message = await rejection(pipeline(await withLockDrift(repo)).check());
    expect(message.split("\n")[0]).toBe(LOCK_FIX);
    expect(message).toContain("Missing: is-number@7.0.0 from lock file");
  });

  it("names the failing step, its workspace and the command to run; reports the steps that passed", async () => {
    const message = await rejection(pipeline(tinyProject()).check());
    // Split by package (issue 24): each step is named with the package whose script it ran.
    expect(message).toMatch(/^check failed: root: lint, root: unit tests$/m);
    expect(message).toContain("✔ lock file in sync with the manifests of root, web (npm ci)");
    expect(message).toContain("✔ root: typecheck (npm run typecheck): also covers web");
    expect(message).toContain("✘ root: lint in workspace web:");
    expect(message).toContain("1:7  error  'x' is assigned a value but never used");
    expect(message).toContain("to reproduce and fix: npm run lint");
    // The failing test is the root package's, although the output also names web/.
    expect(message).toContain("✘ root: unit tests in the root package (outside the workspaces):");
    expect(message).toContain("failing: test/root.test.ts > root > adds up");
    expect(message).toContain("to reproduce and fix: npm run test:unit");
    expect(message).toContain("– workflows: skipped (no .github/workflows/*.yml)");
  });

  it("lints the GitHub Actions workflows: fails on what would break one, reports shellcheck's info notes without failing", async () => {
    // An expression on a property the github context does not have (actionlint's error), and an
    // unquoted variable (shellcheck's SC2086, an info note).
    const workflow =
      "on: push\njobs:\n  greet:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $GREETING\n      - run: echo ${{ github.nope }}\n";
    const message = await rejection(pipeline(tinyProject().withNewFile(".github/workflows/ci.yml", workflow)).check());
    expect(message).toMatch(/^check failed: root: lint, root: unit tests, workflows$/m);
    expect(message).toContain("✘ workflows (actionlint .github/workflows/ci.yml)");
    expect(message).toMatch(
      /^ {4}\.github\/workflows\/ci\.yml:7:\d+: property "nope" is not defined .*\[expression\]$/m,
    );
    expect(message).toContain("to reproduce and fix: actionlint .github/workflows/ci.yml");
    const fixed = await rejection(
      pipeline(
        tinyProject().withNewFile(
          ".github/workflows/ci.yml",
          workflow.replace("${{ github.nope }}", "${{ github.sha }}"),
        ),
      ).check(),
    );
    expect(fixed).toMatch(/^check failed: root: lint, root: unit tests$/m);
    expect(fixed).toMatch(
      /✔ workflows \(actionlint with shellcheck\): 1 workflow; 1 shellcheck info\/style note, which do not fail: \.github\/workflows\/ci\.yml:6:\d+: .*SC2086:info:/,
    );
  });
});

describe("build and serve", () => {
  const version = "1.2.3-engine";
  const gitCommit = `c0ffee${randomUUID().replace(/-/g, "").slice(0, 34)}`;

  it("labels the runtime image with the version and the commit", async () => {
    const image = await pipeline(repo).build(version, gitCommit);
    expect(await image.label("org.opencontainers.image.version")).toBe(version);
    expect(await image.label("org.opencontainers.image.revision")).toBe(gitCommit);
  });

  it("serves the image: /healthcheck answers with the commit it was built from", async () => {
    const service = await pipeline(repo).serve(version, gitCommit);
    const body = await dag
      .container()
      .from(NODE_IMAGE)
      .withServiceBinding("app", service)
      // A fresh value per run: the probe must not be served from the cache.
      .withEnvVariable("NONCE", randomUUID())
      .withExec([
        "node",
        "--input-type=module",
        "-e",
        `const r = await fetch("http://app:8080/healthcheck"); console.log(await r.text());`,
      ])
      .stdout();
    expect(JSON.parse(body)).toMatchObject({ status: "ok", version, commit: gitCommit });
  });
});

describe("publish", () => {
  const password = () => readFileSync(testbed.REGISTRY_PASSWORD_FILE ?? "/nonexistent", "utf8").trim();

  it("pushes to the test bed's registry and returns a digest that pulls back", async () => {
    const gitCommit = randomUUID();
    const address = `${registryFromEngine()}/fargate-pipeline/app:engine-${gitCommit.slice(0, 8)}`;
    const secret = dag.setSecret("engine-test-registry-password", password());
    // The reference, without the newline the CLI prints after it.
    const ref = (await pipeline(repo).publish(address, testbed.REGISTRY_USER, secret, "1.0.0", gitCommit)).trimEnd();
    expect(ref).toMatch(new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@sha256:[0-9a-f]{64}$`));

    // From the registry's own API on the host: the manifest is there under that digest.
    const digest = ref.split("@")[1]!;
    const host = testbed.REGISTRY_HOST ?? "127.0.0.1:5001";
    const res = await fetch(`http://${host}/v2/fargate-pipeline/app/manifests/${digest}`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${testbed.REGISTRY_USER}:${password()}`).toString("base64")}`,
        accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(digest);

    // And through the engine, by digest: the image is the one built from that commit.
    const pulled = dag.container().withRegistryAuth(registryFromEngine(), testbed.REGISTRY_USER!, secret).from(ref);
    expect(await pulled.label("org.opencontainers.image.revision")).toBe(gitCommit);
  });

  it("fails on a wrong password naming the flags, without the password in the message", async () => {
    const wrong = `wrong-${randomUUID()}`;
    const address = `${registryFromEngine()}/fargate-pipeline/app:engine-denied`;
    const message = await rejection(
      pipeline(repo).publish(address, testbed.REGISTRY_USER, dag.setSecret("engine-test-wrong-password", wrong)),
    );
    expect(message).toMatch(
      /^pushing to .* failed; the registry rejected user "[^"]+": check --registry-username and --registry-password/,
    );
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(password());
  });

  it("refuses a user name without a password, before building anything", async () => {
    expect(await rejection(pipeline(repo).publish(`${registryFromEngine()}/x:y`, "someone"))).toMatch(
      /pass both --registry-username and --registry-password/,
    );
  });
});
