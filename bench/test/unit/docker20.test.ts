/**
 * bench/module.mjs's baseline stays runnable: Debian's Docker 20.10 parses the
 * Dockerfile as the bench adapts it (docker20.mjs), today's Dockerfile included.
 * The parse is Docker's own: `docker build` of a stage that does not exist
 * fails on the missing stage only after the whole file parsed, so a flag it
 * does not know would fail first, as a parse error. Without a Docker daemon
 * (the test bed's) that check is skipped under a banner; in CI it fails.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { forDocker20 } from "../../docker20.mjs";

const ROOT = join(import.meta.dirname, "../../..");
const DOCKERFILE = readFileSync(join(ROOT, "Dockerfile"), "utf8");
// The bench's builder: Debian's docker.io (bench/module.mjs DOCKER), not another client on the PATH.
const DOCKER = process.env.DOCKER ?? "/usr/bin/docker";
const docker = spawnSync(DOCKER, ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" });
const daemon = docker.status === 0 ? docker.stdout.trim() : undefined;

if (!daemon) {
  const banner =
    "bench/docker20: no Docker daemon here, so Docker 20.10's own parse of the adapted Dockerfile is not run (sudo testbed/up starts one).";
  if (process.env.CI === "true") throw new Error(banner);
  console.warn(`\n${"!".repeat(80)}\n${banner}\n${"!".repeat(80)}\n`);
}

describe("the Dockerfile as bench/module.mjs gives it to Docker 20.10", () => {
  const work = mkdtempSync(join(tmpdir(), "fp-docker20-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("drops only the flags Docker 20.10 rejects, on their instructions", () => {
    const adapted = forDocker20(DOCKERFILE);
    expect(DOCKERFILE).toMatch(/^RUN --network=none /m);
    expect(DOCKERFILE).toMatch(/^HEALTHCHECK .*--start-interval=/m);
    const instructions = (text: string) => text.split("\n").filter((l) => /^\s*(RUN|HEALTHCHECK)\s/i.test(l));
    expect(instructions(adapted).join("\n")).not.toMatch(/--network=none|--start-interval/);
    // Everything else is untouched: the same steps, the same healthcheck otherwise.
    expect(adapted.split("\n").length).toBe(DOCKERFILE.split("\n").length);
    expect(adapted).toMatch(/^HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD /m);
    expect(forDocker20('RUN echo "--network=none"')).toBe('RUN echo "--network=none"');
  });

  it.skipIf(!daemon)("parses with the test bed's Docker (%s): no unknown flag", () => {
    writeFileSync(join(work, "Dockerfile"), forDocker20(DOCKERFILE));
    const build = (file: string) =>
      spawnSync(DOCKER, ["build", "--progress=plain", "-f", file, "--target", "no-such-stage-fp", work], {
        encoding: "utf8",
        env: { ...process.env, DOCKER_BUILDKIT: "1" },
      });
    const adapted = build(join(work, "Dockerfile"));
    expect(adapted.status).not.toBe(0);
    expect(`${adapted.stdout}${adapted.stderr}`).toMatch(/target stage no-such-stage-fp could not be found/);
    expect(`${adapted.stdout}${adapted.stderr}`).not.toMatch(/unknown flag/i);
    // And the check can fail: today's Dockerfile as it is does not parse there.
    writeFileSync(join(work, "Dockerfile.original"), DOCKERFILE);
    const original = build(join(work, "Dockerfile.original"));
    expect(`${original.stdout}${original.stderr}`).toMatch(/unknown flag/i);
  });
});
