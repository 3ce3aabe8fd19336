import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { environmentNames } from "../../src/resolve.ts";
import { synthesize } from "../../src/synth.ts";
import { EXISTING_EDGE } from "./support.ts";
import { SAMPLE } from "./sample.ts";

/**
 * One snapshot per stack per environment, of the file OpenTofu reads: a change
 * to any resource shows up in review as a snapshot diff (`vitest -u` accepts it).
 */
describe("synthesized stacks", () => {
  const outdir = mkdtempSync(join(tmpdir(), "fp-infra-snapshot-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const stacks = synthesize({ config: SAMPLE, outdir });

  it("are written for every environment, base before service", () => {
    expect(stacks.map((s) => `${s.environment}/${s.role}`)).toEqual(
      environmentNames(SAMPLE).flatMap((e) => [`${e}/base`, `${e}/service`]),
    );
  });

  it.each(stacks.map((s) => [s.name, s.file] as const))("%s", (_name, file) => {
    expect(readFileSync(file, "utf8")).toMatchSnapshot();
  });

  it("do not depend on where they are synthesized", () => {
    const again = mkdtempSync(join(tmpdir(), "fp-infra-snapshot-"));
    try {
      for (const s of synthesize({ config: SAMPLE, outdir: again })) {
        expect(readFileSync(s.file, "utf8"), s.name).toBe(
          readFileSync(join(outdir, "stacks", s.name, "cdk.tf.json"), "utf8"),
        );
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it("behind an existing ALB and certificate (staging with overrides)", () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-infra-snapshot-"));
    try {
      const [, service] = synthesize({
        config: SAMPLE,
        outdir: dir,
        environments: ["staging"],
        overrides: EXISTING_EDGE,
      });
      expect(readFileSync(service!.file, "utf8")).toMatchSnapshot();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
