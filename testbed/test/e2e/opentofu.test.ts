import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testbedValue } from "../support/testbed-env.ts";

const run = promisify(execFile);

// The version the cdktf bindings (@cdktf/provider-aws 21.22.1) require exactly.
const AWS_PROVIDER_VERSION = "6.25.0";

/** A configuration shaped like what cdktf synthesizes: JSON, the provider pinned exactly. */
const CONFIG = {
  terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } },
  provider: { aws: [{ region: "us-east-1", skip_metadata_api_check: "true" }] },
  resource: { aws_vpc: { smoke: { cidr_block: "10.42.0.0/16", tags: { Name: "fp-testbed-smoke" } } } },
  output: { vpc_id: { value: "${aws_vpc.smoke.id}" } },
};

describe("OpenTofu with the AWS provider from the test bed's mirror, against host moto", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let tofuBin: string;

  /**
   * Runs tofu in the test directory with the test bed's CLI config and moto as AWS.
   * @param args tofu's arguments.
   */
  const tofu = (...args: string[]) => run(tofuBin, args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 });

  beforeAll(() => {
    tofuBin = testbedValue("TOFU_BIN");
    dir = mkdtempSync(join(tmpdir(), "fp-tofu-smoke-"));
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(CONFIG, null, 2));
    env = {
      PATH: process.env["PATH"],
      HOME: dir,
      TF_IN_AUTOMATION: "1",
      TF_CLI_CONFIG_FILE: testbedValue("TF_CLI_CONFIG_FILE"),
      // Every AWS service the provider calls goes to the emulator, with static test credentials.
      AWS_ENDPOINT_URL: testbedValue("MOTO_ENDPOINT"),
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    };
  });

  afterAll(async () => {
    if (!dir) return;
    try {
      await tofu("destroy", "-auto-approve", "-input=false", "-no-color");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("installs hashicorp/aws 6.25.0 from the mirror with no registry", async () => {
    const init = await tofu("init", "-input=false", "-no-color");
    // tofu only warns about an invalid provider_installation block, then goes on.
    expect(init.stderr).not.toMatch(/problems with the provider_installation/);
    const lock = readFileSync(join(dir, ".terraform.lock.hcl"), "utf8");
    expect(lock).toMatch(/provider "[^"]+\/hashicorp\/aws" \{\s*version\s*=\s*"6\.25\.0"/);
    const { stdout } = await tofu("version", "-no-color");
    expect(stdout).toMatch(/^OpenTofu v\d+\.\d+\.\d+/);
    expect(stdout).toMatch(/\/hashicorp\/aws v6\.25\.0/);
  });

  it("serves the AWS provider's schema (the resources the product declares)", async () => {
    const { stdout } = await tofu("providers", "schema", "-json");
    const schemas = (
      JSON.parse(stdout) as { provider_schemas: Record<string, { resource_schemas: Record<string, unknown> }> }
    ).provider_schemas;
    const aws = Object.entries(schemas).find(([addr]) => addr.endsWith("/hashicorp/aws"))?.[1];
    expect(aws, `no hashicorp/aws in ${Object.keys(schemas).join(", ")}`).toBeDefined();
    for (const type of [
      "aws_vpc",
      "aws_lb",
      "aws_lb_listener",
      "aws_ecs_service",
      "aws_ecr_repository",
      "aws_acm_certificate",
    ]) {
      expect(aws?.resource_schemas, type).toHaveProperty(type);
    }
  });

  it("applies a VPC against moto and reads it back with no drift", async () => {
    await tofu("apply", "-auto-approve", "-input=false", "-no-color");
    const { stdout } = await tofu("output", "-raw", "vpc_id");
    expect(stdout).toMatch(/^vpc-[0-9a-f]+$/);
    // -detailed-exitcode: 0 = no changes; 2 (changes) rejects the promise.
    await tofu("plan", "-detailed-exitcode", "-input=false", "-no-color");
  });
});
