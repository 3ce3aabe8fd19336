import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";

describe("parseConfig", () => {
  it("uses defaults suited to ECS behind an ALB when nothing is set", () => {
    expect(parseConfig({})).toEqual({
      ok: true,
      config: {
        port: 8080,
        host: "0.0.0.0",
        logLevel: "info",
        shutdownTimeoutMs: 20_000,
        keepAliveTimeoutMs: 65_000,
        albIdleTimeoutMs: 60_000,
        version: "0.0.0-dev",
        commit: "unknown",
      },
    });
  });

  it("reads every variable", () => {
    const result = parseConfig({
      PORT: "3000",
      HOST: "::",
      LOG_LEVEL: "debug",
      SHUTDOWN_TIMEOUT_MS: "5000",
      ALB_IDLE_TIMEOUT_MS: "120000",
      KEEP_ALIVE_TIMEOUT_MS: "125000",
      APP_VERSION: "1.4.0+build.7",
      GIT_COMMIT: "0123456789abcdef0123456789abcdef01234567",
    });
    expect(result).toEqual({
      ok: true,
      config: {
        port: 3000,
        host: "::",
        logLevel: "debug",
        shutdownTimeoutMs: 5000,
        keepAliveTimeoutMs: 125_000,
        albIdleTimeoutMs: 120_000,
        version: "1.4.0+build.7",
        commit: "0123456789abcdef0123456789abcdef01234567",
      },
    });
  });

  it("treats an empty variable as unset", () => {
    const result = parseConfig({ PORT: "", LOG_LEVEL: "" });
    expect(result.ok && result.config.port).toBe(8080);
    expect(result.ok && result.config.logLevel).toBe("info");
  });

  it.each([
    ["PORT", "abc", "PORT must be an integer from 0 to 65535"],
    ["PORT", "65536", "PORT must be an integer from 0 to 65535"],
    ["PORT", "-1", "PORT must be an integer from 0 to 65535"],
    ["PORT", "80.5", "PORT must be an integer from 0 to 65535"],
    ["HOST", "not a host", "HOST must be an IP address or host name"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent"],
    ["SHUTDOWN_TIMEOUT_MS", "0", "SHUTDOWN_TIMEOUT_MS must be an integer number of milliseconds from 1 to 120000"],
    ["SHUTDOWN_TIMEOUT_MS", "20s", "SHUTDOWN_TIMEOUT_MS must be an integer number of milliseconds from 1 to 120000"],
    [
      "ALB_IDLE_TIMEOUT_MS",
      "500",
      "ALB_IDLE_TIMEOUT_MS must be an integer number of milliseconds from 1000 to 4000000",
    ],
    ["APP_VERSION", "1.0 beta", "APP_VERSION must be 1 to 128 letters, digits or . + _ -"],
    ["GIT_COMMIT", "<script>", "GIT_COMMIT must be 1 to 128 letters, digits or . + _ -"],
  ])("rejects %s=%j with one line naming it and what is allowed", (name, value, expected) => {
    const result = parseConfig({ [name]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain(`invalid configuration: ${expected}`);
    expect(result.errors[0]).toContain(`(got ${JSON.stringify(value)})`);
    expect(result.errors[0]).not.toContain("\n");
  });

  it("rejects a keep-alive timeout that does not exceed the ALB idle timeout (the 502 race)", () => {
    for (const keepAlive of ["60000", "59000"]) {
      const result = parseConfig({ KEEP_ALIVE_TIMEOUT_MS: keepAlive });
      expect(result).toEqual({
        ok: false,
        errors: [expect.stringContaining("KEEP_ALIVE_TIMEOUT_MS must be an integer number of milliseconds")],
      });
      if (!result.ok) expect(result.errors[0]).toContain("greater than ALB_IDLE_TIMEOUT_MS (60000)");
    }
    const shorterAlb = parseConfig({ KEEP_ALIVE_TIMEOUT_MS: "2000", ALB_IDLE_TIMEOUT_MS: "1000" });
    expect(shorterAlb.ok).toBe(true);
    const longerAlb = parseConfig({ ALB_IDLE_TIMEOUT_MS: "300000" });
    expect(longerAlb.ok).toBe(false);
  });

  it("reports every invalid variable, one line each", () => {
    const result = parseConfig({ PORT: "x", LOG_LEVEL: "y" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.split(" ")[2])).toEqual(["PORT", "LOG_LEVEL"]);
  });
});
