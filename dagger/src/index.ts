/**
 * Build, test, publish and deploy a containerized web app to AWS ECS Fargate.
 *
 * From source to a healthy deployment behind an HTTPS load balancer: checks,
 * tests with no network, builds, publishes by digest, applies the module's
 * infrastructure and follows the rollout — the same on a laptop and in CI. The
 * app brings a Dockerfile (a `test` stage, the runtime stage last) and, for
 * environments other than `local`, a fargate-pipeline.yaml; the infrastructure
 * comes with the module.
 */
import {
  argument,
  check,
  type Container,
  type Directory,
  func,
  object,
  type Secret,
  type Service,
} from "@dagger.io/dagger";

import { runChecks } from "./check/run-checks.js";
import { asOutput } from "./common/cli.js";
import { appService, buildRuntime } from "./build/dockerfile.js";
import { runTests } from "./build/test-stage.js";
import { Environment } from "./environment.js";
import { publishToRegistry } from "./build/publish.js";

/** Default path of the app's deployment configuration in its source. */
const CONFIG_FILE = "fargate-pipeline.yaml";

@object()
export class FargatePipeline {
  /** The app's source directory. */
  source: Directory;

  /** Path of the Dockerfile inside the source directory. */
  dockerfile: string;

  /** Path of the deployment configuration inside the source directory. */
  config: string;

  constructor(
    /**
     * The app's directory: a Dockerfile with a "test" stage and the runtime stage last, and its fargate-pipeline.yaml (default: the repository you call from)
     */
    @argument({
      defaultPath: "/",
      ignore: [
        "**/node_modules",
        ".git",
        "**/dist",
        "**/coverage",
        "**/cdktf.out",
        "**/*.tsbuildinfo",
        "**/.env",
        "bench/results",
        "dagger/sdk",
        "**/__pycache__",
        "**/.venv",
        "**/.pytest_cache",
        "**/.mypy_cache",
        "**/.ruff_cache",
      ],
    })
    source: Directory,
    /**
     * Path of the Dockerfile inside the source directory
     */
    dockerfile = "Dockerfile",
    /**
     * Path of the deployment configuration inside the source directory; without the file, only the local environment exists, with defaults
     */
    config = CONFIG_FILE,
  ) {
    this.source = source;
    this.dockerfile = dockerfile;
    this.config = config;
  }

  /**
   * Check the lock file, then typecheck, lint, format and unit-test the source.
   *
   * The lock file in sync with its manifest, then the project's own typecheck, lint, format check and unit tests, for the ecosystem the source is (npm, pnpm, yarn, poetry, uv, Go), and the GitHub Actions workflows linted (actionlint). A failure names the step and the command that fixes or reproduces it.
   *
   * Example usage: `dagger call check`
   */
  @func()
  @check()
  async check(): Promise<string> {
    return asOutput(await runChecks(this.source, { workflows: true }));
  }

  /**
   * Run the Dockerfile's test stage with no network; return the test report.
   *
   * The "test" stage's RUN --network=none steps have no network. A failure names the failing tests, or the lock file problem or step that stopped them.
   *
   * Example usage: `dagger call test`
   */
  @func()
  @check()
  async test(): Promise<string> {
    return asOutput(await runTests(this.source, this.dockerfile));
  }

  /**
   * Build the runtime image: the Dockerfile's last stage.
   *
   * Built with the build args VERSION and GIT_COMMIT and labelled with them. Chain `export --path app.tar`, `publish --address REGISTRY/REPO:TAG`, `as-tarball` or `terminal`.
   *
   * Example usage: `dagger call build --version 1.2.0 export --path app.tar`
   */
  @func()
  async build(
    /**
     * Version of the build (build arg VERSION, label org.opencontainers.image.version); CI passes the release or tag name
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT, label org.opencontainers.image.revision); default: source-<12 hex of the source's content hash>. CI passes $GITHUB_SHA, a laptop $(git rev-parse HEAD)
     */
    gitCommit?: string,
  ): Promise<Container> {
    return (await buildRuntime(this.source, this.dockerfile, { version, gitCommit })).image;
  }

  /**
   * Serve the runtime image on the port its Dockerfile EXPOSEs.
   *
   * `up` serves it on localhost (`up --ports 9090:8080` for another host port).
   *
   * Example usage: `dagger call serve up`
   */
  @func()
  async serve(
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT); default: the source's content hash
     */
    gitCommit?: string,
  ): Promise<Service> {
    return await appService(await this.build(version, gitCommit), this.dockerfile);
  }

  /**
   * Build the runtime image and push it to a registry; return it by digest.
   *
   * Returns the reference with its digest (address@sha256:…); the registry's credentials are a user name and a Secret.
   *
   * Example usage: `dagger call publish --address registry.example.com/team/app:1.2.3 --registry-username ci --registry-password env:REGISTRY_TOKEN`
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
     * Registry password or token, e.g. env:REGISTRY_PASSWORD or file:PATH (one trailing newline is ignored)
     */
    registryPassword?: Secret,
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT); default: the source's content hash
     */
    gitCommit?: string,
  ): Promise<string> {
    const { image } = await buildRuntime(this.source, this.dockerfile, { version, gitCommit });
    return asOutput(await publishToRegistry(image, address, registryUsername, registryPassword));
  }

  /**
   * Deploy to the local environment: an AWS emulator in the engine, no account.
   *
   * The whole pipeline: check, test, build, publish by digest, plan and apply what changed, rollout, smoke test (with nothing to change: nothing applied, the running digest smoke-tested, "unchanged"); returns a Markdown summary. Other environments: `environment --name NAME … deploy`.
   *
   * Example usage: `dagger call deploy`
   */
  // Never cached: a deploy is a side effect, and its result is only true when it ran.
  @func({ cache: "never" })
  async deploy(
    /**
     * Version of the build (build arg VERSION)
     */
    version = "0.0.0-dev",
    /**
     * Git commit of the source (build arg GIT_COMMIT); default: source-<12 hex of the source's content hash>
     */
    gitCommit?: string,
    /**
     * Name of the local environment's persistent state (the emulator's state, registry storage, deployment ledger); a new name starts from nothing
     */
    localState = "default",
  ): Promise<string> {
    return await this.environment("local", localState).deploy(version, gitCommit);
  }

  /**
   * Choose an environment, then chain its credentials and one operation.
   *
   * An environment of the app's fargate-pipeline.yaml (local is the AWS emulator in the engine); then with-aws-credentials, with-web-identity, with-endpoint or with-emulator, and deploy, plan, status, logs, rollback, destroy, bootstrap, set-secret or publish-ecr.
   *
   * Example usage: `dagger call environment --name production with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY plan`
   */
  @func()
  environment(
    /**
     * The environment's name (a key of environments: in the configuration file); local is the AWS emulator in the engine
     */
    name = "local",
    /**
     * Name of the local environment's persistent state (the emulator's state, registry storage, deployment ledger); only for local
     */
    localState = "default",
  ): Environment {
    return new Environment(this.source, this.dockerfile, this.config, name, localState);
  }
}
