/**
 * Where an opened environment's images go, and come back from for the
 * emulator's stand-in: local's registry in the engine, the account's ECR
 * registry, or on an emulator the registry passed with `with-emulator
 * --registry` (moto has none). Chosen once, when the environment opens.
 */
import { type Container, dag, type Service } from "@dagger.io/dagger";

import type { AwsAuth } from "../aws/auth.js";
import { type EcrLogin, ecrLogin, publishImage } from "../build/publish.js";
import { LOCAL_REGISTRY, pullLocal } from "../local/services.js";

/** An environment's image registry. */
export interface ImageRegistry {
  /**
   * Pushes an image; returns the pushed reference (`…:tag@sha256:…`).
   * @param image the image
   * @param repository the repository's name, e.g. fargate-pipeline-staging
   * @param tag its tag (immutable in ECR)
   */
  push(image: Container, repository: string, tag: string): Promise<string>;
  /**
   * The pushed image, pulled back by its reference.
   * @param ref a reference push() returned (by digest)
   */
  pull(ref: string): Promise<Container>;
}

/**
 * local's registry: a service in the engine, with persistent storage.
 * @param registry the registry service (local/services.ts registryService())
 */
export function localImages(registry: Service): ImageRegistry {
  return {
    push: (image, repository, tag) =>
      image.publish(`${LOCAL_REGISTRY}/${repository}:${tag}`, { registryService: registry }),
    pull: (ref) => Promise.resolve(pullLocal(ref, registry)),
  };
}

/**
 * The account's ECR registry, logged in on first use with the environment's
 * credentials; on an emulator, the registry service standing in for ECR, sent
 * the credentials ECR hands out and addressed as `localhost:<port>` (the engine
 * reaches it as the service, over plain HTTP). One login per opened
 * environment, i.e. per call: the push and the stand-in's pull share it (an ECR
 * token is good for 12 hours). A failed login is not kept: a retry logs in again.
 *
 * @param auth the environment's resolved credentials
 * @param hidden plaintext values that must not appear in a push's error (the credentials)
 * @param emulatorRegistry with-emulator --registry, on an emulator
 */
export function ecrImages(auth: AwsAuth, hidden: readonly string[], emulatorRegistry?: Service): ImageRegistry {
  let login: Promise<EcrLogin> | undefined;
  const loggedIn = (): Promise<EcrLogin> => {
    if (!login) {
      const attempt = ecrLogin(auth, "deploy");
      login = attempt;
      // The caller awaits the login and sees its error; this only forgets it.
      void attempt.catch(() => {
        if (login === attempt) login = undefined;
      });
    }
    return login;
  };
  const where = async (ecrHost: string): Promise<{ host: string; service?: Service }> => {
    if (!emulatorRegistry) return { host: ecrHost };
    const port = new URL(await emulatorRegistry.endpoint({ scheme: "http" })).port || "80";
    return { host: `localhost:${port}`, service: emulatorRegistry };
  };
  return {
    push: async (image, repository, tag) => {
      const l = await loggedIn();
      const registry = await where(l.registry);
      return publishImage(
        image,
        `${registry.host}/${repository}:${tag}`,
        { registry: registry.host, username: l.username, password: l.password },
        [l.plaintext, ...hidden],
        "the AWS credentials (their identity needs ecr:GetAuthorizationToken and push rights on the repository)",
        registry.service,
      );
    },
    pull: async (ref) => {
      const l = await loggedIn();
      const registry = await where(l.registry);
      return dag
        .container()
        .withRegistryAuth(registry.host, l.username, l.password)
        .from(ref, registry.service ? { registryService: registry.service } : {});
    },
  };
}
