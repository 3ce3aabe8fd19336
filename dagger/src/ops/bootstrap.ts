/**
 * `bootstrap`: the one-time setup of an AWS environment, as an administrator —
 * the state bucket, then the base stack — and the next steps it prints.
 */
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { requireListOutput, requireOutput } from "../stacks/outputs.js";
import { ensureStateBucket, type StateBucketResult } from "../stacks/state-bucket.js";
import { readOutputs, runLocked, tofuInit } from "../stacks/tofu.js";

/** What `bootstrap` takes. */
export interface BootstrapArgs extends EnvironmentArgs {
  /** How long to wait for the state lock. */
  lockTimeoutSeconds: number;
}

/** What the base stack's apply gave: its outputs, as the next steps name them. */
interface BaseApplied {
  stack: string;
  seconds: number;
  repositoryUrl: string;
  hostedZoneId: string;
  deployRoleArn: string;
  planRoleArn: string;
  nameServers: string[];
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
    deployRoleArn: requireOutput(out, names.deployRoleArn, source),
    planRoleArn: requireOutput(out, names.planRoleArn, source),
    nameServers: requireListOutput(out, names.nameServers, source),
  };
}

/**
 * What bootstrap did, and what to do next, as Markdown.
 *
 * @param env the open environment
 * @param bucket the state bucket
 * @param base the base stack's apply
 */
function nextSteps(env: OpenEnvironment, bucket: StateBucketResult, base: BaseApplied): string {
  const { config, identity } = env;
  const zone = config.domain.split(".").slice(1).join(".");
  return [
    `### Bootstrapped ${config.name} (account ${identity.account}, ${config.region})`,
    "",
    `- state bucket \`${bucket.bucket}\` (${bucket.created ? "created" : "already there"}; versioned, encrypted, public access blocked)`,
    `- ${base.stack} applied (${base.seconds.toFixed(0)} s): ECR repository \`${base.repositoryUrl}\`, hosted zone \`${base.hostedZoneId}\`, CI roles`,
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
    "2. In the GitHub repository (Settings → Secrets and variables → Actions → Variables), set:",
    `   - \`AWS_DEPLOY_ROLE_ARN\` = \`${base.deployRoleArn}\``,
    `   - \`AWS_PLAN_ROLE_ARN\` = \`${base.planRoleArn}\``,
    `   - \`AWS_REGION\` = \`${config.region}\``,
    `3. Create the GitHub environment \`${config.name}\` (required reviewers, deployment branch main).`,
    `4. Deploy: push to main (the workflow assumes the deploy role above through GitHub's OIDC token), or from a laptop with your own credentials:`,
    `   \`dagger call environment --name ${config.name} with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY --session-token env:AWS_SESSION_TOKEN deploy --git-commit "$(git rev-parse HEAD)"\``,
    `   (or \`with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn <the deploy role>\` in place of with-aws-credentials, for a token from another identity provider).`,
  ].join("\n");
}
