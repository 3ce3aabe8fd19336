/**
 * `destroy`: removes an environment — the service stack, and with includeBase
 * the base stack; for `local`, its emulator state, registry storage and deployment ledger.
 * Refuses unless the caller repeats the environment's name.
 */
import { callOn } from "../common/cli.js";
import { DeployError } from "../common/errors.js";
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, withEnvironment } from "../env/open.js";
import { PLACEHOLDER_IMAGE } from "../env/service-state.js";
import { clearLocalState } from "../local/state.js";
import { releaseAttachment } from "../shared/attach.js";
import { type Stacks, synthesize } from "../stacks/infra-bridge.js";
import { runLocked, tofuInit } from "../stacks/tofu.js";
import { TofuError } from "../stacks/tofu-failure.js";

/** What `destroy` takes. */
export interface DestroyArgs extends EnvironmentArgs {
  /** Must equal the environment's name. */
  confirm: string;
  /** Also destroy the base stack (registry, zone, CI roles). */
  includeBase: boolean;
  /** How long to wait for the state lock. */
  lockTimeoutSeconds: number;
}

/**
 * `destroy`: removes the environment — the service stack, then (with
 * includeBase) the base stack. For `local`: its registry storage and ledger.
 * Refuses unless `confirm` repeats the environment's name.
 *
 * @param args the environment, the confirmation and what to remove
 */
export async function destroy(args: DestroyArgs): Promise<string> {
  if (args.confirm !== args.name) throw new DeployError(refusal(args));
  if (args.name === LOCAL) {
    return withEnvironment(
      args,
      "destroy",
      async (env) => {
        await env.ledger.clear();
        await clearLocalState(args.localState);
        return `Destroyed local environment "${args.localState}": the emulator's saved state (its infrastructure and OpenTofu's state), the registry storage and the deployment ledger emptied; the next deploy starts cold.`;
      },
      { startLocal: false },
    );
  }
  return withEnvironment(args, "destroy", async (env) => {
    // A preview shares the environment's base stack: removing a preview never removes that.
    const preview = env.shared?.view.pullRequest !== undefined;
    if (preview && args.includeBase)
      throw new DeployError(
        "destroy refused: --include-base on a preview would remove the environment's own base stack (registry, roles); a preview has none of its own",
      );
    const stacks = await synthesize(env.infra, env.config);
    const done: string[] = [];
    for (const role of args.includeBase ? (["service", "base"] as const) : (["service"] as const))
      done.push(await destroyStack(env, args, role, stacks, done));
    if (preview)
      return `Destroyed ${done.join(" and ")} in account ${env.identity.account}: its rule, target group, security group, service, log group, record and roles, and its claims on shared environment "${env.shared!.view.environment}". The environment's own service and base stack are untouched.`;
    return [
      `Destroyed ${done.join(" and ")} in account ${env.identity.account}.`,
      args.includeBase
        ? ""
        : `The base stack ${env.config.names.stacks.base} (registry, zone, CI roles) remains: add --include-base to remove it too (as an administrator).`,
      `The state bucket ${env.config.state.bucket} remains (it holds the state history and the deployment ledger); delete it by hand when nothing uses it.`,
    ]
      .filter((l) => l !== "")
      .join("\n");
  });
}

/**
 * Why destroy refuses without the name repeated, and the command that confirms.
 * @param args the call's arguments
 */
function refusal(args: DestroyArgs): string {
  const what =
    args.name === LOCAL
      ? " (its emulator state, registry storage and deployment ledger)"
      : ` (its service and what routes to it${args.includeBase ? ", and the base stack: registry with its images, zone, CI roles" : ""})`;
  return [
    `destroy refused: it deletes environment "${args.name}"${what}.`,
    "To go ahead, repeat the environment's name:",
    `  ${callOn(args.name, `destroy --confirm ${args.name}${args.includeBase ? " --include-base" : ""}`)}`,
  ].join("\n");
}

/**
 * `tofu destroy` of one stack; a failure says which stacks are gone already.
 *
 * @param env the open environment
 * @param args the call's arguments
 * @param role which stack
 * @param stacks the synthesized stacks
 * @param done the stacks destroyed before this one
 * @returns the stack's name
 */
async function destroyStack(
  env: OpenEnvironment,
  args: DestroyArgs,
  role: "base" | "service",
  stacks: Stacks,
  done: readonly string[],
): Promise<string> {
  const name = env.config.names.stacks[role];
  args.log(`▶ destroy ${name}`);
  const init = await tofuInit(stacks[role], env.tofu, env.runId);
  const op = {
    command: "destroy",
    stack: name,
    lockTimeoutSeconds: args.lockTimeoutSeconds,
    rerun: env.traits.command(`destroy --confirm ${args.name}`),
  } as const;
  const destroyed = await runLocked(init, op, [
    "-auto-approve",
    ...(role === "service" ? ["-var", `${env.config.imageVariable}=${PLACEHOLDER_IMAGE}`, ...priorityVar(env)] : []),
  ]).catch((err: unknown) => {
    if (!(err instanceof TofuError)) throw err;
    const then = [
      ...(done.length > 0 ? [`Already destroyed: ${done.join(", ")}.`] : []),
      "Fix the cause and run destroy again: it continues with what is left.",
    ];
    throw new TofuError([err.message, ...then].join("\n"), err.kind, err.operation, err.lines, err.partial, err.lock);
  });
  args.log(`✔ destroy ${name} (${destroyed.seconds.toFixed(1)} s)`);
  // Attached: its rule is gone with the stack; its host and priority are free for others now.
  if (role === "service" && env.shared) {
    const released = await releaseAttachment(env.sdk, env.shared, name);
    if (released.length > 0)
      args.log(`✔ released its claims on shared environment "${env.shared.view.environment}": ${released.join(", ")}`);
  }
  return name;
}

/**
 * The rule priority variable of an attached service's destroy: its claim's, or
 * any valid one when it holds none (a destroy reads the rule from the state).
 *
 * @param env the open environment
 */
function priorityVar(env: OpenEnvironment): string[] {
  if (!env.shared) return [];
  return ["-var", `${env.shared.view.priorityVariable}=${env.shared.claim?.priority ?? 1}`];
}
