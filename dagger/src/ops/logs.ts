/**
 * `logs`: recent lines of the service's tasks' logs (CloudWatch Logs), newest last.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";

import { explainAwsError } from "../aws/auth.js";
import { DeployError } from "../common/errors.js";
import { type EnvironmentArgs, LOCAL, type OpenEnvironment, withEnvironment } from "../env/open.js";

/** What `logs` takes. */
export interface LogsArgs extends EnvironmentArgs {
  /** How far back, in minutes. */
  sinceMinutes: number;
  /** At most this many lines (the newest). */
  limit: number;
}

// 10,000 lines read at most: FilterLogEvents pages oldest first, and a busy service's half hour
// can be far more than anyone reads in a terminal; the newest `limit` of them are shown.
const MAX_EVENTS_READ = 10_000;

/**
 * `logs`: recent lines of the service's log group (CloudWatch Logs).
 *
 * @param args the environment, how far back and how many lines
 */
export async function logs(args: LogsArgs): Promise<string> {
  if (args.name === LOCAL) {
    return [
      "The local environment runs no tasks between calls, so it has no logs to show.",
      "Its image ran as a stand-in during the last deploy's smoke test; to watch it run:",
      "  dagger call serve up          # then curl localhost:8080/healthcheck",
    ].join("\n");
  }
  return withEnvironment(args, "logs", async (env) => {
    const logGroup = env.config.names.logGroup;
    const events = await readEvents(env, Date.now() - args.sinceMinutes * 60_000);
    if (events === undefined) return `There is no log group ${logGroup} (not deployed yet, or destroyed).`;
    const shown = events.slice(-args.limit);
    if (shown.length === 0) return `No log lines in ${logGroup} in the last ${args.sinceMinutes} minutes.`;
    return [
      `${logGroup}, last ${args.sinceMinutes} min (${shown.length} of ${events.length} lines; streams ecs/app/<task id>):`,
      ...shown.map(
        (e) =>
          `${new Date(e.timestamp ?? 0).toISOString()} ${(e.logStreamName ?? "").split("/").pop()?.slice(0, 8) ?? ""} ${(e.message ?? "").trimEnd()}`,
      ),
    ].join("\n");
  });
}

/**
 * The log group's events since a time, oldest first; undefined when there is no log group.
 *
 * @param env the open environment
 * @param startTime milliseconds since the epoch
 */
async function readEvents(env: OpenEnvironment, startTime: number): Promise<FilteredLogEvent[] | undefined> {
  const client = new CloudWatchLogsClient(env.sdk);
  try {
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
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
    } while (nextToken && events.length < MAX_EVENTS_READ);
    return events;
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
    throw new DeployError(
      explainAwsError(
        err,
        env.auth ?? { region: env.config.region, credentials: env.sdk.credentials },
        "logs: CloudWatch Logs FilterLogEvents",
      ),
    );
  } finally {
    client.destroy();
  }
}
