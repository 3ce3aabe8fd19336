/**
 * The e2e harness of the infra stacks: the test bed's OpenTofu, AWS provider
 * and emulator (moto), an emulator account of our own per run, and the SDK
 * calls that check what exists afterwards.
 *
 * When the test bed (or a part of it) is missing, testbed() throws with what to
 * do: this tier fails loudly, it never skips.
 */
import { execFile } from "node:child_process";
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import {
  ACMClient,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  RequestCertificateCommand,
} from "@aws-sdk/client-acm";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DescribeListenerCertificatesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import {
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { CreateBucketCommand, S3Client, type BucketLocationConstraint } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { EnvironmentConfig } from "../../src/config/types.ts";
import { emulatorBackendConfig, emulatorEnvironment } from "../../src/emulator.ts";
import { IMAGE_VARIABLE } from "../../src/tofu.ts";
// The module's SDK client settings (retries, connection and request timeouts), not a copy of its numbers.
import { awsTransport } from "../../../src/aws/auth.ts";
import { whileWaitingOn } from "../../../../scripts/e2e-waiting.ts";

/** Where `testbed/up` records what tests need (KEY=VALUE lines); TESTBED_ENV_FILE overrides it. */
const ENV_FILE = process.env["TESTBED_ENV_FILE"] ?? "/var/lib/fargate-pipeline-testbed/env";

/** What this tier needs from the test bed. */
export interface Testbed {
  /** The OpenTofu binary. */
  tofu: string;
  /** CLI config naming the filesystem mirror that holds the AWS provider. */
  cliConfig: string;
  /** The emulator's URL. */
  endpoint: string;
}

/**
 * Reads the test bed's env file; throws with what to do when something is missing.
 */
export function testbed(): Testbed {
  let text: string;
  try {
    text = readFileSync(ENV_FILE, "utf8");
  } catch {
    throw new Error(`${ENV_FILE} is missing: bring the test bed up first (testbed/up)`);
  }
  const value = (key: string, what: string): string => {
    const line = text.split("\n").find((l) => l.startsWith(`${key}=`));
    const v = line?.slice(key.length + 1).trim();
    if (!v) throw new Error(`${key} is not in ${ENV_FILE}: ${what}`);
    return v;
  };
  return {
    tofu: value(
      "TOFU_BIN",
      "OpenTofu is not built yet; run testbed/up (or bash testbed/lib/opentofu.sh build) and wait for it",
    ),
    cliConfig: value(
      "TF_CLI_CONFIG_FILE",
      "the AWS provider is not built and mirrored yet (its build takes ~1 h); run testbed/up and wait for `testbed/up status` to show it",
    ),
    endpoint: value("MOTO_ENDPOINT", "moto is not running; run testbed/up"),
  };
}

/** Static credentials of the emulator's account of this run. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** An emulator account of our own: nothing else running against the same emulator sees or touches it. */
export interface EmulatorAccount {
  /** 12-digit id. */
  id: string;
  /** Credentials that act in it. */
  credentials: Credentials;
}

/**
 * Opens a fresh emulator account: moto lets AssumeRole switch to any account id
 * (the role need not exist), and keeps every account's resources apart. Also
 * proves the provider's allowed_account_ids against a configured account.
 * @param endpoint The emulator's URL.
 */
export async function emulatorAccount(endpoint: string): Promise<EmulatorAccount> {
  const id = String(randomInt(100_000_000_000, 999_999_999_999));
  const sts = new STSClient({
    ...awsTransport("us-east-1", endpoint),
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/e2e`, RoleSessionName: "infra-e2e" }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
    throw new Error("the emulator's AssumeRole returned no credentials");
  return {
    id,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  };
}

/** SDK clients of one account and region, all pointed at the emulator. */
export function clients(endpoint: string, region: string, credentials: Credentials) {
  // The module's retries and timeouts: a silent emulator fails a request in seconds, not never.
  const config = { ...awsTransport(region, endpoint), credentials };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    ec2: new EC2Client(config),
    elb: new ElasticLoadBalancingV2Client(config),
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    iam: new IAMClient(config),
    logs: new CloudWatchLogsClient(config),
    route53: new Route53Client(config),
    acm: new ACMClient(config),
  };
}

/** The clients of clients(). */
export type Clients = ReturnType<typeof clients>;

/**
 * Creates the state bucket, as `bootstrap` does before the first init.
 * @param c Clients of the state bucket's account and region.
 * @param bucket The bucket's name.
 * @param region Its region.
 */
export async function createStateBucket(c: Clients, bucket: string, region: string): Promise<void> {
  await c.s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === "us-east-1"
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
}

/** The outcome of one tofu command. */
export interface TofuResult {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Wall time in seconds. */
  seconds: number;
}

const exec = promisify(execFile);

/**
 * Runs OpenTofu in a stack's folder against the emulator, as the pipeline does:
 * same JSON, emulator endpoints from the environment, backend extras at init.
 */
export class Tofu {
  readonly #bed: Testbed;
  readonly #env: NodeJS.ProcessEnv;

  /**
   * @param bed The test bed.
   * @param credentials Credentials of the run's emulator account.
   */
  constructor(bed: Testbed, credentials: Credentials) {
    this.#bed = bed;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Nothing of the host's AWS configuration may leak in.
    for (const key of Object.keys(env)) if (key.startsWith("AWS_")) delete env[key];
    this.#env = {
      ...env,
      ...emulatorEnvironment(bed.endpoint),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      TF_CLI_CONFIG_FILE: bed.cliConfig,
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
    };
  }

  /**
   * Runs `tofu ARGS` in a folder; returns whatever the exit status.
   * @param dir The stack's folder.
   * @param args Arguments after `tofu`.
   */
  async run(dir: string, args: string[]): Promise<TofuResult> {
    const start = performance.now();
    try {
      const { stdout, stderr } = await exec(this.#bed.tofu, [...args, "-no-color"], {
        cwd: dir,
        env: this.#env,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr, seconds: (performance.now() - start) / 1000 };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== "number") throw error;
      return {
        code: e.code,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
        seconds: (performance.now() - start) / 1000,
      };
    }
  }

  /**
   * Runs `tofu ARGS` and fails with its output unless it exits with one of the expected codes.
   * @param dir The stack's folder.
   * @param args Arguments after `tofu`.
   * @param expected Acceptable exit codes.
   */
  async must(dir: string, args: string[], expected: number[] = [0]): Promise<TofuResult> {
    const result = await this.run(dir, args);
    if (!expected.includes(result.code)) throw tofuFailed(dir, args, result);
    return result;
  }

  /**
   * Applies a saved plan, and fails with tofu's output if that fails, with one
   * exception: the emulator's egress-rule race (see emulatorEgressRace). Then
   * it says so on stderr and applies once more, planning afresh; that apply
   * must succeed. Any other failure, or the race twice, fails the test.
   * @param dir The stack's folder.
   * @param plan The saved plan's file name.
   * @param vars The variables the stack's plan took (for the fresh plan).
   */
  async apply(dir: string, plan: string, vars: string[]): Promise<TofuResult> {
    const args = ["apply", "-input=false", plan];
    const first = await this.run(dir, args);
    if (first.code === 0) return first;
    const race = emulatorEgressRace(`${first.stderr}\n${first.stdout}`);
    if (!race) throw tofuFailed(dir, args, first);
    console.warn(
      `${dir}: the emulator lost the default egress rule of ${race}, which it created with the group a moment ` +
        "before (a moto race, see emulatorEgressRace in harness.ts). Not a failure of the stack: applying once " +
        "more from a fresh plan, which replaces the group.",
    );
    const again = await this.must(dir, ["apply", "-input=false", "-auto-approve", ...vars]);
    return { ...again, seconds: first.seconds + again.seconds, stdout: `${first.stdout}\n${again.stdout}` };
  }

  /**
   * `tofu init` with the emulator's backend settings.
   * @param dir The stack's folder.
   */
  init(dir: string): Promise<TofuResult> {
    return this.must(dir, ["init", "-input=false", ...emulatorBackendConfig()]);
  }
}

/**
 * The error of a tofu command that exited with a code it should not have.
 * @param dir The stack's folder.
 * @param args Arguments after `tofu`.
 * @param result What it printed, and its exit code.
 */
function tofuFailed(dir: string, args: string[], result: TofuResult): Error {
  return new Error(
    `tofu ${args.join(" ")} in ${dir} exited ${result.code}:\n${result.stderr}\n${result.stdout.slice(-8000)}`,
  );
}

/**
 * The security group whose default egress rule the emulator could not find,
 * when that is why an apply failed; undefined for any other failure.
 *
 * moto 5.2.5 creates the rule "all traffic to 0.0.0.0/0" with every group in a
 * VPC, as AWS does, and the AWS provider revokes it right after creating the
 * group. Once in CI (2026-12-02, the production service stack, during a burst
 * of ~70 emulator requests in one second) moto answered that revoke with
 * InvalidPermission.NotFound. It was not reproduced by the same calls from 8
 * threads (800 rounds, most with Python's thread switch interval at 1 µs) nor
 * by 21 applies of the sample's stacks, up to 6 at a time. The revoke reaching
 * moto twice gives exactly this error (checked with a proxy that sent it twice),
 * so one cause may be a lost answer that the SDK retried. The group exists and
 * the state marks it tainted (the provider had set its id), so a fresh plan
 * replaces it; the apply is then complete.
 * @param output What the failed apply printed.
 */
export function emulatorEgressRace(output: string): string | undefined {
  return /revoking default IPv4 egress rule for Security Group \((sg-[0-9a-f]+)\):[^\n]*InvalidPermission\.NotFound/.exec(
    output,
  )?.[1];
}

/**
 * The `-var image=…` argument: a digest reference (the emulator pulls nothing).
 * @param repository The repository part.
 */
export function imageVar(repository: string): string[] {
  return ["-var", `${IMAGE_VARIABLE}=${repository}@sha256:${"0123456789abcdef".repeat(4)}`];
}

/** One resource change of a saved plan (`tofu show -json`). */
export interface PlannedChange {
  /** The resource's address. */
  address: string;
  /** What the plan does, e.g. ["update"]. */
  actions: string[];
  /** Attributes whose planned value differs from the current one. */
  attributes: string[];
}

/**
 * The changes of a saved plan, with the attributes that differ.
 * @param tofu The runner.
 * @param dir The stack's folder.
 * @param planFile The saved plan.
 */
export async function plannedChanges(tofu: Tofu, dir: string, planFile: string): Promise<PlannedChange[]> {
  const shown = await tofu.must(dir, ["show", "-json", planFile]);
  const plan = JSON.parse(shown.stdout) as {
    resource_changes?: {
      address: string;
      change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
    }[];
  };
  return (plan.resource_changes ?? [])
    .filter(
      (r) => !(r.change.actions.length === 1 && (r.change.actions[0] === "no-op" || r.change.actions[0] === "read")),
    )
    .map((r) => {
      const before = r.change.before ?? {};
      const after = r.change.after ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      const attributes = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
      return { address: r.address, actions: r.change.actions, attributes };
    });
}

/** What leftovers() lists, one kind per AWS listing it makes. */
export const LISTED_KINDS = [
  "vpc",
  "subnet",
  "internet gateway",
  "route table",
  "security group",
  "load balancer",
  "target group",
  "ECS cluster",
  "ECS service",
  "task definition",
  "ECR repository",
  "IAM role",
  "IAM policy",
  "OIDC provider",
  "log group",
  "hosted zone",
  "certificate",
] as const;

/** One kind of LISTED_KINDS. */
export type ListedKind = (typeof LISTED_KINDS)[number];

/**
 * The kind of a leftovers() entry ("security group fargate-pipeline-local-alb" → "security group").
 * @param entry An entry of leftovers().
 */
export function kindOf(entry: string): ListedKind {
  const kind = [...LISTED_KINDS].sort((a, b) => b.length - a.length).find((k) => entry.startsWith(`${k} `));
  if (kind === undefined) throw new Error(`leftovers() entry of no known kind: ${entry}`);
  return kind;
}

/**
 * Lists every resource of the stacks present in the account, by the names and
 * tags the stacks give them (the account is the run's own: where a listing
 * cannot filter by name or tag, everything of that kind counts). Empty after a
 * clean destroy; expectedListing() is what it must find after an apply, which
 * proves each listing can see what it looks for.
 * @param c Clients of the environment's account and region.
 * @param prefix The environment's name prefix (`<serviceName>-<env>`), also its Stack tag.
 * @param zoneName The hosted zone the base stack created, if any.
 */
export async function leftovers(c: Clients, prefix: string, zoneName?: string): Promise<string[]> {
  const found: string[] = [];
  const add = (kind: ListedKind, name: string | undefined) => found.push(`${kind} ${name ?? "(no name)"}`);
  const stackTag = [{ Name: "tag:Stack", Values: [prefix] }];
  for (const v of (await c.ec2.send(new DescribeVpcsCommand({ Filters: stackTag }))).Vpcs ?? []) add("vpc", v.VpcId);
  for (const s of (await c.ec2.send(new DescribeSubnetsCommand({ Filters: stackTag }))).Subnets ?? [])
    add("subnet", s.SubnetId);
  for (const g of (await c.ec2.send(new DescribeInternetGatewaysCommand({ Filters: stackTag }))).InternetGateways ?? [])
    add("internet gateway", g.InternetGatewayId);
  for (const t of (await c.ec2.send(new DescribeRouteTablesCommand({ Filters: stackTag }))).RouteTables ?? [])
    add("route table", t.RouteTableId);
  for (const g of (
    await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [`${prefix}-*`] }] }))
  ).SecurityGroups ?? []) {
    add("security group", g.GroupName);
  }
  for (const lb of (await c.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []) {
    if (lb.LoadBalancerName === prefix) add("load balancer", lb.LoadBalancerName);
  }
  for (const tg of (await c.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [])
    add("target group", tg.TargetGroupName);
  const clusters = (await c.ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
  if (clusters.length > 0) {
    for (const cl of (await c.ecs.send(new DescribeClustersCommand({ clusters }))).clusters ?? []) {
      if (cl.status !== "ACTIVE") continue;
      add("ECS cluster", cl.clusterName);
      const services = (await c.ecs.send(new ListServicesCommand({ cluster: cl.clusterArn }))).serviceArns ?? [];
      if (services.length === 0) continue;
      for (const sv of (await c.ecs.send(new DescribeServicesCommand({ cluster: cl.clusterArn, services }))).services ??
        []) {
        if (sv.status === "ACTIVE") add("ECS service", sv.serviceName);
      }
    }
  }
  for (const td of (await c.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: prefix, status: "ACTIVE" })))
    .taskDefinitionArns ?? []) {
    add("task definition", td);
  }
  for (const r of (await c.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [])
    add("ECR repository", r.repositoryName);
  for (const r of (await c.iam.send(new ListRolesCommand({}))).Roles ?? [])
    if (r.RoleName?.startsWith(prefix)) add("IAM role", r.RoleName);
  for (const p of (await c.iam.send(new ListPoliciesCommand({ Scope: "Local" }))).Policies ?? [])
    if (p.PolicyName?.startsWith(prefix)) add("IAM policy", p.PolicyName);
  for (const p of (await c.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [])
    add("OIDC provider", p.Arn);
  for (const g of (await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/ecs/${prefix}` })))
    .logGroups ?? [])
    add("log group", g.logGroupName);
  for (const z of (await c.route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []) {
    if (zoneName !== undefined && z.Name === `${zoneName}.`) add("hosted zone", z.Name);
  }
  for (const cert of (await c.acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [])
    add("certificate", cert.DomainName);
  return found;
}

/**
 * What leftovers() must find once an environment's stacks are applied: every
 * kind the stacks create (each listing proven able to see its resources, so
 * that an empty listing after destroy means something), and the names known in
 * advance. Resources made outside the stacks (a shared edge) are not in it.
 * @param config The environment's configuration as applied.
 */
export function expectedListing(config: EnvironmentConfig): { kinds: ListedKind[]; entries: string[] } {
  const n = config.names;
  const created = !config.shared && config.loadBalancer.mode === "create";
  const ownCertificate = !config.shared && config.certificate.mode === "create";
  const entries = [
    ...(created ? [`load balancer ${n.loadBalancer}`, `security group ${n.securityGroups.alb}`] : []),
    `security group ${n.securityGroups.app}`,
    `ECS cluster ${n.cluster}`,
    `ECS service ${n.service}`,
    `ECR repository ${n.repository}`,
    // No CI: no deploy and plan roles; the previews' role only for an attached environment with a CI.
    ...Object.entries(n.roles)
      .filter(([role]) => config.ci.provider !== "none" || (role !== "deploy" && role !== "plan" && role !== "preview"))
      .filter(([role]) => role !== "preview" || config.shared)
      .map(([, r]) => `IAM role ${r}`),
    `IAM policy ${n.taskBoundaryPolicy}`,
    `log group ${n.logGroup}`,
    ...(createdZone(config) ? [`hosted zone ${createdZone(config)}.`] : []),
    ...(ownCertificate ? [`certificate ${config.domain}`] : []),
  ];
  const kinds = LISTED_KINDS.filter((k) => {
    if (["vpc", "subnet", "internet gateway", "route table", "load balancer"].includes(k)) return created;
    if (k === "hosted zone") return createdZone(config) !== undefined;
    if (k === "certificate") return ownCertificate;
    if (k === "OIDC provider") return config.ci.provider !== "none" && config.ci.oidcProviderArn === undefined;
    return true;
  });
  return { kinds, entries };
}

/**
 * The hosted zone an environment's base stack creates, if it creates one.
 * @param config The environment's configuration.
 */
export function createdZone(config: EnvironmentConfig): string | undefined {
  return config.hostedZone?.mode === "create" ? config.hostedZone.name : undefined;
}

/**
 * Creates a public hosted zone (an "existing" zone for the stacks to use).
 * @param c Clients of the account.
 * @param name The zone's name.
 * @returns Its id, without the /hostedzone/ prefix.
 */
export async function createZone(c: Clients, name: string): Promise<string> {
  const { HostedZone } = await c.route53.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `e2e-${Date.now()}` }),
  );
  return HostedZone!.Id!.replace("/hostedzone/", "");
}

/**
 * Deletes a hosted zone, after checking it holds only its NS and SOA records
 * (anything else would be a record the stacks failed to remove).
 * @param c Clients of the account.
 * @param zoneId The zone's id.
 * @returns The records other than NS/SOA that were left (the zone is kept then).
 */
export async function deleteZone(c: Clients, zoneId: string): Promise<string[]> {
  const { ResourceRecordSets: records = [] } = await c.route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }),
  );
  const extra = records.filter((r) => r.Type !== "NS" && r.Type !== "SOA").map((r) => `${r.Type} ${r.Name}`);
  if (extra.length === 0) await c.route53.send(new DeleteHostedZoneCommand({ Id: zoneId }));
  return extra;
}

/** An ALB with an HTTPS listener and certificates, made outside the stacks. */
export interface SharedEdge {
  vpcId: string;
  subnetIds: string[];
  securityGroupId: string;
  albArn: string;
  listenerArn: string;
  /** The listener's default certificate (another name). */
  defaultCertificateArn: string;
  /** The certificate for the service's domain (attached by the stack as SNI). */
  appCertificateArn: string;
}

/**
 * Waits until the emulator reports a certificate ISSUED (it issues after
 * MOTO_ACM_VALIDATION_WAIT seconds, 60 by default).
 * @param c Clients of the account.
 * @param arn The certificate.
 * @param timeoutSeconds Give up after this long.
 */
async function waitIssued(c: Clients, arn: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  // Bounded by the deadline and by each request's timeout (awsTransport): the emulator's own timer issues it.
  await whileWaitingOn(`the emulator to issue certificate ${arn} (up to ${timeoutSeconds} s)`, async () => {
    for (;;) {
      const { Certificate } = await c.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
      if (Certificate?.Status === "ISSUED") return;
      if (Date.now() > deadline)
        throw new Error(`certificate ${arn} still ${Certificate?.Status} after ${timeoutSeconds} s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  });
}

/**
 * Creates what the existing-ALB path expects to find: a VPC with two subnets,
 * an ALB with a security group, an HTTPS listener with a default certificate,
 * and an issued certificate for the service's domain.
 * @param c Clients of the account and region.
 * @param region The region.
 * @param domain The service's domain.
 */
export async function createSharedEdge(c: Clients, region: string, domain: string): Promise<SharedEdge> {
  const { Vpc } = await c.ec2.send(new CreateVpcCommand({ CidrBlock: "10.30.0.0/16" }));
  const vpcId = Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, zone] of ["a", "b"].entries()) {
    const { Subnet } = await c.ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.30.${i}.0/24`, AvailabilityZone: `${region}${zone}` }),
    );
    subnetIds.push(Subnet!.SubnetId!);
  }
  const { GroupId } = await c.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: "shared-edge-alb", Description: "shared ALB", VpcId: vpcId }),
  );
  const { LoadBalancers } = await c.elb.send(
    new CreateLoadBalancerCommand({
      Name: "shared-edge",
      Subnets: subnetIds,
      SecurityGroups: [GroupId!],
      Scheme: "internet-facing",
      Type: "application",
    }),
  );
  const albArn = LoadBalancers![0]!.LoadBalancerArn!;
  const request = async (name: string) =>
    (await c.acm.send(new RequestCertificateCommand({ DomainName: name, ValidationMethod: "DNS" }))).CertificateArn!;
  const defaultCertificateArn = await request(`edge.${domain.split(".").slice(1).join(".")}`);
  const appCertificateArn = await request(domain);
  await waitIssued(c, defaultCertificateArn, 180);
  await waitIssued(c, appCertificateArn, 180);
  const { Listeners } = await c.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: albArn,
      Protocol: "HTTPS",
      Port: 443,
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      Certificates: [{ CertificateArn: defaultCertificateArn }],
      DefaultActions: [
        {
          Type: "fixed-response",
          FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "no such site" },
        },
      ],
    }),
  );
  return {
    vpcId,
    subnetIds,
    securityGroupId: GroupId!,
    albArn,
    listenerArn: Listeners![0]!.ListenerArn!,
    defaultCertificateArn,
    appCertificateArn,
  };
}

/**
 * What is left of the shared edge's own configuration: its listener's rules
 * (other than the default) and SNI certificates. After the stacks are destroyed
 * both must be back to what createSharedEdge made.
 * @param c Clients of the account and region.
 * @param edge The shared edge.
 */
export async function sharedEdgeAttachments(
  c: Clients,
  edge: SharedEdge,
): Promise<{ rules: number; certificates: string[] }> {
  const { Rules = [] } = await c.elb.send(new DescribeRulesCommand({ ListenerArn: edge.listenerArn }));
  const { Certificates = [] } = await c.elb.send(
    new DescribeListenerCertificatesCommand({ ListenerArn: edge.listenerArn }),
  );
  return {
    rules: Rules.filter((r) => !r.IsDefault).length,
    certificates: Certificates.map((x) => x.CertificateArn!).sort(),
  };
}

/**
 * Removes the shared edge (after the stacks are gone).
 * @param c Clients of the account and region.
 * @param edge The shared edge.
 */
export async function deleteSharedEdge(c: Clients, edge: SharedEdge): Promise<void> {
  await c.elb.send(new DeleteListenerCommand({ ListenerArn: edge.listenerArn }));
  await c.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: edge.albArn }));
  for (const arn of [edge.defaultCertificateArn, edge.appCertificateArn])
    await c.acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
  await c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: edge.securityGroupId }));
  for (const id of edge.subnetIds) await c.ec2.send(new DeleteSubnetCommand({ SubnetId: id }));
  await c.ec2.send(new DeleteVpcCommand({ VpcId: edge.vpcId }));
}
