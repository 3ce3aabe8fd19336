/**
 * The smoke test after a rollout, in each mode: on AWS through the service's
 * URL (or its load balancer while the domain does not resolve yet); on an
 * emulator, which runs no tasks, against the image run as a stand-in service.
 */
import type { Container, Service } from "@dagger.io/dagger";

import type { OpenEnvironment } from "../env/open.js";
import { commandFailure, tail } from "../common/errors.js";
import { reachable, standInService } from "../local/services.js";
import { smokeTest, type SmokeResult } from "./probe.js";
import type { ServiceOutputs } from "../stacks/outputs.js";

// 120 s for the smoke test on AWS: DNS and the ALB may need a minute after the first deploy; 45 s for the stand-in.
const SMOKE_TIMEOUT_SECONDS = { aws: 120, emulator: 45 } as const;
// 3 answers in a row that are not 200: the app is up and unhealthy (the ALB's unhealthy threshold is 2).
const SMOKE_MAX_BAD_ANSWERS = 3;

/**
 * Smoke test on AWS: the URL, or the ALB's DNS name while the domain does not resolve yet.
 *
 * @param env the open environment
 * @param out the service stack's outputs (its URL and the ALB's DNS name)
 * @param commit the commit the new image reports
 */
export async function smokeAws(
  env: OpenEnvironment,
  out: Pick<ServiceOutputs, "url" | "albDnsName">,
  commit: string,
): Promise<SmokeResult> {
  const url = `${out.url.replace(/\/$/, "")}${env.config.healthCheckPath}`;
  const check = {
    expectCommit: commit,
    commitFrom: env.config.smokeTest.commitFrom,
    maxBadAnswers: SMOKE_MAX_BAD_ANSWERS,
  };
  const first = await smokeTest({ url, ...check, timeoutSeconds: SMOKE_TIMEOUT_SECONDS.aws });
  if (first.ok || !/ENOTFOUND|EAI_AGAIN/.test(first.reason ?? "") || !out.albDnsName) return first;
  // The domain does not resolve yet (zone not delegated): ask the ALB directly, with the domain's name for TLS and Host.
  const viaAlb = await smokeTest({ url, connectTo: out.albDnsName, ...check, timeoutSeconds: 30 });
  return viaAlb.ok
    ? {
        ...viaAlb,
        url: `${url} (through ${out.albDnsName}: ${env.config.domain} does not resolve yet — delegate its zone)`,
      }
    : viaAlb;
}

/**
 * Smoke test on an emulator: the image, pulled back by digest from the registry
 * it was pushed to, runs as a service standing in for the Fargate tasks.
 *
 * @param env the open environment (local or an AWS emulator)
 * @param image the reference publish() returned
 * @param commit the commit the image reports
 */
export async function smokeStandIn(env: OpenEnvironment, image: string, commit: string): Promise<SmokeResult> {
  const pulled = await env.images.pull(image);
  const svc: Service = standInService(pulled, env.config.containerPort);
  const url0 = `(stand-in for ${image})`;
  try {
    await svc.start();
  } catch (err) {
    return { ok: false, url: url0, attempts: 1, seconds: 0, reason: await standInFailure(err, pulled) };
  }
  const reach = await reachable(svc, env.config.containerPort);
  try {
    const res = await smokeTest({
      url: `${reach.url}${env.config.healthCheckPath}`,
      expectCommit: commit,
      commitFrom: env.config.smokeTest.commitFrom,
      timeoutSeconds: SMOKE_TIMEOUT_SECONDS.emulator,
      intervalSeconds: 1,
      maxBadAnswers: SMOKE_MAX_BAD_ANSWERS,
    });
    return { ...res, url: `${env.config.healthCheckPath} of the stand-in for ${image}` };
  } finally {
    await reach.close().catch(() => {});
    await svc.stop().catch(() => {});
  }
}

/**
 * Why the stand-in did not start. Dagger starts a service only once the image's
 * own HEALTHCHECK passes (as ECS does with a container health check), so the
 * command that failed is either that check — the app runs but says it is
 * unhealthy — or the app's process, which exited.
 *
 * @param err what `Service.start()` threw
 * @param image the stand-in's image
 */
async function standInFailure(err: unknown, image: Container): Promise<string> {
  const { cmd, output, exitCode } = commandFailure(err);
  const said = tail(output.replace(/\s*\[traceparent:[0-9a-f-]+\]/g, ""), 12).join(" | ");
  const code = exitCode >= 0 ? ` (exit code ${exitCode})` : "";
  const healthcheck = await image
    .dockerHealthcheck()
    .args()
    .catch(() => [] as string[]);
  const isHealthcheck = healthcheck.length > 0 && cmd.length > 0 && healthcheck.every((a) => cmd.includes(a));
  return isHealthcheck
    ? `the image's HEALTHCHECK (${healthcheck.join(" ")}) failed${code}: the app runs but is not healthy: ${said}`
    : `the container exited${code} before it served: ${said}`;
}
