/**
 * The synthesized stacks of every environment, applied with the test bed's
 * OpenTofu and AWS provider to the emulator: init, validate, plan, apply; a
 * second plan shows no changes; destroy leaves nothing (checked through the
 * SDK). Each environment runs in an emulator account of its own.
 *
 * What differs from AWS is emulatorOverrides() (src/emulator.ts), plus, for
 * production only, deletion protection off so that destroy can run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeOverrides, resolveEnvironment } from "../../src/resolve.ts";
import { type EnvironmentOverrides } from "../../src/config/types.ts";
import type { EnvironmentConfig } from "../../src/config/types.ts";
import { emulatorOverrides } from "../../src/emulator.ts";
import { synthesize, type SynthesizedStack } from "../../src/synth.ts";
import { BASE_OUTPUTS, SERVICE_OUTPUTS } from "../../src/tofu.ts";
import {
  clients,
  createdZone as zoneCreated,
  createStateBucket,
  createZone,
  deleteZone,
  emulatorAccount,
  expectedListing,
  imageVar,
  kindOf,
  leftovers,
  plannedChanges,
  testbed,
  Tofu,
  type Clients,
} from "./harness.ts";
import { printTimingsAfterAll, recordTiming } from "./timings.ts";
import { SAMPLE } from "../unit/sample.ts";

printTimingsAfterAll();

/** Everything one environment's run needs. */
interface Run {
  config: EnvironmentConfig;
  /** The overrides the stacks were synthesized with. */
  overrides: EnvironmentOverrides;
  stacks: SynthesizedStack[];
  tofu: Tofu;
  c: Clients;
  outdir: string;
  image: string[];
  /** A zone created beforehand for an "existing" hostedZone, deleted at the end. */
  existingZoneId?: string;
}

describe.each(["local", "staging", "production"])("%s: the stacks on the emulator", (env) => {
  let run: Run;
  /** Created first, so that it is removed even when synthesis fails. */
  let outdir: string | undefined;

  beforeAll(async () => {
    const bed = testbed();
    const account = await emulatorAccount(bed.endpoint);
    const configured = resolveEnvironment(env, { config: SAMPLE });
    const c = clients(bed.endpoint, configured.region, account.credentials);
    let overrides: EnvironmentOverrides = emulatorOverrides(account.id);
    let existingZoneId: string | undefined;
    if (configured.hostedZone?.mode === "existing") {
      // The zone production expects to exist: create it in the emulator account.
      existingZoneId = await createZone(c, configured.domain!.split(".").slice(1).join("."));
      overrides = mergeOverrides(overrides, {
        hostedZone: { mode: "existing", zoneId: existingZoneId },
      }) as EnvironmentOverrides;
    }
    if (configured.loadBalancer.mode === "create" && configured.loadBalancer.deletionProtection) {
      // Not an emulator gap: destroy needs deletion protection off, on AWS too.
      overrides = mergeOverrides(overrides, {
        loadBalancer: { mode: "create", deletionProtection: false },
      }) as EnvironmentOverrides;
    }
    outdir = mkdtempSync(join(tmpdir(), `fp-e2e-${env}-`));
    const stacks = synthesize({ config: SAMPLE, outdir, environments: [env], overrides });
    const config = resolveEnvironment(env, { config: SAMPLE, overrides });
    await createStateBucket(c, config.state.bucket, config.state.region);
    const image = imageVar(`${account.id}.dkr.ecr.${config.region}.amazonaws.com/${config.names.repository}`);
    run = {
      config,
      overrides,
      stacks,
      tofu: new Tofu(bed, account.credentials),
      c,
      outdir,
      image,
      ...(existingZoneId ? { existingZoneId } : {}),
    };
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  /**
   * The synthesized stack of a role.
   * @param role base or service.
   */
  const stack = (role: "base" | "service") => run.stacks.find((s) => s.role === role)!;
  /**
   * The variables a stack's plan/apply/destroy take.
   * @param role base or service.
   */
  const vars = (role: "base" | "service") => (role === "service" ? run.image : []);

  it("init and validate both stacks", async () => {
    for (const role of ["base", "service"] as const) {
      const init = await run.tofu.init(stack(role).directory);
      recordTiming(env, role, "init", init.seconds);
      const validate = await run.tofu.must(stack(role).directory, ["validate"]);
      expect(validate.stdout).toContain("The configuration is valid");
    }
  });

  it("plan and apply the base stack, then the service stack", async () => {
    for (const role of ["base", "service"] as const) {
      const dir = stack(role).directory;
      const plan = await run.tofu.must(
        dir,
        ["plan", "-input=false", "-out=first.tfplan", "-detailed-exitcode", ...vars(role)],
        [2],
      );
      recordTiming(env, role, "plan", plan.seconds);
      const apply = await run.tofu.apply(dir, "first.tfplan", vars(role));
      recordTiming(env, role, "apply", apply.seconds, apply.stdout);
    }
    const base = JSON.parse((await run.tofu.must(stack("base").directory, ["output", "-json"])).stdout) as Record<
      string,
      { value: unknown }
    >;
    expect(base[BASE_OUTPUTS.repositoryUrl]?.value).toMatch(new RegExp(`/${run.config.names.repository}$`));
    expect(base[BASE_OUTPUTS.deployRoleArn]?.value).toMatch(new RegExp(`:role/${run.config.names.roles.deploy}$`));
    const service = JSON.parse((await run.tofu.must(stack("service").directory, ["output", "-json"])).stdout) as Record<
      string,
      { value: unknown }
    >;
    expect(service[SERVICE_OUTPUTS.url]?.value).toBe(`https://${run.config.domain}`);
    expect(service[SERVICE_OUTPUTS.clusterName]?.value).toBe(run.config.names.cluster);
    expect(service[SERVICE_OUTPUTS.targetGroupArn]?.value).toMatch(/:targetgroup\//);
  });

  it("a second plan shows no changes", async () => {
    for (const role of ["base", "service"] as const) {
      const dir = stack(role).directory;
      const second = await run.tofu.must(
        dir,
        ["plan", "-input=false", "-out=second.tfplan", "-detailed-exitcode", ...vars(role)],
        [0, 2],
      );
      recordTiming(env, role, "second plan", second.seconds);
      const changes = second.code === 0 ? [] : await plannedChanges(run.tofu, dir, "second.tfplan");
      expect(changes, `${stack(role).name} would change after a clean apply`).toEqual([]);
    }
  });

  // No CI (#23): the same environment with ci: { provider: none } synthesizes, and its base stack plans
  // cleanly against the applied state, removing the CI identity and nothing else. A plan, not an apply:
  // one more init and plan on the stacks already applied.
  it.runIf(env === "staging")(
    "without a CI, the base stack plans clean: only the OIDC provider and the CI roles go",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "fp-e2e-staging-noci-"));
      try {
        const overrides = mergeOverrides(run.overrides, { ci: { provider: "none" } }) as EnvironmentOverrides;
        const base = synthesize({ config: SAMPLE, outdir: dir, environments: [env], overrides }).find(
          (s) => s.role === "base",
        )!;
        await run.tofu.init(base.directory);
        const plan = await run.tofu.must(
          base.directory,
          ["plan", "-input=false", "-lock=false", "-out=noci.tfplan", "-detailed-exitcode"],
          [2],
        );
        recordTiming(env, "base", "plan without CI", plan.seconds);
        const changes = await plannedChanges(run.tofu, base.directory, "noci.tfplan");
        expect(changes.every((c) => c.actions.join() === "delete")).toBe(true);
        expect(changes.map((c) => c.address.replace(/\..*$/, "")).sort()).toEqual(
          [
            "aws_iam_openid_connect_provider",
            ...Array<string>(4).fill("aws_iam_policy"),
            "aws_iam_role",
            "aws_iam_role",
            "aws_iam_role_policy",
            ...Array<string>(4).fill("aws_iam_role_policy_attachment"),
          ].sort(),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  /** The hosted zone the base stack created, if it creates one. */
  const createdZone = () => zoneCreated(run.config);

  it("the leftover listing sees what the stacks created (so that an empty one after destroy means something)", async () => {
    const found = await leftovers(run.c, run.config.names.prefix, createdZone());
    const expected = expectedListing(run.config);
    expect([...new Set(found.map(kindOf))].sort()).toEqual([...expected.kinds].sort());
    expect(found).toEqual(expect.arrayContaining(expected.entries));
    expect(found.filter((f) => kindOf(f) === "subnet")).toHaveLength(2);
  });

  it("destroy leaves nothing", async () => {
    for (const role of ["service", "base"] as const) {
      const destroy = await run.tofu.must(stack(role).directory, [
        "destroy",
        "-auto-approve",
        "-input=false",
        ...vars(role),
      ]);
      recordTiming(env, role, "destroy", destroy.seconds, destroy.stdout);
    }
    expect(await leftovers(run.c, run.config.names.prefix, createdZone())).toEqual([]);
    if (run.existingZoneId)
      expect(await deleteZone(run.c, run.existingZoneId), "records left in the existing zone").toEqual([]);
  });
});
