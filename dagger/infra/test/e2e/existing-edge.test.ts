/**
 * The original requirement: deploy behind an ALB and a certificate that exist
 * already. An ALB with an HTTPS listener (default certificate for another name)
 * and an issued certificate for the service's domain are created through the
 * SDK; staging is pointed at them with overrides. The stacks add a host-header
 * rule, an SNI certificate and a target group to the shared listener, and on
 * destroy take exactly those away again: the shared ALB, its listener and
 * certificates stay as they were.
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
import {
  clients,
  createSharedEdge,
  createdZone,
  createStateBucket,
  deleteSharedEdge,
  emulatorAccount,
  expectedListing,
  imageVar,
  kindOf,
  leftovers,
  plannedChanges,
  sharedEdgeAttachments,
  testbed,
  Tofu,
  type Clients,
  type SharedEdge,
} from "./harness.ts";
import { printTimingsAfterAll, recordTiming } from "./timings.ts";
import { SAMPLE } from "../unit/sample.ts";

printTimingsAfterAll();

const ENV = "staging";
/** The listener rule's priority on the shared listener. */
const RULE_PRIORITY = 120;

describe("staging behind an existing ALB and certificate, on the emulator", () => {
  let config: EnvironmentConfig;
  let stacks: SynthesizedStack[];
  let tofu: Tofu;
  let c: Clients;
  let edge: SharedEdge;
  let outdir: string;
  let image: string[];

  beforeAll(async () => {
    const bed = testbed();
    const account = await emulatorAccount(bed.endpoint);
    const configured = resolveEnvironment(ENV, { config: SAMPLE });
    c = clients(bed.endpoint, configured.region, account.credentials);
    edge = await createSharedEdge(c, configured.region, configured.domain!);
    const overrides = mergeOverrides(emulatorOverrides(account.id), {
      loadBalancer: {
        mode: "existing",
        arn: edge.albArn,
        httpsListenerArn: edge.listenerArn,
        listenerRulePriority: RULE_PRIORITY,
      },
      certificate: { mode: "existing", arn: edge.appCertificateArn },
    }) as EnvironmentOverrides;
    outdir = mkdtempSync(join(tmpdir(), "fp-e2e-existing-"));
    stacks = synthesize({ config: SAMPLE, outdir, environments: [ENV], overrides });
    config = resolveEnvironment(ENV, { config: SAMPLE, overrides });
    await createStateBucket(c, config.state.bucket, config.state.region);
    tofu = new Tofu(bed, account.credentials);
    image = imageVar(`${account.id}.dkr.ecr.${config.region}.amazonaws.com/${config.names.repository}`);
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  /**
   * The synthesized stack of a role.
   * @param role base or service.
   */
  const stack = (role: "base" | "service") => stacks.find((s) => s.role === role)!;
  /**
   * The variables a stack's plan/apply/destroy take.
   * @param role base or service.
   */
  const vars = (role: "base" | "service") => (role === "service" ? image : []);

  it("applies without creating an ALB, a listener or a certificate", async () => {
    for (const role of ["base", "service"] as const) {
      const dir = stack(role).directory;
      await tofu.init(dir);
      await tofu.must(dir, ["validate"]);
      await tofu.must(dir, ["plan", "-input=false", "-out=first.tfplan", ...vars(role)]);
      const created = (await plannedChanges(tofu, dir, "first.tfplan")).map((ch) => ch.address.split(".")[0]);
      expect(created).not.toContain("aws_lb");
      expect(created).not.toContain("aws_lb_listener");
      expect(created).not.toContain("aws_acm_certificate");
      expect(created).not.toContain("aws_vpc");
      const apply = await tofu.apply(dir, "first.tfplan", vars(role));
      recordTiming(`${ENV} (existing edge)`, role, "apply", apply.seconds, apply.stdout);
    }
  });

  it("adds its rule and SNI certificate to the shared listener", async () => {
    expect(await sharedEdgeAttachments(c, edge)).toEqual({
      rules: 1,
      certificates: [edge.defaultCertificateArn, edge.appCertificateArn].sort(),
    });
  });

  it("the leftover listing sees what the stacks created, and nothing of the shared edge but its certificates", async () => {
    const zoneName = createdZone(config);
    const found = await leftovers(c, config.names.prefix, zoneName);
    const expected = expectedListing(config);
    // The shared edge's two certificates are listed too (the account's certificates are listed unfiltered).
    expect([...new Set(found.map(kindOf))].sort()).toEqual([...expected.kinds, "certificate"].sort());
    expect(found.filter((f) => kindOf(f) === "certificate")).toHaveLength(2);
    expect(found).toEqual(expect.arrayContaining(expected.entries));
  });

  it("a second plan shows no changes", async () => {
    for (const role of ["base", "service"] as const) {
      const dir = stack(role).directory;
      const second = await tofu.must(
        dir,
        ["plan", "-input=false", "-out=second.tfplan", "-detailed-exitcode", ...vars(role)],
        [0, 2],
      );
      const changes = second.code === 0 ? [] : await plannedChanges(tofu, dir, "second.tfplan");
      expect(changes, `${stack(role).name} would change after a clean apply`).toEqual([]);
    }
  });

  it("destroy removes its own resources and leaves the shared edge as it was", async () => {
    for (const role of ["service", "base"] as const) {
      const destroy = await tofu.must(stack(role).directory, [
        "destroy",
        "-auto-approve",
        "-input=false",
        ...vars(role),
      ]);
      recordTiming(`${ENV} (existing edge)`, role, "destroy", destroy.seconds, destroy.stdout);
    }
    expect(await sharedEdgeAttachments(c, edge)).toEqual({ rules: 0, certificates: [edge.defaultCertificateArn] });
    const zoneName = createdZone(config);
    const left = await leftovers(c, config.names.prefix, zoneName);
    // The shared edge's own certificates are expected; nothing of the stacks.
    expect(left.filter((l) => !l.startsWith("certificate "))).toEqual([]);
    await deleteSharedEdge(c, edge);
    expect(await leftovers(c, config.names.prefix, zoneName)).toEqual([]);
  });
});
