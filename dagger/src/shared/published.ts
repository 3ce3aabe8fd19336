/**
 * What a shared environment published for the services that attach to it (SSM
 * parameters below its path, written by its stack; infra's SHARED_PARAMETERS):
 * read by an attached service when it opens, and by `platform … status` and
 * `destroy`. Never copied into the service's configuration: read each time.
 */
import { GetParametersByPathCommand, type Parameter, SSMClient } from "@aws-sdk/client-ssm";

import type { SharedParameterNames } from "../stacks/infra-bridge.js";

/** The shared environment's published outputs. */
export interface Published {
  /** Services answer on <host>.<domain>. */
  domain: string;
  hostedZoneId: string;
  vpcId: string;
  subnetIds: string[];
  clusterName: string;
  clusterArn: string;
  loadBalancerArn: string;
  loadBalancerSecurityGroupId: string;
  httpsListenerArn: string;
  certificateArn: string;
}

/** A shared environment that has published nothing (not applied, or destroyed). */
export class NotPublishedError extends Error {
  /**
   * @param message what is missing and what to do
   */
  constructor(message: string) {
    super(message);
    this.name = "NotPublishedError";
  }
}

/**
 * The parameters directly below a path (not the claims further down), by their last segment.
 *
 * @param ssm an SSM client of the environment's account and region
 * @param path the path, e.g. /fargate-pipeline/shared/staging
 */
export async function parametersBelow(ssm: SSMClient, path: string): Promise<Map<string, Parameter>> {
  const found = new Map<string, Parameter>();
  let NextToken: string | undefined;
  do {
    // 10: the API's largest page.
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: path, Recursive: false, MaxResults: 10, NextToken }),
    );
    for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name.slice(path.length + 1), p);
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * Reads a shared environment's published outputs.
 *
 * @param ssm an SSM client of the environment's account and region
 * @param where the shared environment's name, SSM path and parameter names
 * @param fix what to do when they are missing (the platform's apply)
 * @throws NotPublishedError naming the missing outputs and what to do
 */
export async function readPublished(
  ssm: SSMClient,
  where: { environment: string; parameterPath: string; parameters: SharedParameterNames },
  fix: string,
): Promise<Published> {
  const found = await parametersBelow(ssm, where.parameterPath);
  const keys = Object.keys(where.parameters) as (keyof SharedParameterNames)[];
  const names = keys.map((k) => where.parameters[k]);
  const missing = names.filter((name) => !found.get(name)?.Value);
  if (missing.length > 0) {
    const none = missing.length === keys.length;
    throw new NotPublishedError(
      [
        none
          ? `shared environment "${where.environment}" has published nothing under ${where.parameterPath} in this account and region: it is not applied (or was destroyed).`
          : `shared environment "${where.environment}" has not published ${missing.join(", ")} under ${where.parameterPath}: its stack was applied only in part.`,
        fix,
      ].join("\n"),
    );
  }
  const value = (key: keyof SharedParameterNames) => found.get(where.parameters[key])!.Value!;
  return {
    domain: value("domain"),
    hostedZoneId: value("hostedZoneId"),
    vpcId: value("vpcId"),
    subnetIds: value("subnetIds").split(","),
    clusterName: value("clusterName"),
    clusterArn: value("clusterArn"),
    loadBalancerArn: value("loadBalancerArn"),
    loadBalancerSecurityGroupId: value("loadBalancerSecurityGroupId"),
    httpsListenerArn: value("httpsListenerArn"),
    certificateArn: value("certificateArn"),
  };
}
