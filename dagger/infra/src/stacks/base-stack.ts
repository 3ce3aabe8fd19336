import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/types.ts";
import { HostedZone } from "../constructs/dns.ts";
import { GithubOidc } from "../constructs/github-oidc.ts";
import { TaskBoundary } from "../constructs/iam.ts";
import { Registry } from "../constructs/registry.ts";
import { BASE_OUTPUTS } from "../tofu.ts";
import { EnvironmentStack } from "./environment-stack.ts";
import { boundaryPolicyArn, policyContext } from "../policies/context.ts";

/**
 * The base stack of an environment: what must exist before the first deploy and
 * rarely changes. The registry (images are pushed before the service stack is
 * applied with their digest), the hosted zone (delegated once, before a
 * certificate can validate through it), and the CI identity (OIDC provider,
 * deploy and plan roles, the task roles' permissions boundary).
 *
 * Applied by an administrator the first time and whenever the identity part
 * changes: the deploy role cannot change its own permissions.
 */
export class BaseStack extends EnvironmentStack {
  /**
   * @param scope The app.
   * @param config The environment's validated configuration.
   */
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config, "base");
    const n = config.names;

    const registry = new Registry(this, "registry", {
      name: n.repository,
      keepLastImages: config.registry.keepLastImages,
      expireUntaggedAfterDays: config.registry.expireUntaggedAfterDays,
      forceDelete: config.registry.forceDelete,
    });
    const zone = new HostedZone(this, "dns", {
      zone: config.hostedZone,
      purpose: `${config.serviceName} ${config.name}`,
    });

    const boundaryArn = boundaryPolicyArn(config, this.partition, this.accountId);
    const refs = {
      partition: this.partition,
      dnsSuffix: this.dnsSuffix,
      account: this.accountId,
      hostedZoneId: zone.zoneId,
      boundaryPolicyArn: boundaryArn,
    };
    const boundary = new TaskBoundary(this, "task_boundary", {
      name: n.taskBoundaryPolicy,
      policy: policyContext(config, refs),
    });
    const github = new GithubOidc(this, "github", {
      repository: config.github.repository,
      environment: config.github.environment,
      branch: config.github.branch,
      existingProviderArn: config.github.oidcProviderArn,
      // The boundary by reference: the roles' policies are written after it exists.
      policy: policyContext(config, { ...refs, boundaryPolicyArn: boundary.arn }),
    });

    new TerraformOutput(this, BASE_OUTPUTS.repositoryUrl, { value: registry.repositoryUrl });
    new TerraformOutput(this, BASE_OUTPUTS.deployRoleArn, { value: github.deployRoleArn });
    new TerraformOutput(this, BASE_OUTPUTS.planRoleArn, { value: github.planRoleArn });
    new TerraformOutput(this, BASE_OUTPUTS.hostedZoneId, { value: zone.zoneId });
    new TerraformOutput(this, BASE_OUTPUTS.nameServers, { value: zone.nameServers });
  }
}
