/**
 * `bootstrap`: the one-time setup of an AWS environment, as an administrator —
 * the state bucket, then the base stack — and the next steps it prints.
 */
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { requireListOutput, requireOutput } from "../stacks/outputs.js";
import type { CiSummary, EnvironmentConfig } from "../stacks/infra-bridge.js";
import { ensureStateBucket, type StateBucketResult } from "../stacks/state-bucket.js";
import { readOutputs, runLocked, tofuInit } from "../stacks/tofu.js";

/** What `bootstrap` takes. */
export interface BootstrapArgs extends EnvironmentArgs {
  /** How long to wait for the state lock. */
  lockTimeoutSeconds: number;
}

/** What the base stack's apply gave: its outputs, as the next steps name them. */
export interface BaseApplied {
  stack: string;
  seconds: number;
  repositoryUrl: string;
  hostedZoneId: string;
  /** The CI roles' ARNs; undefined when the environment names no CI (no roles). */
  roles: { deploy: string; plan: string } | undefined;
  nameServers: string[];
  /** The previews' role (attached environments only). */
  previewRoleArn?: string;
}

/**
 * `bootstrap`: the state bucket (versioned, encrypted, public access blocked;
 * idempotent), then the base stack (registry, zone, CI identity), then the next
 * steps: the NS records to delegate and the role ARNs for CI.
 *
 * @param args the environment and the lock timeout
 */
export async function bootstrap(args: BootstrapArgs): Promise<string> {
  if (args.name === LOCAL) {
    return "The local environment needs no bootstrap: `dagger call deploy` creates the state bucket and both stacks in its emulator (kept between calls; `dagger call environment destroy --confirm local` empties it).";
  }
  return withEnvironment(args, "bootstrap", async (env) => {
    const bucket = await ensureStateBucket(env.sdk, env.config.state.bucket, env.config.state.region);
    args.log(
      `✔ state bucket ${bucket.bucket} ${bucket.created ? "created" : "already there"}: versioning, encryption, public access block set`,
    );
    return nextSteps(env, bucket, await applyBase(env, args));
  });
}

/**
 * The base stack applied, and the outputs the next steps need.
 *
 * @param env the open environment
 * @param args the call's arguments
 */
async function applyBase(env: OpenEnvironment, args: BootstrapArgs): Promise<BaseApplied> {
  const stacks = await synthesize(env.infra, env.config);
  const stack = env.config.names.stacks.base;
  args.log(`▶ apply ${stack}`);
  const init = await tofuInit(stacks.base, env.tofu, env.runId);
  const op = {
    command: "apply",
    stack,
    lockTimeoutSeconds: args.lockTimeoutSeconds,
    rerun: env.traits.command("bootstrap"),
    next: () => "The state bucket is ready; fix the cause and run bootstrap again (it is idempotent).",
  } as const;
  const applied = await runLocked(init, op, ["-auto-approve"]);
  const out = await readOutputs(applied.container);
  const names = env.config.outputs.base;
  const source = {
    role: "base",
    stack,
    next: "the apply did not finish writing its state; run bootstrap again (it is idempotent)",
  } as const;
  return {
    stack,
    seconds: applied.seconds,
    repositoryUrl: requireOutput(out, names.repositoryUrl, source),
    hostedZoneId: requireOutput(out, names.hostedZoneId, source),
    roles:
      env.config.ci.provider === "none"
        ? undefined
        : {
            deploy: requireOutput(out, names.deployRoleArn, source),
            plan: requireOutput(out, names.planRoleArn, source),
          },
    nameServers: requireListOutput(out, names.nameServers, source),
    // Only an environment attached to a shared one has previews (and their role).
    ...(typeof out[names.previewRoleArn] === "string" ? { previewRoleArn: out[names.previewRoleArn] as string } : {}),
  };
}

/**
 * What bootstrap did, and what to do next, as Markdown: the zone to delegate,
 * then the setup of the CI the configuration names (GitHub variables, GitLab
 * CI/CD variables, another issuer's token, or none), then how to deploy.
 *
 * @param env the open environment (its configuration and the account)
 * @param bucket the state bucket
 * @param base the base stack's apply
 */
export function nextSteps(
  env: Pick<OpenEnvironment, "config" | "identity">,
  bucket: StateBucketResult,
  base: BaseApplied,
): string {
  const { config, identity } = env;
  const zone = config.domain.split(".").slice(1).join(".");
  const laptop = `\`dagger call environment --name ${config.name} with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY --session-token env:AWS_SESSION_TOKEN deploy --git-commit "$(git rev-parse HEAD)"\``;
  return [
    `### Bootstrapped ${config.name} (account ${identity.account}, ${config.region})`,
    "",
    `- state bucket \`${bucket.bucket}\` (${bucket.created ? "created" : "already there"}; versioned, encrypted, public access blocked)`,
    `- ${base.stack} applied (${base.seconds.toFixed(0)} s): ECR repository \`${base.repositoryUrl}\`, hosted zone \`${base.hostedZoneId}\`, ${base.roles ? `CI roles for ${ciName(config.ci)}` : "no CI roles (the configuration names no ci)"}`,
    "",
    "**Next steps**",
    "",
    ...(config.createsZone && base.nameServers.length > 0
      ? [
          `1. Delegate the zone \`${zone}\` from its parent zone: add an NS record for \`${zone}\` with these name servers (the certificate validates only after this):`,
          "",
          "   ```",
          ...base.nameServers.map((n) => `   ${zone}. NS ${n}.`),
          "   ```",
        ]
      : [`1. The zone is an existing one (\`${base.hostedZoneId}\`): nothing to delegate.`]),
    ...ciSteps(config, base.roles, laptop),
    ...previewSteps(config, base.previewRoleArn),
  ].join("\n");
}

/**
 * The CI's name, for the summary.
 * @param ci the environment's CI
 */
function ciName(ci: CiSummary): string {
  if (ci.provider === "github") return `GitHub Actions of ${ci.repository}`;
  if (ci.provider === "gitlab") return `GitLab CI/CD of ${ci.project}`;
  if (ci.provider === "oidc") return `tokens of ${ci.issuer}`;
  return "no CI";
}

/**
 * Steps 2 and on: set the CI up to assume the roles, then deploy.
 * @param config the environment
 * @param roles the CI roles' ARNs (undefined without a CI)
 * @param laptop the deploy command with one's own credentials
 */
function ciSteps(config: EnvironmentConfig, roles: BaseApplied["roles"], laptop: string): string[] {
  const ci = config.ci;
  if (ci.provider === "none" || !roles) {
    return [
      "2. No CI roles: the configuration names no `ci`. Deploy from a laptop or any CI with credentials of the account:",
      `   ${laptop}`,
      "   (or `with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn <a role of yours>` for an OIDC token a role you manage trusts).",
      "   For keyless deploys from GitHub Actions or GitLab CI/CD, add `ci:` to the configuration (docs/ci.md) and run bootstrap again.",
    ];
  }
  if (ci.provider === "github") {
    return [
      "2. In the GitHub repository (Settings → Secrets and variables → Actions → Variables), set:",
      `   - \`AWS_DEPLOY_ROLE_ARN\` = \`${roles.deploy}\``,
      `   - \`AWS_PLAN_ROLE_ARN\` = \`${roles.plan}\``,
      `   - \`AWS_REGION\` = \`${config.region}\``,
      `3. Create the GitHub environment \`${ci.environment}\` (required reviewers, deployment branch ${ci.branch}).`,
      `4. Deploy: push to ${ci.branch} (the workflow assumes the deploy role above through GitHub's OIDC token), or from a laptop with your own credentials:`,
      `   ${laptop}`,
    ];
  }
  if (ci.provider === "gitlab") {
    return [
      `2. In the GitLab project \`${ci.project}\` (Settings → CI/CD → Variables), set:`,
      `   - \`AWS_DEPLOY_ROLE_ARN\` = \`${roles.deploy}\` (protected: only pipelines of protected branches get it)`,
      `   - \`AWS_PLAN_ROLE_ARN\` = \`${roles.plan}\``,
      `3. Protect the branch \`${ci.branch}\` (Settings → Repository → Protected branches): the deploy role trusts every pipeline on it. Protect the environment \`${config.name}\` too (Settings → CI/CD → Protected environments) for approvals where your tier has them.`,
      `4. Deploy: push to ${ci.branch} (.gitlab-ci.yml's deploy job requests an ID token with \`aud: ${ci.audience}\` and assumes the deploy role with it), or from a laptop with your own credentials:`,
      `   ${laptop}`,
    ];
  }
  return [
    `2. In your CI, request an OIDC token from \`${ci.issuer}\` for the audience \`${ci.audience}\`, and call the module with it:`,
    `   - deploy jobs: \`dagger call environment --name ${config.name} with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn ${roles.deploy} deploy\``,
    `   - plan jobs: the same with \`--role-arn ${roles.plan}\` and \`plan\``,
    `3. Or deploy from a laptop with your own credentials:`,
    `   ${laptop}`,
  ];
}

/**
 * An attached environment's previews: the role its CI's preview jobs assume
 * (its base stack makes one when the configuration names a CI), and where to
 * give its ARN. docs/shared-environments.md has the workflows.
 * @param config the environment
 * @param previewRoleArn the previews' role (undefined: not attached, or no CI)
 */
function previewSteps(config: EnvironmentConfig, previewRoleArn: string | undefined): string[] {
  if (!config.shared) return [];
  const ci = config.ci;
  if (!previewRoleArn || ci.provider === "none")
    return [
      "",
      "Previews (`preview --pr N`): no previews' role without a CI (`ci:`); deploy them with credentials of the account.",
    ];
  const role = `\`AWS_PREVIEW_ROLE_ARN\` = \`${previewRoleArn}\``;
  if (ci.provider === "github")
    return [
      "",
      `Previews (\`preview --pr N\`): set ${role} too, and create the GitHub environment \`preview\` (no required reviewers: it runs on every pull request): the role trusts its jobs only (.github/workflows/preview.yml and preview-janitor.yml declare it).`,
    ];
  if (ci.provider === "gitlab")
    return [
      "",
      `Previews (\`preview --pr N\`): set ${role} as a CI/CD variable that is not protected (merge request pipelines run on unprotected branches): the role trusts the pipelines of every branch of \`${ci.project}\`, and may touch previews only.`,
    ];
  return [
    "",
    `Previews (\`preview --pr N\`): jobs with the plan role's subjects assume ${role} with \`with-web-identity\`; it may touch previews only.`,
  ];
}
