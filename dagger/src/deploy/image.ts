/**
 * The image a deploy rolls out: its immutable tag, the repository it goes to
 * (ECR, checked first; an emulator's registry; local's) and its reference by digest.
 */
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import type { Container } from "@dagger.io/dagger";

import { explainAwsError } from "../aws/auth.js";
import type { OpenEnvironment } from "../env/open.js";
import { DeployError } from "../common/errors.js";

/**
 * An immutable tag for a push: the commit (12) and the UTC time, so a rerun of
 * the same commit on another machine (another digest) never collides with ECR's immutable tags.
 *
 * @param commit the build's commit
 * @param now the time
 */
export function imageTag(commit: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")
    .toLowerCase();
  return `${commit.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 40)}-${stamp}`;
}

/**
 * `host/repo:tag@sha256:…` → `host/repo@sha256:…` (the digest is what counts).
 *
 * @param ref a pushed reference
 */
export function byDigest(ref: string): string {
  const at = ref.indexOf("@");
  if (at < 0) return ref;
  const name = ref.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  return `${colon >= 0 ? name.slice(0, colon) : name}${ref.slice(at)}`;
}

/**
 * The ECR repository exists (the base stack made it): else say to bootstrap.
 *
 * @param env the open environment
 */
export async function checkRepository(env: OpenEnvironment): Promise<void> {
  if (!env.auth) return;
  const ecr = new ECRClient(env.sdk);
  try {
    await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [env.config.names.repository] }));
  } catch (err) {
    if ((err as { name?: string }).name === "RepositoryNotFoundException") {
      throw new DeployError(
        `the ECR repository ${env.config.names.repository} does not exist in account ${env.identity.account} (${env.config.region}): ` +
          `the base stack is not applied. Run \`${env.traits.command("bootstrap")}\` once, as an administrator (README, "Deploying to AWS").`,
      );
    }
    throw new DeployError(explainAwsError(err, env.auth, "deploy: ECR DescribeRepositories"));
  } finally {
    ecr.destroy();
  }
}

/**
 * Pushes the image to the environment's registry (env.images: local's, ECR, or
 * an emulator's stand-in for it) under an immutable tag; returns `repository@sha256:…`.
 *
 * @param env the open environment
 * @param image the runtime image
 * @param commit the build's commit (in the tag)
 */
export async function pushToEnvironment(env: OpenEnvironment, image: Container, commit: string): Promise<string> {
  return byDigest(await env.images.push(image, env.config.names.repository, imageTag(commit)));
}
