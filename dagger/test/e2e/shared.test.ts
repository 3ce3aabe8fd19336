/**
 * A shared staging environment on the host's AWS emulator, through the
 * module's own functions, as a platform team and two service repositories use
 * them: the platform applies it once (`platform --name staging … apply`), the
 * sample (`review`) and the Python example (`staging`, from its own
 * repository) attach with one line each and deploy at the same time, then:
 *
 * - their claims hold distinct rule priorities, and the one load balancer
 *   forwards each host to its own target group;
 * - a third deploy claiming the sample's host is refused before any apply,
 *   naming the sample;
 * - `status` of each names its host and priority, `platform status` both;
 *   plans of both services and of the shared stack are clean;
 * - destroying the shared environment is refused while they are attached, naming them;
 * - two pull requests' previews coexist beside the sample; a closed pull
 *   request gets none; the janitor (GitHub answered by a stand-in on
 *   loopback) removes the one whose pull request closed; destroying the other
 *   leaves no rule, target group or service of it;
 * - destroying the Python service leaves the sample, its rule and the shared stack.
 *
 * One fixture, several assertions: the deploys are the expensive part. The
 * pure-OpenTofu side (security groups, second plans of every stack) is the
 * infra lane's dagger/infra/test/e2e/shared.test.ts.
 */
import { execFileSync } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { DescribeServicesCommand, ECSClient, ListServicesCommand } from "@aws-sdk/client-ecs";
import {
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { dag, type Directory, type Secret, type Service } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { awsTransport } from "../../src/aws/auth.js";
import { claimHost, readPriorityClaims } from "../../src/shared/claims.js";
import { exampleSource, pipeline, rejection, repoSource, testbed, useEngineSession } from "../engine/session.js";
import { whileWaitingOn } from "../../../scripts/e2e-waiting.js";
import { authRegistry, summaryImage, Transcript } from "./fixtures.js";

const hostEndpoint = testbed.MOTO_ENDPOINT;
const engineEndpoint = testbed.MOTO_ENGINE_ENDPOINT;

describe("a shared staging environment on the host's emulator, with two services attached", () => {
  useEngineSession();

  const transcript = new Transcript();
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const region = "eu-west-1";
  const domain = "apps.staging.example.com";
  const path = "/fargate-pipeline/shared/staging";
  // One GitHub OIDC provider per account: the sample's base stack creates it, the Python app's reuses it.
  const provider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  const sampleOverrides = JSON.stringify({ accountId: account });
  const pythonOverrides = JSON.stringify({ accountId: account, github: { oidcProviderArn: provider } });
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let keys: [Secret, Secret, Secret];
  let registry: Service;
  let repo: Directory;
  let python: Directory;
  let githubToken: Secret;
  /** A GitHub stand-in on loopback: pull requests are open unless closed here; #103 was merged. */
  const github = {
    api: "",
    closed: new Set<number>(),
    asked: [] as number[],
    server: undefined as Server | undefined,
  };

  beforeAll(async () => {
    if (!hostEndpoint || !engineEndpoint)
      throw new Error("MOTO_ENDPOINT / MOTO_ENGINE_ENDPOINT are not in the test bed's env file: run testbed/up");
    const sts = new STSClient({
      ...awsTransport(region, hostEndpoint),
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/e2e-platform`, RoleSessionName: "dagger-e2e" }),
    );
    sts.destroy();
    creds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    const tag = randomUUID().slice(0, 8);
    keys = [
      dag.setSecret(`e2e-shared-key-${tag}`, creds.accessKeyId),
      dag.setSecret(`e2e-shared-secret-${tag}`, creds.secretAccessKey),
      dag.setSecret(`e2e-shared-token-${tag}`, creds.sessionToken),
    ];
    // moto's ECR has no registry: one that accepts exactly the credentials moto's ECR hands out.
    const htpasswd = execFileSync("htpasswd", ["-Bbn", "AWS", `${account}-auth-token`], { encoding: "utf8" });
    registry = authRegistry(htpasswd, `fargate-pipeline-e2e-registry-${account}`);
    repo = await repoSource();
    python = exampleSource("python-poetry");
    githubToken = dag.setSecret(`e2e-shared-github-${tag}`, `ghs_${tag}`);
    github.server = createServer((req, res) => {
      const m = /^\/repos\/example-org\/fargate-pipeline\/pulls\/(\d+)$/.exec(req.url ?? "");
      if (!m || req.headers.authorization !== `Bearer ghs_${tag}`) {
        res.statusCode = 404;
        res.end('{"message":"Not Found"}');
        return;
      }
      const n = Number(m[1]);
      github.asked.push(n);
      const merged = n === 103;
      const closed = merged || github.closed.has(n);
      res.setHeader("content-type", "application/json");
      // The fields of GitHub's "Get a pull request" answer the module reads (dagger/test/unit/fixtures/github).
      res.end(
        JSON.stringify({
          number: n,
          state: closed ? "closed" : "open",
          merged,
          merged_at: merged ? "2026-12-01T10:00:00Z" : null,
          closed_at: closed ? "2026-12-01T10:00:00Z" : null,
        }),
      );
    });
    await new Promise<void>((ready) => github.server!.listen(0, "127.0.0.1", ready));
    github.api = `http://127.0.0.1:${(github.server.address() as AddressInfo).port}`;
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      transcript.log(args.map(String).join(" "));
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    // The summaries, statuses and previews of this run, for a person to read (FP_SHARED_TRANSCRIPT=PATH).
    const keep = process.env["FP_SHARED_TRANSCRIPT"];
    if (keep) writeFileSync(keep, transcript.parts.join("\n\n"));
    await new Promise<void>((done) => (github.server ? github.server.close(() => done()) : done()));
  });

  /** The shared environment, as the platform team reaches it. */
  const platform = () =>
    pipeline(repo)
      .platform("staging")
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, JSON.stringify({ accountId: account }));
  /** The sample's `review` environment (attached to the shared staging). */
  const sample = (overrides = sampleOverrides) =>
    pipeline(repo)
      .environment("review")
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, registry, overrides);
  /** The Python example's `staging` environment, from its own repository (attached to the shared staging). */
  const flask = (overrides = pythonOverrides) =>
    pipeline(python)
      .environment("staging")
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, registry, overrides);

  /** The sample's review environment, reading pull requests from the GitHub stand-in: what the preview jobs run. */
  const previews = () =>
    pipeline(repo)
      .environment("review")
      .withGithub(githubToken, "example-org/fargate-pipeline", github.api)
      .withAwsCredentials(...keys)
      .withEmulator(engineEndpoint!, registry, sampleOverrides);

  /** The claims on the shared environment: host → the claim's JSON. */
  async function claims(): Promise<Record<string, { stack: string; priority: number }>> {
    const ssm = new SSMClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    try {
      const { Parameters = [] } = await ssm.send(
        new GetParametersByPathCommand({ Path: `${path}/claims/hosts`, Recursive: true }),
      );
      return Object.fromEntries(
        Parameters.map((p) => [p.Name!.split("/").pop()!, JSON.parse(p.Value!) as { stack: string; priority: number }]),
      );
    } finally {
      ssm.destroy();
    }
  }

  /** The shared listener's rules other than the default: host → priority. */
  async function rules(listener: string): Promise<Record<string, string>> {
    const elb = new ElasticLoadBalancingV2Client({ ...awsTransport(region, hostEndpoint), credentials: creds });
    try {
      const { Rules = [] } = await elb.send(new DescribeRulesCommand({ ListenerArn: listener }));
      return Object.fromEntries(
        Rules.filter((r) => !r.IsDefault).map((r) => [
          r.Conditions?.find((x) => x.Field === "host-header")?.HostHeaderConfig?.Values?.[0] ?? "?",
          r.Priority ?? "?",
        ]),
      );
    } finally {
      elb.destroy();
    }
  }

  /** What is left of previews on the shared cluster and load balancer: their ECS services, and the target groups beyond the services'. */
  async function leftOf(prefix: string): Promise<{ services: string[]; targetGroups: number }> {
    const ecs = new ECSClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    const elb = new ElasticLoadBalancingV2Client({ ...awsTransport(region, hostEndpoint), credentials: creds });
    try {
      const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster: "shared-staging" }));
      const { services = [] } =
        serviceArns.length > 0
          ? await ecs.send(new DescribeServicesCommand({ cluster: "shared-staging", services: serviceArns }))
          : { services: [] };
      const { TargetGroups = [] } = await elb.send(new DescribeTargetGroupsCommand({}));
      return {
        services: services
          .filter((x) => x.status === "ACTIVE" && x.serviceName?.startsWith(prefix))
          .map((x) => x.serviceName!),
        // One target group per service still attached: the sample's and the Python app's.
        targetGroups:
          TargetGroups.length -
          services.filter((x) => x.status === "ACTIVE" && !x.serviceName?.startsWith(prefix)).length,
      };
    } finally {
      ecs.destroy();
      elb.destroy();
    }
  }

  /** The shared HTTPS listener's ARN, as published. */
  async function listener(): Promise<string> {
    const ssm = new SSMClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    try {
      const { Parameters = [] } = await ssm.send(new GetParametersByPathCommand({ Path: path }));
      return Parameters.find((p) => p.Name === `${path}/https-listener-arn`)!.Value!;
    } finally {
      ssm.destroy();
    }
  }

  it("the platform applies the shared environment once: what services attach to, and the zone to delegate", async () => {
    const out = transcript.add(await whileWaitingOn("platform apply", () => platform().apply()));
    expect(out).toMatch(new RegExp(`^### Shared environment staging ✔ \\(account ${account}, ${region}\\)`));
    expect(out).toContain(
      `| domain | services answer on \`<host>.${domain}\`, under the wildcard certificate \`*.${domain}\` |`,
    );
    expect(out).toContain(`| published | SSM parameters under \`${path}\``);
    expect(out).toContain("| attached | no service yet |");
    expect(out).toMatch(new RegExp(`${domain.replace(/\./g, "\\.")}\\. NS \\S+\\.`));
  });

  it("two services attach at once: the sample and the Python app deploy side by side, each at a rule priority of its own", async () => {
    // Their base stacks (registry, roles) first, one after the other: the first creates the account's OIDC provider.
    transcript.add(await sample().bootstrap());
    transcript.add(await flask().bootstrap());
    const [a, b] = await whileWaitingOn("the two deploys", () =>
      Promise.all([sample().deploy("1.0.0-e2e"), flask().deploy("1.0.0-e2e", "py-shared-e2e")]),
    );
    transcript.add(a);
    transcript.add(b);
    expect(a).toMatch(/^### Deployed fargate-pipeline-review to review ✔/);
    expect(b).toMatch(/^### Deployed flask-demo-staging to staging ✔/);
    expect(a).toContain(`| URL | https://fargate-pipeline.${domain} (AWS emulator`);
    expect(b).toContain(`| URL | https://flask-demo.${domain} (AWS emulator`);
    expect(summaryImage(b)).toMatch(/\/flask-demo-staging@sha256:/);
    const held = await claims();
    expect(Object.keys(held).sort()).toEqual([`fargate-pipeline.${domain}`, `flask-demo.${domain}`]);
    expect(held[`fargate-pipeline.${domain}`]!.stack).toBe("fargate-pipeline-review");
    expect(held[`flask-demo.${domain}`]!.stack).toBe("flask-demo-staging");
    const priorities = Object.values(held).map((c) => c.priority);
    expect(new Set(priorities).size).toBe(2);
    // The one load balancer forwards each host at the priority its claim holds.
    expect(await rules(await listener())).toEqual(
      Object.fromEntries(Object.entries(held).map(([host, c]) => [host, String(c.priority)])),
    );
  });

  it("claims made at the same moment never share a priority or a host (SSM's create-if-absent, on the emulator)", async () => {
    const ssm = new SSMClient({ ...awsTransport(region, hostEndpoint), credentials: creds });
    const paths = { hosts: `${path}/race/hosts`, priorities: `${path}/race/priorities` };
    try {
      const request = (host: string, stack: string) => ({
        host,
        stack,
        kind: "service" as const,
        takenByRules: new Set<number>(),
        fix: "(race)",
      });
      // Eight services at once, all starting from priority 1.
      const made = await Promise.all(
        Array.from({ length: 8 }, (_, i) => claimHost(ssm, paths, request(`s${i}.${domain}`, `svc-${i}`))),
      );
      expect(new Set(made.map((m) => m.claim.priority)).size).toBe(8);
      // Two stacks claiming one host at once: one holds it, the other is refused naming it.
      const both = await Promise.allSettled([
        claimHost(ssm, paths, request(`one.${domain}`, "first")),
        claimHost(ssm, paths, request(`one.${domain}`, "second")),
      ]);
      const won = both.filter((b) => b.status === "fulfilled");
      const lost = both.filter((b): b is PromiseRejectedResult => b.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(String(lost[0]!.reason)).toMatch(/is claimed by (first|second)/);
      // The loser gave its priority back: nine hosts, nine priorities.
      expect((await readPriorityClaims(ssm, paths)).size).toBe(9);
    } finally {
      ssm.destroy();
    }
  });

  it("a second service claiming the first's host is refused before any apply, naming the first", async () => {
    const before = await rules(await listener());
    const taken = JSON.stringify({
      ...(JSON.parse(pythonOverrides) as object),
      shared: { environment: "staging", host: "fargate-pipeline" },
    });
    const message = transcript.add(await rejection(flask(taken).deploy("1.0.0-e2e", "py-shared-e2e")));
    expect(message).toContain(
      `refused before any apply: fargate-pipeline.${domain} is claimed by fargate-pipeline-review`,
    );
    expect(message).toContain(
      "Give this service a host of its own: environments.staging.shared in fargate-pipeline.yaml",
    );
    expect(message).toContain("State: nothing was applied to the environment.");
    expect(await rules(await listener())).toEqual(before);
  });

  it("status of each names its host and rule priority; the platform's lists both, with its quotas", async () => {
    const held = await claims();
    const reviewStatus = transcript.add(await sample().status());
    expect(reviewStatus).toContain(
      `**Shared environment**: staging (load balancer \`shared-staging\`, cluster \`shared-staging\`) — answers on fargate-pipeline.${domain} at rule priority ${held[`fargate-pipeline.${domain}`]!.priority}`,
    );
    expect(reviewStatus).toMatch(/\*\*Tasks\*\*: \d+ running, \d+ pending, 2 desired/);
    const flaskStatus = transcript.add(await flask().status());
    expect(flaskStatus).toContain(
      `answers on flask-demo.${domain} at rule priority ${held[`flask-demo.${domain}`]!.priority}`,
    );
    const platformStatus = transcript.add(await platform().status());
    expect(platformStatus).toContain("**Attached**: 2");
    expect(platformStatus).toMatch(
      new RegExp(
        `\\| fargate-pipeline\\.${domain.replace(/\./g, "\\.")} \\| fargate-pipeline-review \\| service \\| \\d+ \\| on the listener \\|`,
      ),
    );
    expect(platformStatus).toMatch(/rules 2\/100, target groups 2\/100, certificates 0\/25/);
  });

  it("plans of both services and of the shared stack are clean", async () => {
    const [a, b, shared] = await Promise.all([sample().plan(), flask().plan(), platform().plan()]);
    for (const md of [a, b, shared]) transcript.add(md);
    expect(a).toContain("**fargate-pipeline-review**: no changes.");
    expect(a).toContain("**fargate-pipeline-review-base**: no changes.");
    expect(b).toContain("**flask-demo-staging**: no changes.");
    expect(shared).toContain("**shared-staging**: no changes.");
  });

  it("destroying the shared environment while services are attached is refused, naming them", async () => {
    const refused = transcript.add(await rejection(platform().destroy("staging")));
    expect(refused).toContain('platform destroy refused: 2 services are attached to shared environment "staging":');
    expect(refused).toContain(`  - fargate-pipeline-review on fargate-pipeline.${domain}`);
    expect(refused).toContain(`  - flask-demo-staging on flask-demo.${domain}`);
    expect(await rules(await listener())).toHaveProperty(`fargate-pipeline.${domain}`);
  });

  it("two previews coexist: each pull request's build as a small service of its own, with its own host", async () => {
    const [a, b] = await whileWaitingOn("two previews", () =>
      Promise.all([previews().preview(101, false, "1.0.0-pr"), previews().preview(102, false, "1.0.0-pr")]),
    );
    transcript.add(a);
    transcript.add(b);
    for (const [md, pr] of [
      [a, 101],
      [b, 102],
    ] as const) {
      expect(md).toMatch(
        new RegExp(
          `^### Preview of pull request #${pr}: https://pr-${pr}-fargate-pipeline\\.apps\\.staging\\.example\\.com`,
        ),
      );
      expect(md).toContain(`Pull request: open (example-org/fargate-pipeline#${pr}, checked before the deploy)`);
      expect(md).toContain(`### Deployed fargate-pipeline-review-pr-${pr} to review ✔`);
      expect(md).toMatch(/\*\*Fixed monthly cost\*\*: \$12\.66 left up around the clock/);
    }
    // Both previews' hosts beside the two attached services' (the Python app stays attached until a later test).
    const hosts = Object.keys(await rules(await listener())).sort();
    expect(hosts).toEqual(
      [
        `fargate-pipeline.${domain}`,
        `flask-demo.${domain}`,
        `pr-101-fargate-pipeline.${domain}`,
        `pr-102-fargate-pipeline.${domain}`,
      ].sort(),
    );
    expect((await claims())[`pr-101-fargate-pipeline.${domain}`]).toMatchObject({
      stack: "fargate-pipeline-review-pr-101",
      kind: "preview",
      pullRequest: 101,
    });
    // The service's own status counts them, with their cost.
    expect(transcript.add(await sample().status())).toMatch(
      /\*\*Previews running\*\*: 2 \(#101, #102\), \$12\.66 each/,
    );
  });

  it("a preview of a closed pull request is refused: it would outlive it", async () => {
    const refused = transcript.add(await rejection(previews().preview(103, false, "1.0.0-pr")));
    expect(refused).toContain(
      "preview refused: pull request #103 of example-org/fargate-pipeline is merged (2026-12-01T10:00:00Z); a preview deployed now would outlive it. Nothing was deployed.",
    );
    expect(await rules(await listener())).not.toHaveProperty(`pr-103-fargate-pipeline.${domain}`);
  });

  it("the janitor removes the preview whose pull request is closed, and keeps the open one", async () => {
    github.closed.add(101);
    const swept = transcript.add(await previews().sweepPreviews(72));
    expect(swept).toMatch(/^### Previews of review: 1 removed, 1 kept/);
    expect(swept).toContain(
      `| #101 | pr-101-fargate-pipeline.${domain} | fargate-pipeline-review-pr-101 | removed: pull request #101 is closed |`,
    );
    expect(swept).toMatch(
      new RegExp(
        `\\| #102 \\| pr-102-fargate-pipeline\\.${domain.replace(/\./g, "\\.")} \\| fargate-pipeline-review-pr-102 \\| kept: open`,
      ),
    );
    expect(Object.keys(await rules(await listener()))).not.toContain(`pr-101-fargate-pipeline.${domain}`);
    expect(github.asked).toEqual(expect.arrayContaining([101, 102]));
  });

  it("destroying a preview leaves no rule, target group or service of it", async () => {
    const done = transcript.add(await previews().preview(102, true));
    expect(done).toMatch(/^### Preview of pull request #102 removed/);
    expect(done).toContain("Destroyed fargate-pipeline-review-pr-102 in account");
    expect(Object.keys(await rules(await listener()))).toEqual(
      expect.not.arrayContaining([`pr-102-fargate-pipeline.${domain}`]),
    );
    const left = await leftOf("fargate-pipeline-review-pr-");
    expect(left).toEqual({ services: [], targetGroups: 0 });
    expect(Object.keys(await claims()).filter((h) => h.startsWith("pr-"))).toEqual([]);
  });

  it("destroying one service leaves the other, its rule and the shared stack", async () => {
    const before = await rules(await listener());
    const done = transcript.add(await flask().destroy("staging", true));
    expect(done).toContain("Destroyed flask-demo-staging and flask-demo-staging-base");
    expect(transcript.parts.join("\n")).toContain(
      `✔ released its claims on shared environment "staging": priority ${before[`flask-demo.${domain}`]}, host flask-demo.${domain}`,
    );
    expect(await rules(await listener())).toEqual({
      [`fargate-pipeline.${domain}`]: before[`fargate-pipeline.${domain}`],
    });
    expect(Object.keys(await claims())).toEqual([`fargate-pipeline.${domain}`]);
    expect(transcript.add(await platform().status())).toContain("**Attached**: 1");
  });

  it("no credential value appears in any output, progress line or error of the runs above", () => {
    expect(transcript.parts.length).toBeGreaterThan(10);
    expect(
      transcript.leaked([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken, `${account}-auth-token`]),
    ).toEqual([]);
  });
});
