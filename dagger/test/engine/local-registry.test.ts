/**
 * The local registry (dagger/src/local/services.ts registryService()) started
 * again in the same engine session, as two deploys of one session do (the e2e
 * tests; any client driving the class): the second instance serves its push
 * after the engine has let go of the first one's, and the images pushed through
 * the first are still there (the storage is the --local-state cache volume).
 *
 * Without an instance of its own per call, the engine let go of the first
 * push's binding 10 s after it, by the service's key, and so stopped the
 * second registry: "connection refused" (CI, 2026-12-03, local.test.ts).
 */
import { randomUUID } from "node:crypto";

import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { LOCAL_REGISTRY, REGISTRY_IMAGE, registryService } from "../../src/local/services.js";
import { useEngineSession } from "./session.js";

/**
 * How long the second registry is asked for a connection, once a second, while the engine lets go of the first
 * one's bindings: past its grace (core/services.go DetachGracePeriod, 10 s) with margin.
 */
const ASK_SECONDS = 20;

/** A one-file image, different per content, to push. */
function probeImage(content: string) {
  return dag.container().withNewFile("/probe.txt", content);
}

describe("the local registry, started again in one session", () => {
  useEngineSession();

  it("stays up for the second call while the engine lets go of the first call's pushes, and keeps their images", async () => {
    const state = `engine-${randomUUID().slice(0, 8)}`;
    const first = registryService(state);
    await first.start();
    // Two pushes: two bindings the engine lets go of 10 s later, by the service's key.
    const pushed = await probeImage("first").publish(`${LOCAL_REGISTRY}/probe:first`, { registryService: first });
    await probeImage("other").publish(`${LOCAL_REGISTRY}/probe:other`, { registryService: first });
    await first.stop();

    const second = registryService(state);
    await second.start();
    try {
      // A client bound to the second registry connects to it once a second across the first's let-go.
      const asked = await dag
        .container()
        .from(REGISTRY_IMAGE)
        .withServiceBinding("registry", second)
        .withEnvVariable("FP_RUN", randomUUID())
        // bash's /dev/tcp: the test bed's registry image has no HTTP client; a stopped registry refuses the connection.
        .withExec([
          "bash",
          "-c",
          `for i in $(seq 1 ${ASK_SECONDS}); do (exec 3<>/dev/tcp/registry/5000) || { echo "refused after $i s"; exit 1; }; sleep 1; done; echo "answered ${ASK_SECONDS} times"`,
        ])
        .stdout();
      expect(asked.trim()).toBe(`answered ${ASK_SECONDS} times`);
      const back = await dag.container().from(pushed, { registryService: second }).file("/probe.txt").contents();
      expect(back).toBe("first");
    } finally {
      await second.stop().catch(() => {});
    }
  });
});
