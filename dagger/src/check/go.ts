/**
 * `check` for a Go module: go.mod and go.sum tidy (`go mod tidy -diff` has
 * nothing to change), then `go vet`, gofmt and `go test -json`, in a Go
 * container. Failing tests are named from go test's JSON events.
 */
import { type Container, dag, type Directory } from "@dagger.io/dagger";

import { capture, type EcosystemOutcome, plainLines, plainOutcome, type StepOutcome, testOutcome } from "./step.js";
import { indent, tail } from "../common/errors.js";
import { lockMessage } from "./lockfiles.js";
import { parseGoTestJson } from "./test-results.js";

// The image the Go example's Dockerfile builds on: check runs the same toolchain.
export const GO_IMAGE = "golang:1.26-bookworm";

// Module and build caches shared by every call (the go command keys both by content). The build
// cache's id is the one the Go example's Dockerfile mounts, as npm's is.
const GO_MOD_CACHE_VOLUME = "fargate-pipeline-go-mod-cache";
const GO_BUILD_CACHE_VOLUME = "fargate-pipeline-go-build-cache";

/** A Go container with the caches, the source at /src. */
function goContainer(source: Directory): Container {
  return (
    dag
      .container()
      .from(GO_IMAGE)
      .withMountedCache("/go/pkg/mod", dag.cacheVolume(GO_MOD_CACHE_VOLUME))
      .withMountedCache("/root/.cache/go-build", dag.cacheVolume(GO_BUILD_CACHE_VOLUME))
      // The official image pins its own toolchain (local); a go.mod that asks for a newer Go
      // gets it the way it would on a laptop.
      .withEnvVariable("GOTOOLCHAIN", "auto")
      .withDirectory("/src", source)
      .withWorkdir("/src")
  );
}

/**
 * The checks of a Go module at the root of `source`.
 *
 * @param source the app's directory
 */
export async function checkGo(source: Directory): Promise<EcosystemOutcome> {
  const found = (await source.exists("go.sum")) ? "go.mod, go.sum" : "go.mod (no go.sum: no dependencies yet)";
  const label = "Go modules";
  const tree = goContainer(source);
  const lockName = "go.mod and go.sum in sync with the imports";
  const tidy = "go mod tidy -diff";
  const lock = await capture(tree, tidy);
  if (lock.exitCode !== 0) {
    const out = plainLines(lock.output);
    // The diff it would apply (-diff prints a unified diff of go.mod and go.sum and exits 1).
    const diff = out.filter((l) => /^([-+]{3} |[-+]\S|[-+]\t|@@)/.test(l));
    const message =
      diff.length > 0 || /updates to go\.mod needed|no required module provides|missing go\.sum entry/.test(lock.output)
        ? lockMessage(
            "go",
            "out of sync",
            `\`${tidy}\` in check`,
            diff.length > 0 ? diff.filter((l) => !l.startsWith("@@")) : tail(lock.output, 10),
          )
        : `\`${tidy}\` failed in check; run \`go mod tidy\` locally to see why. go says:\n${indent(tail(lock.output, 15))}`;
    const notRun = ["vet", "format", "unit tests"].map((name): StepOutcome => ({
      name,
      status: "skipped",
      note: "not run: go.mod is not tidy",
    }));
    return {
      label,
      found,
      steps: [{ name: lockName, status: "failed", command: tidy, message, fix: "go mod tidy" }, ...notRun],
    };
  }
  const steps = await Promise.all([vet(tree), format(tree), unitTests(tree)]);
  return { label, found, steps: [{ name: lockName, status: "passed", command: tidy }, ...steps] };
}

/** go vet: the type checker and the standard analyzers. */
async function vet(tree: Container): Promise<StepOutcome> {
  const command = "go vet ./...";
  return plainOutcome("vet", command, await capture(tree, command), (out) =>
    plainLines(out).filter((l) => /\.go:\d+(:\d+)?: /.test(l)),
  );
}

/** gofmt -l: the files that are not formatted (gofmt itself exits 0 either way). */
async function format(tree: Container): Promise<StepOutcome> {
  const captured = await capture(
    tree,
    `unformatted="$(gofmt -l .)" && if [ -n "$unformatted" ]; then echo "$unformatted"; exit 1; fi`,
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
