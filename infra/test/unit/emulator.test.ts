import { describe, expect, it } from "vitest";
import { resolveEnvironment } from "../../src/config/resolve.ts";
import { emulatorBackendConfig, emulatorEnvironment, emulatorOverrides } from "../../src/emulator.ts";
import { synthEnvironment } from "./support.ts";

describe("emulator settings", () => {
  it("are init flags and environment variables, not part of the synthesized JSON", () => {
    expect(emulatorBackendConfig()).toEqual(["-backend-config=use_path_style=true", "-backend-config=skip_s3_checksum=true"]);
    expect(emulatorEnvironment("http://127.0.0.1:5050")).toEqual({ AWS_ENDPOINT_URL: "http://127.0.0.1:5050", AWS_EC2_METADATA_DISABLED: "true" });
  });

  it("change exactly the account and the grace period moto cannot hold", () => {
    const real = resolveEnvironment("staging");
    const emulated = resolveEnvironment("staging", { overrides: emulatorOverrides("123456789012") });
    expect(emulated.accountId).toBe("123456789012");
    expect(emulated.service.healthCheckGracePeriodSeconds).toBe(0);
    // Everything else is as configured (state and names follow the account).
    const backToReal = { ...emulated, accountId: real.accountId, state: real.state, names: real.names };
    expect({ ...backToReal, service: { ...emulated.service, healthCheckGracePeriodSeconds: 10 } }).toEqual(real);
  });

  it("leave the JSON of an overridden environment free of endpoints", () => {
    const { base, service } = synthEnvironment("production", emulatorOverrides("123456789012"));
    for (const json of [base, service]) {
      expect(JSON.stringify(json)).not.toMatch(/"endpoints"|use_path_style|skip_s3_checksum|skip_credentials_validation|skip_requesting_account_id|:5050/);
    }
  });
});
