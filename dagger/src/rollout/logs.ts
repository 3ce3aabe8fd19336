/**
 * The last log lines of a rollout's failing tasks (CloudWatch Logs, awslogs
 * driver): which tasks explain the verdict, which container of each, and its
 * stream's newest lines. A courtesy beside the verdict: it never throws.
 */
import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";

import type { Clock, RolloutClients } from "./clients.js";
import { errorMessage, errorName, withRetry } from "./errors.js";
import { arnTail, type Evidence, type Observation, type TaskLogLines } from "./model.js";

// 15 lines: enough for a stack trace's top or the last requests; the `logs` function shows more.
export const LOG_LINES = 15;

/**
 * The last log lines of the tasks' containers (awslogs only); never throws.
 *
 * @param clients the tracker's clients (ECS for the task definition, CloudWatch Logs)
 * @param taskDefinitions task definitions already described, by ARN (filled in here)
 * @param service DescribeServices' service (its load-balanced container is the one read)
 * @param tasks the tasks whose logs explain the verdict
 * @param clock what waits between retries
 * @param random a source in [0, 1) for the retries' jitter
 */
export async function readLogs(
  clients: RolloutClients,
  taskDefinitions: Map<string, TaskDefinition>,
  service: Observation["service"],
  tasks: Task[],
  clock: Clock,
  random: () => number,
): Promise<TaskLogLines[]> {
  if (tasks.length === 0) return [];
  const tdArn = tasks[0]?.taskDefinitionArn;
  if (!tdArn) return [];
  let td = taskDefinitions.get(tdArn);
  if (!td) {
    try {
      td = (await withRetry(() => clients.ecs.describeTaskDefinition({ taskDefinition: tdArn }), clock, random))
        .taskDefinition;
      if (td) taskDefinitions.set(tdArn, td);
    } catch (err) {
      return tasks.map((t) => ({
        taskId: arnTail(t.taskArn),
        container: "?",
        logGroup: "?",
        logStream: "?",
        lines: [],
        note: `could not read the task definition: ${errorName(err)}: ${errorMessage(err)}`,
      }));
    }
  }
  const lbContainer = service.loadBalancers?.[0]?.containerName;
  const out: TaskLogLines[] = [];
  for (const task of tasks) {
    const taskId = arnTail(task.taskArn);
    // The container that explains it: one that exited non-zero, else the load-balanced one, else the first essential one.
    const exited = task.containers?.find((c) => c.exitCode !== undefined && c.exitCode !== 0)?.name;
    const name = exited ?? lbContainer ?? td?.containerDefinitions?.find((c) => c.essential !== false)?.name;
    const def = td?.containerDefinitions?.find((c) => c.name === name);
    const log = def?.logConfiguration;
    if (!name || !def) continue;
    if (log?.logDriver !== "awslogs" || !log.options?.["awslogs-group"] || !log.options["awslogs-stream-prefix"]) {
      out.push({
        taskId,
        container: name,
        logGroup: "?",
        logStream: "?",
        lines: [],
        note: `the container logs with ${log?.logDriver ?? "no log driver"}${log?.logDriver === "awslogs" ? " without a stream prefix" : ""}; only awslogs streams with a prefix can be found`,
      });
      continue;
    }
    const logGroup = log.options["awslogs-group"];
    const logStream = `${log.options["awslogs-stream-prefix"]}/${name}/${taskId}`;
    try {
      const res = await withRetry(
        () =>
          clients.logs.getLogEvents({
            logGroupName: logGroup,
            logStreamName: logStream,
            limit: LOG_LINES,
            startFromHead: false,
          }),
        clock,
        random,
      );
      const lines = (res.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter((l) => l !== "");
      out.push({
        taskId,
        container: name,
        logGroup,
        logStream,
        lines,
        ...(lines.length === 0 ? { note: "the stream is empty" } : {}),
      });
    } catch (err) {
      const note =
        errorName(err) === "ResourceNotFoundException"
          ? "no log stream: the container wrote nothing (or never started)"
          : /AccessDenied/.test(errorName(err))
            ? "not allowed to read it (logs:GetLogEvents)"
            : `${errorName(err)}: ${errorMessage(err)}`;
      out.push({ taskId, container: name, logGroup, logStream, lines: [], note });
    }
  }
  return out;
}

/**
 * For TIMED_OUT: the tasks whose logs may say why it is stuck (failing targets first, then stopped ones).
 *
 * @param obs the last poll
 * @param ev its evidence
 */
export function timeoutLogTasks(obs: Observation, ev: Evidence): Task[] {
  const ids = [
    ...ev.targets.filter((t) => t.state !== "healthy" && t.taskId).map((t) => t.taskId!),
    ...ev.stoppedTasks
      .filter(
        (s) =>
          s.kind !== "scheduler" && s.kind !== "image-pull" && s.kind !== "resource-init" && s.kind !== "secret-fetch",
      )
      .map((s) => s.taskId),
  ];
  const unique = [...new Set(ids)].slice(0, 2);
  return unique.map((id) => obs.tasks.find((t) => arnTail(t.taskArn) === id)).filter((t): t is Task => t !== undefined);
}
