/**
 * Everything that differs when the stacks run against the AWS emulator (moto)
 * instead of AWS, in one place. None of it is in the synthesized JSON: the
 * endpoint comes from the environment at apply time, the backend's extras from
 * `-backend-config` at init, and the one value moto cannot hold is a
 * configuration field (set in `local`, overridden for the others).
 */
import type { EnvironmentOverrides } from "./config/resolve.ts";

/**
 * `tofu init` flags for an S3 backend served by the emulator: path-style
 * addressing (no per-bucket DNS names) and no S3 checksum headers (the emulator
 * rejects some). Combine with emulatorEnvironment() for the endpoint.
 */
export function emulatorBackendConfig(): string[] {
  return ["-backend-config=use_path_style=true", "-backend-config=skip_s3_checksum=true"];
}

/**
 * Environment variables that point the AWS provider, the S3 backend and the AWS
 * SDK at the emulator; nothing in the synthesized JSON changes.
 * @param endpoint The emulator's URL, e.g. http://127.0.0.1:5050.
 */
export function emulatorEnvironment(endpoint: string): Record<string, string> {
  return {
    // The provider, the S3 backend and the SDK all honour the global endpoint variable.
    AWS_ENDPOINT_URL: endpoint,
    // No instance metadata service here: without this the SDK probes it before each credential lookup.
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/**
 * What a real environment (staging, production) needs changed to be applied to
 * the emulator, each with its reason:
 * - accountId: the emulator account the credentials act in (the provider
 *   refuses any other; a fresh account per run also keeps runs apart);
 * - service.healthCheckGracePeriodSeconds = 0: moto's CreateService drops the
 *   field and reads it back as 0, so any other value is a change on every plan
 *   (`local` sets 0 in environments.ts for the same reason).
 * @param accountId The emulator account's id.
 */
export function emulatorOverrides(accountId: string): EnvironmentOverrides {
  return { accountId, service: { healthCheckGracePeriodSeconds: 0 } };
}
