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
import { buildSecretsOf } from "./build/build-secrets.js";
import { appService, buildRuntime } from "./build/dockerfile.js";
import { runTests } from "./build/test-stage.js";
import { Environment } from "./environment.js";
import { Platform } from "./platform.js";
import { publishToRegistry } from "./build/publish.js";
import { DEFAULT_CONFIG_FILE } from "./env/config-file.js";

@object()
export class FargatePipeline {
  /** The app's source directory. */
  source: Directory;

  /** Path of the Dockerfile inside the source directory. */
  dockerfile: string;

  /** Path of the deployment configuration inside the source directory. */
  config: string;

  /** Secrets for the Dockerfile's RUN --mount=type=secret, given to every build. */
  buildSecrets: Secret[];

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
    config = DEFAULT_CONFIG_FILE,
    /**
     * Secrets the Dockerfile mounts with RUN --mount=type=secret,id=ID, e.g. env:NPM_TOKEN,file:./pip.conf; a secret's id is its env variable's name or its file's base name. Given to every build, never to a layer or a log
     */
    buildSecrets?: Secret[],
  ) {
    this.source = source;
    this.dockerfile = dockerfile;
    this.config = config;
    this.buildSecrets = buildSecrets ?? [];
  }

  /**
   * Check the lock file, then typecheck, lint, format and test the project.
   *
   * On the project as the Dockerfile's build context sees it (the source minus .dockerignore), in the official image of the toolchain it asks for (.python-version or requires-python, .nvmrc or engines.node, go.mod): the lock file in sync with its manifest (npm, pnpm, yarn, poetry, uv, Go), its own typecheck, lint and format scripts or the conventional tool its configuration asks for, the test command it declares (a test script, go test), and the GitHub Actions workflows linted (actionlint: what would break them fails; shellcheck's info and style notes are reported). The installs get the --build-secrets the Dockerfile mounts, as it mounts them (a private index's token). A failure names the step, its cause and the command that fixes or reproduces it.
   *
   * Example usage: `dagger call check`
   */
  // Cached for the session only: the report says which steps this call ran and which the engine
  // replayed, so a call must not be answered with an earlier call's report (its steps replay anyway).
  @func({ cache: "session" })
  @check()
  async check(): Promise<string> {
    const secrets = await buildSecretsOf(this.buildSecrets);
    return asOutput(await runChecks(this.source, { dockerfile: this.dockerfile, workflows: true, secrets }));
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
    return asOutput(await runTests(this.source, this.dockerfile, await buildSecretsOf(this.buildSecrets)));
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
    const secrets = await buildSecretsOf(this.buildSecrets);
    return (await buildRuntime(this.source, this.dockerfile, { version, gitCommit, secrets })).image;
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
    const secrets = await buildSecretsOf(this.buildSecrets);
    const { image } = await buildRuntime(this.source, this.dockerfile, { version, gitCommit, secrets });
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
    return new Environment(this.source, this.dockerfile, this.config, name, localState, this.buildSecrets);
  }

  /**
   * Choose a shared environment, then chain credentials and one operation.
   *
   * What a platform team runs: a shared environment of the file's sharedEnvironments: (one network, cluster, load balancer and wildcard certificate that services attach to with `shared: NAME`); then with-aws-credentials, with-web-identity, with-endpoint or with-emulator, and apply, plan, status or destroy.
   *
   * Example usage: `dagger call platform --name staging with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY apply`
   */
  @func()
  platform(
    /**
     * The shared environment's name (a key of sharedEnvironments: in the configuration file)
     */
    name: string,
  ): Platform {
    return new Platform(this.source, this.config, name);
  }
}
