/**
 * Build secrets: Dagger Secrets for the Dockerfile's `RUN --mount=type=secret,id=…`
 * (a private registry's token, a pip.conf), given once with `--build-secrets`
 * and passed to every build of the app (test, build, serve, publish,
 * publish-ecr, deploy).
 *
 * How Dagger names them (engine v0.21.8, core/container.go Build): dockerBuild
 * mounts each secret under its *name*, and refuses a secret without one. A
 * Secret from the CLI (`env:NPM_TOKEN`, `file:./pip.conf`) is a URI with no
 * name; only `setSecret(name, plaintext)` names one. So, as Dagger's own
 * cookbook does, each is re-created with `setSecret` under its id, the id being:
 * its name when it has one (an SDK caller's `dag.setSecret("npmrc", …)`), else
 * the env variable's name (`env:NPM_TOKEN` → NPM_TOKEN, as `docker build
 * --secret id=NPM_TOKEN` reads the variable of that name), else the file's base
 * name (`file:./secrets/pip.conf` → pip.conf), else the last part of a secret
 * store's path (`op://vault/npm/token` → token). A `cmd:` secret has none.
 *
 * The value goes from the CLI's host to the engine as a Secret, and into the
 * build only as a mount of the RUN steps that ask for it: never a layer, a build
 * arg or a log line (Dagger scrubs secret values from output). The image
 * dockerBuild returns still carries those mounts for what runs on it next
 * (serve, a stand-in): withoutBuildSecrets() takes them off.
 */
import { type Container, dag, type Secret } from "@dagger.io/dagger";

import {
  type BuildSecret,
  missingSecretsMessage,
  SECRETS_DIR,
  secretFlagExample,
  secretMounts,
  secretNeeds,
} from "../common/secret-mounts.js";

export type { BuildSecret } from "../common/secret-mounts.js";

/**
 * The id a secret given as a URI is mounted by, or undefined when it has none
 * (a `cmd:` secret, or a URI with no path).
 *
 * @param uri the Secret's URI, e.g. env://NPM_TOKEN, file://./secrets/pip.conf, op://vault/npm/token
 */
export function secretIdFromUri(uri: string): string | undefined {
  const m = /^([a-z0-9+.-]+):\/\/(.*)$/i.exec(uri);
  if (!m) return undefined;
  const [, scheme = "", rest = ""] = m;
  if (scheme.toLowerCase() === "cmd") return undefined;
  const path = rest.replace(/[?#].*$/, "");
  const last = path
    .split("/")
    .filter((p) => p !== "" && p !== "." && p !== "..")
    .at(-1);
  return last === undefined || last === "" ? undefined : last;
}

/**
 * The secrets given with --build-secrets, each named with its id.
 *
 * @param secrets the Secrets, as the CLI or an SDK caller gives them
 * @throws Error for a secret with no id, or two with the same id
 */
export async function buildSecretsOf(secrets: Secret[] | undefined): Promise<BuildSecret[]> {
  const named = await Promise.all(
    (secrets ?? []).map(async (secret): Promise<BuildSecret> => {
      const name = await secret.name();
      if (name) return { id: name, secret };
      const uri = await secret.uri();
      const id = secretIdFromUri(uri);
      if (id === undefined) {
        const scheme = /^([a-z0-9+.-]+):/i.exec(uri)?.[1] ?? "(no scheme)";
        throw new Error(
          `--build-secrets: a ${scheme}: secret has no id a Dockerfile can mount it by; give it as env:ID (a variable named like the mount's id) or file:PATH/ID (a file named like it)`,
        );
      }
      return { id, secret: dag.setSecret(id, await secret.plaintext()) };
    }),
  );
  const ids = named.map((s) => s.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0) {
    throw new Error(
      `--build-secrets: more than one secret has the id ${[...new Set(twice)].join(", ")}; a Dockerfile mounts one secret per id, so give each once`,
    );
  }
  return named;
}

/**
 * The image without the build's secrets: dockerBuild's result keeps each
 * secret mounted (at the mount's target, at /run/secrets/ID, and as the `env=`
 * variable) for whatever runs on it next; an app served from it must not read
 * them. Engine v0.21.8 mounts /run/secrets/ID twice (once from the Dockerfile,
 * once by dockerBuild), so each path is unmounted twice; unmounting what is not
 * mounted changes nothing. The image's layers and config never held them.
 *
 * @param image the runtime image as dockerBuild returned it
 * @param dockerfile the Dockerfile's text
 * @param secrets the build secrets it was given
 */
export function withoutBuildSecrets(image: Container, dockerfile: string, secrets: BuildSecret[]): Container {
  if (secrets.length === 0) return image;
  const mounts = secretMounts(dockerfile);
  const paths = new Set([...mounts.map((m) => m.target), ...secrets.map((s) => `${SECRETS_DIR}/${s.id}`)]);
  const variables = new Set(mounts.flatMap((m) => (m.env ? [m.env] : [])));
  let stripped = image;
  for (const path of paths) stripped = stripped.withoutMount(path).withoutMount(path);
  for (const name of variables) stripped = stripped.withoutSecretVariable(name);
  return stripped;
}

/**
 * Checks the secrets given against what a build of a target mounts: fails,
 * before anything is built, when a mount marked required has no secret; else
 * returns notes on what the build will run without, and on given ids the
 * Dockerfile never mounts (a typo, or a secret for another app).
 *
 * @param text the Dockerfile's text
 * @param dockerfile its path, for the messages
 * @param target the stage to build (undefined: the last)
 * @param secrets the build secrets given
 * @returns notes for the log (none when everything fits)
 * @throws Error naming each missing required secret and how to pass it
 */
export function checkBuildSecrets(
  text: string,
  dockerfile: string,
  target: string | undefined,
  secrets: BuildSecret[],
): string[] {
  const given = secrets.map((s) => s.id);
  const needs = secretNeeds(text, target, given);
  if (needs.missing.length > 0) throw new Error(missingSecretsMessage(dockerfile, needs.missing, given));
  const mounted = [...new Set(secretMounts(text).map((m) => m.id))];
  return [
    ...needs.optional.map(
      (m) =>
        `note: ${dockerfile} mounts the build secret ${m.id} (line ${m.line}) without required=true, and none was given: its RUN steps run without it (pass --build-secrets ${secretFlagExample(m.id)} if they need it)`,
    ),
    ...needs.unused.map(
      (id) =>
        `note: --build-secrets: no RUN of ${dockerfile} mounts a secret with id ${id} (it mounts: ${mounted.join(", ") || "none"})`,
    ),
  ];
}
