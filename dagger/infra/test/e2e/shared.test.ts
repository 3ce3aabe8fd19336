/**
 * One shared environment and two services attached to it, through plain
 * OpenTofu on the emulator (the module's claims and preflight are the module
 * lane's, dagger/test/e2e/shared.test.ts): the platform's stack
 * (sharedEnvironments.staging of the sample's file), the sample's `review`
 * environment and the Python example's `staging`, each attached with
 * `shared: staging`, each at the rule priority its claim would give it.
 *
 * - two listener rules on the one ALB, each forwarding its host to its own
 *   target group, the listener's default still the 404;
 * - each service's security group admits only the ALB's;
 * - a second plan of all three service stacks and the shared stack is clean;
 * - destroying one service leaves the other, its rule and the shared stack;
 * - then everything is destroyed and nothing is left.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigFile, type ConfigFile } from "../../src/config/file.ts";
import type { EnvironmentConfig, EnvironmentOverrides, SharedEnvironmentConfig } from "../../src/config/types.ts";
import { emulatorOverrides } from "../../src/emulator.ts";
import { mergeOverrides, resolveEnvironment, resolveSharedEnvironment } from "../../src/resolve.ts";
import { synthesize, synthesizeShared, type SynthesizedStack } from "../../src/synth.ts";
import { RULE_PRIORITY_VARIABLE, SERVICE_OUTPUTS, SHARED_OUTPUTS } from "../../src/tofu.ts";
import {
  clients,
  createStateBucket,
  emulatorAccount,
  imageVar,
  leftovers,
  plannedChanges,
  testbed,
  Tofu,
  type Clients,
} from "./harness.ts";
import { printTimingsAfterAll, recordTiming } from "./timings.ts";
import { SAMPLE } from "../unit/sample.ts";

printTimingsAfterAll();

/** The Python example's configuration file: another app, from its own repository. */
const PYTHON: ConfigFile = parseConfigFile(
  readFileSync(resolve(import.meta.dirname, "../../../../examples/python-poetry/fargate-pipeline.yaml"), "utf8"),
  "examples/python-poetry/fargate-pipeline.yaml",
);

/** One attached service: its configuration, stacks, image variable and the priority its claim gives it. */
interface Attached {
  label: string;
  config: EnvironmentConfig;
  stacks: SynthesizedStack[];
  vars: string[];
}

describe("a shared environment with two services attached, on the emulator", () => {
  let tofu: Tofu;
  let c: Clients;
  let outdir: string | undefined;
  let shared: { config: SharedEnvironmentConfig; stack: SynthesizedStack };
  let services: [Attached, Attached];

  beforeAll(async () => {
    const bed = testbed();
    const account = await emulatorAccount(bed.endpoint);
    outdir = mkdtempSync(join(tmpdir(), "fp-e2e-shared-"));
    const sharedOverrides = { accountId: account.id, emulator: true };
    const sharedConfig = resolveSharedEnvironment("staging", { config: SAMPLE, overrides: sharedOverrides });
    const [sharedStack] = synthesizeShared({
      config: SAMPLE,
      outdir: join(outdir, "shared"),
      environments: ["staging"],
      overrides: sharedOverrides,
    });
    shared = { config: sharedConfig, stack: sharedStack! };
    c = clients(bed.endpoint, sharedConfig.region, account.credentials);
    tofu = new Tofu(bed, account.credentials);
    // One GitHub OIDC provider per account: the first service's base stack creates it, the others reuse it.
    const provider = `arn:aws:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`;
    const attach = (label: string, file: ConfigFile, env: string, priority: number, reuse: boolean): Attached => {
      const overrides = mergeOverrides(
        emulatorOverrides(account.id),
        reuse ? { github: { oidcProviderArn: provider } } : {},
      ) as EnvironmentOverrides;
      const config = resolveEnvironment(env, { config: file, overrides });
      const stacks = synthesize({ config: file, outdir: join(outdir!, label), environments: [env], overrides });
      const repository = `${account.id}.dkr.ecr.${config.region}.amazonaws.com/${config.names.repository}`;
      return {
        label,
        config,
        stacks,
        vars: [...imageVar(repository), "-var", `${RULE_PRIORITY_VARIABLE}=${priority}`],
      };
    };
    services = [attach("sample", SAMPLE, "review", 1, false), attach("python", PYTHON, "staging", 2, true)];
    for (const bucket of new Set([sharedConfig.state.bucket, ...services.map((s) => s.config.state.bucket)]))
      await createStateBucket(c, bucket, sharedConfig.region);
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  /** A service's stack of a role. */
  const stackOf = (s: Attached, role: "base" | "service") => s.stacks.find((x) => x.role === role)!;
  /** The variables of a service's stack of a role. */
  const varsOf = (s: Attached, role: "base" | "service") => (role === "service" ? s.vars : []);
  /** The host a service answers on. */
  const hostOf = (s: Attached) => `${s.config.shared!.host}.${shared.config.domain}`;

  /**
   * Plans and applies a stack.
   * @param name For the timings.
   * @param dir The stack's folder.
   * @param vars Its variables.
   */
  async function apply(name: string, dir: string, vars: string[]): Promise<void> {
    await tofu.init(dir);
    await tofu.must(dir, ["plan", "-input=false", "-out=first.tfplan", ...vars]);
    const applied = await tofu.apply(dir, "first.tfplan", vars);
    recordTiming("shared", name, "apply", applied.seconds, applied.stdout);
  }

  /**
   * A second plan's changes (none expected).
   * @param dir The stack's folder.
   * @param vars Its variables.
   */
  async function secondPlan(dir: string, vars: string[]): Promise<string[]> {
    const plan = await tofu.must(
      dir,
      ["plan", "-input=false", "-out=second.tfplan", "-detailed-exitcode", ...vars],
      [0, 2],
    );
    if (plan.code === 0) return [];
    return (await plannedChanges(tofu, dir, "second.tfplan")).map((ch) => `${ch.address} ${ch.attributes.join(",")}`);
  }

  /**
   * Destroys a service's stacks, service first.
   * @param s The service.
   */
  async function destroyService(s: Attached): Promise<void> {
    for (const role of ["service", "base"] as const) {
      const done = await tofu.must(stackOf(s, role).directory, [
        "destroy",
        "-auto-approve",
        "-input=false",
        ...varsOf(s, role),
      ]);
      recordTiming("shared", `${s.label} ${role}`, "destroy", done.seconds, done.stdout);
    }
  }

  /** The shared listener's rules other than its default: host → priority and target group. */
  async function rules(): Promise<Record<string, { priority: string; targetGroup: string }>> {
    const listener = await outputOf(shared.stack.directory, SHARED_OUTPUTS.httpsListenerArn);
    const { Rules = [] } = await c.elb.send(new DescribeRulesCommand({ ListenerArn: listener }));
    return Object.fromEntries(
      Rules.filter((r) => !r.IsDefault).map((r) => [
        r.Conditions?.find((x) => x.Field === "host-header")?.HostHeaderConfig?.Values?.[0] ??
          r.Conditions?.[0]?.Values?.[0] ??
          "?",
        { priority: r.Priority ?? "?", targetGroup: r.Actions?.[0]?.TargetGroupArn ?? "?" },
      ]),
    );
  }

  /**
   * One output of a stack's state.
   * @param dir The stack's folder.
   * @param name The output.
   */
  async function outputOf(dir: string, name: string): Promise<string> {
    const out = JSON.parse((await tofu.must(dir, ["output", "-json"])).stdout) as Record<string, { value: unknown }>;
    return String(out[name]?.value);
  }

  it("the platform applies the shared stack: network, cluster, ALB answering 404, wildcard certificate, published outputs", async () => {
    await apply("shared", shared.stack.directory, []);
    const listener = await outputOf(shared.stack.directory, SHARED_OUTPUTS.httpsListenerArn);
    const { Listeners = [] } = await c.elb.send(
      new DescribeListenersCommand({
        LoadBalancerArn: await outputOf(shared.stack.directory, SHARED_OUTPUTS.loadBalancerArn),
      }),
    );
    expect(Listeners.map((l) => [l.Port, l.Protocol]).sort()).toEqual([
      [443, "HTTPS"],
      [80, "HTTP"],
    ]);
    expect(
      Listeners.find((l) => l.ListenerArn === listener)?.DefaultActions?.[0]?.FixedResponseConfig?.StatusCode,
    ).toBe("404");
  });

  it("two services attach at once: their service stacks apply side by side", async () => {
    // The base stacks one after the other: the first creates the account's GitHub OIDC provider.
    for (const s of services) await apply(`${s.label} base`, stackOf(s, "base").directory, []);
    const applied = await Promise.allSettled(
      services.map((s) => apply(`${s.label} service`, stackOf(s, "service").directory, s.vars)),
    );
    for (const a of applied) if (a.status === "rejected") throw a.reason;
    for (const s of services)
      expect(await outputOf(stackOf(s, "service").directory, SERVICE_OUTPUTS.url)).toBe(`https://${hostOf(s)}`);
  });

  it("two listener rules on the one ALB, each forwarding its host to its own target group", async () => {
    const found = await rules();
    const [sample, python] = services;
    expect(Object.keys(found).sort()).toEqual([hostOf(sample), hostOf(python)].sort());
    for (const [s, priority] of [
      [sample, "1"],
      [python, "2"],
    ] as const) {
      const targetGroup = await outputOf(stackOf(s, "service").directory, SERVICE_OUTPUTS.targetGroupArn);
      expect(found[hostOf(s)]).toEqual({ priority, targetGroup });
    }
    expect(found[hostOf(sample)]!.targetGroup).not.toBe(found[hostOf(python)]!.targetGroup);
    const alb = await outputOf(shared.stack.directory, SHARED_OUTPUTS.loadBalancerArn);
    const { TargetGroups = [] } = await c.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: alb }));
    expect(TargetGroups).toHaveLength(2);
  });

  it("each service's security group admits only the shared ALB's group, on its own port", async () => {
    const { SecurityGroups: albGroups = [] } = await c.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [shared.config.names.securityGroup] }],
      }),
    );
    expect(albGroups).toHaveLength(1);
    const albGroup = albGroups[0]!.GroupId;
    for (const s of services) {
      const { SecurityGroups = [] } = await c.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: "group-name", Values: [s.config.names.securityGroups.app] }],
        }),
      );
      expect(SecurityGroups, s.label).toHaveLength(1);
      const ingress = SecurityGroups[0]!.IpPermissions ?? [];
      expect(
        ingress.map((p) => ({
          port: [p.FromPort, p.ToPort],
          from: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId),
          cidrs: [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])].length,
        })),
        s.label,
      ).toEqual([
        { port: [s.config.service.containerPort, s.config.service.containerPort], from: [albGroup], cidrs: 0 },
      ]);
    }
  });

  it("a second plan of the shared stack and of both services' stacks is clean", async () => {
    // Five stacks, five states: planned side by side.
    const plans = [
      { name: "the shared stack", plan: secondPlan(shared.stack.directory, []) },
      ...services.flatMap((s) =>
        (["base", "service"] as const).map((role) => ({
          name: `${s.label} ${role}`,
          plan: secondPlan(stackOf(s, role).directory, varsOf(s, role)),
        })),
      ),
    ];
    await Promise.allSettled(plans.map((p) => p.plan));
    for (const p of plans) expect(await p.plan, p.name).toEqual([]);
  });

  it("destroying one service leaves the other, its rule and the shared stack as they were", async () => {
    const [sample, python] = services;
    const before = await rules();
    await destroyService(python);
    expect(await rules()).toEqual({ [hostOf(sample)]: before[hostOf(sample)] });
    expect(await secondPlan(stackOf(sample, "service").directory, sample.vars), "the sample's service").toEqual([]);
    expect(await secondPlan(shared.stack.directory, []), "the shared stack").toEqual([]);
    expect(await leftovers(c, python.config.names.prefix)).toEqual(
      expect.not.arrayContaining([
        expect.stringMatching(/^(ECS service|security group|log group|IAM role) flask-demo/),
      ]),
    );
  });

  it("destroying the last service, then the shared stack, leaves nothing", async () => {
    await destroyService(services[0]);
    const done = await tofu.must(shared.stack.directory, ["destroy", "-auto-approve", "-input=false"]);
    recordTiming("shared", "shared", "destroy", done.seconds, done.stdout);
    expect(await leftovers(c, shared.config.names.prefix, shared.config.domain), "the shared stack").toEqual([]);
    for (const s of services) expect(await leftovers(c, s.config.names.prefix), s.label).toEqual([]);
  });
});
