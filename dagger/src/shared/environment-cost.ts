/**
 * The cost lines of a service's environment for `plan`, `status` and a
 * preview's summary (cost.ts does the arithmetic): standalone, its own load
 * balancer or an existing one; attached, its share of the shared one beside
 * what standalone would cost, and its previews.
 */
import type { EnvironmentConfig } from "../stacks/infra-bridge.js";
import { type SdkConfig, sharing, type SharedContext } from "./attach.js";
import { costLine, dollars, serviceCost } from "./cost.js";

/** The size of every preview (infra's config/preview.ts: one task, the smallest Fargate size). */
export const PREVIEW_TASKS = { size: { cpu: 256, memory: 512 }, count: 1 } as const;

/**
 * The environment's fixed monthly cost, as Markdown lines.
 *
 * @param sdk SDK settings of the account and region (an attached service reads who shares)
 * @param config the environment
 * @param shared its shared environment, when attached
 */
export async function environmentCost(
  sdk: SdkConfig,
  config: Pick<EnvironmentConfig, "size" | "autoscaling" | "ownsLoadBalancer" | "names">,
  shared: SharedContext | undefined,
): Promise<string[]> {
  // The fixed cost is the floor: with autoscaling, its minimum (ScalingSummary.minCount is the desired count otherwise).
  const tasks = config.autoscaling.minCount;
  if (!shared) return [costLine(config.size, tasks, config.ownsLoadBalancer ? "own" : "none")];
  // A preview pays its task only: the shared load balancer costs the same with it or without.
  if (shared.view.pullRequest !== undefined) return [costLine(config.size, tasks, "none")];
  const who = await sharing(sdk, shared, config.names.stacks.service);
  const lines = [costLine(config.size, tasks, { shares: who.services })];
  if (who.previews.length > 0) {
    const each = serviceCost(PREVIEW_TASKS.size, PREVIEW_TASKS.count, "none").total;
    // In pull-request order: the claims come back in whatever order SSM lists them.
    const prs = who.previews
      .map((p) => `#${p.pullRequest}`)
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    lines.push(
      `**Previews running**: ${prs.length} (${prs.join(", ")}), ${dollars(each)} each a month left up: ${dollars(each * prs.length)}`,
    );
  }
  return lines;
}
