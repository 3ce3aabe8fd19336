/**
 * The image a deploy rolls out: the commit it reports, its immutable tag, the
 * repository it goes to (ECR, checked first; an emulator's registry; local's),
 * its reference by digest, and pulling it back for the emulator's stand-in.
 */
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { type Container, dag, type Service } from "@dagger.io/dagger";

import { explainAwsError } from "../aws/auth.js";
import type { OpenEnvironment } from "../env/open.js";
import { DeployError } from "../common/errors.js";
import { LOCAL_REGISTRY, pullLocal } from "../local/services.js";
import { type EcrLogin, ecrLogin, publishImage } from "../build/publish.js";
import { callOn } from "../common/cli.js";

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
          `the base stack is not applied. Run \`${callOn(env.config.name, "bootstrap")}\` once, as an administrator (README, "Deploying to AWS").`,
      );
    }
    throw new DeployError(explainAwsError(err, env.auth, "deploy: ECR DescribeRepositories"));
  } finally {
    ecr.destroy();
  }
}

/**
 * Pushes the image to the environment's registry; returns `repository@sha256:…`.
 *
 * @param env the open environment
 * @param image the runtime image
 * @param commit the build's commit (in the tag)
 * @param emulatorRegistry the registry an AWS emulator's images go to (with-emulator --registry)
 */
export async function pushToEnvironment(
  env: OpenEnvironment,
  image: Container,
  commit: string,
  emulatorRegistry?: Service,
): Promise<string> {
  const repo = env.config.names.repository;
  const tag = imageTag(commit);
  if (env.mode === "local") {
    return byDigest(await image.publish(`${LOCAL_REGISTRY}/${repo}:${tag}`, { registryService: env.registry! }));
  }
  const login = await deployLogin(env);
  const registry = await registryTarget(env, login.registry, emulatorRegistry);
  const auth = { registry: registry.host, username: login.username, password: login.password };
  const flags =
    "the AWS credentials (their identity needs ecr:GetAuthorizationToken and push rights on the repository)";
  return byDigest(
    await publishImage(
      image,
      `${registry.host}/${repo}:${tag}`,
      auth,
      [login.plaintext, ...env.secrets],
      flags,
      registry.service,
    ),
  );
}

// One ECR login per open environment, i.e. per deploy: the push and the stand-in's pull
// back share it (an ECR token is good for 12 hours, far longer than a deploy).
const logins = new WeakMap<OpenEnvironment, Promise<EcrLogin>>();

/**
 * The deploy's ECR login: made on first use, then shared; a failed one is not kept,
 * so a retry logs in again.
 *
 * @param env the open AWS environment
 */
export function deployLogin(env: OpenEnvironment): Promise<EcrLogin> {
  let login = logins.get(env);
  if (!login) {
    login = ecrLogin(env.auth!, "deploy");
    logins.set(env, login);
    // The caller awaits the login and sees its error; this only forgets it.
    void login.catch(() => logins.delete(env));
  }
  return login;
}

/**
 * Where an AWS environment's images go: the account's ECR registry, or on an
 * emulator the registry service passed with with-emulator --registry, addressed as
 * `localhost:<port>` (the engine reaches it as the service, over plain HTTP).
 *
 * @param env the open environment
 * @param ecrRegistry the account's ECR registry host
 * @param emulatorRegistry with-emulator --registry
 */
async function registryTarget(
  env: OpenEnvironment,
  ecrRegistry: string,
  emulatorRegistry?: Service,
): Promise<{ host: string; service?: Service }> {
  if (!emulatorRegistry) return { host: ecrRegistry };
  if (env.mode !== "emulator")
    throw new DeployError(
      "a registry service is only for AWS emulators (with-emulator --registry): on AWS, images go to the account's ECR registry",
    );
  const port = new URL(await emulatorRegistry.endpoint({ scheme: "http" })).port || "80";
  return { host: `localhost:${port}`, service: emulatorRegistry };
}

/**
 * The pushed image, pulled back by digest from the registry it went to (for the
 * stand-in that serves it on an emulator).
 *
 * @param env the open environment (local or an AWS emulator)
 * @param image the reference publish() returned
 * @param emulatorRegistry with-emulator --registry
 */
export async function pullBack(env: OpenEnvironment, image: string, emulatorRegistry?: Service): Promise<Container> {
  if (env.mode === "local") return pullLocal(image, env.registry!);
  const login = await deployLogin(env);
  const registry = await registryTarget(env, login.registry, emulatorRegistry);
  return dag
    .container()
    .withRegistryAuth(registry.host, login.username, login.password)
    .from(image, registry.service ? { registryService: registry.service } : {});
}
