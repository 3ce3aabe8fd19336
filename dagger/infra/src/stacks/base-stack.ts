import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/types.ts";
import { HostedZone } from "../constructs/dns.ts";
import { SharedLookup } from "../constructs/shared-outputs.ts";
import { CiOidc } from "../constructs/ci-oidc.ts";
import { TaskBoundary } from "../constructs/iam.ts";
import { Registry } from "../constructs/registry.ts";
import { BASE_OUTPUTS } from "../tofu.ts";
import { PreviewRole } from "../constructs/preview-role.ts";
import { EnvironmentStack } from "./environment-stack.ts";
import { boundaryPolicyArn, policyContext } from "../policies/context.ts";

/**
 * The base stack of an environment: what must exist before the first deploy and
 * rarely changes. The registry (images are pushed before the service stack is
 * applied with their digest), the hosted zone (delegated once, before a
 * certificate can validate through it), the task roles' permissions boundary,
 * and the CI identity when the configuration names a CI (OIDC provider, deploy
 * and plan roles; without one, none of them).
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
    // Attached: the shared environment's zone and host (read from what it published).
    const shared = config.shared && new SharedLookup(this, "shared", config.shared.names.parameterPath);
    const zone = config.shared
      ? { zoneId: shared!.value("hostedZoneId"), nameServers: [] as string[] }
      : new HostedZone(this, "dns", { zone: config.hostedZone, purpose: `${config.serviceName} ${config.name}` });

    const boundaryArn = boundaryPolicyArn(config, this.partition, this.accountId);
    const refs = {
      partition: this.partition,
      dnsSuffix: this.dnsSuffix,
      account: this.accountId,
      hostedZoneId: zone.zoneId,
      boundaryPolicyArn: boundaryArn,
      ...(config.shared ? { host: `${config.shared.host}.${shared!.value("domain")}` } : {}),
    };
    const boundary = new TaskBoundary(this, "task_boundary", {
      name: n.taskBoundaryPolicy,
      policy: policyContext(config, refs),
    });
    const policy = policyContext(config, { ...refs, boundaryPolicyArn: boundary.arn });
    // No CI named: no OIDC provider and no CI roles (keys or a web-identity role of your own deploy).
    // The id stays "github" for every CI: it is in the roles' state addresses (see CiOidc).
    const ci = config.ci.provider === "none" ? undefined : new CiOidc(this, "github", { ci: config.ci, policy });

    // Attached, with a CI: the pull requests' previews get a role of their own, limited to previews
    // (without a CI there are no CI roles at all: previews deploy with the caller's credentials).
    const preview =
      config.shared &&
      ci &&
      config.ci.provider !== "none" &&
      new PreviewRole(this, "preview", {
        name: n.roles.preview,
        ci: config.ci,
        providerArn: ci.providerArn,
        policy: { ...policy, oidcProviderArn: ci.providerArn },
        label: config.shared.host,
        domain: shared!.value("domain"),
      });

    new TerraformOutput(this, BASE_OUTPUTS.repositoryUrl, { value: registry.repositoryUrl });
    if (preview) new TerraformOutput(this, BASE_OUTPUTS.previewRoleArn, { value: preview.arn });
    if (ci) {
      new TerraformOutput(this, BASE_OUTPUTS.deployRoleArn, { value: ci.deployRoleArn });
      new TerraformOutput(this, BASE_OUTPUTS.planRoleArn, { value: ci.planRoleArn });
    }
    new TerraformOutput(this, BASE_OUTPUTS.hostedZoneId, { value: zone.zoneId });
    new TerraformOutput(this, BASE_OUTPUTS.nameServers, { value: zone.nameServers });
  }
}
