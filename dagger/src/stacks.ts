/**
 * The infrastructure side of a deploy, read from the repository's `infra/`
 * workspace in a Node container: the environment's validated configuration
 * (names, region, account, what the emulator needs) and the synthesized stacks.
 *
 * The module never imports infra's code: it runs it, the way a developer does
 * (`node infra/main.ts`). So every cdktf import stays inside infra/, and the
 * configuration deployed is the one in the source being deployed.
 */
import type { Container, Directory } from "@dagger.io/dagger";

import { install } from "./check.js";
import { commandFailure, indent, tail } from "./errors.js";
import { withSystemCAs, workspaceDirs } from "./npm.js";

/** Where the infra workspace sits in the source (this repository's layout). */
export const INFRA_DIR = "infra";

/** Where synthesis writes, inside the container. */
const SYNTH_OUT = "/synth";

/** The names of an environment's resources (infra's ResourceNames, the fields the module uses). */
export interface TargetNames {
  prefix: string;
  stacks: { base: string; service: string };
  cluster: string;
  service: string;
  taskFamily: string;
  container: string;
  logGroup: string;
  logStreamPrefix: string;
  repository: string;
  roles: { deploy: string; plan: string };
  /** State bucket, state keys, and the deployment ledger's key (next to the service stack's state). */
  state: { bucket: string; keys: { base: string; service: string }; ledger: string };
}

/** An environment as the deploy needs it: infra's validated configuration, reduced to what the module reads. */
export interface Target {
  /** The environment's name, e.g. `local`, `staging`. */
  name: string;
  region: string;
  /** The account the environment lives in; undefined only for `local`. */
  accountId?: string;
  /** The HTTPS name of the service. */
  domain: string;
  /** Applied to an AWS emulator (the stacks carry the emulator-only settings). */
  emulator: boolean;
  names: TargetNames;
  /** The state bucket and its region. */
  state: { bucket: string; region: string };
  desiredCount: number;
  containerPort: number;
  healthCheckPath: string;
  /** Whether the base stack creates the hosted zone (bootstrap then prints its name servers). */
  createsZone: boolean;
  /** The overrides synthesis must use (the caller's, plus the emulator's when on one), as JSON. */
  overrides: string;
  /** `tofu init` flags for a state backend on the emulator (infra's emulatorBackendConfig()); empty for AWS. */
  emulatorBackendConfig: string[];
  /** Environment variables that point tools at the emulator (infra's emulatorEnvironment()), with {{ENDPOINT}} for the URL. */
  emulatorEnvironment: Record<string, string>;
}

/** The synthesized stacks of one environment. */
export interface Stacks {
  base: Directory;
  service: Directory;
}

/**
 * Runs in the infra container: resolves the environment with infra's own
 * resolveEnvironment(), adds infra's emulatorOverrides() when the deploy goes to
 * an emulator, and prints the Target as JSON. A ConfigError's message (every
 * bad field, what is allowed) goes to stderr with exit status 2.
 * Exported for the contract test (dagger/test/unit/target-contract.test.ts),
 * which runs it against this repository's infra/.
 */
export const RESOLVE_SCRIPT = `
const infra = await import(process.cwd() + "/${INFRA_DIR}/src/index.ts");
const env = process.env.FP_ENV;
let overrides = JSON.parse(process.env.FP_OVERRIDES || "{}");
try {
  let c = infra.resolveEnvironment(env, { overrides });
  if (process.env.FP_ON_EMULATOR === "1" && !c.emulator) {
    overrides = infra.mergeOverrides(overrides, infra.emulatorOverrides(c.accountId));
    c = infra.resolveEnvironment(env, { overrides });
  }
  const n = c.names;
  process.stdout.write(JSON.stringify({
    name: c.name, region: c.region, accountId: c.accountId, domain: c.domain, emulator: c.emulator === true,
    names: { prefix: n.prefix, stacks: n.stacks, cluster: n.cluster, service: n.service, taskFamily: n.taskFamily, container: n.container,
      logGroup: n.logGroup, logStreamPrefix: n.logStreamPrefix, repository: n.repository, roles: { deploy: n.roles.deploy, plan: n.roles.plan }, state: n.state },
    state: { bucket: c.state.bucket, region: c.state.region },
    desiredCount: c.service.desiredCount, containerPort: c.service.containerPort, healthCheckPath: c.service.healthCheckPath,
    createsZone: c.hostedZone.mode === "create",
    overrides: JSON.stringify(overrides),
    emulatorBackendConfig: infra.emulatorBackendConfig(),
    emulatorEnvironment: infra.emulatorEnvironment("{{ENDPOINT}}"),
  }));
} catch (e) {
  if (e && e.name === "ConfigError") { process.stderr.write(e.message + "\\n"); process.exit(2); }
  throw e;
}
`;

/**
 * The repository's workspaces installed with `npm ci` — the very container
 * `check` installs (same inputs, same command), so the engine builds it once
 * for both, and again only when a manifest or the lock file changes — with the
 * infra workspace's source on top.
 *
 * @param source the repository root
 */
export async function infraContainer(source: Directory): Promise<Container> {
  if (!(await source.exists(`${INFRA_DIR}/package.json`))) {
    throw new Error(
      `deploy needs the infrastructure workspace ${INFRA_DIR}/ (CDKTF stacks) in --source; this module deploys repositories laid out like fargate-pipeline`,
    );
  }
  const manifest = await source.file("package.json").contents();
  const installed = await install(source, await workspaceDirs(source, manifest));
  return installed.withDirectory(`/src/${INFRA_DIR}`, source.directory(INFRA_DIR), { exclude: ["node_modules", "cdktf.out", "test"] }).withWorkdir("/src");
}

/**
 * The environment's configuration, validated by infra.
 *
 * @param infra the container of infraContainer()
 * @param env the environment's name
 * @param overrides JSON merged over the environment's entry (infra's FP_OVERRIDES), or ""
 * @param onEmulator true when the deploy goes to an AWS emulator (adds infra's emulatorOverrides())
 */
export async function resolveTarget(infra: Container, env: string, overrides: string, onEmulator: boolean): Promise<Target> {
  const run = infra
    .withEnvVariable("FP_ENV", env)
    .withEnvVariable("FP_OVERRIDES", overrides)
    .withEnvVariable("FP_ON_EMULATOR", onEmulator ? "1" : "0")
    .withNewFile("/tmp/resolve.mjs", RESOLVE_SCRIPT)
    .withExec(withSystemCAs(["node", "/tmp/resolve.mjs"]));
  try {
    return JSON.parse(await run.stdout()) as Target;
  } catch (err) {
    const { output, exitCode } = commandFailure(err);
    if (exitCode === 2) throw new Error(`${tail(output, 30).join("\n")}\nFix the configuration (or --config-overrides) and run again.`, { cause: err });
    throw new Error(`reading the configuration of environment "${env}" from ${INFRA_DIR}/ failed:\n${indent(tail(output, 15))}`, { cause: err });
  }
}

/**
 * Synthesizes the environment's two stacks (`node infra/main.ts`).
 *
 * @param infra the container of infraContainer()
 * @param target the environment (its overrides are passed to synthesis)
 */
export async function synthesize(infra: Container, target: Target): Promise<Stacks> {
  const run = infra
    .withEnvVariable("FP_ENV", target.name)
    .withEnvVariable("FP_OVERRIDES", target.overrides)
    .withEnvVariable("FP_OUTDIR", SYNTH_OUT)
    .withExec(withSystemCAs(["node", `${INFRA_DIR}/main.ts`]));
  try {
    await run.sync();
  } catch (err) {
    throw new Error(`synthesizing the stacks of "${target.name}" (node ${INFRA_DIR}/main.ts) failed:\n${indent(tail(commandFailure(err).output, 20))}`, { cause: err });
  }
  const stacks = run.directory(`${SYNTH_OUT}/stacks`);
  return { base: stacks.directory(target.names.stacks.base), service: stacks.directory(target.names.stacks.service) };
}
