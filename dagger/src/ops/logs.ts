/**
 * `logs`: recent lines of the service's tasks' logs (CloudWatch Logs), newest last.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";

import { explainAwsError } from "../aws/auth.js";
import { type EnvironmentArgs, LOCAL, openEnvironment } from "../env/open.js";
import { DeployError } from "../common/errors.js";

/**
 * `logs`: recent lines of the service's log group (CloudWatch Logs).
 *
 * @param args the environment's arguments
 * @param sinceMinutes how far back
 * @param limit at most this many lines (the newest)
 */
export async function logs(args: EnvironmentArgs, sinceMinutes: number, limit: number): Promise<string> {
  if (args.name === LOCAL) {
    return [
      "The local environment runs no tasks between calls, so it has no logs to show.",
      "Its image ran as a stand-in during the last deploy's smoke test; to watch it run:",
      "  dagger call serve up          # then curl localhost:8080/healthcheck",
    ].join("\n");
  }
  const env = await openEnvironment(args, "logs");
  const client = new CloudWatchLogsClient(env.sdk);
  try {
    const events = [];
    let nextToken: string | undefined;
    const startTime = Date.now() - sinceMinutes * 60_000;
    // FilterLogEvents pages oldest first; keep the newest `limit`.
    do {
      const out = await client.send(
        new FilterLogEventsCommand({
          logGroupName: env.config.names.logGroup,
          startTime,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      events.push(...(out.events ?? []));
      nextToken = out.nextToken;
    } while (nextToken && events.length < 10_000);
    const shown = events.slice(-limit);
    if (shown.length === 0) return `No log lines in ${env.config.names.logGroup} in the last ${sinceMinutes} minutes.`;
    return [
      `${env.config.names.logGroup}, last ${sinceMinutes} min (${shown.length} of ${events.length} lines; streams ecs/app/<task id>):`,
      ...shown.map(
        (e) =>
          `${new Date(e.timestamp ?? 0).toISOString()} ${(e.logStreamName ?? "").split("/").pop()?.slice(0, 8) ?? ""} ${(e.message ?? "").trimEnd()}`,
      ),
    ].join("\n");
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException")
      return `There is no log group ${env.config.names.logGroup} (not deployed yet, or destroyed).`;
    throw new DeployError(
      explainAwsError(
        err,
        env.auth ?? { region: env.config.region, credentials: env.sdk.credentials },
        "logs: CloudWatch Logs FilterLogEvents",
      ),
    );
  } finally {
    client.destroy();
    await env.close();
  }
}
