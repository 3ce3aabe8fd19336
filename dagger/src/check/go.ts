/**
 * `check` for a Go module, on the module as the Dockerfile's build context sees
 * it, in the official Go image of the release go.mod asks for (its toolchain
 * line, else its go line): go.mod and go.sum tidy (`go mod tidy -diff` has
 * nothing to change), vendor/ in sync with them when the module vendors, then
 * `go vet`, gofmt and `go test -json` (go test is Go's declared test command).
 * Failing tests are named from go test's JSON events.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import {
  capture,
  type EcosystemOutcome,
  plainLines,
  plainOutcome,
  type ProjectCheckOptions,
  type StepOutcome,
  TESTS_IN_TEST_STAGE,
  testOutcome,
  toolchainDeclarationFailed,
  toolchainStep,
} from "./step.js";
import type { GoProject } from "./ecosystems.js";
import { indent, tail } from "../common/errors.js";
import { lockMessage } from "./lockfiles.js";
import { parseGoTestJson } from "./test-results.js";
import { withCheckSecrets } from "./secrets.js";
import type { Toolchain } from "./toolchains.js";

// Module and build caches shared by every call (the go command keys both by content). The build
// cache's id is the one the Go example's Dockerfile mounts, as npm's is.
const GO_MOD_CACHE_VOLUME = "fargate-pipeline-go-mod-cache";
const GO_BUILD_CACHE_VOLUME = "fargate-pipeline-go-build-cache";

// Where `go mod vendor -o` writes the vendor directory check compares with the module's.
const VENDOR_COPY = "/tmp/fargate-pipeline-check/vendor";

/** The Go image of the module's version with the caches, the build context at /src. */
function goContainer(toolchain: Toolchain, context: Directory): Container {
  return (
    dag
      .container()
      .from(toolchain.image)
      .withMountedCache("/go/pkg/mod", dag.cacheVolume(GO_MOD_CACHE_VOLUME))
      .withMountedCache("/root/.cache/go-build", dag.cacheVolume(GO_BUILD_CACHE_VOLUME))
      // The image is the release go.mod asks for; should a dependency's go.mod ask for a newer
      // one, the go command fetches it as it would on a laptop.
      .withEnvVariable("GOTOOLCHAIN", "auto")
      .withDirectory("/src", context)
      .withWorkdir("/src")
  );
}

/**
 * The checks of a Go module at the root of the build context.
 *
 * @param project what detection found
 * @param options the source, its build context, whether to run go test, and the build secrets (every step may download modules)
 */
export async function checkGo(project: GoProject, options: ProjectCheckOptions): Promise<EcosystemOutcome> {
  const context = options.context.dir;
  const found = `${(await context.exists("go.sum")) ? "go.mod, go.sum" : "go.mod (no go.sum: no dependencies yet)"}${project.vendor ? ", vendor/" : ""}`;
  const label = "Go modules";
  const lockName = "go.mod and go.sum in sync with the imports";
  const after = ["vet", "format", "unit tests"];
  const notRun = (why: string) =>
    [...(project.vendor ? ["vendor/ in sync with go.mod"] : []), ...after].map((name): StepOutcome => ({
      name,
      status: "skipped",
      note: `not run: ${why}`,
    }));
  const toolchain = project.toolchain;
  if (toolchain === undefined || "error" in toolchain)
    return {
      label,
      found,
      steps: [toolchainDeclarationFailed(toolchain?.error ?? "no Go version"), ...notRun("no Go version")],
    };
  let tree: Container;
  try {
    tree = await goContainer(toolchain, context).sync();
  } catch (err) {
    return {
      label,
      found,
      steps: [toolchainStep(toolchain, err), ...notRun(`the ${toolchain.image} image is not there`)],
    };
  }
  // Every step gets the build secrets the Dockerfile mounts, not only go mod tidy: the modules live
  // in a cache volume, not in the container, so vet or go test run after the engine replayed tidy
  // on a pruned cache downloads them again, and needs the secrets too.
  tree = withCheckSecrets(tree, options.secrets);
  const chosen = toolchainStep(toolchain);
  const tidy = "go mod tidy -diff";
  const lock = await capture(tree, tidy);
  if (lock.exitCode !== 0) {
    const out = plainLines(lock.output);
    // The diff it would apply (-diff prints a unified diff of go.mod and go.sum and exits 1).
    const diff = out.filter((l) => /^([-+]{3} |[-+]\S|[-+]\t|@@)/.test(l));
    const message =
      diff.length > 0 || /updates to go\.mod needed|no required module provides|missing go\.sum entry/.test(lock.output)
        ? lockMessage(
            project.vendor ? "go-vendored" : "go",
            "out of sync",
            `\`${tidy}\` in check`,
            diff.length > 0 ? diff.filter((l) => !l.startsWith("@@")) : tail(lock.output, 10),
          )
        : `\`${tidy}\` failed in check; run \`go mod tidy\` locally to see why. go says:\n${indent(tail(lock.output, 15))}`;
    return {
      label,
      found,
      steps: [
        chosen,
        {
          name: lockName,
          status: "failed",
          command: tidy,
          message,
          fix: project.vendor ? "go mod tidy && go mod vendor" : "go mod tidy",
        },
        ...notRun("go.mod is not tidy"),
      ],
    };
  }
  const vendored = project.vendor ? await vendorInSync(tree) : undefined;
  if (vendored?.status === "failed")
    return {
      label,
      found,
      steps: [
        chosen,
        { name: lockName, status: "passed", command: tidy },
        vendored,
        ...after.map((name): StepOutcome => ({ name, status: "skipped", note: "not run: vendor/ is out of sync" })),
      ],
    };
  const steps = await Promise.all([
    vet(tree),
    format(tree),
    options.tests
      ? unitTests(tree)
      : Promise.resolve<StepOutcome>({ name: "unit tests", status: "skipped", note: TESTS_IN_TEST_STAGE }),
  ]);
  return {
    label,
    found,
    steps: [chosen, { name: lockName, status: "passed", command: tidy }, ...(vendored ? [vendored] : []), ...steps],
  };
}

/**
 * vendor/ holds exactly what `go mod vendor` would write from go.mod and go.sum (the go command
 * checks only vendor/modules.txt against go.mod, not the vendored files).
 *
 * @param tree the Go container with the module
 */
async function vendorInSync(tree: Container): Promise<StepOutcome> {
  const name = "vendor/ in sync with go.mod";
  const command = "go mod vendor";
  const captured = await capture(
    tree,
    `rm -rf ${VENDOR_COPY} && go mod vendor -o ${VENDOR_COPY} && diff -r -q vendor ${VENDOR_COPY}`,
  );
  if (captured.exitCode === 0) return { name, status: "passed", command: "go mod vendor -o … && diff -r vendor …" };
  const differences = plainLines(captured.output)
    .filter((l) => /^(Only in|Files) /.test(l))
    .map((l) => l.replaceAll(`${VENDOR_COPY}`, "(go mod vendor)"));
  const message = lockMessage(
    "vendor",
    "out of sync",
    "`go mod vendor -o` and a comparison in check",
    differences.length > 0 ? differences : tail(captured.output, 10),
  );
  return { name, status: "failed", command, message, fix: command };
}

/** go vet: the type checker and the standard analyzers. */
async function vet(tree: Container): Promise<StepOutcome> {
  const command = "go vet ./...";
  return plainOutcome("vet", command, await capture(tree, command), (out) =>
    plainLines(out).filter((l) => /\.go:\d+(:\d+)?: /.test(l)),
  );
}

/**
 * gofmt -l on the module's own packages (go list leaves vendor/ and testdata out): the files that
 * are not formatted (gofmt itself exits 0 either way).
 */
async function format(tree: Container): Promise<StepOutcome> {
  const captured = await capture(
    tree,
    `unformatted="$(gofmt -l $(go list -f '{{.Dir}}' ./...))" && if [ -n "$unformatted" ]; then echo "$unformatted" | sed "s|^$PWD/||"; exit 1; fi`,
  );
  const outcome = plainOutcome("format", "gofmt -l .", captured, (out) =>
    plainLines(out)
      .filter((l) => l.endsWith(".go"))
      .map((f) => `not formatted: ${f}`),
  );
  return outcome.status === "failed" ? { ...outcome, fix: "gofmt -w ." } : outcome;
}

/** go test -json: failing tests from its events. -count=1: never a result replayed from Go's test cache. */
async function unitTests(tree: Container): Promise<StepOutcome> {
  const command = "go test -count=1 -json ./...";
  const captured = await capture(tree, command);
  return testOutcome("go test ./...", captured, parseGoTestJson(captured.output));
}
