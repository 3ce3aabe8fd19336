/**
 * Takes a containerized web app from source to an image in a registry: checks,
 * tests with no network, builds, serves and publishes it — the same on a laptop
 * and in CI.
 *
 * The app is an npm project with a Dockerfile that has a `test` stage and ends
 * with its runtime stage; this repository's sample app is the default.
 */
import { argument, check, type Container, type Directory, func, object, type Secret, type Service } from "@dagger.io/dagger";

import { appService, runTests, runtimeImage } from "./app.js";
import type { AwsArgs } from "./aws.js";
import { runChecks } from "./check.js";
import { deploy, rollback } from "./deploy.js";
import type { EnvironmentArgs } from "./environment.js";
import { bootstrap, destroy, logs, plan, status } from "./ops.js";
import { ecrTag, publishToEcr, publishToRegistry } from "./registry.js";

@object()
export class FargatePipeline {
  /** The app's source directory. */
  source: Directory;

  /** Path of the Dockerfile inside the source directory. */
  dockerfile: string;

  constructor(
    /**
     * The app's directory: an npm project whose Dockerfile has a "test" stage and ends with the runtime stage (default: this repository)
     */
    @argument({
      defaultPath: "/",
      ignore: ["**/node_modules", ".git", "**/dist", "**/coverage", "**/cdktf.out", "**/*.tsbuildinfo", "**/.env", "bench/results", "dagger/sdk"],
    })
    source: Directory,
    /**
     * Path of the Dockerfile inside the source directory
     */
    dockerfile = "Dockerfile",
  ) {
    this.source = source;
    this.dockerfile = dockerfile;
  }

  /**
   * Lock file, typecheck, lint and unit tests of every workspace, in a Node container, and the GitHub Actions workflows linted (actionlint); a failure names the step, the workspace and the command that reproduces it
   */
  @func()
  @check()
  async check(): Promise<string> {
    return await runChecks(this.source, { workflows: true });
  }

  /**
   * Runs the Dockerfile's "test" stage, whose RUN --network=none steps have no network; returns the test report, fails naming the failing tests
   */
  @func()
  @check()
  async test(): Promise<string> {
    return await runTests(this.source, this.dockerfile);
  }

  /**
   * The runtime image (the Dockerfile's last stage), built with VERSION and GIT_COMMIT and labelled with them
   */
  @func()
  async build(
    /**
     * Version of the build (build arg VERSION, label org.opencontainers.image.version); CI passes the release or tag name
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT, label org.opencontainers.image.revision); CI passes $GITHUB_SHA, a laptop $(git rev-parse HEAD)
     */
    gitCommit = "unknown",
  ): Promise<Container> {
    return await runtimeImage(this.source, this.dockerfile, { version, gitCommit });
  }

  /**
   * The runtime image as a service: `dagger call serve up` serves it on localhost
   */
  @func()
  async serve(
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT)
     */
    gitCommit = "unknown",
    /**
     * TCP port the app listens on
     */
    port = 8080,
  ): Promise<Service> {
    return appService(await this.build(version, gitCommit), port);
  }

  /**
   * Builds the runtime image and pushes it to a registry; returns the reference with its digest (address@sha256:…)
   */
  // Never cached: a push is a side effect; a replayed digest would not prove the image is there.
  @func({ cache: "never" })
  async publish(
    /**
     * Where to push: registry host, repository and tag, e.g. registry.example.com/team/app:1.2.3
     */
    address: string,
    /**
     * Registry user name, when the registry needs credentials
     */
    registryUsername?: string,
    /**
     * Registry password or token, e.g. env:REGISTRY_PASSWORD
     */
    registryPassword?: Secret,
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT)
     */
    gitCommit = "unknown",
  ): Promise<string> {
    return await publishToRegistry(await this.build(version, gitCommit), address, registryUsername, registryPassword);
  }

  /**
   * Builds the runtime image and pushes it to Amazon ECR of the credentials' account (STS, then ECR GetAuthorizationToken); returns the reference with its digest
   */
  // Never cached: a push is a side effect, and the ECR login must be checked each time.
  @func({ cache: "never" })
  async publishEcr(
    /**
     * ECR repository name, e.g. fargate-pipeline/app
     */
    repository: string,
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials, e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region of the repository, e.g. eu-west-1
     */
    awsRegion?: string,
    /**
     * AWS API endpoint, only for an AWS emulator (e.g. http://localhost:5000); leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * Image tag (ECR tags are immutable); defaults to --git-commit
     */
    tag?: string,
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT)
     */
    gitCommit = "unknown",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    const aws = awsArgs(awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, awsWebIdentityToken, awsRoleArn);
    const imageTag = ecrTag(tag, gitCommit);
    return await publishToEcr(await this.build(version, gitCommit), repository, imageTag, aws);
  }

  /**
   * Checks, tests, builds and publishes the app by digest, applies the infrastructure with that digest, follows the rollout to its end and smoke-tests /healthcheck; returns a Markdown summary. The default environment, local, runs everything against an AWS emulator inside the engine (no account)
   */
  // Never cached: a deploy is a side effect, and its result is only true when it ran.
  @func({ cache: "never" })
  async deploy(
    /**
     * Environment to deploy to (infra/src/config/environments.ts): local (default; the AWS emulator in the engine, no credentials), staging, production, …
     */
    env = "local",
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Version of the build (build arg VERSION); CI passes the release or short commit
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT; the smoke test expects /healthcheck to report it). Default: the source's content hash, source-<12 hex>
     */
    gitCommit = "unknown",
    /**
     * Seconds to wait for the state lock when another deploy holds it, before failing with the lock's details
     */
    lockTimeout = 300,
    /**
     * Lock ID of a run that died holding the state lock (the lock error prints it): removed before applying. Only when that run is really dead
     */
    forceUnlock?: string,
    /**
     * Name of the local environment's persistent state (registry storage and deployment ledger, in engine cache volumes); a new name starts from nothing
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator (e.g. http://localhost:5000), for rehearsing a real environment's path; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * A registry to push to instead of the account's ECR registry (e.g. tcp://localhost:5000), only with --aws-endpoint: emulators have no ECR registry. It is sent the credentials ECR hands out
     */
    emulatorRegistry?: Service,
    /**
     * JSON merged over the environment's configuration, e.g. '{"accountId":"123456789012"}' (emulators and tests; for real changes edit environments.ts)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    const aws = awsArgs(awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, awsWebIdentityToken, awsRoleArn);
    const common = { env, source: this.source, aws, configOverrides, localState, log: progress, lockTimeoutSeconds: lockTimeout, forceUnlock, emulatorRegistry };
    return await deploy({ ...common, dockerfile: this.dockerfile, version, gitCommit });
  }

  /**
   * Rolls the environment back to the last successful image before the current one (from the deployment ledger), through the same apply, rollout tracking and smoke test as deploy; returns a Markdown summary
   */
  @func({ cache: "never" })
  async rollback(
    /**
     * Environment to roll back (default local)
     */
    env = "local",
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials, e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Roll back to this image (repository@sha256:…, as `status` lists them) instead of the last successful one before the current
     */
    image?: string,
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
    /**
     * Lock ID of a run that died holding the state lock: removed before applying. Only when that run is really dead
     */
    forceUnlock?: string,
    /**
     * Name of the local environment's persistent state (see deploy)
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * The registry the images were pushed to instead of ECR (see deploy), only with --aws-endpoint
     */
    emulatorRegistry?: Service,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    const aws = awsArgs(awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, awsWebIdentityToken, awsRoleArn);
    return await rollback({ env, source: this.source, aws, configOverrides, localState, log: progress, lockTimeoutSeconds: lockTimeout, forceUnlock, emulatorRegistry, ...(image ? { image } : {}) });
  }

  /**
   * What applying the infrastructure would change, both stacks, as Markdown for a pull-request comment (the service planned with the image running now); says so when nothing changes
   */
  @func({ cache: "never" })
  async plan(
    /**
     * Environment to plan (default local)
     */
    env = "local",
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Seconds to wait for the state lock (a plan takes it) when another run holds it
     */
    lockTimeout = 300,
    /**
     * Name of the local environment's persistent state (see deploy)
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    return await plan(environmentArgs(this.source, env, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, localState, configOverrides, awsWebIdentityToken, awsRoleArn), lockTimeout);
  }

  /**
   * What runs now (image digest, commit, task counts, deployments in progress), the health of the URL, and the recent deployments
   */
  @func({ cache: "never" })
  async status(
    /**
     * Environment to report on (default local)
     */
    env = "local",
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Name of the local environment's persistent state (see deploy)
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    return await status(environmentArgs(this.source, env, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, localState, configOverrides, awsWebIdentityToken, awsRoleArn));
  }

  /**
   * Recent lines of the service's tasks' logs (CloudWatch Logs), newest last
   */
  @func({ cache: "never" })
  async logs(
    /**
     * Environment whose logs to show
     */
    env = "local",
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * How far back, in minutes
     */
    since = 30,
    /**
     * At most this many lines (the newest)
     */
    lines = 200,
    /**
     * Name of the local environment's persistent state (see deploy)
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    return await logs(environmentArgs(this.source, env, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, localState, configOverrides, awsWebIdentityToken, awsRoleArn), since, lines);
  }

  /**
   * Removes an environment: the service stack (and with --include-base the base stack); for local, its registry storage and deployment ledger. Refuses unless --confirm repeats the environment's name
   */
  @func({ cache: "never" })
  async destroy(
    /**
     * Environment to destroy
     */
    env: string,
    /**
     * The environment's name again, to confirm (e.g. --env staging --confirm staging)
     */
    confirm = "",
    /**
     * Also destroy the base stack (ECR repository and its images, hosted zone, CI roles); needs administrator credentials
     */
    includeBase = false,
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
    /**
     * Name of the local environment's persistent state (see deploy)
     */
    localState = "default",
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    const args = environmentArgs(this.source, env, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, localState, configOverrides, awsWebIdentityToken, awsRoleArn);
    return await destroy(args, confirm, includeBase, lockTimeout);
  }

  /**
   * One-time setup of an AWS environment, as an administrator: the state bucket (versioned, encrypted, public access blocked; idempotent), then the base stack (ECR repository, hosted zone, GitHub OIDC deploy and plan roles); prints the next steps (NS records to delegate, repository variables)
   */
  @func({ cache: "never" })
  async bootstrap(
    /**
     * Environment to set up (staging, production, …)
     */
    env: string,
    /**
     * AWS access key id, e.g. env:AWS_ACCESS_KEY_ID (not for local)
     */
    awsAccessKeyId?: Secret,
    /**
     * AWS secret access key, e.g. env:AWS_SECRET_ACCESS_KEY (not for local)
     */
    awsSecretAccessKey?: Secret,
    /**
     * AWS session token of temporary credentials (GitHub OIDC, assumed roles), e.g. env:AWS_SESSION_TOKEN
     */
    awsSessionToken?: Secret,
    /**
     * AWS region; must be the environment's (default: the environment's)
     */
    awsRegion?: string,
    /**
     * Seconds to wait for the state lock when another run holds it
     */
    lockTimeout = 300,
    /**
     * AWS API endpoint of an AWS emulator; leave unset for AWS
     */
    awsEndpoint?: string,
    /**
     * JSON merged over the environment's configuration (emulators and tests)
     */
    configOverrides = "",
    /**
     * OIDC token to assume --aws-role-arn with (STS AssumeRoleWithWebIdentity), instead of access keys: a CI job's ID token for audience sts.amazonaws.com, e.g. env:AWS_WEB_IDENTITY_TOKEN or file:/var/run/secrets/token
     */
    awsWebIdentityToken?: Secret,
    /**
     * IAM role to assume with --aws-web-identity-token, e.g. arn:aws:iam::123456789012:role/fargate-pipeline-production-deploy (bootstrap prints it)
     */
    awsRoleArn?: string,
  ): Promise<string> {
    return await bootstrap(environmentArgs(this.source, env, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsRegion, awsEndpoint, "default", configOverrides, awsWebIdentityToken, awsRoleArn), lockTimeout);
  }
}

/** Progress lines of long operations: on stderr, so stdout carries only the result (the Markdown summary). */
function progress(line: string): void {
  console.error(line);
}

/**
 * The arguments every environment operation shares, from the function's own.
 *
 * @param source the repository
 * @param env the environment's name
 */
function environmentArgs(
  source: Directory,
  env: string,
  accessKeyId: Secret | undefined,
  secretAccessKey: Secret | undefined,
  sessionToken: Secret | undefined,
  region: string | undefined,
  endpoint: string | undefined,
  localState: string,
  configOverrides: string,
  webIdentityToken: Secret | undefined,
  roleArn: string | undefined,
): EnvironmentArgs {
  const aws = awsArgs(accessKeyId, secretAccessKey, sessionToken, region, endpoint, webIdentityToken, roleArn);
  return { env, source, aws, configOverrides, localState, log: progress };
}

/** The AWS arguments of a function, in the order the functions declare them. */
function awsArgs(
  accessKeyId: Secret | undefined,
  secretAccessKey: Secret | undefined,
  sessionToken: Secret | undefined,
  region: string | undefined,
  endpoint: string | undefined,
  webIdentityToken: Secret | undefined,
  roleArn: string | undefined,
): AwsArgs {
  return { accessKeyId, secretAccessKey, sessionToken, region, endpoint, webIdentityToken, roleArn };
}
