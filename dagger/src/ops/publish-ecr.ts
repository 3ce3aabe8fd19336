/**
 * `publish-ecr`: the runtime image pushed to the environment's ECR repository,
 * with the environment's credentials, for pipelines that only push.
 */
import type { Container } from "@dagger.io/dagger";

import { credentialsHint, ecrLogin, publishImage } from "../build/publish.js";
import { DeployError } from "../common/errors.js";
import { type EnvironmentArgs, LOCAL, withEnvironment } from "../env/open.js";

/** What `publish-ecr` takes. */
export interface PublishEcrArgs extends EnvironmentArgs {
  /** The image to push. */
  image: Container;
  /** Its tag (ECR tags are immutable). */
  tag: string;
}

/**
 * `publish-ecr` of an environment: the image pushed to the environment's ECR
 * repository (its configuration names it), with the environment's credentials.
 *
 * @param args the environment, the image and its tag
 */
export async function publishEcr(args: PublishEcrArgs): Promise<string> {
  if (args.name === LOCAL) {
    throw new DeployError(
      "publish-ecr: the local environment has no ECR: `dagger call deploy` pushes to its registry in the engine. Name an AWS environment: `dagger call environment --name production with-aws-credentials … publish-ecr`",
    );
  }
  return withEnvironment(args, "publish-ecr", async (env) => {
    const login = await ecrLogin(env.auth!, "publish-ecr");
    const flags = `${credentialsHint(env.auth!)} and that the repository exists in that account (bootstrap creates it)`;
    return await publishImage(
      args.image,
      `${login.registry}/${env.config.names.repository}:${args.tag}`,
      login,
      [login.plaintext, ...env.secrets],
      flags,
    );
  });
}
