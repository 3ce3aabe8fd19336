/**
 * The test bed's Dagger engine, driven the way the product drives it: through
 * the SDK's `connection()` (which runs the test bed's CLI, `dagger session`,
 * against the engine container). Each test proves one thing the product relies
 * on: the mirror serves the public images, the private registry takes an
 * authenticated push and serves it back by digest, a Dockerfile
 * `RUN --network=none` step is really cut off, and the proxy's CA reaches every
 * container the engine runs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dag, connection, type Container } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import { testbedValue } from "../support/testbed-env.ts";

/** A pinned version from testbed/versions.env (KEY=VALUE lines). */
function pinned(key: string): string {
  const text = readFileSync(new URL("../../versions.env", import.meta.url), "utf8");
  const value = new RegExp(`^${key}=(.+)$`, "m").exec(text)?.[1];
  if (!value) throw new Error(`${key} is missing from testbed/versions.env`);
  return value.trim();
}

/** The public name the product's Dockerfile starts FROM; the engine pulls it through the mirror. */
const NODE_IMAGE = `node:${pinned("NODE_VERSION")}-${pinned("DEBIAN_SUITE")}-slim`;

/** Runs fn in a fresh SDK session with the test bed's engine (one `dagger session` each). */
async function withEngine(fn: () => Promise<void>): Promise<void> {
  await connection(fn);
}

/** A value unique to this run: a build arg or file that defeats the engine's cache. */
function nonce(): string {
  return randomUUID();
}

beforeAll(() => {
  // The SDK reads these from the process environment; a direct `npx vitest` has
  // only the env file. testbedValue throws, saying what to run, when one is missing.
  for (const key of ["_EXPERIMENTAL_DAGGER_RUNNER_HOST", "_EXPERIMENTAL_DAGGER_CLI_BIN"]) {
    process.env[key] = testbedValue(key);
  }
  process.env["DO_NOT_TRACK"] = "1";
  process.env["DAGGER_NO_NAG"] = "1";
  // The CLI waits a long time for an engine container that is not there: fail
  // at once instead, saying so.
  const container = /^docker-container:\/\/([^/?]+)/.exec(process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"] ?? "")?.[1];
  if (container) {
    const state = spawnSync("docker", ["inspect", "-f", "{{.State.Running}}", container], { encoding: "utf8" });
    if (state.stdout.trim() !== "true") {
      throw new Error(`the Dagger engine container ${container} is not running: bring it up with sudo testbed/up`);
    }
  }
});

describe("the test bed's Dagger engine", () => {
  it("starts a container from the mirrored Node image and runs its node", async () => {
    await withEngine(async () => {
      const out = await dag.container().from(NODE_IMAGE).withExec(["node", "--version"]).stdout();
      expect(out.trim()).toBe(`v${pinned("NODE_VERSION")}`);
    });
  });

  describe("private registry", () => {
    const registry = () => testbedValue("REGISTRY_ENGINE_HOST");
    /** A one-file image unique to this run. */
    const image = (marker: string): Container =>
      dag.container().withRootfs(dag.directory().withNewFile("marker", marker));

    it("refuses a push without credentials", async () => {
      await withEngine(async () => {
        const ref = `${registry()}/fp-testbed/engine-test:anonymous-${nonce()}`;
        await expect(image(nonce()).publish(ref)).rejects.toThrow(/401|unauthorized|authorization/i);
      });
    });

    it("takes a push with credentials and serves the image back by digest", async () => {
      const marker = nonce();
      const user = testbedValue("REGISTRY_USER");
      const password = readFileSync(testbedValue("REGISTRY_PASSWORD_FILE"), "utf8").trim();
      await withEngine(async () => {
        const secret = dag.setSecret("registry-password", password);
        const published = await image(marker)
          .withRegistryAuth(registry(), user, secret)
          .publish(`${registry()}/fp-testbed/engine-test:${marker}`);
        const digest = /@(sha256:[0-9a-f]{64})$/.exec(published)?.[1];
        expect(digest, `publish returned ${published}`).toBeDefined();

        // The registry itself holds that manifest (asked over HTTP from the host).
        const manifest = await fetch(
          `http://${testbedValue("REGISTRY_HOST")}/v2/fp-testbed/engine-test/manifests/${digest}`,
          {
            headers: {
              Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
              Accept:
                "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
            },
          },
        );
        expect(manifest.status).toBe(200);
        expect(manifest.headers.get("docker-content-digest")).toBe(digest);

        // And the engine pulls it back by digest.
        const pulled = dag
          .container()
          .withRegistryAuth(registry(), user, secret)
          .from(`${registry()}/fp-testbed/engine-test@${digest}`);
        expect(await pulled.file("/marker").contents()).toBe(marker);
      });
    });
  });

  describe("Dockerfile RUN --network=none through Directory.dockerBuild", () => {
    // The probe records what happened instead of failing, so each build's
    // outcome is read back the same way.
    const probe = `
const url = process.env.PROBE_URL;
const result = await fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
  (res) => "reached " + res.status,
  (err) => "unreachable: " + (err.cause?.code ?? err.message),
);
(await import("node:fs")).writeFileSync("/probe-result", result);
`;
    /** The build context: one RUN step that probes the mirror registry's /v2/ endpoint. */
    const context = (networkFlag: string) =>
      dag
        .directory()
        .withNewFile("probe.mjs", probe)
        .withNewFile(
          "Dockerfile",
          [
            `FROM ${NODE_IMAGE}`,
            "COPY probe.mjs /probe.mjs",
            "ARG PROBE_URL",
            "ARG NONCE",
            `RUN ${networkFlag} NONCE=$NONCE PROBE_URL=$PROBE_URL node /probe.mjs`,
            "",
          ].join("\n"),
        );
    const run = async (networkFlag: string): Promise<string> => {
      const built = context(networkFlag).dockerBuild({
        buildArgs: [
          { name: "PROBE_URL", value: `http://${testbedValue("MIRROR_ENGINE_HOST")}/v2/` },
          { name: "NONCE", value: nonce() },
        ],
      });
      return built.file("/probe-result").contents();
    };

    it("the step with the default network reaches the registry", async () => {
      await withEngine(async () => {
        expect(await run("")).toBe("reached 200");
      });
    });

    it("the same step with --network=none cannot", async () => {
      await withEngine(async () => {
        expect(await run("--network=none")).toMatch(/^unreachable: /);
      });
    });
  });

  it("gives containers the proxy's CA: HTTPS to the npm registry works from an image without it", async () => {
    // The host's npm registry URL (asked, never written down: see DESIGN.md).
    const npmRegistry = execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).trim();
    await withEngine(async () => {
      // Drop every locally added CA from the image; only the engine can put one back.
      const bare = dag
        .container()
        .from(NODE_IMAGE)
        .withExec([
          "sh",
          "-c",
          "rm -f /usr/local/share/ca-certificates/*.crt && update-ca-certificates --fresh >/dev/null",
        ]);
      const left = (await bare.directory("/usr/local/share/ca-certificates").entries()).filter((e) =>
        e.endsWith(".crt"),
      );
      expect(left).toEqual([]);

      const name = await bare
        .withEnvVariable("NONCE", nonce())
        .withExec(["npm", "view", "semver", "name", `--registry=${npmRegistry}`])
        .stdout();
      expect(name.trim()).toBe("semver");
    });
  });
});
