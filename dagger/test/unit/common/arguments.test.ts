/**
 * Free-text arguments fail where they are given, in one line that names the
 * argument (no stack trace, no AWS client's "Invalid URL"), and --config names
 * a missing file and what the source holds.
 */
import { describe, expect, it } from "vitest";

import { jsonObjectArgument, urlArgument } from "../../../src/common/arguments.js";
import { missingConfigMessage } from "../../../src/env/config-file.js";
import { Environment } from "../../../src/environment.js";
import { Platform } from "../../../src/platform.js";

/** An Environment as `dagger call environment --name staging` gives it (no source needed to chain). */
const staging = () => new Environment(undefined as never, "Dockerfile", "fargate-pipeline.yaml", "staging", "default");
/** A Platform as `dagger call platform --name staging` gives it. */
const platform = () => new Platform(undefined as never, "fargate-pipeline.yaml", "staging");

describe("URL arguments", () => {
  it.each(["not a url", "localhost:5000", "ftp://example.com", "http://", ""])(
    "%j is refused, naming the argument",
    (value) => {
      const run = () => urlArgument("with-emulator --endpoint", value, "http://localhost:5000");
      expect(run).toThrow(
        `with-emulator --endpoint ${JSON.stringify(value)} is not an http(s) URL; pass one like http://localhost:5000`,
      );
    },
  );

  it.each(["http://localhost:5000", "https://ecs-fips.us-east-1.amazonaws.com", "http://172.17.0.1:5050/"])(
    "%s is taken as given",
    (value) => {
      expect(urlArgument("with-endpoint --url", value, "https://x")).toBe(value);
    },
  );

  it("with-emulator --endpoint and with-endpoint --url check theirs when chained, in one line", () => {
    expect(() => staging().withEmulator("not a url")).toThrow(
      /^with-emulator --endpoint "not a url" is not an http\(s\) URL; pass one like http:\/\/localhost:5000$/,
    );
    expect(() => staging().withEndpoint("vpce-0123")).toThrow(
      /^with-endpoint --url "vpce-0123" is not an http\(s\) URL/,
    );
    expect(staging().withEmulator("http://localhost:5000").emulatorEndpoint).toBe("http://localhost:5000");
  });

  it("platform's with-emulator and with-endpoint check theirs the same way", () => {
    expect(() => platform().withEmulator("localhost:5000")).toThrow(
      /^platform with-emulator --endpoint "localhost:5000" is not an http\(s\) URL; pass one like http:\/\/localhost:5000$/,
    );
    expect(() => platform().withEmulator("http://localhost:5000", "{oops")).toThrow(
      /^platform with-emulator --config-overrides is not JSON/,
    );
    expect(() => platform().withEndpoint("vpce-0123")).toThrow(
      /^platform with-endpoint --url "vpce-0123" is not an http\(s\) URL/,
    );
    expect(platform().withEmulator("http://localhost:5000").emulatorEndpoint).toBe("http://localhost:5000");
  });
});

describe("JSON object arguments", () => {
  it("bad JSON gets one line naming the argument and an example", () => {
    const run = () => staging().withEmulator("http://localhost:5000", undefined, "{oops");
    expect(run).toThrow(
      /^with-emulator --config-overrides is not JSON \(.*\); pass an object like '\{"accountId":"123456789012"\}'$/,
    );
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("JSON that is not an object is refused", () => {
    expect(() => jsonObjectArgument("with-emulator --config-overrides", "[1]", "{}")).toThrow(
      "with-emulator --config-overrides must be a JSON object, not [1]",
    );
  });

  it("an object, or nothing, is taken as given", () => {
    expect(jsonObjectArgument("x", '{"accountId":"123456789012"}', "{}")).toBe('{"accountId":"123456789012"}');
    expect(jsonObjectArgument("x", "  ", "{}")).toBe("");
  });
});

describe("--config naming a file that is not there", () => {
  it("names the file, what the source directory holds and its YAML files, and how to fix it", () => {
    const message = missingConfigMessage("nope.yaml", ["Dockerfile", "app", "deploy.yml", "fargate-pipeline.yaml"]);
    expect(message).toBe(
      "--config nope.yaml: there is no such file in the source directory (--source, by default the directory you call from; it holds Dockerfile, app, deploy.yml, fargate-pipeline.yaml); its YAML files: deploy.yml, fargate-pipeline.yaml. Pass the configuration's path relative to the source, or leave --config out to read fargate-pipeline.yaml (optional: without it only the local environment exists).",
    );
  });

  it("lists at most a dozen entries", () => {
    const entries = Array.from({ length: 20 }, (_, i) => `f${i}`);
    expect(missingConfigMessage("x.yaml", entries)).toContain("f11, …)");
  });
});
