/**
 * Where the local deploy's "smoke test" step spends its time: the runtime
 * image started as the stand-in service (local/services.ts standInService), reached,
 * probed by the smoke test (deploy/probe.ts), stopped; three rounds per variant, in
 * one Dagger session. Prints one JSON line per round.
 *
 *   tsx --tsconfig dagger/tsconfig.json bench/stand-in.ts [variant…]
 *
 * variants: "image" (the Dockerfile's HEALTHCHECK as it is), "interval-only"
 * (the same check without --start-interval: what it was), "no-check" (no
 * HEALTHCHECK: Dagger only waits for the port, the floor).
 * The engine is the one _EXPERIMENTAL_DAGGER_RUNNER_HOST names.
 *
 * Measured on the 2-core test bed, two runs of 3 rounds (seconds): start
 * interval-only 11.9-16.9, image (--start-interval=500ms) 1.5-4.1, no-check
 * 1.7-4.3; stop 1.2-5.4 in every variant; reach + probe under 0.2 s (one attempt).
 */
import { connection, type Container, dag } from "@dagger.io/dagger";

import { runtimeImage } from "../dagger/src/build/dockerfile.js";
import { reachable, standInService } from "../dagger/src/local/services.js";
import { smokeTest } from "../dagger/src/deploy/probe.js";
import { describeModule, scanModule } from "../dagger/scripts/introspect.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const COMMIT = "bench-stand-in";
const PORT = 8080;
const ROUNDS = 3;
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ["image", "interval-only", "no-check"];

/** The runtime image with the variant's health check. */
function variant(image: Container, name: string): Container {
  if (name === "image") return image;
  if (name === "no-check") return image.withoutDockerHealthcheck();
  if (name === "interval-only")
    return image.withDockerHealthcheck(["node", "dist/healthcheck.js"], {
      interval: "10s",
      timeout: "5s",
      startPeriod: "10s",
      retries: 3,
    });
  throw new Error(`unknown variant ${name}: image, interval-only or no-check`);
}

// The constructor's own ignore list, as `dagger call` applies it to --source.
const ignore = describeModule(await scanModule()).constructorArgs.find((a) => a.name === "source")?.ignore ?? [];

await connection(async () => {
  const image = await (
    await runtimeImage(dag.host().directory(ROOT, { exclude: ignore }), "Dockerfile", {
      version: "0.0.0-bench",
      gitCommit: COMMIT,
    })
  ).sync();
  for (const name of variants) {
    for (let round = 1; round <= ROUNDS; round++) {
      // A variable of its own per round: a new service, never one already running.
      const svc = standInService(variant(image, name).withEnvVariable("FP_ROUND", `${Date.now()}-${round}`), PORT);
      const t0 = performance.now();
      await svc.start();
      const t1 = performance.now();
      const reach = await reachable(svc, PORT);
      const smoke = await smokeTest({
        url: `${reach.url}/healthcheck`,
        expectCommit: COMMIT,
        timeoutSeconds: 45,
        intervalSeconds: 1,
      });
      const t2 = performance.now();
      await reach.close();
      await svc.stop();
      const t3 = performance.now();
      const s = (ms: number) => Math.round(ms) / 1000;
      console.log(
        JSON.stringify({
          variant: name,
          round,
          start: s(t1 - t0),
          reachAndProbe: s(t2 - t1),
          stop: s(t3 - t2),
          ok: smoke.ok,
          attempts: smoke.attempts,
        }),
      );
    }
  }
});
