/**
 * The contract between the module and infra/. The module never imports infra's
 * code, so `EnvironmentConfig` and `ResourceNames` restate the fields it reads of
 * what infra's program `node environment.ts` prints (infra/src/module-view.ts,
 * typechecked with infra). Here that program runs in this repository's infra/
 * (Node runs its TypeScript as the container does), and every field the module
 * declares must come back with the type it expects: a field renamed or dropped
 * in infra fails here, not halfway through a deploy.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

import { describe, expect, it } from "vitest";

import { type EnvironmentConfig, type ResourceNames, type SecretSummary } from "../../../src/stacks/infra-bridge.js";
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

// `satisfies Record<keyof …>`: a field added to EnvironmentConfig or ResourceNames without a line here fails the typecheck.
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
} satisfies Record<keyof ResourceNames, Kind>;

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
} satisfies Record<keyof SecretSummary, Kind>;

const CONFIG = {
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
} satisfies Record<keyof EnvironmentConfig, Kind>;

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

/** `node environment.ts` for an environment of the sample's configuration file, run in the module's infra/ as the container runs it. */
function environmentProgram(env: string, onEmulator: boolean, overrides = "") {
  const r = spawnSync(process.execPath, ["environment.ts"], {
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

describe("the EnvironmentConfig the module reads from infra's configuration", () => {
  it.each([
    ["local", false],
    ["staging", false],
    ["production", false],
    ["staging", true],
  ])("%s (on an emulator: %s) has every field the module declares, typed as it expects", (env, onEmulator) => {
    const r = environmentProgram(env, onEmulator);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const config = JSON.parse(r.stdout) as EnvironmentConfig;
    expect(mismatches(config, CONFIG)).toEqual([]);
    expect(config.name).toBe(env);
    // On an emulator the emulator-only settings are in (infra's emulatorOverrides()).
    expect(config.emulator).toBe(env === "local" || onEmulator);
    expect(config.configFile).toBe("fargate-pipeline.yaml");
    // The sample reports its commit as a JSON field: the smoke test checks it.
    expect(config.smokeTest).toEqual({ commitFrom: { jsonField: "commit" } });
  });

  it("the output and variable names are the ones the synthesized stacks declare (infra's tofu.ts), each a distinct OpenTofu identifier", () => {
    const config = JSON.parse(environmentProgram("staging", false).stdout) as EnvironmentConfig;
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
    expect(config.outputs).toEqual({ base: declared.base, service: declared.service });
    expect(config.imageVariable).toBe(declared.image);
    expect(config.secretVersionsVariable).toBe(declared.secretVersions);
    // Exactly the fields the module declares: one infra adds is listed here (and in stack-outputs.ts) or it is unread.
    expect(Object.keys(config.outputs.base).sort()).toEqual(Object.keys(BASE_OUTPUT_NAMES).sort());
    expect(Object.keys(config.outputs.service).sort()).toEqual(Object.keys(SERVICE_OUTPUT_NAMES).sort());
    const all = [...Object.values(config.outputs.base), ...Object.values(config.outputs.service)];
    for (const name of [...all, config.imageVariable, config.secretVersionsVariable])
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
    const r = environmentProgram("staging", true, overrides);
    expect(r.stderr).toBe("");
    const config = JSON.parse(r.stdout) as EnvironmentConfig;
    expect(mismatches(config, CONFIG)).toEqual([]);
    expect(config.secrets.map((s) => [s.envVar, s.kind, s.name, s.key])).toEqual([
      ["DATABASE_URL", "ssm", "/app/db-url", undefined],
      ["DB_PASSWORD", "secretsManager", "staging/db", "password"],
    ]);
    expect(config.autoscaling).toEqual({ enabled: true, minCount: 2, maxCount: 6 });
    // Off: the bounds are the configured count.
    const off = JSON.parse(environmentProgram("local", false).stdout) as EnvironmentConfig;
    expect(off.autoscaling).toEqual({ enabled: false, minCount: off.desiredCount, maxCount: off.desiredCount });
    expect(off.secrets).toEqual([]);
  });

  it("an account id for every AWS environment, none for local", () => {
    expect(environmentProgram("local", false).stdout).not.toContain('"accountId"');
    expect((JSON.parse(environmentProgram("staging", false).stdout) as EnvironmentConfig).accountId).toMatch(
      /^\d{12}$/,
    );
  });

  it("reports infra's configuration error on stderr with exit status 2 (what the module turns into its message)", () => {
    const r = environmentProgram("nowhere", false);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/nowhere/);
  });

  it("the shape check itself catches a missing, empty or mistyped field", () => {
    const good = JSON.parse(environmentProgram("local", false).stdout) as Record<string, unknown> & {
      names: Record<string, unknown>;
    };
    const broken = { ...good, desiredCount: "1", names: { ...good.names, logGroup: undefined, repository: "" } };
    expect(mismatches(broken, CONFIG)).toEqual([
      "names.logGroup: undefined, expected string",
      'names.repository: "", expected string',
      'desiredCount: "1", expected number',
    ]);
  });
});
