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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { describe, expect, it } from "vitest";

import {
  type Attachment,
  type CiSummary,
  type EnvironmentConfig,
  type ResourceNames,
  type SecretSummary,
  type SharedConfig,
} from "../../../src/stacks/infra-bridge.js";
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
  | "object?"
  | "number?"
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
  roles: { deploy: "string", plan: "string", preview: "string" },
  state: { bucket: "string", keys: { base: "string", service: "string" }, ledger: "string" },
} satisfies Record<keyof ResourceNames, Kind>;

// The outputs the module reads, by infra's names: an output dropped or renamed in infra's tofu.ts fails here.
const BASE_OUTPUT_NAMES = {
  repositoryUrl: "string",
  deployRoleArn: "string",
  planRoleArn: "string",
  hostedZoneId: "string",
  nameServers: "string",
  previewRoleArn: "string",
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
  // Left out for an attached service (env/open.ts fills it in from what the shared environment published).
  domain: "string?",
  shared: "object?",
  ownsLoadBalancer: "boolean",
  size: { cpu: "number", memory: "number" },
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
  ci: { provider: "string" },
} satisfies Record<keyof EnvironmentConfig, Kind>;

// Each CI's fields, by provider: a field renamed in infra's ModuleCi fails here.
const CI = {
  none: {},
  github: { repository: "string", environment: "string", branch: "string" },
  gitlab: { project: "string", url: "string", audience: "string", branch: "string" },
  oidc: { issuer: "string", audience: "string" },
} satisfies {
  [P in CiSummary["provider"]]: Record<Exclude<keyof Extract<CiSummary, { provider: P }>, "provider">, Kind>;
};

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
    "object?": value === undefined || isObject(value),
    "number?": value === undefined || (typeof value === "number" && Number.isFinite(value)),
  }[kind];
  return ok ? [] : [`${at}: ${JSON.stringify(value)}, expected ${kind}`];
}

/** `node environment.ts` for an environment of the sample's configuration file, run in the module's infra/ as the container runs it. */
function environmentProgram(env: string, onEmulator: boolean, overrides = "", more: Record<string, string> = {}) {
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
      ...more,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ATTACHMENT = {
  environment: "string",
  host: "string",
  paths: "string[]",
  pullRequest: "number?",
  parameterPath: "string",
  claims: { hosts: "string", priorities: "string" },
  parameters: {
    domain: "string",
    hostedZoneId: "string",
    vpcId: "string",
    subnetIds: "string",
    clusterName: "string",
    clusterArn: "string",
    loadBalancerArn: "string",
    loadBalancerSecurityGroupId: "string",
    httpsListenerArn: "string",
    certificateArn: "string",
  },
  priorityVariable: "string",
  loadBalancer: "string",
  cluster: "string",
  previewPrefix: "string",
  previewHost: "string",
} satisfies Record<keyof Attachment, Kind>;

const SHARED_CONFIG = {
  name: "string",
  region: "string",
  accountId: "string?",
  domain: "string",
  emulator: "boolean",
  createsZone: "boolean",
  names: {
    prefix: "string",
    stack: "string",
    cluster: "string",
    loadBalancer: "string",
    securityGroup: "string",
    parameterPath: "string",
    claims: { hosts: "string", priorities: "string" },
  },
  state: { bucket: "string", region: "string", key: "string" },
  configFile: "string",
  overrides: "string",
  emulatorBackendConfig: "string[]",
  emulatorEnvironment: "record",
  outputs: {
    domain: "string",
    hostedZoneId: "string",
    nameServers: "string",
    loadBalancerArn: "string",
    loadBalancerDnsName: "string",
    httpsListenerArn: "string",
    clusterName: "string",
    parameterPath: "string",
  },
  parameters: ATTACHMENT.parameters,
} satisfies Record<keyof SharedConfig, Kind>;

describe("an attached service's and a shared environment's configuration, as the module reads them", () => {
  it("review (attached to the shared staging): no domain of its own, its attachment with every field", () => {
    const r = environmentProgram("review", true);
    expect(r.stderr).toBe("");
    const config = JSON.parse(r.stdout) as EnvironmentConfig;
    expect(mismatches(config, CONFIG)).toEqual([]);
    expect(config.domain).toBeUndefined();
    expect(mismatches(config.shared, ATTACHMENT)).toEqual([]);
    expect(config.shared).toMatchObject({ environment: "staging", host: "fargate-pipeline", paths: [] });
    expect(config.names.cluster).toBe("shared-staging");
  });

  it("a preview of it: its own names and host, under the same shared environment", () => {
    const r = environmentProgram("review", true, JSON.stringify({ preview: { pullRequest: 7 } }));
    const config = JSON.parse(r.stdout) as EnvironmentConfig;
    expect(config.shared).toMatchObject({
      host: "pr-7-fargate-pipeline",
      pullRequest: 7,
      previewHost: "pr-*-fargate-pipeline",
    });
    expect(config.names.service).toBe("fargate-pipeline-review-pr-7");
    expect(config.size).toEqual({ cpu: 256, memory: 512 });
    expect(config.desiredCount).toBe(1);
  });

  it("the shared staging environment (FP_SHARED=1) has every field `platform` declares", () => {
    const r = environmentProgram("staging", true, "", { FP_SHARED: "1" });
    expect(r.stderr).toBe("");
    const config = JSON.parse(r.stdout) as SharedConfig;
    expect(mismatches(config, SHARED_CONFIG)).toEqual([]);
    expect(config.emulator).toBe(true);
    expect(config.names.parameterPath).toBe("/fargate-pipeline/shared/staging");
  });
});

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

  it.each([
    ["github", "{}", { repository: "example-org/fargate-pipeline", environment: "staging", branch: "main" }],
    ["gitlab", JSON.stringify({ ci: { provider: "gitlab", project: "acme/shop" } }), {}],
    [
      "oidc",
      JSON.stringify({
        ci: { provider: "oidc", issuer: "https://ci.example.com", deploySubjects: ["a:b:c"], planSubjects: ["a:b:d"] },
      }),
      { issuer: "https://ci.example.com", audience: "sts.amazonaws.com" },
    ],
    ["none", JSON.stringify({ ci: { provider: "none" } }), {}],
  ] as const)("the CI (%s), with its fields for bootstrap's next steps", (provider, overrides, expected) => {
    const r = environmentProgram("staging", false, overrides);
    expect(r.stderr).toBe("");
    const { ci } = JSON.parse(r.stdout) as EnvironmentConfig;
    expect(ci.provider).toBe(provider);
    expect(mismatches(ci, CI[provider])).toEqual([]);
    expect(ci).toMatchObject(expected);
  });

  it("a configuration error mentions overrides only when the caller gave some (an emulator's own settings are not)", () => {
    const bad = JSON.stringify({ service: { desiredCount: 0 } });
    expect(environmentProgram("staging", true, bad).stderr).toContain("in fargate-pipeline.yaml with overrides:");
    // An error in the file itself, read on an emulator (whose own settings are overrides) with the
    // empty overrides the module passes when it has none: the message names the file alone.
    const dir = mkdtempSync(join(tmpdir(), "fp-config-"));
    const file = join(dir, "fargate-pipeline.yaml");
    writeFileSync(
      file,
      readFileSync(join(REPO_ROOT, "fargate-pipeline.yaml"), "utf8").replace(
        "    containerPort: 8080",
        "    containerPort: 80",
      ),
    );
    try {
      for (const overrides of ["", "{}"]) {
        const r = spawnSync(process.execPath, ["environment.ts"], {
          cwd: join(REPO_ROOT, "dagger/infra"),
          encoding: "utf8",
          env: { ...process.env, FP_ENV: "staging", FP_OVERRIDES: overrides, FP_ON_EMULATOR: "1", FP_CONFIG: file },
        });
        expect(r.status).toBe(2);
        expect(r.stderr).toContain("in fargate-pipeline.yaml:\n  defaults.service.containerPort (line");
        expect(r.stderr).not.toContain("with overrides");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
