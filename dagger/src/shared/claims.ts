/**
 * Claims on a shared environment: which service answers on which host, at
 * which listener-rule priority. Made by the module's preflight before any
 * apply, as SSM parameters below the environment's claims paths (infra's
 * SharedNames.claims):
 *
 *   <claims.hosts>/<host>           {"stack": …, "priority": 3, "kind": "service", "at": …}
 *   <claims.priorities>/<priority>  <host>
 *
 * Allocated, not derived, and without a lock: SSM's PutParameter without
 * Overwrite creates a parameter or fails with ParameterAlreadyExists,
 * atomically. A priority is the lowest one nobody holds; two deploys racing
 * for it both try to create it, one wins, the other takes the next. A host is
 * claimed the same way: the second service to claim it is refused before any
 * apply, with the first one's name.
 *
 * Why not derive the priority (a hash of the host): with 100 hosts in 50,000
 * priorities two collide in about one shared environment of ten (the birthday
 * bound), and the collision then needs this claim anyway. Why not a lock (an S3
 * lock object, as OpenTofu's state has): a run killed while holding it blocks
 * every service's deploys until someone removes it, where a claim holds only
 * what it names, and belongs to the service that made it. Copilot derives its
 * priorities from DescribeRules without either, and races (notes: "concurrent
 * deploys race"; aws/copilot-cli#3013).
 *
 * Claims carry a Claimant tag (their stack): the roles may create claims only
 * with their own, and delete only claims carrying it (infra's
 * sharedParameterStatements).
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";

/** The tag a claim carries: the stack that made it (infra's CLAIMANT_TAG). */
export const CLAIMANT_TAG = "Claimant";

/** ALB rule priorities run from 1 to 50,000. */
export const MAX_PRIORITY = 50_000;

/** A service's claim on a host. */
export interface HostClaim {
  /** The host, `<label>.<domain>`. */
  host: string;
  /** The service stack that answers there (`<serviceName>-<env>`, or a preview's `…-pr-<N>`). */
  stack: string;
  /** Its listener rule's priority. */
  priority: number;
  /** A service, or a pull request's preview. */
  kind: "service" | "preview";
  /** The pull request, for a preview. */
  pullRequest?: number;
  /** When the claim was made (ISO 8601). */
  at: string;
}

/** Where the claims are: the environment's claims paths. */
export interface ClaimPaths {
  hosts: string;
  priorities: string;
}

/** A host another stack holds: the second claim is refused before any apply. */
export class HostTakenError extends Error {
  /**
   * @param claim the claim that holds the host
   * @param claimant the stack that asked for it
   * @param fix what to do
   */
  constructor(
    readonly claim: HostClaim,
    claimant: string,
    fix: string,
  ) {
    super(
      [
        `refused before any apply: ${claim.host} is claimed by ${claim.stack} (rule priority ${claim.priority}, since ${claim.at}); two services cannot answer on one host, and ${claimant} would take its requests.`,
        fix,
      ].join("\n"),
    );
    this.name = "HostTakenError";
  }
}

/**
 * Every parameter below a path, recursively (name → value).
 * @param ssm an SSM client
 * @param path the path
 */
async function below(ssm: SSMClient, path: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, MaxResults: 10, NextToken }),
    );
    for (const p of page.Parameters ?? []) if (p.Name && p.Value !== undefined) found.set(p.Name, p.Value);
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * A claim's value, read back; a value that is not a claim (someone's own
 * parameter) counts as the host taken by "(unknown)".
 * @param host the host
 * @param value the parameter's value
 */
export function parseClaim(host: string, value: string): HostClaim {
  try {
    const c = JSON.parse(value) as Partial<HostClaim>;
    return {
      host,
      stack: String(c.stack ?? "(unknown)"),
      priority: Number(c.priority ?? 0),
      kind: c.kind === "preview" ? "preview" : "service",
      ...(c.pullRequest !== undefined ? { pullRequest: Number(c.pullRequest) } : {}),
      at: String(c.at ?? "?"),
    };
  } catch {
    return { host, stack: "(unknown)", priority: 0, kind: "service", at: "?" };
  }
}

/**
 * Every host claimed on the environment.
 * @param ssm an SSM client of its account and region
 * @param paths its claims paths
 */
export async function readHostClaims(ssm: SSMClient, paths: ClaimPaths): Promise<HostClaim[]> {
  const found = await below(ssm, paths.hosts);
  return [...found].map(([name, value]) => parseClaim(name.slice(paths.hosts.length + 1), value));
}

/**
 * Every priority claimed on the environment, with the host holding it.
 * @param ssm an SSM client of its account and region
 * @param paths its claims paths
 */
export async function readPriorityClaims(ssm: SSMClient, paths: ClaimPaths): Promise<Map<number, string>> {
  const found = await below(ssm, paths.priorities);
  return new Map([...found].map(([name, host]) => [Number(name.slice(paths.priorities.length + 1)), host]));
}

/**
 * One host's claim, if any.
 * @param ssm an SSM client
 * @param paths the claims paths
 * @param host the host
 */
export async function readHostClaim(ssm: SSMClient, paths: ClaimPaths, host: string): Promise<HostClaim | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: `${paths.hosts}/${host}` }));
    return out.Parameter?.Value === undefined ? undefined : parseClaim(host, out.Parameter.Value);
  } catch (err) {
    if (err instanceof ParameterNotFound) return undefined;
    throw err;
  }
}

/**
 * Creates a parameter only if it does not exist.
 * @param ssm an SSM client
 * @param name the parameter
 * @param value its value
 * @param claimant the Claimant tag
 * @returns false when it existed already
 */
async function createIfAbsent(ssm: SSMClient, name: string, value: string, claimant: string): Promise<boolean> {
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: "String",
        Overwrite: false,
        Description: `A claim on a shared environment by ${claimant} (fargate-pipeline)`,
        Tags: [{ Key: CLAIMANT_TAG, Value: claimant }],
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ParameterAlreadyExists) return false;
    throw err;
  }
}

/** What a claim is for. */
export interface ClaimRequest {
  /** The host, `<label>.<domain>`. */
  host: string;
  /** The stack that claims it. */
  stack: string;
  kind: HostClaim["kind"];
  pullRequest?: number;
  /** Priorities taken without a claim (rules on the listener made another way): never allocated. */
  takenByRules: ReadonlySet<number>;
  /** What to do when the host is taken (HostTakenError). */
  fix: string;
  /** The time of the claim (tests). */
  now?: Date;
}

/**
 * Claims a host and a rule priority for a stack, or finds the ones it holds
 * already (a service's second deploy, or a first one interrupted between the two).
 *
 * @param ssm an SSM client of the environment's account and region
 * @param paths its claims paths
 * @param request the host, the stack and the priorities rules hold
 * @returns the claim, and whether this call made it
 * @throws HostTakenError when another stack holds the host
 */
export async function claimHost(
  ssm: SSMClient,
  paths: ClaimPaths,
  request: ClaimRequest,
): Promise<{ claim: HostClaim; created: boolean }> {
  const held = await readHostClaim(ssm, paths, request.host);
  if (held) {
    if (held.stack !== request.stack) throw new HostTakenError(held, request.stack, request.fix);
    return { claim: held, created: false };
  }
  const priority = await claimPriority(ssm, paths, request);
  const claim: HostClaim = {
    host: request.host,
    stack: request.stack,
    priority,
    kind: request.kind,
    ...(request.pullRequest !== undefined ? { pullRequest: request.pullRequest } : {}),
    at: (request.now ?? new Date()).toISOString(),
  };
  if (await createIfAbsent(ssm, `${paths.hosts}/${request.host}`, JSON.stringify(claim), request.stack))
    return { claim, created: true };
  // Another stack claimed the host between the read and the write: give the priority back.
  const winner = await readHostClaim(ssm, paths, request.host);
  if (winner?.stack === request.stack) return { claim: winner, created: false };
  await releasePriority(ssm, paths, priority, request.host);
  throw new HostTakenError(winner ?? { ...claim, stack: "(unknown)" }, request.stack, request.fix);
}

/**
 * The lowest free priority, claimed for a host (or the one a claim of that host holds already).
 * @param ssm an SSM client
 * @param paths the claims paths
 * @param request the host and the priorities rules hold
 */
async function claimPriority(ssm: SSMClient, paths: ClaimPaths, request: ClaimRequest): Promise<number> {
  const claimed = await readPriorityClaims(ssm, paths);
  for (const [priority, host] of claimed) if (host === request.host) return priority;
  for (let p = 1; p <= MAX_PRIORITY; p++) {
    if (claimed.has(p) || request.takenByRules.has(p)) continue;
    if (await createIfAbsent(ssm, `${paths.priorities}/${p}`, request.host, request.stack)) return p;
    // Lost the race for p: someone else holds it now; try the next.
  }
  throw new Error(`no free listener-rule priority from 1 to ${MAX_PRIORITY} on this shared environment`);
}

/**
 * The priority a host's rule would get, without claiming it (`plan`): the one
 * its claim holds, or the lowest free one now.
 * @param ssm an SSM client
 * @param paths the claims paths
 * @param host the host
 * @param takenByRules priorities rules hold without a claim
 */
export async function plannedPriority(
  ssm: SSMClient,
  paths: ClaimPaths,
  host: string,
  takenByRules: ReadonlySet<number>,
): Promise<{ priority: number; claimed: boolean }> {
  const held = await readHostClaim(ssm, paths, host);
  if (held) return { priority: held.priority, claimed: true };
  const claimed = await readPriorityClaims(ssm, paths);
  let p = 1;
  while (claimed.has(p) || takenByRules.has(p)) p++;
  return { priority: p, claimed: false };
}

/**
 * Deletes a priority's claim if it names the host (never another host's).
 * @param ssm an SSM client
 * @param paths the claims paths
 * @param priority the priority
 * @param host the host it must name
 */
async function releasePriority(ssm: SSMClient, paths: ClaimPaths, priority: number, host: string): Promise<boolean> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: `${paths.priorities}/${priority}` }));
    if (out.Parameter?.Value !== host) return false;
    await ssm.send(new DeleteParameterCommand({ Name: `${paths.priorities}/${priority}` }));
    return true;
  } catch (err) {
    if (err instanceof ParameterNotFound) return false;
    throw err;
  }
}

/**
 * Releases a stack's claim on a host and its priority (after its stack is
 * destroyed). Claims of other stacks are left alone.
 * @param ssm an SSM client of the environment's account and region
 * @param paths its claims paths
 * @param host the host
 * @param stack the stack releasing it
 * @returns what was released, for the summary
 */
export async function releaseHost(ssm: SSMClient, paths: ClaimPaths, host: string, stack: string): Promise<string[]> {
  const released: string[] = [];
  const held = await readHostClaim(ssm, paths, host);
  if (held && held.stack !== stack) return released;
  const priorities = await readPriorityClaims(ssm, paths);
  for (const [priority, holder] of priorities)
    if (holder === host && (await releasePriority(ssm, paths, priority, host))) released.push(`priority ${priority}`);
  if (held) {
    try {
      await ssm.send(new DeleteParameterCommand({ Name: `${paths.hosts}/${host}` }));
      released.push(`host ${host}`);
    } catch (err) {
      if (!(err instanceof ParameterNotFound)) throw err;
    }
  }
  return released;
}
