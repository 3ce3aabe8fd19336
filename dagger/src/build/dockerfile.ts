/**
 * The Dockerfile contract: the app's image recipe, its `test` stage (run with no network),
 * its runtime image (the default, last stage) and that image as a service.
 *
 * The contract an app's Dockerfile meets to be built by this module:
 * - a stage named `test` whose `RUN --network=none` steps run the tests; a
 *   failing test fails the step. Optionally it leaves the runner's output in
 *   the file `TEST_REPORT_PATH` (test-stage.ts), which `test` returns, and a machine-readable
 *   report: JUnit XML in `TEST_JUNIT_PATH` or `go test -json` events in
 *   `TEST_GO_JSON_PATH`, which `test` counts. A failed build keeps no files, so
 *   when the tests fail, the failing step's output is read instead: a JUnit XML
 *   document printed there (`… || { cat /test-report.xml; exit 1; }`) or
 *   `go test -json` events (`go test -json ./... | tee /test-report.json`) name
 *   the failing tests; without either, the runner's text does;
 * - the runtime stage last (the default target), listening on the port `serve` exposes;
 * - build args `VERSION` and `GIT_COMMIT` (the app reports them; the image is labelled
 *   with them), declared in the runtime stage so that `test` and `build` share every
 *   stage before it;
 * - secrets only as `RUN --mount=type=secret,id=ID` (required=true when the build
 *   cannot do without), given with `--build-secrets` (build-secrets.ts).
 */
import { createHash } from "node:crypto";

import type { Container, Directory, Service } from "@dagger.io/dagger";

import { progress } from "../common/cli.js";
import { type BuildSecret, checkBuildSecrets, withoutBuildSecrets } from "./build-secrets.js";

/** The Dockerfile stage that runs the tests. */
export const TEST_STAGE = "test";

// OCI image-spec annotation keys, read by registries, scanners and `docker inspect`.
const LABEL_VERSION = "org.opencontainers.image.version";
const LABEL_REVISION = "org.opencontainers.image.revision";

/** Version and source revision an image is built for. */
export interface BuildInfo {
  /** Release version (build arg VERSION, label org.opencontainers.image.version). */
  version: string;
  /** Git commit (build arg GIT_COMMIT, label org.opencontainers.image.revision). */
  gitCommit: string;
}

/** The stages a Dockerfile defines, in order (unnamed stages appear as their index). */
export function dockerfileStages(dockerfile: string): string[] {
  const stages: string[] = [];
  // Line continuations joined, comments dropped: FROM [--platform=...] image [AS name]
  const text = dockerfile.replace(/\\\r?\n/g, " ");
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (m) stages.push(m[1]?.toLowerCase() ?? String(stages.length));
  }
  return stages;
}

/**
 * Fails with a message that states the contract when the source has no
 * Dockerfile, or the Dockerfile no `test` stage, or `test` is its last stage.
 *
 * @param source the app's directory
 * @param dockerfile path of the Dockerfile inside it
 */
export async function assertDockerfileContract(source: Directory, dockerfile: string): Promise<string> {
  const text = await readDockerfile(source, dockerfile);
  const stages = dockerfileStages(text);
  const contract = contractText(dockerfile);
  if (!stages.includes(TEST_STAGE)) {
    throw new Error(`${dockerfile} has no "${TEST_STAGE}" stage (stages: ${stages.join(", ") || "none"}): ${contract}`);
  }
  if (stages.at(-1) === TEST_STAGE) {
    throw new Error(
      `the last stage of ${dockerfile} is "${TEST_STAGE}", so building it would produce the test image: ${contract}`,
    );
  }
  return text;
}

/** A RUN instruction of a stage: its command, and whether it runs without network. */
export interface RunStep {
  command: string;
  noNetwork: boolean;
}

/**
 * The RUN instructions of one stage of a Dockerfile, in order.
 *
 * @param dockerfile the Dockerfile's text
 * @param stage the stage's name
 */
export function stageRuns(dockerfile: string, stage: string): RunStep[] {
  const lines = dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  const runs: RunStep[] = [];
  let inStage = false;
  for (const line of lines) {
    const from = /^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (from) {
      inStage = from[1]?.toLowerCase() === stage;
      continue;
    }
    const run = /^\s*RUN\s+(.*)$/i.exec(line);
    if (!inStage || !run?.[1]) continue;
    let rest = run[1];
    let noNetwork = false;
    for (let flag = /^--(\S+)\s+/.exec(rest); flag; flag = /^--(\S+)\s+/.exec(rest)) {
      if (flag[1] === "network=none") noNetwork = true;
      rest = rest.slice(flag[0].length);
    }
    runs.push({ command: rest.replace(/\s+/g, " ").trim(), noNetwork });
  }
  return runs;
}

/** The contract, for error messages. */
function contractText(dockerfile: string): string {
  return (
    `--source must point at an app whose ${dockerfile} has a stage named "${TEST_STAGE}" that runs the tests ` +
    `(RUN --network=none ...) and ends with the runtime stage (the default target); see the README, "Using it on another app"`
  );
}

/**
 * The Dockerfile's text; fails with the contract when there is none.
 *
 * @param source the app's directory
 * @param dockerfile path of the Dockerfile inside it
 */
export async function readDockerfile(source: Directory, dockerfile: string): Promise<string> {
  if (!(await source.exists(dockerfile))) {
    throw new Error(`there is no ${dockerfile} in the source directory: ${contractText(dockerfile)}`);
  }
  return await source.file(dockerfile).contents();
}

/** Build args for the Dockerfile, with the version and revision of the build. */
function buildArgs(info: BuildInfo) {
  return [
    { name: "VERSION", value: info.version },
    { name: "GIT_COMMIT", value: info.gitCommit },
  ];
}

/**
 * The commit the image reports: --git-commit, or else the source's content
 * hash (`source-…`), so that every different source is a different, checkable
 * build even without git metadata (the module reads no .git).
 *
 * @param source the app's source
 * @param gitCommit --git-commit
 */
export async function effectiveCommit(source: Directory, gitCommit: string): Promise<string> {
  if (gitCommit && gitCommit !== "unknown") return gitCommit;
  return `source-${createHash("sha256")
    .update(await source.digest())
    .digest("hex")
    .slice(0, 12)}`;
}

/**
 * The runtime image: the Dockerfile's default (last) stage, built with
 * VERSION and GIT_COMMIT and labelled with them.
 *
 * @param source the app's directory
 * @param dockerfile path of the Dockerfile inside it
 * @param info version and revision of the build
 * @param secrets the build secrets (build-secrets.ts): checked against the Dockerfile's mounts first
 */
export async function runtimeImage(
  source: Directory,
  dockerfile: string,
  info: BuildInfo,
  secrets: BuildSecret[] = [],
): Promise<Container> {
  const text = await readDockerfile(source, dockerfile);
  for (const note of checkBuildSecrets(text, dockerfile, undefined, secrets)) progress(note);
  const built = source.dockerBuild({ dockerfile, buildArgs: buildArgs(info), secrets: secrets.map((s) => s.secret) });
  return withoutBuildSecrets(built, text, secrets)
    .withLabel(LABEL_VERSION, info.version)
    .withLabel(LABEL_REVISION, info.gitCommit);
}

/** What a build of the runtime image takes. */
export interface BuildOptions {
  /** Release version (build arg VERSION). */
  version: string;
  /** Git commit (build arg GIT_COMMIT); undefined or "": the source's content hash (effectiveCommit()). */
  gitCommit?: string | undefined;
  /** The build secrets for the Dockerfile's `RUN --mount=type=secret` (build-secrets.ts); default none. */
  secrets?: BuildSecret[] | undefined;
}

/**
 * The one build recipe of the runtime image, for build, publish, publish-ecr
 * and deploy alike: the commit resolved (effectiveCommit()), then the image
 * built with it and its version.
 *
 * @param source the app's directory
 * @param dockerfile path of the Dockerfile inside it
 * @param opts the version and the commit
 * @returns the image (not yet built: the engine builds it when it is used) and the commit it reports
 */
export async function buildRuntime(
  source: Directory,
  dockerfile: string,
  opts: BuildOptions,
): Promise<{ image: Container; commit: string }> {
  const commit = await effectiveCommit(source, opts.gitCommit ?? "");
  const info = { version: opts.version, gitCommit: commit };
  return { image: await runtimeImage(source, dockerfile, info, opts.secrets ?? []), commit };
}

/**
 * The runtime image as a service on the ports its Dockerfile EXPOSEs (started
 * with its own entrypoint and command): the Dockerfile knows where the app
 * listens, so a port argument could only disagree with it.
 *
 * @param image the runtime image
 * @param dockerfile its Dockerfile's path, for the message
 */
export async function appService(image: Container, dockerfile: string): Promise<Service> {
  const ports = await image.exposedPorts();
  if (ports.length === 0) {
    throw new Error(
      `the runtime stage of ${dockerfile} exposes no port: add \`EXPOSE <the port the app listens on>\` to it (serve and the deploy's stand-in use it)`,
    );
  }
  return image.asService({ useEntrypoint: true });
}
