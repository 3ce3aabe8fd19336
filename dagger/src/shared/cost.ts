/**
 * What an environment costs a month before any traffic (an estimate from
 * prices.ts): the load balancer with its public IPv4 addresses, and the tasks
 * at their size, each with the public IPv4 its task gets (tasks run in public
 * subnets, no NAT). Standalone, a service pays a whole load balancer; attached
 * to a shared environment, its share of one. `plan`, `status`, the preview
 * summary and `platform status` print it. Pure: unit-tested arithmetic.
 */
import { PRICES } from "./prices.js";

/** A task's size: CPU units (1024 = 1 vCPU) and memory in MiB. */
export interface TaskSize {
  cpu: number;
  memory: number;
}

/** Dollars, to the cent. */
function cents(dollars: number): number {
  return Math.round(dollars * 100) / 100;
}

/** A month of something billed by the hour. */
function monthly(perHour: number): number {
  return perHour * PRICES.hoursPerMonth;
}

/** A load balancer a month: the ALB-hours and its public IPv4 addresses. */
export function loadBalancerMonthly(): number {
  return cents(monthly(PRICES.albHour + PRICES.albPublicIpv4 * PRICES.publicIpv4Hour));
}

/**
 * Tasks a month at a size: their vCPU and memory, and each task's public IPv4 address.
 * @param size the task's size
 * @param count how many run
 */
export function tasksMonthly(size: TaskSize, count: number): number {
  const perTask = (size.cpu / 1024) * PRICES.fargateVcpuHour + (size.memory / 1024) * PRICES.fargateGbHour;
  return cents(monthly(count * (perTask + PRICES.publicIpv4Hour)));
}

/** One line of an estimate. */
export interface CostItem {
  what: string;
  monthly: number;
}

/** An environment's fixed monthly cost. */
export interface CostEstimate {
  items: CostItem[];
  total: number;
}

/**
 * The estimate of a list of items.
 * @param items what is paid for
 */
function estimate(items: CostItem[]): CostEstimate {
  return { items, total: cents(items.reduce((t, i) => t + i.monthly, 0)) };
}

/**
 * A service's environment: its tasks, and its load balancer — its own, a
 * share of a shared one (`shares` services pay for it), or none (an existing
 * ALB someone else pays for).
 * @param size the task's size
 * @param tasks the running count (autoscaling: the minimum)
 * @param loadBalancer "own", "none", or the number of services sharing one
 */
export function serviceCost(
  size: TaskSize,
  tasks: number,
  loadBalancer: "own" | "none" | { shares: number },
): CostEstimate {
  const items: CostItem[] = [
    {
      what: `${tasks} task${tasks === 1 ? "" : "s"} of ${size.cpu / 1024} vCPU and ${size.memory / 1024} GB, each with a public IPv4`,
      monthly: tasksMonthly(size, tasks),
    },
  ];
  if (loadBalancer === "own")
    items.unshift({
      what: `a load balancer with ${PRICES.albPublicIpv4} public IPv4 addresses`,
      monthly: loadBalancerMonthly(),
    });
  else if (loadBalancer !== "none")
    items.unshift({
      what: `1/${loadBalancer.shares} of the shared load balancer`,
      monthly: cents(loadBalancerMonthly() / loadBalancer.shares),
    });
  return estimate(items);
}

/** What `n` dollars reads as: "$49.05". */
export function dollars(n: number): string {
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** The note every estimate carries. */
export const ESTIMATE_NOTE = `an estimate at ${PRICES.region} on-demand prices of ${PRICES.date} (dagger/src/shared/prices.ts), before traffic (LCUs, data transfer)`;

/**
 * One line for `plan`, `status` and a deploy's preview: the environment's fixed monthly cost,
 * and for an attached service what it would cost standalone.
 * @param size the task's size
 * @param tasks the running count
 * @param loadBalancer as for serviceCost()
 */
export function costLine(size: TaskSize, tasks: number, loadBalancer: "own" | "none" | { shares: number }): string {
  const cost = serviceCost(size, tasks, loadBalancer);
  const parts = cost.items.map((i) => `${i.what} ${dollars(i.monthly)}`).join(" + ");
  const standalone =
    typeof loadBalancer === "object"
      ? `; standalone it would be ${dollars(serviceCost(size, tasks, "own").total)}`
      : "";
  return `**Fixed monthly cost**: ${dollars(cost.total)} (${parts})${standalone} — ${ESTIMATE_NOTE}`;
}
