import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { SAMPLE_CONFIG_PATH } from "./sample.ts";

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, "../../main.ts");

/**
 * Runs `node infra/main.ts` (Node strips the types) with environment variables.
 * @param env Variables added to the current environment.
 */
async function synthProcess(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN], {
      env: { ...process.env, FP_CONFIG: SAMPLE_CONFIG_PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("node main.ts", () => {
  const outdir = mkdtempSync(join(tmpdir(), "fp-infra-main-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("synthesizes the environments named in FP_ENV and lists the stacks on stdout", async () => {
    const result = await synthProcess({ FP_ENV: "local", FP_OUTDIR: outdir });
    expect(result.code).toBe(0);
    const stacks = JSON.parse(result.stdout) as { name: string; role: string; file: string }[];
    expect(stacks.map((s) => [s.name, s.role])).toEqual([
      ["fargate-pipeline-local-base", "base"],
      ["fargate-pipeline-local", "service"],
    ]);
    expect(stacks.every((s) => existsSync(s.file))).toBe(true);
  });

  it("applies FP_OVERRIDES", async () => {
    const result = await synthProcess({
      FP_ENV: "local",
      FP_OUTDIR: outdir,
      FP_OVERRIDES: '{"accountId":"123456789012"}',
    });
    expect(result.code).toBe(0);
    const json = JSON.parse(readFileSync(join(outdir, "stacks", "fargate-pipeline-local", "cdk.tf.json"), "utf8")) as {
      provider: { aws: { allowed_account_ids: string[] }[] };
    };
    expect(json.provider.aws[0]!.allowed_account_ids).toEqual(["123456789012"]);
  });

  it("exits 2 naming the field on an invalid configuration", async () => {
    const result = await synthProcess({
      FP_ENV: "local",
      FP_OUTDIR: outdir,
      FP_OVERRIDES: '{"service":{"desiredCount":0}}',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("environments.local.service.desiredCount: must be at least 1");
  });

  it("exits 2 on an unknown environment, listing the defined ones", async () => {
    const result = await synthProcess({ FP_ENV: "qa", FP_OUTDIR: outdir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "unknown environment; fargate-pipeline.yaml defines: local, staging, review, production",
    );
  });

  it("without FP_CONFIG knows only the built-in local environment", async () => {
    const ok = await synthProcess({ FP_CONFIG: "", FP_ENV: "local", FP_OUTDIR: outdir });
    expect(ok.code).toBe(0);
    const unknown = await synthProcess({ FP_CONFIG: "", FP_ENV: "staging", FP_OUTDIR: outdir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("(no configuration file: built-in defaults) defines: local");
  });

  it("exits 2 when FP_OVERRIDES is not a JSON object", async () => {
    const result = await synthProcess({ FP_ENV: "local", FP_OUTDIR: outdir, FP_OVERRIDES: "[1]" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("must be a JSON object");
  });
});
