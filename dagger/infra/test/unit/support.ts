/**
 * Helpers of the infra unit tests: synthesize an environment's stacks or a
 * single construct to the JSON OpenTofu reads, and pick resources out of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type App, Testing, type TerraformStack } from "cdktf";
import { ReadableIdStack } from "../../src/stacks/environment-stack.ts";
import { afterAll, expect } from "vitest";
import { resolveEnvironment } from "../../src/resolve.ts";
import { type EnvironmentOverrides } from "../../src/config/types.ts";
import type { EnvironmentConfig } from "../../src/config/types.ts";
import { addEnvironment } from "../../src/synth.ts";
import { resolveSharedEnvironment } from "../../src/resolve.ts";
import type { SharedEnvironmentConfig, SharedEnvironmentOverrides } from "../../src/config/types.ts";
import { SharedStack } from "../../src/stacks/shared-stack.ts";
import { SAMPLE } from "./sample.ts";
import type { ConfigFile } from "../../src/config/file.ts";

// One folder for the apps of a test file, removed after it: cdktf's Testing.app() without an
// outdir makes a folder in the system's temp directory per app and leaves it there (~90 a run).
const OUTDIR = mkdtempSync(join(tmpdir(), "fp-infra-unit-"));
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** A cdktf app for a test, its output folder removed after the file's tests. */
export function testApp(): App {
  return Testing.app({ outdir: OUTDIR });
}

/** A block of a synthesized configuration: type → name → body. */
export type Blocks = Record<string, Record<string, Record<string, unknown>>>;

/** The synthesized configuration (cdk.tf.json without cdktf's metadata). */
export interface TfJson {
  resource?: Blocks;
  data?: Blocks;
  output?: Record<string, { value: unknown }>;
  variable?: Record<string, Record<string, unknown>>;
  provider?: Record<string, Record<string, unknown>[]>;
  terraform?: Record<string, unknown>;
}

/** An environment's two stacks, synthesized. */
export interface SynthesizedEnvironment {
  config: EnvironmentConfig;
  base: TfJson;
  service: TfJson;
}

/**
 * Synthesizes both stacks of a configured environment.
 * @param name The environment's name.
 * @param overrides Fields to change first.
 * @param file The configuration file (default: the sample's).
 */
export function synthEnvironment(
  name: string,
  overrides?: EnvironmentOverrides,
  file: ConfigFile = SAMPLE,
): SynthesizedEnvironment {
  const config = resolveEnvironment(name, { config: file, overrides });
  const [base, service] = addEnvironment(testApp(), config);
  return {
    config,
    base: JSON.parse(Testing.synth(base)) as TfJson,
    service: JSON.parse(Testing.synth(service)) as TfJson,
  };
}

/**
 * Synthesizes a construct on its own in an empty stack (with the stacks' readable addresses).
 * @param build Adds the construct to the stack.
 */
export function synthConstruct(build: (stack: TerraformStack) => void): TfJson {
  const stack = new ReadableIdStack(testApp(), "test");
  build(stack);
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/**
 * All resources (or data sources) of a type, by address name.
 * @param json The synthesized configuration.
 * @param type e.g. "aws_lb".
 * @param kind "resource" or "data".
 */
export function all(
  json: TfJson,
  type: string,
  kind: "resource" | "data" = "resource",
): Record<string, Record<string, unknown>> {
  return json[kind]?.[type] ?? {};
}

/**
 * The one resource of a type at an address name; fails the test when absent.
 * @param json The synthesized configuration.
 * @param type e.g. "aws_lb".
 * @param name The address name, e.g. "load_balancer_alb".
 * @param kind "resource" or "data".
 */
export function one(
  json: TfJson,
  type: string,
  name: string,
  kind: "resource" | "data" = "resource",
): Record<string, unknown> {
  const body = all(json, type, kind)[name];
  expect(body, `${kind} ${type}.${name} exists`).toBeDefined();
  return body!;
}

/**
 * Parses a JSON string attribute (policies, container definitions).
 * @param value The attribute's value.
 */
export function parseJsonAttribute(value: unknown): unknown {
  expect(typeof value).toBe("string");
  return JSON.parse(value as string);
}

/** An existing ALB, listener and certificate in staging's account and region. */
export const EXISTING_EDGE = {
  loadBalancer: {
    mode: "existing",
    arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shared-edge/0123456789abcdef",
    httpsListenerArn:
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared-edge/0123456789abcdef/fedcba9876543210",
    listenerRulePriority: 120,
  },
  certificate: {
    mode: "existing",
    arn: "arn:aws:acm:eu-west-1:111111111111:certificate/12345678-90ab-cdef-1234-567890abcdef",
  },
} satisfies EnvironmentOverrides;

/**
 * Synthesizes a shared environment's stack (the sample's sharedEnvironments:).
 * @param name The shared environment's name.
 * @param overrides Fields to change first.
 */
export function synthShared(
  name: string,
  overrides?: SharedEnvironmentOverrides,
): { config: SharedEnvironmentConfig; shared: TfJson } {
  const config = resolveSharedEnvironment(name, { config: SAMPLE, overrides });
  return { config, shared: JSON.parse(Testing.synth(new SharedStack(testApp(), config))) as TfJson };
}
