/**
 * The environments, one entry each. Adding one is a few lines: a name, an
 * account, a region with two zones, a domain and its zone, the GitHub repository
 * whose workflows deploy it. Everything else has a default (see schema.ts), and
 * an entry only says where it differs. Values here are checked at synth;
 * `staging` and `production` hold placeholders (example.com, accounts
 * 111111111111/222222222222, example-org) to replace with your own.
 */
import type { EnvironmentInput } from "./schema.ts";

/** The repository whose GitHub workflows may deploy (placeholder: set yours). */
const GITHUB_REPOSITORY = "example-org/fargate-pipeline";

/** The configured environments, by name. */
export const environments = {
  /**
   * The whole pipeline against the AWS emulator: no account, no credentials.
   * Shaped like the real ones; where the emulator cannot hold a value, the
   * field is set here with the reason (and listed in the README).
   */
  local: {
    name: "local",
    // Applied to the emulator only: the stacks ignore the fields moto cannot hold (src/emulator.ts).
    emulator: true,
    region: "us-east-1",
    availabilityZones: ["us-east-1a", "us-east-1b"],
    // .test is reserved for testing (RFC 2606): it can never resolve on the internet.
    domain: "app.fargate-pipeline.test",
    hostedZone: { mode: "create", name: "fargate-pipeline.test" },
    service: {
      // moto's CreateService drops healthCheckGracePeriodSeconds and reads it back as 0,
      // so any other value shows as a change on every plan. The emulator runs no
      // tasks, so the grace period has nothing to act on here.
      healthCheckGracePeriodSeconds: 0,
      // Off, as by default: a fixed count of tasks the emulator does not run.
      autoscaling: { enabled: false },
    },
    // Local images are throwaway: destroy may delete the repository with them.
    registry: { forceDelete: true },
    github: { repository: GITHUB_REPOSITORY },
  },

  /** Pre-production: its own account, a delegated subdomain zone created by the stack. */
  staging: {
    name: "staging",
    accountId: "111111111111",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    domain: "app.staging.example.com",
    // Created by the base stack; delegate it once from example.com (bootstrap prints the NS records).
    hostedZone: { mode: "create", name: "staging.example.com" },
    github: { repository: GITHUB_REPOSITORY },
  },

  /** Production: its own account, the company's existing zone, more headroom, longer logs. */
  production: {
    name: "production",
    accountId: "222222222222",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    domain: "app.example.com",
    // The zone of example.com exists already (placeholder id: set yours).
    hostedZone: { mode: "existing", zoneId: "Z0123456789EXAMPLE" },
    // Deleting the production ALB takes turning this off first.
    loadBalancer: { mode: "create", deletionProtection: true },
    service: {
      cpu: 512,
      memory: 1024,
      logRetentionDays: 90,
      // Production load varies: the autoscaler owns the count, 2 to 10 tasks (see schema.ts for each default).
      autoscaling: { enabled: true },
    },
    github: { repository: GITHUB_REPOSITORY },
  },
} satisfies Record<string, EnvironmentInput>;
