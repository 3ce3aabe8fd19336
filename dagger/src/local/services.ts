/**
 * The `local` environment's machinery, all inside the Dagger engine: the AWS
 * emulator (moto) and an OCI registry as Dagger services, the image pulled back
 * by digest and run as a service standing in for the Fargate tasks (the
 * emulator runs no containers), and the one helper that lets the module's own
 * code (AWS SDK calls, the smoke test) reach a service.
 *
 * What lives how long: services live as long as the Dagger session, i.e. one
 * `dagger call`. What outlives the call is in cache volumes of the engine, per
 * --local-state name: the registry's storage (images by digest), the ledger
 * (history), and the emulator's state as the last successful deploy left it
 * (state.ts starts the emulator from it).
 */
import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";

import { dag, type Container, type Service } from "@dagger.io/dagger";

/** The AWS emulator's image (the same version the test bed runs on the host). */
export const EMULATOR_IMAGE = "motoserver/moto:5.2.5";
/** The registry's image. */
export const REGISTRY_IMAGE = "registry:2";

/** The emulator's port and the name tofu's container reaches it by. */
export const EMULATOR_PORT = 5000;
export const EMULATOR_BINDING = "aws";
/** The registry's port. */
const REGISTRY_PORT = 5000;

/**
 * The registry's address in image references. The engine pushes to and pulls
 * from the registry *service* passed as `registryService`, and speaks plain
 * HTTP to `localhost` names, so references read `localhost:5000/<repo>@sha256:…`.
 */
export const LOCAL_REGISTRY = `localhost:${REGISTRY_PORT}`;

/** Static credentials for the emulator: it accepts any (not secrets). */
export const EMULATOR_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/**
 * The local registry, its storage in a cache volume (images survive the call).
 *
 * Each call gets an instance of its own (FP_REGISTRY_INSTANCE, a fresh id), as
 * the emulator and the stand-in do. The engine (v0.21.8, core/services.go
 * `Detach`) runs one instance of identical services per session, and lets go
 * of a service an operation bound (a push, a pull) 10 s after that operation,
 * by the service's key, not by its instance. So when one session deployed
 * twice (the e2e tests do; so would any client driving the class), the first
 * deploy's late let-go stopped the registry the second had just started: its
 * push failed with "connection refused".
 *
 * @param stateName the --local-state name (a new name starts with an empty registry)
 */
export function registryService(stateName: string): Service {
  return dag
    .container()
    .from(REGISTRY_IMAGE)
    .withMountedCache("/var/lib/registry", dag.cacheVolume(`fargate-pipeline-local-registry-${stateName}`))
    .withEnvVariable("FP_REGISTRY_INSTANCE", randomUUID())
    .withExposedPort(REGISTRY_PORT)
    .asService({ useEntrypoint: true });
}

/**
 * The image, pulled back by digest from the local registry.
 *
 * @param ref `localhost:5000/<repo>@sha256:…`
 * @param registry the registry service
 */
export function pullLocal(ref: string, registry: Service): Container {
  return dag.container().from(ref, { registryService: registry });
}

/**
 * The image as a service standing in for the Fargate tasks: the task
 * definition's port and environment, the image's own entrypoint and command.
 *
 * Each call gets an instance of its own (FP_STAND_IN, a fresh id): the engine
 * runs one instance of identical services, so two deploys of the same digest at
 * once (two previews of one build) would share one, and the first smoke test to
 * finish would stop it under the other.
 *
 * @param image the image pulled back by digest
 * @param port the container port
 */
export function standInService(image: Container, port: number): Service {
  return image
    .withEnvVariable("FP_STAND_IN", randomUUID())
    .withEnvVariable("PORT", String(port))
    .withEnvVariable("NODE_ENV", "production")
    .withExposedPort(port)
    .asService({ useEntrypoint: true });
}

/** A service endpoint this process can reach, and how to let it go. */
export interface Reachable {
  /** `http://host:port` */
  url: string;
  /** How it is reached: the service's own name, or a tunnel to localhost. */
  via: "service name" | "tunnel";
  /** Stops the tunnel (when there is one). */
  close(): Promise<void>;
}

/**
 * Where this process reaches a started service over HTTP.
 *
 * In a `dagger call`, the module's code runs in a container of the engine, on
 * the services' network: the service's own endpoint resolves there. When the
 * module's class runs outside the engine (the test tiers drive it through the
 * SDK's `connection()`), that name does not resolve; then the service is
 * tunnelled to a random port of this host (`dag.host().tunnel()`). The choice
 * is made by trying: does the endpoint's host name resolve here?
 *
 * @param svc a service (started by this call)
 * @param port its port
 */
export async function reachable(svc: Service, port: number): Promise<Reachable> {
  const endpoint = await svc.endpoint({ port, scheme: "http" });
  const host = new URL(endpoint).hostname;
  if (await resolves(host)) return { url: endpoint, via: "service name", close: async () => {} };
  const tunnel = await dag
    .host()
    .tunnel(svc, { ports: [{ backend: port }] })
    .start();
  const url = await tunnel.endpoint({ scheme: "http" });
  return {
    url: url.replace("://localhost:", "://127.0.0.1:"),
    via: "tunnel",
    close: async () => {
      await tunnel.stop();
    },
  };
}

/** Whether a host name resolves from this process. */
async function resolves(host: string): Promise<boolean> {
  try {
    await lookup(host);
    return true;
  } catch {
    return false;
  }
}
