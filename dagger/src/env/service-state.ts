/**
 * What ECS runs now for an environment's service: the service (counts,
 * deployments) and the image its task definition names — what `status` shows
 * and `plan` plans the service stack with.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type Service as EcsService,
} from "@aws-sdk/client-ecs";

import { explainAwsError } from "../aws/auth.js";
import type { OpenEnvironment } from "./open.js";
import { DeployError } from "../common/errors.js";

/** A digest that satisfies the image variable's validation, for commands that do not deploy (destroy, plans before the first deploy). */
export const PLACEHOLDER_IMAGE = `placeholder.invalid/none@sha256:${"0".repeat(64)}`;

/** What ECS says about the service, and the image its task definition runs. */
export interface ServiceState {
  service?: EcsService;
  image?: string;
  /** Why there is no service, when there is none. */
  missing?: string;
}

/**
 * The environment's service as ECS describes it, and its image; or why there is none.
 *
 * @param env the open environment
 */
export async function serviceState(env: OpenEnvironment): Promise<ServiceState> {
  const ecs = new ECSClient(env.sdk);
  try {
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: env.config.names.cluster, services: [env.config.names.service] }),
    );
    const service = out.services?.find((s) => s.status !== "INACTIVE");
    if (!service)
      return {
        missing: `no service ${env.config.names.service} in cluster ${env.config.names.cluster} (not deployed yet, or destroyed)`,
      };
    const td = service.taskDefinition
      ? (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }))).taskDefinition
      : undefined;
    const image = td?.containerDefinitions?.find((c) => c.name === env.config.names.container)?.image;
    return { service, ...(image ? { image } : {}) };
  } catch (err) {
    if ((err as { name?: string }).name === "ClusterNotFoundException")
      return { missing: `no cluster ${env.config.names.cluster} (not deployed yet, or destroyed)` };
    throw new DeployError(
      explainAwsError(
        err,
        env.auth ?? { region: env.config.region, credentials: env.sdk.credentials },
        "status: ECS DescribeServices",
      ),
    );
  } finally {
    ecs.destroy();
  }
}
