/**
 * An app whose dependency comes from a private package index (examples/private-deps),
 * built with a build secret. The index (private-index/index.py, a PEP 503 index
 * behind Basic auth) runs here as a Dagger service; its URL and token reach the
 * build only as the secret pip.conf, given as the CLI gives `--build-secrets
 * file:./pip.conf`. Without it the build fails before building, naming it; with
 * it test, build and serve pass; and the token is in no layer of the image and
 * no output: not a function's result, not a progress line, not the engine's log
 * of every step.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { spawnSync } from "node:child_process";

import { dag, type Container, type Directory, type Secret, type Service } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { exampleSource, pipeline, rejection, useEngineSession } from "./session.js";

/** The base image of the example and of the index (in the test bed's mirror under its public name). */
const PYTHON_IMAGE = "python:3.11-slim-bookworm";

/** Everything the engine printed for this file's steps (what `dagger call` shows), to search for the token. */
const engineLog: string[] = [];
useEngineSession({
  logOutput: new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      engineLog.push(chunk.toString());
      done();
    },
  }),
});

/** The private index's token: the value that must never show. */
const TOKEN = `index-token-${randomUUID()}`;

/** What the module's functions returned and printed, searched for the token at the end. */
const outputs: string[] = [];
const progress: string[] = [];

let app: Directory;
let index: Service;
let indexHost: string;
let pipConf: Secret;
let work: string;

beforeAll(async () => {
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void progress.push(args.join(" ")));
  index = await dag
    .container()
    .from(PYTHON_IMAGE)
    .withDirectory("/srv", dag.host().directory(join(import.meta.dirname, "private-index")))
    .withWorkdir("/srv")
    .withEnvVariable("INDEX_USER", "ci")
    .withSecretVariable("INDEX_TOKEN", dag.setSecret("private-index-token", TOKEN))
    .withExposedPort(8080)
    .asService({ args: ["python", "index.py"] })
    .start();
  indexHost = (await index.endpoint()).split(":")[0]!;
  // The app's pip.conf, as a developer keeps it beside the Dockerfile (ignored by git and the build context).
  work = mkdtempSync(join(tmpdir(), "fp-private-deps-"));
  writeFileSync(
    join(work, "pip.conf"),
    `[global]\nindex-url = http://ci:${TOKEN}@${indexHost}:8080/simple/\ntrusted-host = ${indexHost}\n`,
  );
  // What the CLI makes of `--build-secrets file:./pip.conf`: a Secret with a URI and no name.
  pipConf = dag.address(`file:${join(work, "pip.conf")}`).secret();
  // A line of this run in requirements.txt: the install step runs again (Dagger caches a step by
  // the secret's name, not its value), so the token searched for below is this run's, really used.
  const example = exampleSource("private-deps");
  const requirements = await example.file("requirements.txt").contents();
  app = example.withNewFile("requirements.txt", `${requirements}# test run ${randomUUID()}\n`);
}, 300_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await index?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A container that can reach the index and a served app, with Python to ask them. */
function client(): Container {
  return dag.container().from(PYTHON_IMAGE).withServiceBinding("index", index);
}

describe("the private index", () => {
  it("refuses a request without the credentials (so a build without the secret cannot install)", async () => {
    const out = await client()
      .withExec([
        "python",
        "-c",
        `import urllib.request, urllib.error
try:
    urllib.request.urlopen("http://${indexHost}:8080/simple/acme-greeting/")
    print("open")
except urllib.error.HTTPError as e:
    print(e.code)`,
      ])
      .stdout();
    expect(out.trim()).toBe("401");
  });
});

describe("an app with a private dependency, without the build secret", () => {
  it("test and build fail before building, naming the secret and how to pass it", async () => {
    for (const run of [() => pipeline(app).test(), () => pipeline(app).build()]) {
      const message = await rejection(run());
      expect(message).toContain(
        "Dockerfile needs the build secret pip.conf (RUN --mount=type=secret,…,required=true: pip.conf (line 16, stage deps)), and none was given.",
      );
      expect(message).toContain("`dagger call --build-secrets file:./pip.conf …`");
      outputs.push(message);
    }
  });
});

describe("an app with a private dependency, with the build secret", () => {
  it("test passes and returns the report", async () => {
    const report = await pipeline(app, undefined, undefined, [pipConf]).test();
    outputs.push(report);
    expect(report).toMatch(/^tests passed: the "test" stage of Dockerfile ran\n/);
    expect(report).toContain("test_greets_with_the_private_package");
    expect(report).toMatch(/Ran 3 tests[\s\S]*\nOK\n/);
  }, 600_000);

  it("build and serve: 200 on the health path, the greeting from the private package, and no secret left in the running image", async () => {
    const pipe = pipeline(app, undefined, undefined, [pipConf]);
    const image = await pipe.build("1.0.0", "0123456789ab");
    // dockerBuild's image keeps the build's secret mounts; the module takes them off.
    const left = await image.withExec(["sh", "-c", "ls /etc/pip.conf /run/secrets 2>&1; env; true"]).stdout();
    outputs.push(left);
    expect(left).toContain("cannot access '/etc/pip.conf': No such file or directory");
    expect(left).toContain("cannot access '/run/secrets': No such file or directory");
    // Its environment is the image's (the token is searched for in every output at the end).
    expect(left).toContain("PORT=8080");
    const served = await pipe.serve("1.0.0", "0123456789ab");
    const answers = await client()
      .withServiceBinding("app", served)
      .withExec([
        "python",
        "-c",
        `import json, urllib.request
for path in ("/healthcheck", "/"):
    with urllib.request.urlopen("http://app:8080" + path) as r:
        print(r.status, json.dumps(json.load(r), sort_keys=True))`,
      ])
      .stdout();
    outputs.push(answers);
    expect(answers).toContain('200 {"commit": "0123456789ab", "status": "ok", "version": "1.0.0"}');
    expect(answers).toContain('200 {"message": "Hello, Fargate, from acme-greeting 1.0.0"}');
  }, 600_000);

  it("the token is in no layer of the image and no output: results, progress lines, the engine's log", async () => {
    const image = await pipeline(app, undefined, undefined, [pipConf]).build("1.0.0", "0123456789ab");
    const tarball = join(work, "image.tar");
    await image.asTarball().export(tarball);
    const layout = join(work, "image");
    expect(spawnSync("mkdir", ["-p", layout]).status).toBe(0);
    expect(spawnSync("tar", ["-xf", tarball, "-C", layout]).status).toBe(0);
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? files(p) : [p];
      });
    // Every blob of the OCI layout (layers, config, manifests), decompressed where it is gzip.
    const blobs = files(layout).map((p) => {
      const raw = readFileSync(p);
      return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    });
    // The scan reads the layers: the private package's code is in one of them.
    expect(blobs.some((b) => b.includes("from acme-greeting"))).toBe(true);
    expect(blobs.filter((b) => b.includes(TOKEN))).toHaveLength(0);

    expect(outputs.length).toBeGreaterThanOrEqual(5);
    expect(progress.length + outputs.length).toBeGreaterThan(0);
    for (const text of [...outputs, ...progress]) expect(text).not.toContain(TOKEN);
    const log = engineLog.join("");
    // The log holds the build's steps (so the search means something), and never the value.
    expect(log).toContain("pip install");
    expect(log).not.toContain(TOKEN);
  }, 600_000);
});

describe("--config naming a file the source does not have", () => {
  it("fails naming the file and what the source holds, before any work", async () => {
    const message = await rejection(pipeline(app, undefined, "nope.yaml").environment().status());
    expect(message).toMatch(
      /^--config nope\.yaml: there is no such file in the source directory \(--source, by default the directory you call from; it holds [^)]*Dockerfile[^)]*fargate-pipeline\.yaml[^)]*\); its YAML files: fargate-pipeline\.yaml\./,
    );
  });
});
