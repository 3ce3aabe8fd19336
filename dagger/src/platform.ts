/**
 * The Platform object: `dagger call platform --name NAME`, then how to reach
 * AWS, given once (`with-aws-credentials`, `with-web-identity`,
 * `with-endpoint`, `with-emulator`), then one operation on a shared
 * environment (sharedEnvironments: in the file): apply, plan, status, destroy.
 * What a platform team runs; services attach with `shared: NAME`. Each
 * operation is a thin call into ops/platform.ts; env/shared.ts opens it.
 */
import { type Directory, func, object, type Secret } from "@dagger.io/dagger";

import { jsonObjectArgument, urlArgument } from "./common/arguments.js";
import { asOutput, progress } from "./common/cli.js";
import { moduleInfra } from "./common/module-files.js";
import type { SharedArgs } from "./env/shared.js";
import { platformApply, platformDestroy, platformPlan, platformStatus } from "./ops/platform.js";

/** A shared environment, with the credentials and endpoints chained onto it. */
@object()
export class Platform {
  /** The repository holding the configuration file. */
  source: Directory;
  /** Path of the configuration file inside the source. */
  config: string;
  /** The shared environment's name. */
  @func()
  name: string;
  /** AWS access key id. */
  accessKeyId?: Secret;
  /** AWS secret access key. */
  secretAccessKey?: Secret;
  /** AWS session token. */
  sessionToken?: Secret;
  /** OIDC token to assume roleArn with. */
  webIdentityToken?: Secret;
  /** Role to assume with the web-identity token. */
  roleArn?: string;
  /** A custom AWS endpoint (real AWS). */
  endpoint?: string;
  /** An AWS emulator's endpoint, named explicitly. */
  emulatorEndpoint?: string;
  /** JSON merged over the shared environment's configuration. */
  configOverrides: string;

  /**
   * @param source the repository holding the file
   * @param config path of the configuration file
   * @param name the shared environment's name
   */
  constructor(source: Directory, config: string, name: string) {
    this.source = source;
    this.config = config;
    this.name = name;
    this.configOverrides = "";
  }

  /**
   * Use AWS access keys of the shared environment's account.
   *
   * The region is the shared environment's; temporary credentials add their session token.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY status`
   */
  @func()
  withAwsCredentials(
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID or file:PATH
     */
    accessKeyId: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY
     */
    secretAccessKey: Secret,
    /**
     * Session token of temporary credentials, e.g. env:AWS_SESSION_TOKEN
     */
    sessionToken?: Secret,
  ): Platform {
    return this.copy({ accessKeyId, secretAccessKey, sessionToken, webIdentityToken: undefined, roleArn: undefined });
  }

  /**
   * Assume a role with an OIDC token instead of access keys.
   *
   * STS AssumeRoleWithWebIdentity, a one-hour session.
   *
   * Example usage: `dagger call platform --name staging with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn arn:aws:iam::123456789012:role/platform apply`
   */
  @func()
  withWebIdentity(
    /**
     * The OIDC token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN
     */
    token: Secret,
    /**
     * IAM role to assume, e.g. arn:aws:iam::123456789012:role/platform
     */
    roleArn: string,
  ): Platform {
    return this.copy({
      webIdentityToken: token,
      roleArn,
      accessKeyId: undefined,
      secretAccessKey: undefined,
      sessionToken: undefined,
    });
  }

  /**
   * Reach AWS through a custom endpoint, such as a FIPS or VPC endpoint.
   *
   * Every real-AWS behaviour is kept (an emulator is with-emulator).
   *
   * Example usage: `dagger call platform --name staging with-endpoint --url https://vpce-0123.ecs.eu-west-1.vpce.amazonaws.com with-aws-credentials … plan`
   */
  @func()
  withEndpoint(
    /**
     * The endpoint URL
     */
    url: string,
  ): Platform {
    return this.copy({
      endpoint: urlArgument(
        "platform with-endpoint --url",
        url,
        "https://elasticloadbalancing-fips.us-east-1.amazonaws.com",
      ),
    });
  }

  /**
   * Rehearse the shared environment on an AWS emulator (moto) at an endpoint.
   *
   * Its stack gets the emulator-only settings.
   *
   * Example usage: `dagger call platform --name staging with-emulator --endpoint http://localhost:5000 with-aws-credentials … apply`
   */
  @func()
  withEmulator(
    /**
     * The emulator's API endpoint, e.g. http://localhost:5000
     */
    endpoint: string,
    /**
     * JSON merged over the shared environment's configuration, e.g. '{"accountId":"123456789012"}'
     */
    configOverrides = "",
  ): Platform {
    return this.copy({
      emulatorEndpoint: urlArgument("platform with-emulator --endpoint", endpoint, "http://localhost:5000"),
      configOverrides: jsonObjectArgument(
        "platform with-emulator --config-overrides",
        configOverrides,
        '{"accountId":"123456789012"}',
      ),
    });
  }

  /**
   * Create or update the shared environment; return what services attach to.
   *
   * The state bucket, then the shared stack (network, cluster, load balancer with an HTTPS listener answering 404 and an HTTP redirect, wildcard certificate, zone) planned and applied when it changes; its outputs are published as SSM parameters for the services. Prints the name servers to delegate when it created the zone.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY apply`
   */
  @func({ cache: "never" })
  async apply(
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await platformApply({ ...(await this.args()), lockTimeoutSeconds: lockTimeout }));
  }

  /**
   * Show what applying the shared stack would change, as Markdown.
   *
   * The shared stack only: the services attached to it have their own plans.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials … plan`
   */
  @func({ cache: "never" })
  async plan(
    /**
     * Seconds to wait for the state lock when an apply holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await platformPlan({ ...(await this.args()), lockTimeoutSeconds: lockTimeout }));
  }

  /**
   * Show what is attached to the shared environment, and its quotas.
   *
   * Every host on its load balancer with the service that claimed it and its rule priority, the load balancer against its quotas, and the cost per attached service.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials … status`
   */
  @func({ cache: "never" })
  async status(): Promise<string> {
    return asOutput(await platformStatus(await this.args()));
  }

  /**
   * Remove the shared environment; refused while services are attached.
   *
   * The refusal names every service still attached (destroy those first, in their repositories). Refuses unless --confirm repeats its name.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials … destroy --confirm staging`
   */
  @func({ cache: "never" })
  async destroy(
    /**
     * The shared environment's name again, to confirm
     */
    confirm = "",
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await platformDestroy({ ...(await this.args()), confirm, lockTimeoutSeconds: lockTimeout }));
  }

  /** What the operations take: the shared environment, as env/shared.ts opens it. */
  private async args(): Promise<SharedArgs> {
    return {
      name: this.name,
      source: this.source,
      ...((await this.source.exists(this.config))
        ? { configFile: { file: this.source.file(this.config), name: this.config } }
        : {}),
      infraSource: moduleInfra(),
      aws: {
        accessKeyId: this.accessKeyId,
        secretAccessKey: this.secretAccessKey,
        sessionToken: this.sessionToken,
        webIdentityToken: this.webIdentityToken,
        roleArn: this.roleArn,
        endpoint: this.endpoint,
      },
      ...(this.emulatorEndpoint ? { emulator: { endpoint: this.emulatorEndpoint } } : {}),
      configOverrides: this.configOverrides,
      log: progress,
    };
  }

  /**
   * A copy with some fields changed (objects returned between calls carry their state).
   * @param changes the fields to change
   */
  private copy(changes: Partial<Platform>): Platform {
    return Object.assign(new Platform(this.source, this.config, this.name), this, changes);
  }
}
