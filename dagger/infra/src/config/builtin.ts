/**
 * The environment every app has without writing a line: `local`, the whole
 * pipeline against the AWS emulator (no account, no credentials). An app's
 * configuration file (file.ts) may change any of its fields under
 * `environments.local`; every other environment comes from that file.
 */
import type { EnvironmentInput } from "./schema.ts";

/** The environments that exist before any configuration file, by name. */
export const builtinEnvironments = {
  /**
   * Shaped like the real ones; where the emulator cannot hold a value, the
   * field is set here with the reason.
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
    // The emulator has no CI: the OIDC roles it gets are never assumed. A placeholder
    // keeps the base stack shaped like the real ones (an app's file may say ci: { provider: none }).
    ci: { provider: "github", repository: "example-org/fargate-pipeline" },
  },
} satisfies Record<string, EnvironmentInput>;
