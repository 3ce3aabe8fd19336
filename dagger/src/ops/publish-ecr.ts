/**
 * `publish-ecr`: the runtime image pushed to the environment's ECR repository,
 * with the environment's credentials, for pipelines that only push.
 */
import type { Container } from "@dagger.io/dagger";

import { credentialsHint, ecrLogin, publishImage } from "../build/publish.js";
import { type EnvironmentArgs, LOCAL, openEnvironment } from "../env/open.js";

/**
 * `publish-ecr` of an environment: the image pushed to the environment's ECR
 * repository (its configuration names it), with the environment's credentials.
 *
 * @param image the image to push
 * @param args the environment
 * @param tag image tag (ECR tags are immutable)
 */
export async function publishEcr(image: Container, args: EnvironmentArgs, tag: string): Promise<string> {
  if (args.name === LOCAL) {
    throw new Error(
      "publish-ecr: the local environment has no ECR: `dagger call deploy` pushes to its registry in the engine. Name an AWS environment: `dagger call environment --name production with-aws-credentials … publish-ecr`",
    );
  }
  const env = await openEnvironment(args, "publish-ecr");
  try {
    const login = await ecrLogin(env.auth!, "publish-ecr");
    const flags = `${credentialsHint(env.auth!)} and that the repository exists in that account (bootstrap creates it)`;
    return await publishImage(
      image,
      `${login.registry}/${env.config.names.repository}:${tag}`,
      login,
      [login.plaintext, ...env.secrets],
      flags,
    );
  } finally {
    await env.close();
  }
}
