/**
 * `bootstrap`: the one-time setup of an AWS environment, as an administrator —
 * the state bucket, then the base stack — and the next steps it prints.
 */
import { type EnvironmentArgs, LOCAL, openEnvironment } from "../env/open.js";
import { redact } from "../common/errors.js";
import { callOn } from "../common/cli.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { ensureStateBucket } from "../stacks/state-bucket.js";
import { requireListOutput, requireOutput } from "../stacks/outputs.js";
import { readOutputs, runLocked, tofuInit } from "../stacks/tofu.js";

/**
 * `bootstrap`: the state bucket (versioned, encrypted, public access blocked;
 * idempotent), then the base stack (registry, zone, CI identity), then the next
 * steps: the NS records to delegate and the role ARNs for GitHub.
 *
 * @param args the environment's arguments
 * @param lockTimeoutSeconds how long to wait for the state lock
 */
export async function bootstrap(args: EnvironmentArgs, lockTimeoutSeconds: number): Promise<string> {
  if (args.name === LOCAL) {
    return "The local environment needs no bootstrap: `dagger call deploy` creates the state bucket and both stacks in its emulator (kept between calls; `dagger call environment destroy --confirm local` empties it).";
  }
  const env = await openEnvironment(args, "bootstrap");
  try {
    const bucket = await ensureStateBucket(env.sdk, env.config.state.bucket, env.config.state.region);
    args.log(
      `✔ state bucket ${bucket.bucket} ${bucket.created ? "created" : "already there"}: versioning, encryption, public access block set`,
    );
    const stacks = await synthesize(env.infra, env.config);
    const name = env.config.names.stacks.base;
    args.log(`▶ apply ${name}`);
    const init = await tofuInit(stacks.base, env.tofu, env.runId);
    const op = {
      command: "apply",
      stack: name,
      lockTimeoutSeconds,
      rerun: callOn(args.name, "bootstrap"),
      next: () => "The state bucket is ready; fix the cause and run bootstrap again (it is idempotent).",
    } as const;
    const r = await runLocked(init, op, ["-auto-approve"]);
    const out = await readOutputs(r.container);
    const names = env.config.outputs.base;
    const source = {
      role: "base",
      stack: name,
      next: "the apply did not finish writing its state; run bootstrap again (it is idempotent)",
    } as const;
    const [repositoryUrl, hostedZoneId, deployRoleArn, planRoleArn] = [
      names.repositoryUrl,
      names.hostedZoneId,
      names.deployRoleArn,
      names.planRoleArn,
    ].map((o) => requireOutput(out, o, source));
    const ns = requireListOutput(out, names.nameServers, source);
    const zone = env.config.domain.split(".").slice(1).join(".");
    return redact(
      [
        `### Bootstrapped ${env.config.name} (account ${env.identity.account}, ${env.config.region})`,
        "",
        `- state bucket \`${bucket.bucket}\` (${bucket.created ? "created" : "already there"}; versioned, encrypted, public access blocked)`,
        `- ${name} applied (${r.seconds.toFixed(0)} s): ECR repository \`${repositoryUrl}\`, hosted zone \`${hostedZoneId}\`, CI roles`,
        "",
        "**Next steps**",
        "",
        ...(env.config.createsZone && ns.length > 0
          ? [
              `1. Delegate the zone \`${zone}\` from its parent zone: add an NS record for \`${zone}\` with these name servers (the certificate validates only after this):`,
              "",
              "   ```",
              ...ns.map((n) => `   ${zone}. NS ${n}.`),
              "   ```",
            ]
          : [`1. The zone is an existing one (\`${hostedZoneId}\`): nothing to delegate.`]),
        "2. In the GitHub repository (Settings → Secrets and variables → Actions → Variables), set:",
        `   - \`AWS_DEPLOY_ROLE_ARN\` = \`${deployRoleArn}\``,
        `   - \`AWS_PLAN_ROLE_ARN\` = \`${planRoleArn}\``,
        `   - \`AWS_REGION\` = \`${env.config.region}\``,
        `3. Create the GitHub environment \`${env.config.name}\` (required reviewers, deployment branch main).`,
        `4. Deploy: push to main (the workflow assumes the deploy role above through GitHub's OIDC token), or from a laptop with your own credentials:`,
        `   \`dagger call environment --name ${env.config.name} with-aws-credentials --access-key-id env:AWS_ACCESS_KEY_ID --secret-access-key env:AWS_SECRET_ACCESS_KEY --session-token env:AWS_SESSION_TOKEN deploy --git-commit "$(git rev-parse HEAD)"\``,
        `   (or \`with-web-identity --token env:AWS_WEB_IDENTITY_TOKEN --role-arn <the deploy role>\` in place of with-aws-credentials, for a token from another identity provider).`,
      ].join("\n"),
      env.secrets,
    );
  } finally {
    await env.close();
  }
}
