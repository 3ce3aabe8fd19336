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
import { runChecks } from "./check.js";
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
   * Lock file, typecheck, lint and unit tests of every workspace, in a Node container; a failure names the step, the workspace and the command that reproduces it
   */
  @func()
  @check()
  async check(): Promise<string> {
    return await runChecks(this.source);
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
  ): Promise<string> {
    const aws = { accessKeyId: awsAccessKeyId, secretAccessKey: awsSecretAccessKey, sessionToken: awsSessionToken, region: awsRegion, endpoint: awsEndpoint };
    const imageTag = ecrTag(tag, gitCommit);
    return await publishToEcr(await this.build(version, gitCommit), repository, imageTag, aws);
  }
}
