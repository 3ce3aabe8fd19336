/**
 * The AWS prices the cost estimates use: on-demand, us-east-1, in US dollars,
 * as AWS's pricing pages gave them on the date below. Other regions cost up to
 * ~30 % more (e.g. eu-west-1's Fargate); the estimates say which region's
 * prices they use. Traffic is left out (ALB LCUs, data transfer): these are the
 * fixed costs an environment has before its first request.
 *
 * Sources: aws.amazon.com/elasticloadbalancing/pricing (ALB-hour),
 * aws.amazon.com/fargate/pricing (per vCPU-hour and GB-hour, Linux/x86),
 * aws.amazon.com/vpc/pricing (public IPv4 address-hour, charged since
 * 2024-02-01); gathered in the shared-environments research notes.
 */

/** The price table. */
export const PRICES = {
  /** When the prices were read. */
  date: "2026-12-03",
  /** Whose prices. */
  region: "us-east-1",
  currency: "USD",
  /** 730 hours: AWS's own month (8,760 hours a year / 12). */
  hoursPerMonth: 730,
  /** An Application Load Balancer, per hour, before LCUs. */
  albHour: 0.0225,
  /** A public IPv4 address, per hour, in use or not. */
  publicIpv4Hour: 0.005,
  /** Fargate (Linux, x86), per vCPU-hour. */
  fargateVcpuHour: 0.04048,
  /** Fargate (Linux, x86), per GB of memory per hour. */
  fargateGbHour: 0.004445,
  /** Public IPv4 addresses of an internet-facing ALB: one per availability zone, two zones. */
  albPublicIpv4: 2,
} as const;
