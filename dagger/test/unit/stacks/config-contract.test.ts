/**
 * The contract between the module and infra/. The module cannot import infra's
 * types (its source is dagger/ only), so `Target` and `TargetNames` restate the
 * fields it reads, and RESOLVE_SCRIPT maps infra's resolved configuration onto
 * them inside the infra container. Here the same script runs against this
 * repository's infra/ (Node runs its TypeScript as the container does), and
 * every field the module declares must come back with the type it expects: a
 * field renamed or dropped in infra fails here, not halfway through a deploy.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { RESOLVE_SCRIPT, type Target, type TargetNames, type TargetSecret } from "../../../src/stacks/infra-bridge.js";
import type { BaseOutputNames, ServiceOutputNames } from "../../../src/stacks/outputs.js";

const REPO_ROOT = resolve(import.meta.dirname, "../../../..");

/** What a field must hold: a non-empty string, a string or nothing, a number, a boolean, a list of strings, a map of strings, or an object of its own. */
type Kind =
  | "string"
  | "string?"
  | "number"
  | "boolean"
  | "string[]"
  | "record"
  | "object"
  | readonly [Kind]
  | { [field: string]: Kind };

// `satisfies Record<keyof …>`: a field added to Target or TargetNames without a line here fails the typecheck.
const NAMES = {
  prefix: "string",
  stacks: { base: "string", service: "string" },
  cluster: "string",
  service: "string",
  taskFamily: "string",
  container: "string",
  logGroup: "string",
  logStreamPrefix: "string",
  repository: "string",
  roles: { deploy: "string", plan: "string" },
  state: { bucket: "string", keys: { base: "string", service: "string" }, ledger: "string" },
} satisfies Record<keyof TargetNames, Kind>;

// The outputs the module reads, by infra's names: an output dropped or renamed in infra's tofu.ts fails here.
const BASE_OUTPUT_NAMES = {
  repositoryUrl: "string",
  deployRoleArn: "string",
  planRoleArn: "string",
  hostedZoneId: "string",
  nameServers: "string",
} satisfies Record<keyof BaseOutputNames, Kind>;

const SERVICE_OUTPUT_NAMES = {
  url: "string",
  clusterName: "string",
  serviceName: "string",
  taskDefinitionArn: "string",
  logGroupName: "string",
  albDnsName: "string",
  targetGroupArn: "string",
} satisfies Record<keyof ServiceOutputNames, Kind>;

const SECRET = {
  envVar: "string",
  kind: "string",
  name: "string",
  arn: "string?",
  region: "string",
  key: "string?",
  kmsKeyArn: "string?",
} satisfies Record<keyof TargetSecret, Kind>;

const TARGET = {
  name: "string",
  region: "string",
  accountId: "string?",
  domain: "string",
  emulator: "boolean",
  names: NAMES,
  state: { bucket: "string", region: "string" },
  desiredCount: "number",
  containerPort: "number",
  healthCheckPath: "string",
  createsZone: "boolean",
  smokeTest: "object",
  configFile: "string",
  overrides: "string",
  emulatorBackendConfig: "string[]",
  emulatorEnvironment: "record",
  outputs: { base: BASE_OUTPUT_NAMES, service: SERVICE_OUTPUT_NAMES },
  imageVariable: "string",
  secretVersionsVariable: "string",
  secrets: [SECRET] as const,
  autoscaling: { enabled: "boolean", minCount: "number", maxCount: "number" },
} satisfies Record<keyof Target, Kind>;

/** Every path whose value does not match its kind, e.g. "names.logGroup: undefined, expected string". */
function mismatches(value: unknown, kind: Kind, path = ""): string[] {
  const at = path || "(root)";
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(kind)) {
    if (!Array.isArray(value)) return [`${at}: ${JSON.stringify(value)}, expected a list`];
    return value.flatMap((v, i) => mismatches(v, kind[0] as Kind, `${at}[${i}]`));
  }
  if (typeof kind === "object") {
    if (!isObject(value)) return [`${at}: ${JSON.stringify(value)}, expected an object`];
    return Object.entries(kind).flatMap(([field, k]) => mismatches(value[field], k, path ? `${path}.${field}` : field));
  }
  const ok = {
    string: typeof value === "string" && value !== "",
    "string?": value === undefined || (typeof value === "string" && value !== ""),
    number: typeof value === "number" && Number.isFinite(value),
    boolean: typeof value === "boolean",
    "string[]": Array.isArray(value) && value.every((v) => typeof v === "string"),
    record: isObject(value) && Object.values(value).every((v) => typeof v === "string"),
    object: isObject(value),
  }[kind];
  return ok ? [] : [`${at}: ${JSON.stringify(value)}, expected ${kind}`];
}

const work = mkdtempSync(join(tmpdir(), "fp-target-contract-"));
const script = join(work, "resolve.mjs");
writeFileSync(script, RESOLVE_SCRIPT);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** RESOLVE_SCRIPT's output for an environment of the sample's configuration file, run in the module's infra/ as the container runs it. */
function resolveTarget(env: string, onEmulator: boolean, overrides = "") {
  const r = spawnSync(process.execPath, [script], {
    cwd: join(REPO_ROOT, "dagger/infra"),
    encoding: "utf8",
    env: {
      ...process.env,
      FP_ENV: env,
      FP_OVERRIDES: overrides,
      FP_ON_EMULATOR: onEmulator ? "1" : "0",
      FP_CONFIG: join(REPO_ROOT, "fargate-pipeline.yaml"),
      FP_CONFIG_NAME: "fargate-pipeline.yaml",
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the Target the module reads from infra's configuration", () => {
  it.each([
    ["local", false],
    ["staging", false],
    ["production", false],
    ["staging", true],
  ])("%s (on an emulator: %s) has every field the module declares, typed as it expects", (env, onEmulator) => {
    const r = resolveTarget(env, onEmulator);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const target = JSON.parse(r.stdout) as Target;
    expect(mismatches(target, TARGET)).toEqual([]);
    expect(target.name).toBe(env);
    // On an emulator the emulator-only settings are in (infra's emulatorOverrides()).
    expect(target.emulator).toBe(env === "local" || onEmulator);
    expect(target.configFile).toBe("fargate-pipeline.yaml");
    // The sample reports its commit as a JSON field: the smoke test checks it.
    expect(target.smokeTest).toEqual({ commitFrom: { jsonField: "commit" } });
  });

  it("the output and variable names are the ones the synthesized stacks declare (infra's tofu.ts), each a distinct OpenTofu identifier", () => {
    const target = JSON.parse(resolveTarget("staging", false).stdout) as Target;
    const tofu = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const t = await import(process.cwd() + "/src/tofu.ts"); process.stdout.write(JSON.stringify({ base: t.BASE_OUTPUTS, service: t.SERVICE_OUTPUTS, image: t.IMAGE_VARIABLE, secretVersions: t.SECRET_VERSIONS_VARIABLE }))',
      ],
      {
        cwd: join(REPO_ROOT, "dagger/infra"),
        encoding: "utf8",
      },
    );
    expect(tofu.stderr).toBe("");
    const declared = JSON.parse(tofu.stdout) as {
      base: Record<string, string>;
      service: Record<string, string>;
      image: string;
      secretVersions: string;
    };
    expect(target.outputs).toEqual({ base: declared.base, service: declared.service });
    expect(target.imageVariable).toBe(declared.image);
    expect(target.secretVersionsVariable).toBe(declared.secretVersions);
    // Exactly the fields the module declares: one infra adds is listed here (and in stack-outputs.ts) or it is unread.
    expect(Object.keys(target.outputs.base).sort()).toEqual(Object.keys(BASE_OUTPUT_NAMES).sort());
    expect(Object.keys(target.outputs.service).sort()).toEqual(Object.keys(SERVICE_OUTPUT_NAMES).sort());
    const all = [...Object.values(target.outputs.base), ...Object.values(target.outputs.service)];
    for (const name of [...all, target.imageVariable, target.secretVersionsVariable])
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it("the secrets (names only) and the scaling bounds, as configured", () => {
    const overrides = JSON.stringify({
      service: {
        secrets: {
          DATABASE_URL: { ssm: "/app/db-url" },
          DB_PASSWORD: { secretsManager: "staging/db", key: "password" },
        },
        autoscaling: { enabled: true, minCount: 2, maxCount: 6 },
      },
    });
    const r = resolveTarget("staging", true, overrides);
    expect(r.stderr).toBe("");
    const target = JSON.parse(r.stdout) as Target;
    expect(mismatches(target, TARGET)).toEqual([]);
    expect(target.secrets.map((s) => [s.envVar, s.kind, s.name, s.key])).toEqual([
      ["DATABASE_URL", "ssm", "/app/db-url", undefined],
      ["DB_PASSWORD", "secretsManager", "staging/db", "password"],
    ]);
    expect(target.autoscaling).toEqual({ enabled: true, minCount: 2, maxCount: 6 });
    // Off: the bounds are the configured count.
    const off = JSON.parse(resolveTarget("local", false).stdout) as Target;
    expect(off.autoscaling).toEqual({ enabled: false, minCount: off.desiredCount, maxCount: off.desiredCount });
    expect(off.secrets).toEqual([]);
  });

  it("an account id for every AWS environment, none for local", () => {
    expect(resolveTarget("local", false).stdout).not.toContain('"accountId"');
    expect((JSON.parse(resolveTarget("staging", false).stdout) as Target).accountId).toMatch(/^\d{12}$/);
  });

  it("reports infra's configuration error on stderr with exit status 2 (what the module turns into its message)", () => {
    const r = resolveTarget("nowhere", false);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/nowhere/);
  });

  it("the shape check itself catches a missing, empty or mistyped field", () => {
    const good = JSON.parse(resolveTarget("local", false).stdout) as Record<string, unknown> & {
      names: Record<string, unknown>;
    };
    const broken = { ...good, desiredCount: "1", names: { ...good.names, logGroup: undefined, repository: "" } };
    expect(mismatches(broken, TARGET)).toEqual([
      "names.logGroup: undefined, expected string",
      'names.repository: "", expected string',
      'desiredCount: "1", expected number',
    ]);
  });
});
