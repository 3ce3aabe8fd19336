/**
 * The build secrets in `check`: the steps that install or resolve the
 * project's dependencies (npm ci, pnpm and yarn installs, poetry and uv's lock
 * check and install; every Go step, as any go command may download modules)
 * get each secret given with
 * --build-secrets exactly as the Dockerfile mounts it, so a project whose
 * dependencies come from a private index installs in check as it builds.
 *
 * As the Dockerfile asks: the file at each `target` the Dockerfile names for
 * the id, always also at /run/secrets/ID (where dockerBuild mounts it too), and
 * the value in each `env=` variable. A relative target is resolved against the
 * check's working directory, /src: BuildKit resolves it against the RUN's
 * working directory (the stage's WORKDIR, moby/buildkit#628), which is where
 * the Dockerfile put the project, and check's installs run at the project's
 * root, /src. An absolute target is used as it is (one under the Dockerfile's
 * WORKDIR, e.g. /app/.npmrc, is not moved to /src). A secret the Dockerfile
 * never mounts is not applied. The Node and Python steps after the install
 * (typecheck, lint, format, tests) run without them.
 */
import { posix } from "node:path";

import type { Container } from "@dagger.io/dagger";

import { type BuildSecret, SECRETS_DIR, type SecretMount } from "../common/secret-mounts.js";

/** Where check puts the project and runs its installs: a relative target is resolved against it. */
export const CHECK_WORKDIR = "/src";

/** One build secret as check's install steps get it. */
export interface CheckSecret extends BuildSecret {
  /** The absolute paths its file is mounted at: each target the Dockerfile names, then /run/secrets/ID. */
  files: string[];
  /** The environment variables its value is put in (the mounts' `env=`). */
  variables: string[];
}

/**
 * What check's install steps get of the build secrets: for each secret whose id
 * the Dockerfile mounts, its file at each of the mounts' targets (a relative one
 * resolved against the working directory) and at /run/secrets/ID, and its value
 * in each mount's `env=` variable. Pure: no engine call.
 *
 * @param mounts the Dockerfile's secret mounts (secretMounts of its text), in order
 * @param secrets the build secrets given with --build-secrets
 * @param workdir where the installs run (default /src): a relative target is resolved against it
 * @returns one entry per secret the Dockerfile mounts, in the order given; none for a secret it never mounts
 */
export function checkSecretsFor(
  mounts: readonly SecretMount[],
  secrets: readonly BuildSecret[],
  workdir: string = CHECK_WORKDIR,
): CheckSecret[] {
  return secrets.flatMap((s): CheckSecret[] => {
    const own = mounts.filter((m) => m.id === s.id);
    if (own.length === 0) return [];
    const targets = own.map((m) => posix.resolve(workdir, m.target));
    const files = [...new Set([...targets, `${SECRETS_DIR}/${s.id}`])];
    const variables = [...new Set(own.flatMap((m) => (m.env ? [m.env] : [])))];
    return [{ id: s.id, secret: s.secret, files, variables }];
  });
}

/**
 * The report's line naming the build secrets the installs got, and where (ids and paths, never values).
 *
 * @param secrets the secrets applied
 * @param dockerfile the Dockerfile's path, which asked for them
 */
export function secretsLine(secrets: readonly CheckSecret[], dockerfile: string): string {
  const each = secrets.map((s) => `${s.id} (${[...s.files, ...s.variables.map((v) => `$${v}`)].join(", ")})`);
  return `– build secrets for the installs, as ${dockerfile} mounts them: ${each.join("; ")}`;
}

/**
 * A container with the build secrets as check's install steps get them: each
 * file mounted (mode 0400, owned by root: Dagger's default, and BuildKit's for
 * a secret), each variable set. Dagger scrubs the values from the output.
 *
 * @param container the container the install runs in (its /src already in place)
 * @param secrets what checkSecretsFor resolved
 */
export function withCheckSecrets(container: Container, secrets: readonly CheckSecret[]): Container {
  let c = container;
  for (const s of secrets) {
    for (const path of s.files) c = c.withMountedSecret(path, s.secret);
    for (const name of s.variables) c = c.withSecretVariable(name, s.secret);
  }
  return c;
}

/**
 * The container after an install without the build secrets: the steps that run
 * on it next (typecheck, lint, format, the project's tests) need no network and
 * never see them.
 *
 * @param container the container the install ran in
 * @param secrets what withCheckSecrets applied
 */
export function withoutCheckSecrets(container: Container, secrets: readonly CheckSecret[]): Container {
  let c = container;
  for (const s of secrets) {
    for (const path of s.files) c = c.withoutMount(path);
    for (const name of s.variables) c = c.withoutSecretVariable(name);
  }
  return c;
}
