/**
 * The preflight of a deploy onto a shared environment (shared/attach.ts does
 * the work): the load balancer's quotas with this service's rule added, then
 * its claim on the host and a rule priority. Both before anything is applied:
 * a quota exceeded, or a host another service holds, refuses the deploy with
 * what to do.
 */
import type { OpenEnvironment } from "../env/open.js";
import { attachPreflight } from "../shared/attach.js";
import { ALB_QUOTAS } from "../shared/quotas.js";

/**
 * Checks the quotas and claims the host; returns one line for the steps table.
 *
 * @param env the open environment (attached: env.shared is set)
 */
export async function attachService(env: OpenEnvironment): Promise<string> {
  const shared = env.shared!;
  const { config } = env;
  const pullRequest = config.shared?.pullRequest;
  const own = `environments.${config.name}.shared in ${config.configFile}`;
  const fix =
    pullRequest === undefined
      ? `Give this service a host of its own: ${own}: { environment: ${shared.view.environment}, host: <another label> }, or destroy ${shared.claim?.stack ?? "the other service"} first if it is gone for good.`
      : `A preview's host is pr-<N>-<label>; another service holds it. Give this service a host of its own (${own}).`;
  const done = await attachPreflight(
    env.sdk,
    shared,
    {
      stack: config.names.stacks.service,
      kind: pullRequest === undefined ? "service" : "preview",
      ...(pullRequest !== undefined ? { pullRequest } : {}),
    },
    fix,
  );
  const u = done.usage;
  return `${shared.host} at rule priority ${done.claim.priority} (${done.created ? "claimed now" : "held"}); ${shared.view.loadBalancer}: ${u.rules}/${ALB_QUOTAS.rules.limit} rules, ${u.targetGroups}/${ALB_QUOTAS.targetGroups.limit} target groups`;
}
