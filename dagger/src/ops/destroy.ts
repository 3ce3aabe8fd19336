/**
 * `destroy`: removes an environment — the service stack, and with includeBase
 * the base stack; for `local`, its emulator state, registry storage and deployment ledger.
 * Refuses unless the caller repeats the environment's name.
 */

import { type EnvironmentArgs, LOCAL, openEnvironment } from "../env/open.js";
import { clearLocalState } from "../local/state.js";
import { DeployError, redact } from "../common/errors.js";
import { PLACEHOLDER_IMAGE } from "../env/service-state.js";
import { callOn } from "../common/cli.js";
import { synthesize } from "../stacks/infra-bridge.js";
import { runLocked, tofuInit } from "../stacks/tofu.js";
import { TofuError } from "../stacks/tofu-failure.js";

/**
 * `destroy`: removes the environment — the service stack, then (with
 * includeBase) the base stack. For `local`: its registry storage and ledger.
 * Refuses unless `confirm` repeats the environment's name.
 *
 * @param args the environment's arguments
 * @param confirm must equal the environment's name
 * @param includeBase also destroy the base stack (registry, zone, CI roles)
 * @param lockTimeoutSeconds how long to wait for the state lock
 */
export async function destroy(
  args: EnvironmentArgs,
  confirm: string,
  includeBase: boolean,
  lockTimeoutSeconds: number,
): Promise<string> {
  if (confirm !== args.name) {
    throw new DeployError(
      [
        `destroy refused: it deletes environment "${args.name}"${args.name === LOCAL ? " (its emulator state, registry storage and deployment ledger)" : " (load balancer, service, network" + (includeBase ? ", and the base stack: registry with its images, zone, CI roles" : "") + ")"}.`,
        "To go ahead, repeat the environment's name:",
        `  ${callOn(args.name, `destroy --confirm ${args.name}${includeBase ? " --include-base" : ""}`)}`,
      ].join("\n"),
    );
  }
  if (args.name === LOCAL) {
    const env = await openEnvironment(args, "destroy", { startLocal: false });
    await env.ledger.clear();
    await clearLocalState(args.localState);
    await env.close();
    return `Destroyed local environment "${args.localState}": the emulator's saved state (its infrastructure and OpenTofu's state), the registry storage and the deployment ledger emptied; the next deploy starts cold.`;
  }
  const env = await openEnvironment(args, "destroy");
  try {
    const stacks = await synthesize(env.infra, env.config);
    const done: string[] = [];
    for (const [role, dir] of (includeBase
      ? [
          ["service", stacks.service],
          ["base", stacks.base],
        ]
      : [["service", stacks.service]]) as ["base" | "service", typeof stacks.base][]) {
      const name = env.config.names.stacks[role];
      args.log(`▶ destroy ${name}`);
      const init = await tofuInit(dir, env.tofu, env.runId);
      const op = {
        command: "destroy",
        stack: name,
        lockTimeoutSeconds,
        rerun: callOn(args.name, `destroy --confirm ${args.name}`),
      } as const;
      const r = await runLocked(init, op, [
        "-auto-approve",
        ...(role === "service" ? ["-var", `${env.config.imageVariable}=${PLACEHOLDER_IMAGE}`] : []),
      ]).catch((err: unknown) => {
        if (!(err instanceof TofuError)) throw err;
        const then = [
          ...(done.length > 0 ? [`Already destroyed: ${done.join(", ")}.`] : []),
          "Fix the cause and run destroy again: it continues with what is left.",
        ];
        throw new TofuError(
          [err.message, ...then].join("\n"),
          err.kind,
          err.operation,
          err.lines,
          err.partial,
          err.lock,
        );
      });
      done.push(name);
      args.log(`✔ destroy ${name} (${r.seconds.toFixed(1)} s)`);
    }
    return redact(
      [
        `Destroyed ${done.join(" and ")} in account ${env.identity.account}.`,
        includeBase
          ? ""
          : `The base stack ${env.config.names.stacks.base} (registry, zone, CI roles) remains: add --include-base to remove it too (as an administrator).`,
        `The state bucket ${env.config.state.bucket} remains (it holds the state history and the deployment ledger); delete it by hand when nothing uses it.`,
      ]
        .filter((l) => l !== "")
        .join("\n"),
      env.secrets,
    );
  } finally {
    await env.close();
  }
}
