/**
 * The API's answer to a health probe: status, version and commit, as the load balancer and
 * the smoke test read them.
 *
 * @param {{ version?: string, commit?: string }} build what the image was built from
 */
export function health(build) {
  return { status: "ok", version: build.version ?? "0.0.0-dev", commit: build.commit ?? "unknown" };
}

/**
 * A greeting for a name; an empty name greets the world.
 *
 * @param {string} name
 */
export function greeting(name) {
  return { message: `hello, ${name.trim() || "world"}` };
}
