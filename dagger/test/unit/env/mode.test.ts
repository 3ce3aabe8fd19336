/**
 * Emulator mode is explicit: `local`, or an emulator named with with-emulator.
 * A custom endpoint on a real environment (a FIPS or VPC endpoint) keeps every
 * real-AWS behaviour: the real rollout verdict, the smoke test through the URL,
 * and OpenTofu with nothing but the endpoint.
 */
import { describe, expect, it } from "vitest";

import { environmentMode, tofuEndpointEnvironment, traitsOf } from "../../../src/env/open.js";

const FIPS = "https://ecs-fips.us-east-1.amazonaws.com";
// What infra's emulatorEnvironment("{{ENDPOINT}}") gives (the contract test checks the EnvironmentConfig's shape).
const target = { emulatorEnvironment: { AWS_ENDPOINT_URL: "{{ENDPOINT}}", AWS_EC2_METADATA_DISABLED: "true" } };

describe("where an operation runs", () => {
  it("a custom endpoint on a real environment is AWS: real verdict rules and the real smoke test", () => {
    const mode = environmentMode({ name: "production" });
    expect(mode).toBe("aws");
    expect(traitsOf(mode, "production").emulated).toBe(false);
    // The endpoint reaches OpenTofu alone: none of the emulator's relaxations.
    const tofu = tofuEndpointEnvironment(mode, target, FIPS);
    expect(tofu).toEqual({ AWS_ENDPOINT_URL: FIPS });
    expect(Object.keys(target.emulatorEnvironment).length).toBeGreaterThan(1);
  });

  it("only a named emulator (or local) gets the emulator's rules and settings", () => {
    expect(environmentMode({ name: "staging", emulator: { endpoint: "http://moto:5000" } })).toBe("emulator");
    expect(environmentMode({ name: "local" })).toBe("local");
    expect(traitsOf("emulator", "staging").emulated).toBe(true);
    expect(traitsOf("local", "local").emulated).toBe(true);
    const tofu = tofuEndpointEnvironment("emulator", target, "http://moto:5000");
    expect(Object.values(tofu).join(" ")).toContain("http://moto:5000");
    expect(Object.values(tofu).join(" ")).not.toContain("{{ENDPOINT}}");
  });

  it("AWS at its own endpoints: nothing set", () => {
    expect(tofuEndpointEnvironment("aws", target, undefined)).toEqual({});
  });

  it("what each mode decides, once, when the environment opens", () => {
    const row = (mode: "local" | "emulator" | "aws") => {
      const t = traitsOf(mode, mode === "local" ? "local" : "staging");
      return [t.deployAppliesBase, t.emulated, t.secretStores, t.outlivesCalls, t.command("deploy")];
    };
    expect(row("local")).toEqual([true, true, false, false, "dagger call deploy"]);
    expect(row("emulator")).toEqual([
      false,
      true,
      true,
      true,
      "dagger call environment --name staging with-aws-credentials … deploy",
    ]);
    expect(row("aws")).toEqual([
      false,
      false,
      true,
      true,
      "dagger call environment --name staging with-aws-credentials … deploy",
    ]);
    expect(traitsOf("local", "local").command("destroy --confirm local")).toBe(
      "dagger call environment destroy --confirm local",
    );
  });
});
