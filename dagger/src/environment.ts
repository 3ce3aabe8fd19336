/**
 * The Environment object: `dagger call environment --name NAME`, then how to
 * reach it, given once (`with-aws-credentials`, `with-web-identity`,
 * `with-endpoint`, `with-emulator`), then one operation. Each operation is a
 * thin call into the area that owns it: deploy/ for deploy and rollback, ops/
 * for the rest; env/open.ts opens the environment for them.
 */
import { type Directory, func, object, type Secret, type Service } from "@dagger.io/dagger";

import { buildSecretsOf } from "./build/build-secrets.js";
import { buildRuntime } from "./build/dockerfile.js";
import { asOutput, progress } from "./common/cli.js";
import type { LockArgs } from "./deploy/args.js";
import { deploy, rollback } from "./deploy/deploy.js";
import type { EnvironmentArgs } from "./env/open.js";
import { bootstrap } from "./ops/bootstrap.js";
import { destroy } from "./ops/destroy.js";
import { logs } from "./ops/logs.js";
import { plan } from "./ops/plan.js";
import { publishEcr } from "./ops/publish-ecr.js";
import { setSecret } from "./ops/set-secret.js";
import { status } from "./ops/status.js";
import { moduleInfra } from "./common/module-files.js";
import { readCredential } from "./common/credentials.js";
import { preview, sweepPreviews } from "./ops/preview.js";
import { GITHUB_API, type GithubAccess } from "./shared/pull-requests.js";
import { jsonObjectArgument, urlArgument } from "./common/arguments.js";
import { configFileOf } from "./env/config-file.js";

/** One environment of the app, with the credentials and endpoints chained onto it. */
@object()
export class Environment {
  /** The app's source directory. */
  source: Directory;
  /** Path of the Dockerfile inside the source. */
  dockerfile: string;
  /** Path of the deployment configuration inside the source. */
  config: string;
  /** The environment's name. */
  @func()
  name: string;
  /** The local environment's state name. */
  localState: string;
  /** Secrets for the Dockerfile's RUN --mount=type=secret (--build-secrets). */
  buildSecrets: Secret[];
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
  /** The registry standing in for ECR on that emulator. */
  emulatorRegistry?: Service;
  /** JSON merged over the environment's configuration. */
  configOverrides: string;
  /** A GitHub token that reads the repository's pull requests (previews). */
  githubToken?: Secret;
  /** The GitHub repository of the pull requests ("OWNER/REPO"). */
  githubRepository?: string;
  /** GitHub's API base URL. */
  githubApi?: string;

  /**
   * @param source the app's source
   * @param dockerfile path of its Dockerfile
   * @param config path of its configuration file
   * @param name the environment's name
   * @param localState the local environment's state name
   * @param buildSecrets the build secrets (--build-secrets)
   */
  constructor(
    source: Directory,
    dockerfile: string,
    config: string,
    name: string,
    localState: string,
    buildSecrets: Secret[] = [],
  ) {
    this.source = source;
    this.dockerfile = dockerfile;
    this.config = config;
    this.name = name;
    this.localState = localState;
    this.buildSecrets = buildSecrets;
    this.configOverrides = "";
  }

  /**
   * Use AWS access keys of the environment's account.
   *
   * The region is the environment's; temporary credentials (an assumed role, SSO) add their session token.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY --session-token env:AWS_SESSION_TOKEN status`
   */
  @func()
  withAwsCredentials(
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID or file:PATH (one trailing newline is ignored)
     */
    accessKeyId: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY
     */
    secretAccessKey: Secret,
    /**
     * Session token of temporary credentials (assumed roles, SSO), e.g. env:AWS_SESSION_TOKEN
     */
    sessionToken?: Secret,
  ): Environment {
    return this.copy({ accessKeyId, secretAccessKey, sessionToken, webIdentityToken: undefined, roleArn: undefined });
  }

  /**
   * Assume a role with an OIDC token instead of access keys.
   *
   * STS AssumeRoleWithWebIdentity, a one-hour session: a token from GitHub Actions, GitLab CI `id_tokens`, a Kubernetes projected token or any OIDC issuer the role trusts.
   *
   * Example usage: `dagger call environment --name production with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy deploy`
   */
  @func()
  withWebIdentity(
    /**
     * The OIDC token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    token: Secret,
    /**
     * IAM role to assume, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    roleArn: string,
  ): Environment {
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
   * Every real-AWS behaviour is kept: an endpoint never makes an emulator of a real environment (that is with-emulator).
   *
   * Example usage: `dagger call environment --name production with-endpoint --url https://ecs-fips.us-east-1.amazonaws.com with-aws-credentials … plan`
   */
  @func()
  withEndpoint(
    /**
     * The endpoint URL, e.g. https://vpce-0123.ecs.eu-west-1.vpce.amazonaws.com
     */
    url: string,
  ): Environment {
    return this.copy({ endpoint: urlArgument("with-endpoint --url", url, "https://ecs-fips.us-east-1.amazonaws.com") });
  }

  /**
   * Rehearse the environment on an AWS emulator (moto) at an endpoint.
   *
   * The stacks get the emulator-only settings, the rollout the emulator's verdict (it runs no tasks), and the image runs as a stand-in for the smoke test.
   *
   * Example usage: `dagger call environment --name staging with-emulator --endpoint http://localhost:5000 --registry tcp://localhost:5001 with-aws-credentials … deploy`
   */
  @func()
  withEmulator(
    /**
     * The emulator's API endpoint, e.g. http://localhost:5000
     */
    endpoint: string,
    /**
     * A registry to push to instead of ECR (emulators have none), e.g. tcp://localhost:5001; it is sent the credentials ECR hands out
     */
    registry?: Service,
    /**
     * JSON merged over the environment's configuration, e.g. '{"accountId":"123456789012"}' (the emulator's account)
     */
    configOverrides = "",
  ): Environment {
    return this.copy({
      emulatorEndpoint: urlArgument("with-emulator --endpoint", endpoint, "http://localhost:5000"),
      emulatorRegistry: registry,
      configOverrides: jsonObjectArgument(
        "with-emulator --config-overrides",
        configOverrides,
        '{"accountId":"123456789012"}',
      ),
    });
  }

  /**
   * Read the repository's pull requests on GitHub (previews).
   *
   * preview checks that its pull request is still open before deploying; sweep-previews asks each preview's. A workflow's GITHUB_TOKEN reads them (permissions: pull-requests: read).
   *
   * Example usage: `dagger call environment --name review with-github --token env:GITHUB_TOKEN --repository example-org/app with-aws-credentials … sweep-previews`
   */
  @func()
  withGithub(
    /**
     * A token that reads the repository's pull requests, e.g. env:GITHUB_TOKEN
     */
    token: Secret,
    /**
     * The repository, "OWNER/REPO" (in a workflow: $GITHUB_REPOSITORY)
     */
    repository: string,
    /**
     * GitHub's API (GitHub Enterprise Server: https://HOST/api/v3)
     */
    api = GITHUB_API,
  ): Environment {
    return this.copy({ githubToken: token, githubRepository: repository, githubApi: api });
  }

  /**
   * Build, test, publish and roll out the app; return a Markdown summary.
   *
   * Checks, tests, builds and publishes the image by digest, plans the infrastructure with that digest and applies what changed, follows the rollout to its end and smoke-tests the health path. With nothing to change, nothing is applied, the running digest is smoke-tested and the summary says "unchanged". Fails on any verdict but SUCCESSFUL, and puts the previous image back.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY deploy --git-commit "$(git rev-parse HEAD)" --version 1.2.0`
   */
  // Never cached: a deploy is a side effect, and its result is only true when it ran.
  @func({ cache: "never" })
  async deploy(
    /**
     * Version of the build (build arg VERSION); CI passes the release or short commit
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT; the smoke test expects the app to report it when its configuration says where); default: source-<12 hex of the source's content hash>
     */
    gitCommit?: string,
    /**
     * Seconds to wait for the state lock when another deploy holds it, before failing with the lock's details
     */
    lockTimeout = 300,
    /**
     * Lock ID of a run that died holding the state lock (the lock error prints it): removed before applying. Only when that run is really dead
     */
    forceUnlock?: string,
  ): Promise<string> {
    const args = await this.lockArgs(lockTimeout, forceUnlock);
    const buildSecrets = await buildSecretsOf(this.buildSecrets);
    return asOutput(
      await deploy({ ...args, dockerfile: this.dockerfile, buildSecrets, version, gitCommit: gitCommit ?? "" }),
    );
  }

  /**
   * Roll back to the last good image before the current one.
   *
   * The image comes from the deployment ledger (or --image), and goes through the same apply, rollout tracking and smoke test as a deploy; returns a Markdown summary.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials … rollback`
   */
  @func({ cache: "never" })
  async rollback(
    /**
     * Roll back to this image (by digest, e.g. REPO@sha256:…) instead of the last successful one before the current
     */
    image?: string,
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
    /**
     * Lock ID of a run that died holding the state lock: removed before applying
     */
    forceUnlock?: string,
  ): Promise<string> {
    const args = await this.lockArgs(lockTimeout, forceUnlock);
    return asOutput(await rollback({ ...args, ...(image ? { image } : {}) }));
  }

  /**
   * Set or rotate one of the app's secrets in its store; print its new version.
   *
   * SSM PutParameter SecureString (overwrite, with the named KMS key or the AWS-managed one), or Secrets Manager PutSecretValue (created when missing; for a secret with a `key`, the current JSON is read, that key set and the whole put back). Prints the name and the new version, never the value. Running tasks keep the value they started with: the next deploy, even with nothing else changed, redeploys them to read it.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY set-secret --name DATABASE_URL --value env:DATABASE_URL`
   */
  @func({ cache: "never" })
  async setSecret(
    /**
     * The secret's environment variable: its key in service.secrets (the store, parameter or secret name and KMS key come from there)
     */
    name: string,
    /**
     * The new value (env:NAME, file:PATH, cmd:…); one trailing newline is trimmed
     */
    value: Secret,
  ): Promise<string> {
    return asOutput(await setSecret({ ...(await this.args()), envVar: name, value }));
  }

  /**
   * Show what applying the infrastructure would change, as Markdown.
   *
   * Both stacks, for a pull-request comment; the service is planned with the image running now, so the plan shows infrastructure changes only. Says so when nothing changes.
   *
   * Example usage: `dagger call environment --name production with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn arn:aws:iam::123456789012:role/fargate-pipeline-production-plan plan`
   */
  @func({ cache: "never" })
  async plan(
    /**
     * Seconds to wait for the state lock when a deploy holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await plan({ ...(await this.args()), lockTimeoutSeconds: lockTimeout }));
  }

  /**
   * Show what runs now, its health and the recent deployments.
   *
   * The image digest and commit, task counts, deployments in progress, who owns the task count, the secrets' versions, the health of the URL, and the deployment ledger's last entries.
   *
   * Example usage: `dagger call environment status`
   */
  @func({ cache: "never" })
  async status(): Promise<string> {
    return asOutput(await status(await this.args()));
  }

  /**
   * Show recent lines of the service's task logs (CloudWatch Logs).
   *
   * Newest last, from every task of the service's log group.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials … logs --since 60`
   */
  @func({ cache: "never" })
  async logs(
    /**
     * Minutes back to read
     */
    since = 30,
    /**
     * Most lines to show
     */
    lines = 200,
  ): Promise<string> {
    return asOutput(await logs({ ...(await this.args()), sinceMinutes: since, limit: lines }));
  }

  /**
   * Remove the environment's service stack, and with --include-base all of it.
   *
   * For local: its emulator state, registry storage and deployment ledger. Refuses unless --confirm repeats the environment's name.
   *
   * Example usage: `dagger call environment destroy --confirm local`
   */
  @func({ cache: "never" })
  async destroy(
    /**
     * The environment's name again, to confirm
     */
    confirm = "",
    /**
     * Also destroy the base stack (registry with its images, hosted zone, CI roles)
     */
    includeBase = false,
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await destroy({ ...(await this.args()), confirm, includeBase, lockTimeoutSeconds: lockTimeout }));
  }

  /**
   * Set up an AWS environment once, as an administrator.
   *
   * The state bucket (versioned, encrypted, public access blocked; idempotent), then the base stack (ECR repository, hosted zone, the CI deploy and plan roles); prints the next steps.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY bootstrap`
   */
  @func({ cache: "never" })
  async bootstrap(
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    return asOutput(await bootstrap({ ...(await this.args()), lockTimeoutSeconds: lockTimeout }));
  }

  /**
   * Build the runtime image and push it to the environment's ECR repository.
   *
   * STS, then ECR GetAuthorizationToken; returns the reference with its digest. A deploy publishes by itself: this is for pipelines that only push.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials … publish-ecr --git-commit "$(git rev-parse HEAD)"`
   */
  // Never cached: a push is a side effect, and the ECR login must be checked each time.
  @func({ cache: "never" })
  async publishEcr(
    /**
     * Image tag (ECR tags are immutable); default: the commit
     */
    tag?: string,
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT); default: the source's content hash
     */
    gitCommit?: string,
  ): Promise<string> {
    const secrets = await buildSecretsOf(this.buildSecrets);
    const built = await buildRuntime(this.source, this.dockerfile, { version, gitCommit, secrets });
    return asOutput(await publishEcr({ ...(await this.args()), image: built.image, tag: tag ?? built.commit }));
  }

  /** What the operations take: the environment, as env/open.ts opens it. */
  private async args(): Promise<EnvironmentArgs> {
    return {
      name: this.name,
      source: this.source,
      ...(await configFileOf(this.source, this.config).then((configFile) => (configFile ? { configFile } : {}))),
      infraSource: moduleInfra(),
      aws: {
        accessKeyId: this.accessKeyId,
        secretAccessKey: this.secretAccessKey,
        sessionToken: this.sessionToken,
        webIdentityToken: this.webIdentityToken,
        roleArn: this.roleArn,
        endpoint: this.endpoint,
      },
      ...(this.emulatorEndpoint
        ? {
            emulator: {
              endpoint: this.emulatorEndpoint,
              ...(this.emulatorRegistry ? { registry: this.emulatorRegistry } : {}),
            },
          }
        : {}),
      configOverrides: this.configOverrides,
      localState: this.localState,
      log: progress,
    };
  }

  /**
   * Deploy or remove a pull request's preview on the shared environment.
   *
   * The pull request's build as a small service of its own (one task, the smallest size, no autoscaling) beside the environment's, answering on https://pr-N-<host>.<domain> under the shared wildcard certificate, its state under a key of its own. With with-github it is deployed only while the pull request is open. Returns the URL first.
   *
   * Example usage: `dagger call environment --name review with-aws-credentials … preview --pr 12 --git-commit "$GITHUB_SHA"`
   */
  @func({ cache: "never" })
  async preview(
    /**
     * The pull request's number
     */
    pr: number,
    /**
     * Remove the preview (its rule, target group, service and claims) instead of deploying it
     */
    destroy = false,
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT); default: the source's content hash
     */
    gitCommit?: string,
    /**
     * Seconds to wait for the preview's state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    const args = await this.lockArgs(lockTimeout, undefined);
    const github = await this.github();
    const buildSecrets = await buildSecretsOf(this.buildSecrets);
    return asOutput(
      await preview({
        ...args,
        dockerfile: this.dockerfile,
        buildSecrets,
        version,
        gitCommit: gitCommit ?? "",
        pullRequest: pr,
        destroy,
        ...(github ? { github } : {}),
      }),
    );
  }

  /**
   * Remove previews whose pull request is closed, or older than a TTL.
   *
   * The janitor, for a scheduled job: GitHub sends no close event for some pull requests (a conflicting head, a deleted branch). With with-github it asks each preview's pull request; without it (another CI) the TTL alone decides. Prints each preview and what became of it.
   *
   * Example usage: `dagger call environment --name review with-github --token env:GITHUB_TOKEN --repository example-org/app with-aws-credentials … sweep-previews --ttl-hours 72`
   */
  @func({ cache: "never" })
  async sweepPreviews(
    /**
     * Remove a preview whose last deploy is older than this many hours, its pull request open or not
     */
    ttlHours = 72,
    /**
     * Seconds to wait for a preview's state lock when another run holds it
     */
    lockTimeout = 300,
  ): Promise<string> {
    const github = await this.github();
    return asOutput(
      await sweepPreviews({
        ...(await this.args()),
        ttlHours,
        lockTimeoutSeconds: lockTimeout,
        ...(github ? { github } : {}),
      }),
    );
  }

  /** GitHub, when with-github was chained: the token read from its Secret. */
  private async github(): Promise<GithubAccess | undefined> {
    if (!this.githubToken || !this.githubRepository) return undefined;
    return {
      token: (await readCredential(this.githubToken)).trim(),
      repository: this.githubRepository,
      api: this.githubApi ?? GITHUB_API,
    };
  }

  /**
   * What deploy and rollback take: the environment and the state lock's flags.
   * @param lockTimeout --lock-timeout
   * @param forceUnlock --force-unlock
   */
  private async lockArgs(lockTimeout: number, forceUnlock: string | undefined): Promise<LockArgs> {
    return { ...(await this.args()), lockTimeoutSeconds: lockTimeout, ...(forceUnlock ? { forceUnlock } : {}) };
  }

  /**
   * A copy with some fields changed (objects returned between calls carry their state).
   * @param changes the fields to change
   */
  private copy(changes: Partial<Environment>): Environment {
    return Object.assign(
      new Environment(this.source, this.dockerfile, this.config, this.name, this.localState, this.buildSecrets),
      this,
      changes,
    );
  }
}
