/**
 * Validation of an environment's configuration: the schema (field formats,
 * defaults, unknown fields) and the rules that involve several fields. Pure
 * functions: no AWS calls, no environment variables. Every problem names the
 * field and what is allowed, and all problems are reported at once.
 */
import * as v from "valibot";
import { blockContains, blocksOverlap, parseIpv4Cidr, type Ipv4Block } from "./cidr.ts";
import { checkFargateSize } from "./fargate.ts";
import {
  containerEnvironment,
  LOCAL_ENVIRONMENT,
  previewHost,
  resourceNames,
  sharedNames,
  type SharedNames,
} from "./naming.ts";
import {
  ALB_ARN_PATTERN,
  CERTIFICATE_ARN_PATTERN,
  EnvironmentSchema,
  KMS_KEY_ARN_PATTERN,
  LISTENER_ARN_PATTERN,
  OIDC_PROVIDER_ARN_PATTERN,
  SharedEnvironmentSchema,
  type EnvironmentParsed,
  type SharedEnvironmentParsed,
} from "./schema.ts";
import { previewService } from "./preview.ts";
import { resolveSecrets } from "./secrets.ts";
import { ciIssuer, resolveCi } from "./ci.ts";
import { issuerHost } from "./oidc.ts";
import type {
  ConfigIssue,
  EnvironmentConfig,
  SharedAttachment,
  SharedEnvironmentConfig,
  ValidationResult,
  ZoneConfig,
} from "./types.ts";

/**
 * The smallest and largest VPC and subnet prefix lengths AWS accepts (/16 to /28).
 */
const MIN_PREFIX = 16;
const MAX_PREFIX = 28;

/**
 * Parses a CIDR field and checks AWS's size limits, recording problems.
 * @param cidr The field's value.
 * @param path The field's dotted path.
 * @param issues Where problems are recorded.
 */
function cidrField(cidr: string, path: string, issues: ConfigIssue[]): Ipv4Block | null {
  const block = parseIpv4Cidr(cidr, [MIN_PREFIX, MAX_PREFIX]);
  if (typeof block === "string") {
    issues.push({ path, message: block });
    return null;
  }
  return block;
}

/**
 * Network rules: CIDRs well-formed and sized, subnets inside the VPC, subnets disjoint.
 * @param c The parsed configuration.
 * @param issues Where problems are recorded.
 */
function checkNetwork(
  c: Pick<EnvironmentParsed, "network" | "region"> & { availabilityZones: [string, string] },
  issues: ConfigIssue[],
): void {
  const vpc = cidrField(c.network.vpcCidr, "network.vpcCidr", issues);
  const subnets = c.network.publicSubnetCidrs.map((s, i) => cidrField(s, `network.publicSubnetCidrs.${i}`, issues));
  subnets.forEach((subnet, i) => {
    if (vpc && subnet && !blockContains(vpc, subnet)) {
      issues.push({
        path: `network.publicSubnetCidrs.${i}`,
        message: `${subnet.cidr} is outside the VPC ${vpc.cidr}; use a block inside it`,
      });
    }
  });
  const [a, b] = subnets;
  if (a && b && blocksOverlap(a, b)) {
    issues.push({
      path: "network.publicSubnetCidrs",
      message: `${a.cidr} and ${b.cidr} overlap; the two subnets need disjoint blocks`,
    });
  }
  const zonePattern = new RegExp(`^${c.region}[a-z]$`);
  c.availabilityZones.forEach((zone, i) => {
    if (!zonePattern.test(zone)) {
      issues.push({
        path: `availabilityZones.${i}`,
        message: `"${zone}" is not a zone of ${c.region}; use ${c.region}a, ${c.region}b, …`,
      });
    }
  });
  if (c.availabilityZones[0] === c.availabilityZones[1]) {
    issues.push({ path: "availabilityZones", message: "the two subnets need two different availability zones" });
  }
}

/**
 * Checks that an ARN is in the environment's region and account.
 * @param match The ARN's regex match (group 1 region, group 2 account).
 * @param c The parsed configuration.
 * @param path The field's dotted path.
 * @param what What the ARN names, for the message.
 * @param issues Where problems are recorded.
 */
function checkArnPlace(
  match: RegExpMatchArray | null,
  c: EnvironmentParsed,
  path: string,
  what: string,
  issues: ConfigIssue[],
): void {
  if (!match) return; // The schema reported the format already.
  const [, arnRegion, arnAccount] = match;
  if (arnRegion !== undefined && arnRegion !== c.region) {
    issues.push({
      path,
      message: `the ${what} is in ${arnRegion}, the environment in ${c.region}; use one in ${c.region}`,
    });
  }
  if (arnAccount !== undefined && c.accountId !== undefined && arnAccount !== c.accountId) {
    issues.push({ path, message: `the ${what} belongs to account ${arnAccount}, the environment to ${c.accountId}` });
  }
}

/**
 * Secret rules: names distinct from the plain environment, ARNs in the
 * environment's account (ECS reads secrets of the task's account only), KMS
 * keys in the secret's region (a value is encrypted with a key of its own region).
 * @param c The parsed configuration.
 * @param issues Where problems are recorded.
 */
function checkSecrets(c: EnvironmentParsed, issues: ConfigIssue[]): void {
  const plain = containerEnvironment(c.service.containerPort, c.service.environment);
  for (const ref of resolveSecrets(c.service.secrets, c.region)) {
    const path = `service.secrets.${ref.envVar}`;
    if (Object.hasOwn(plain, ref.envVar)) {
      const owner = Object.hasOwn(c.service.environment, ref.envVar)
        ? "service.environment sets it too"
        : "the pipeline sets it (NODE_ENV, PORT)";
      issues.push({
        path,
        message: `${ref.envVar} is a plain variable already: ${owner}; a container variable comes from one place, so rename one`,
      });
    }
    if (ref.account !== undefined && c.accountId !== undefined && ref.account !== c.accountId) {
      issues.push({
        path,
        message: `the ${ref.kind === "ssm" ? "parameter" : "secret"} belongs to account ${ref.account}, the environment to ${c.accountId}; ECS reads secrets of the task's own account only`,
      });
    }
    const kms = ref.kmsKeyArn?.match(KMS_KEY_ARN_PATTERN);
    if (kms && kms[1] !== ref.region) {
      issues.push({
        path: `${path}.kmsKeyArn`,
        message: `the key is in ${kms[1]}, the ${ref.kind === "ssm" ? "parameter" : "secret"} in ${ref.region}; name the key in ${ref.region} its value is encrypted with`,
      });
    }
  }
}

/**
 * Rules that involve more than one field. Runs on a configuration that passed the schema.
 * @param c The parsed configuration.
 * @returns The problems found; empty when there are none.
 */
export function crossFieldIssues(c: EnvironmentParsed): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  checkIdentity(c, issues);
  if (c.shared === undefined && c.availabilityZones !== undefined)
    checkNetwork({ ...c, availabilityZones: c.availabilityZones }, issues);
  checkService(c, issues);
  checkSecrets(c, issues);
  checkEdge(c, issues);
  return issues;
}

/** What each field of a standalone environment's own edge is, for the message when it is left out. */
const STANDALONE_FIELDS = {
  availabilityZones: "the two availability zones of the public subnets, in the region",
  domain: "the name the service answers on (HTTPS), e.g. app.example.com",
  hostedZone: "the Route 53 zone of the domain: { mode: create, name: ZONE } or { mode: existing, zoneId: ID }",
} as const;

/**
 * Fields a standalone environment must have and an attached one must not:
 * its own edge, or the shared environment's.
 * @param c The parsed configuration.
 * @param input The configuration as written (whether a defaulted field was written at all).
 * @returns The problems found.
 */
export function edgeIssues(c: EnvironmentParsed, input: unknown): ConfigIssue[] {
  const written = (field: string) =>
    typeof input === "object" && input !== null && (input as Record<string, unknown>)[field] !== undefined;
  if (c.shared === undefined) {
    const missing = (["availabilityZones", "domain", "hostedZone"] as const).filter((f) => c[f] === undefined);
    const issues: ConfigIssue[] = missing.map((path) => ({
      path,
      message: `required: ${STANDALONE_FIELDS[path]}. An environment of its own needs it; or attach the service to a shared environment with \`shared: NAME\` instead.`,
    }));
    if (c.preview !== undefined)
      issues.push({
        path: "preview",
        message: "previews run on a shared environment: attach this one first (`shared`)",
      });
    return issues;
  }
  // The shared environment's own: a value here would be silently unused.
  const own = ["availabilityZones", "domain", "hostedZone", "network", "loadBalancer", "certificate"];
  return own.filter(written).map((path) => ({
    path,
    message: `is the shared environment's ("${c.shared!.environment}"): remove it here (the service answers on <host>.<its domain>, behind its load balancer)`,
  }));
}

/**
 * The account and the names derived from the service's and environment's names.
 * @param c The parsed configuration.
 * @param issues Where problems are added.
 */
function checkIdentity(c: EnvironmentParsed, issues: ConfigIssue[]): void {
  if (c.accountId === undefined && c.name !== LOCAL_ENVIRONMENT) {
    issues.push({
      path: "accountId",
      message: `is required for "${c.name}" (only "${LOCAL_ENVIRONMENT}" may leave it out): the provider must refuse credentials of any other account`,
    });
  }
  const prefix = `${c.serviceName}-${c.name}`;
  if (prefix.length > 32) {
    issues.push({
      path: "serviceName",
      message: `"${prefix}" has ${prefix.length} characters; serviceName + "-" + name must fit the 32 of an ALB or target group name`,
    });
  }
  const bucket =
    c.state.bucket ??
    resourceNames({ serviceName: c.serviceName, name: c.name, accountId: c.accountId, region: c.region }).state.bucket;
  if (bucket.length > 63) {
    issues.push({
      path: "state.bucket",
      message: `the derived bucket name "${bucket}" is longer than S3's 63 characters; set state.bucket`,
    });
  }
  checkCi(c, issues);
}

/**
 * The CI block: written once (`ci`, or its older spelling `github`), and a
 * reused OIDC provider in the environment's account and for the CI's issuer.
 * @param c The parsed configuration.
 * @param issues Where problems are added.
 */
function checkCi(c: EnvironmentParsed, issues: ConfigIssue[]): void {
  if (c.ci !== undefined && c.github !== undefined) {
    issues.push({
      path: "github",
      message: `is the older spelling of ci: { provider: github, … }, and ci is set too (${c.ci.provider}); keep one: move github's fields under ci with provider: github, or drop github`,
    });
    return;
  }
  const ci = resolveCi(c);
  if (ci.provider === "none" || ci.oidcProviderArn === undefined) return;
  const path = `${c.ci === undefined ? "github" : "ci"}.oidcProviderArn`;
  const match = ci.oidcProviderArn.match(OIDC_PROVIDER_ARN_PATTERN);
  if (match && c.accountId !== undefined && match[1] !== c.accountId) {
    issues.push({ path, message: `the provider belongs to account ${match[1]}, the environment to ${c.accountId}` });
  }
  const host = issuerHost(ciIssuer(ci));
  const arnIssuer = ci.oidcProviderArn.replace(/^[^/]*\//, "");
  if (match && arnIssuer !== host) {
    issues.push({
      path,
      message: `is the provider of ${arnIssuer}, but the ${ci.provider} tokens come from ${host}; name the provider of ${host}, or leave the field out to create it`,
    });
  }
}

/**
 * The service's size, health check, scaling bounds and deployment percentages.
 * @param c The parsed configuration.
 * @param issues Where problems are added.
 */
function checkService(c: EnvironmentParsed, issues: ConfigIssue[]): void {
  const size = checkFargateSize(c.service.cpu, c.service.memory);
  if (size) issues.push({ path: "service.memory", message: size });

  const hc = c.service.targetHealthCheck;
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    issues.push({
      path: "service.targetHealthCheck.timeoutSeconds",
      message: `${hc.timeoutSeconds} s must be below intervalSeconds (${hc.intervalSeconds} s): the ALB requires timeout < interval`,
    });
  }
  const scaling = c.service.autoscaling;
  if (scaling.minCount > scaling.maxCount) {
    issues.push({
      path: "service.autoscaling.minCount",
      message: `${scaling.minCount} is above maxCount (${scaling.maxCount}); the autoscaler keeps the count between the two, so minCount ≤ maxCount`,
    });
  }
  // ECS rounds the maximum down and the minimum up: it needs room to start a new
  // task before stopping an old one, or to stop one first. With autoscaling the
  // smallest count it can run at is the minimum, where room is tightest.
  const { deploymentMaximumPercent: max, deploymentMinimumHealthyPercent: min } = c.service;
  const desiredCount = scaling.enabled ? scaling.minCount : c.service.desiredCount;
  const canStartFirst = Math.floor((desiredCount * max) / 100) > desiredCount;
  const canStopFirst = Math.ceil((desiredCount * min) / 100) < desiredCount;
  if (!canStartFirst && !canStopFirst) {
    issues.push({
      path: "service.deploymentMaximumPercent",
      message: `with ${desiredCount} task(s), maximum ${max} % and minimum ${min} % leave ECS no room to replace a task; raise the maximum (200 starts a full new set) or lower the minimum`,
    });
  }
}

/**
 * The edge: the domain in its zone, an existing load balancer and its listener, an existing certificate.
 * @param c The parsed configuration.
 * @param issues Where problems are added.
 */
function checkEdge(c: EnvironmentParsed, issues: ConfigIssue[]): void {
  if (c.domain !== undefined && c.hostedZone !== undefined) checkZone(c.domain, c.hostedZone, issues);
  if (c.loadBalancer.mode === "existing") {
    const alb = c.loadBalancer.arn.match(ALB_ARN_PATTERN);
    const listener = c.loadBalancer.httpsListenerArn.match(LISTENER_ARN_PATTERN);
    checkArnPlace(alb, c, "loadBalancer.arn", "load balancer", issues);
    if (alb && listener && (alb[3] !== listener[3] || alb[4] !== listener[4])) {
      issues.push({
        path: "loadBalancer.httpsListenerArn",
        message: `the listener belongs to load balancer ${listener[3]}/${listener[4]}, not to ${alb[3]}/${alb[4]}; use a listener of loadBalancer.arn`,
      });
    }
  }
  if (c.certificate.mode === "existing") {
    checkArnPlace(c.certificate.arn.match(CERTIFICATE_ARN_PATTERN), c, "certificate.arn", "certificate", issues);
  }
}

/**
 * The domain must be in a zone the stack creates.
 * @param domain The domain.
 * @param zone The hosted zone's configuration.
 * @param issues Where problems are added.
 */
function checkZone(domain: string, zone: ZoneConfig, issues: ConfigIssue[]): void {
  if (zone.mode === "create" && domain !== zone.name && !domain.endsWith(`.${zone.name}`)) {
    issues.push({
      path: "domain",
      message: `${domain} is not in the hosted zone ${zone.name}; use a name ending in .${zone.name}`,
    });
  }
}

/**
 * Turns a valibot issue into a ConfigIssue with a dotted path.
 * @param issue The schema issue.
 */
function fromSchemaIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  return { path: v.getDotPath(issue) ?? "(root)", message: issue.message };
}

/**
 * Validates one environment's configuration and resolves its derived values.
 * @param input The configuration as written (an environment of the configuration file, with overrides applied).
 * @returns The resolved configuration, or every problem found.
 */
export function validateEnvironment(input: unknown): ValidationResult {
  const parsed = v.safeParse(EnvironmentSchema, input, { abortEarly: false });
  if (!parsed.success) return { ok: false, issues: parsed.issues.map(fromSchemaIssue) };
  const c = parsed.output;
  const issues = [...edgeIssues(c, input), ...crossFieldIssues(c)];
  if (issues.length > 0) return { ok: false, issues };
  const shared = c.shared && sharedNames({ name: c.shared.environment, accountId: c.accountId, region: c.region });
  const names = resourceNames({
    serviceName: c.serviceName,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    stateBucket: c.state.bucket,
    targetGroupNamePrefix: c.service.targetGroupNamePrefix,
    shared,
    preview: c.preview?.pullRequest,
  });
  // The older github: is read into ci (resolveCi), not kept beside it.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- github is left out on purpose
  const { domain, hostedZone, availabilityZones, github, ...rest } = c;
  const common = {
    ...rest,
    shared: undefined,
    accountId: c.accountId,
    ci: resolveCi(c),
    service: { ...(c.preview ? previewService(c.service) : c.service), targetGroupNamePrefix: names.targetGroupPrefix },
    state: { bucket: names.state.bucket, region: c.state.region ?? c.region, keys: names.state.keys },
    names,
  };
  const config: EnvironmentConfig =
    c.shared && shared
      ? { ...common, shared: attachment(c, shared) }
      : { ...common, domain: domain!, hostedZone: hostedZone!, availabilityZones: availabilityZones! };
  return { ok: true, config };
}

/**
 * The attachment of a service to a shared environment, resolved: the host label
 * (the service's name unless set; `pr-N-<label>` for a preview) and paths.
 * @param c The parsed configuration (with `shared`).
 * @param names The shared environment's names.
 */
function attachment(c: EnvironmentParsed, names: SharedNames): SharedAttachment {
  const written = c.shared!;
  const label = ("host" in written ? written.host : undefined) ?? c.serviceName;
  return {
    environment: written.environment,
    host: c.preview ? previewHost(label, c.preview.pullRequest) : label,
    paths: ("paths" in written ? written.paths : undefined) ?? [],
    names,
  };
}

/**
 * Validates one shared environment's configuration and derives its names.
 * @param input The shared environment as written (with overrides applied).
 * @returns The resolved configuration, or every problem found.
 */
export function validateSharedEnvironment(
  input: unknown,
): { ok: true; config: SharedEnvironmentConfig } | { ok: false; issues: ConfigIssue[] } {
  const parsed = v.safeParse(SharedEnvironmentSchema, input, { abortEarly: false });
  if (!parsed.success) return { ok: false, issues: parsed.issues.map(fromSchemaIssue) };
  const c: SharedEnvironmentParsed = parsed.output;
  const issues: ConfigIssue[] = [];
  if (c.accountId === undefined && !c.emulator)
    issues.push({
      path: "accountId",
      message: "is required: the provider must refuse credentials of any other account",
    });
  checkNetwork(c, issues);
  checkZone(`x.${c.domain}`, c.hostedZone, issues);
  if (issues.length > 0) return { ok: false, issues };
  const names = sharedNames({ name: c.name, accountId: c.accountId, region: c.region });
  const owner = c.accountId ?? c.name;
  return {
    ok: true,
    config: {
      ...c,
      accountId: c.accountId,
      state: {
        // Account and region make the name globally unique and say where it lives.
        bucket: c.state.bucket ?? `fargate-pipeline-shared-${owner}-${c.region}`,
        region: c.state.region ?? c.region,
        key: `${names.stack}/terraform.tfstate`,
      },
      names,
    },
  };
}
