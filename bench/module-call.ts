/**
 * One timed call of the module's functions, in its own Dagger session, for
 * bench/module.mjs (run with tsx and dagger/tsconfig.json, so the module's
 * decorators compile). Prints one JSON line: { seconds, ok, detail }.
 *
 *   tsx --tsconfig dagger/tsconfig.json bench/module-call.ts <what> <source dir>
 *
 * what: "prepare" (pull the base image, no timing that matters), "test", "build".
 * The engine is the one _EXPERIMENTAL_DAGGER_RUNNER_HOST names.
 */
import { connection, dag } from "@dagger.io/dagger";

import { FargatePipeline } from "../dagger/src/index.js";
import { NODE_IMAGE } from "../dagger/src/common/npm.js";
import { describeModule, scanModule } from "../dagger/scripts/introspect.mjs";

const [what, sourceDir] = process.argv.slice(2);
if (!what || !sourceDir) {
  console.error("usage: module-call.ts prepare|test|build <source dir>");
  process.exit(2);
}

// The constructor's own ignore list, as `dagger call` applies it to --source.
const ignore = describeModule(await scanModule()).constructorArgs.find((a) => a.name === "source")?.ignore ?? [];

const t0 = performance.now();
let ok = true;
let detail = "";
try {
  await connection(async () => {
    const module = new FargatePipeline(dag.host().directory(sourceDir, { exclude: ignore }));
    if (what === "prepare") {
      // The base image, so that "cold" compares builds, not one image download.
      detail = String((await dag.container().from(NODE_IMAGE).withExec(["node", "--version"]).stdout()).trim());
    } else if (what === "test") {
      detail = (await module.test()).split("\n").slice(-3).join(" ");
    } else if (what === "build") {
      // sync(): a Container is lazy; this runs every step of the build.
      await (await module.build("0.0.0-bench", "bench")).sync();
      detail = "runtime image built";
    } else {
      throw new Error(`unknown call ${what}`);
    }
  });
} catch (err) {
  ok = false;
  detail = (err instanceof Error ? err.message : String(err)).split("\n").slice(0, 5).join(" | ");
}
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, ok, detail }));
