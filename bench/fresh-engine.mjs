/**
 * A second Dagger engine for the benches, started like the test bed's (its
 * image, registry config and run flags) but, by default, without its custom CA
 * certificates: the engine as a laptop or CI runner has it.
 *
 * Why: the test bed's engine carries this machine's custom CAs (for a
 * TLS-intercepting proxy), and an engine with custom CAs runs
 * update-ca-certificates twice around every exec (~1.3 s per exec here, 0.09 s
 * without), a cost a user's engine does not pay. An empty tmpfs over
 * /usr/local/share/ca-certificates takes them away.
 *
 * bench/module.mjs starts one per round (an anonymous state volume: cold);
 * bench/deploy.mjs one per run, its state in a named volume so that a second
 * run starts warm.
 */
import { spawnSync } from "node:child_process";

const DOCKER = process.env.DOCKER ?? "/usr/bin/docker";

/**
 * What startFreshEngine() needs to know.
 *
 * @typedef {object} FreshEngineOptions
 * @property {string} testbedEngine the test bed engine's container, whose image and flags are copied
 * @property {boolean} customCAs keep the test bed's custom CA certificates (reference figures only)
 * @property {string} [stateVolume] a named volume for the engine's state (kept after it stops); default: an anonymous one (removed with it)
 * @property {string} [label] the value of the container's fp.bench label
 */

/**
 * Starts the engine in the background; answers once `docker run` returned (the
 * engine may need seconds more before it answers a session).
 *
 * @param {string} name the container's name
 * @param {FreshEngineOptions} options
 * @returns {string} the `_EXPERIMENTAL_DAGGER_RUNNER_HOST` value that selects it
 */
export function startFreshEngine(name, { testbedEngine, customCAs, stateVolume, label = "bench" }) {
  const info = JSON.parse(must(DOCKER, ["inspect", testbedEngine]))[0];
  const hc = info.HostConfig;
  const config = info.Mounts.find((m) => m.Destination === "/etc/dagger/engine.json");
  const state = stateVolume ? `${stateVolume}:/var/lib/dagger` : "/var/lib/dagger";
  const args = ["run", "-d", "--rm", "--name", name, "--label", `fp.bench=${label}`, "-v", state];
  // An empty directory over the engine's custom CA certificates: see the header.
  if (!customCAs) args.push("--tmpfs", "/usr/local/share/ca-certificates");
  if (hc.Privileged) args.push("--privileged");
  for (const c of hc.CapAdd ?? []) args.push("--cap-add", c);
  for (const c of hc.CapDrop ?? []) args.push("--cap-drop", c);
  for (const o of hc.SecurityOpt ?? []) args.push("--security-opt", o);
  for (const r of hc.DeviceCgroupRules ?? []) args.push("--device-cgroup-rule", r);
  if (hc.CgroupnsMode) args.push("--cgroupns", hc.CgroupnsMode);
  if (config) args.push("-v", `${config.Source}:/etc/dagger/engine.json:ro`);
  must(DOCKER, [...args, info.Config.Image]);
  console.error(
    `fresh engine ${name} started (image ${info.Config.Image}, the test bed engine's run flags, ${customCAs ? "with" : "without"} its custom CA certificates${stateVolume ? `, state in volume ${stateVolume}` : ""})`,
  );
  return `docker-container://${name}`;
}

/**
 * Stops a bench engine (--rm removes the container and an anonymous state volume; a named one stays).
 *
 * @param {string} name the container's name
 */
export function stopFreshEngine(name) {
  spawnSync(DOCKER, ["stop", "-t", "5", name], { stdio: "ignore" });
}

/**
 * Runs a command and returns its stdout; throws with its stderr on failure.
 *
 * @param {string} cmd
 * @param {string[]} args
 */
function must(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}
