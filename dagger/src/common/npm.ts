/**
 * npm in containers: the Node image, the shared package cache, and what an
 * `npm ci` failure means in words a person can act on.
 */
import { dag, type Container } from "@dagger.io/dagger";

import { indent, tail } from "./errors.js";

// The image the sample app's Dockerfile builds on, and the Node .nvmrc pins for
// host tooling: `check` runs the same Node as the image and the developer.
export const NODE_IMAGE = "node:24.21.0-bookworm-slim";

// One npm cache for every call of this module: it is content-addressed by
// integrity hash, so sharing it between lock files and workspaces is safe, and a
// warm cache turns a lock change into a local copy instead of a download
// (the infra workspace alone pulls ~390 MB of @cdktf/provider-aws).
const NPM_CACHE_VOLUME = "fargate-pipeline-npm-cache";

// The engine adds its custom CA certificates (corporate TLS proxies) to the
// system bundle of every container; Node reads only its built-in CAs unless
// told. Pointing at the bundle only when it exists keeps images without
// ca-certificates quiet.
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/**
 * Wraps a command so that Node also trusts the system CA bundle when there is one.
 *
 * @param args the command and its arguments
 */
export function withSystemCAs(args: readonly string[]): string[] {
  return [
    "sh",
    "-c",
    `if [ -s ${CA_BUNDLE} ]; then export NODE_EXTRA_CA_CERTS=${CA_BUNDLE}; fi; exec "$@"`,
    "sh",
    ...args,
  ];
}

/**
 * Prefixes a shell script so that Node also trusts the system CA bundle when there is one.
 *
 * @param script a `sh -c` script
 */
export function withSystemCAsScript(script: string): string {
  return `if [ -s ${CA_BUNDLE} ]; then export NODE_EXTRA_CA_CERTS=${CA_BUNDLE}; fi; ${script}`;
}

/**
 * A Node container with the module's npm cache mounted at ~/.npm.
 *
 * @param image the Node image (default: the module's own, NODE_IMAGE)
 */
export function nodeContainer(image: string = NODE_IMAGE): Container {
  return dag
    .container()
    .from(image)
    .withMountedCache("/root/.npm", dag.cacheVolume(NPM_CACHE_VOLUME))
    .withEnvVariable("npm_config_update_notifier", "false")
    .withEnvVariable("npm_config_fund", "false")
    .withEnvVariable("npm_config_audit", "false");
}

/**
 * Explains a lock file out of sync with a package.json, or a missing lock file,
 * from what `npm ci` (or a wrapper that passes its words on) printed.
 *
 * @param output what the step printed
 * @param where where it ran, for the message
 * @returns the message, or undefined when the output says neither
 */
export function explainLockFileProblem(output: string, where: string): string | undefined {
  if (
    /can only install packages when your package\.json and package-lock\.json[^\n]* are in sync|lock file's .* does not satisfy|Missing: .+ from lock file|Invalid: lock file's|package-lock\.json is out of sync/i.test(
      output,
    )
  ) {
    const details = output
      .split("\n")
      .map((l) => l.replace(/^npm (?:error|ERR!)\s*/, "").trim())
      .filter((l) => /^(Missing|Invalid): /.test(l));
    return [
      "package-lock.json is out of sync with package.json: run `npm install` and commit the lock file",
      `(found by \`npm ci\` in ${where})`,
      ...(details.length > 0 ? ["npm says:", indent(details.slice(0, 10))] : []),
    ].join("\n");
  }
  if (/can only install with an existing package-lock\.json|requires an existing package-lock/i.test(output)) {
    return `there is no package-lock.json: run \`npm install\` and commit the lock file (\`npm ci\` in ${where} installs exactly what it pins)`;
  }
  return undefined;
}

/**
 * Explains an `npm ci` failure: a lock file out of sync, a missing lock file, an
 * unreachable registry, a wrong Node version, or else the last lines npm printed.
 *
 * @param output what npm printed
 * @param where where it ran, for the message (e.g. "check", "the Dockerfile's deps stage")
 * @param image the Node image it ran in
 * @returns the message, or undefined when the output is not an npm install failure
 */
export function explainNpmInstallFailure(
  output: string,
  where: string,
  image: string = NODE_IMAGE,
): string | undefined {
  const lock = explainLockFileProblem(output, where);
  if (lock) return lock;
  if (/EBADENGINE|Unsupported engine/i.test(output)) {
    return [
      `npm refused the Node version in ${where}: the "engines" field of a package.json does not allow ${image}`,
      "npm says:",
      indent(tail(output, 8)),
    ].join("\n");
  }
  if (
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT|network request to .* failed/i.test(
      output,
    )
  ) {
    return [
      `\`npm ci\` in ${where} could not download packages: the package registry is not reachable from the Dagger engine`,
      "(behind a TLS-intercepting proxy, install its CA certificate into the engine; see the README, Troubleshooting)",
      "npm says:",
      indent(tail(output, 8)),
    ].join("\n");
  }
  if (/npm (?:error|ERR!)/.test(output)) {
    return [
      `\`npm ci\` failed in ${where}; run \`npm ci\` locally to reproduce. npm says:`,
      indent(tail(output, 15)),
    ].join("\n");
  }
  return undefined;
}
