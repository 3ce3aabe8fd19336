/**
 * The last log lines of a rollout's failing tasks (CloudWatch Logs, awslogs
 * driver): which tasks explain the verdict, which container of each, and its
 * stream's newest lines. A courtesy beside the verdict: it never throws.
 */
import type { ContainerDefinition, Task, TaskDefinition } from "@aws-sdk/client-ecs";

import type { Clock, RolloutClients } from "./clients.js";
import { errorMessage, errorName, withRetry } from "./errors.js";
import { arnTail, type Evidence, type Observation, type TaskLogLines } from "./model.js";

// 15 lines: enough for a stack trace's top or the last requests; the `logs` function shows more.
export const LOG_LINES = 15;

/** What readLogs reads, and with what. */
export interface ReadLogsOptions {
  /** The tracker's clients (ECS for the task definition, CloudWatch Logs). */
  clients: RolloutClients;
  /** Task definitions already described, by ARN (filled in here). */
  taskDefinitions: Map<string, TaskDefinition>;
  /** DescribeServices' service (its load-balanced container is the one read). */
  service: Observation["service"];
  /** The tasks whose logs explain the verdict. */
  tasks: Task[];
  /** What waits between retries. */
  clock: Clock;
  /** A source in [0, 1) for the retries' jitter. */
  random: () => number;
}

/**
 * The last log lines of the tasks' containers (awslogs only); never throws.
 *
 * @param opts the clients, the task definitions already described, the service, the tasks, the clock and the jitter (see ReadLogsOptions)
 */
export async function readLogs(opts: ReadLogsOptions): Promise<TaskLogLines[]> {
  const { tasks } = opts;
  if (tasks.length === 0) return [];
  const tdArn = tasks[0]?.taskDefinitionArn;
  if (!tdArn) return [];
  let taskDefinition: TaskDefinition | undefined;
  try {
    taskDefinition = await taskDefinitionOf(opts, tdArn);
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
  const lbContainer = opts.service.loadBalancers?.[0]?.containerName;
  const out: TaskLogLines[] = [];
  for (const task of tasks) {
    const container = explainingContainer(task, taskDefinition, lbContainer);
    if (container) out.push(await containerLogLines(opts, arnTail(task.taskArn), container));
  }
  return out;
}

/**
 * The task definition, from the cache or described (with retries) and cached; throws what DescribeTaskDefinition threw.
 *
 * @param opts readLogs' options (the clients, the cache, the clock and the jitter)
 * @param arn the task definition's ARN
 */
async function taskDefinitionOf(opts: ReadLogsOptions, arn: string): Promise<TaskDefinition | undefined> {
  const cached = opts.taskDefinitions.get(arn);
  if (cached) return cached;
  const described = await withRetry(
    () => opts.clients.ecs.describeTaskDefinition({ taskDefinition: arn }),
    opts.clock,
    opts.random,
  );
  const taskDefinition = described.taskDefinition;
  if (taskDefinition) opts.taskDefinitions.set(arn, taskDefinition);
  return taskDefinition;
}

/**
 * The container that explains a task: one that exited non-zero, else the
 * load-balanced one, else the first essential one; undefined when the task
 * definition does not define it.
 *
 * @param task the task
 * @param taskDefinition its task definition
 * @param lbContainer the service's load-balanced container
 */
function explainingContainer(
  task: Task,
  taskDefinition: TaskDefinition | undefined,
  lbContainer: string | undefined,
): { name: string; definition: ContainerDefinition } | undefined {
  const exited = task.containers?.find((c) => c.exitCode !== undefined && c.exitCode !== 0)?.name;
  const name = exited ?? lbContainer ?? taskDefinition?.containerDefinitions?.find((c) => c.essential !== false)?.name;
  const definition = taskDefinition?.containerDefinitions?.find((c) => c.name === name);
  return name && definition ? { name, definition } : undefined;
}

/**
 * The last log lines of one container (its awslogs stream), or a note saying why there are none.
 *
 * @param opts readLogs' options (the clients, the clock and the jitter)
 * @param taskId the task's id (its stream's last segment)
 * @param container the container and its definition
 */
async function containerLogLines(
  opts: ReadLogsOptions,
  taskId: string,
  container: { name: string; definition: ContainerDefinition },
): Promise<TaskLogLines> {
  const { name } = container;
  const log = container.definition.logConfiguration;
  if (log?.logDriver !== "awslogs" || !log.options?.["awslogs-group"] || !log.options["awslogs-stream-prefix"]) {
    return {
      taskId,
      container: name,
      logGroup: "?",
      logStream: "?",
      lines: [],
      note: `the container logs with ${log?.logDriver ?? "no log driver"}${log?.logDriver === "awslogs" ? " without a stream prefix" : ""}; only awslogs streams with a prefix can be found`,
    };
  }
  const logGroup = log.options["awslogs-group"];
  const logStream = `${log.options["awslogs-stream-prefix"]}/${name}/${taskId}`;
  return await readStream(opts, { taskId, container: name, logGroup, logStream });
}

/**
 * The newest LOG_LINES lines of one stream (GetLogEvents, with retries), or a note saying why there are none.
 *
 * @param opts readLogs' options (the clients, the clock and the jitter)
 * @param stream the task, container, log group and stream
 */
async function readStream(opts: ReadLogsOptions, stream: Omit<TaskLogLines, "lines" | "note">): Promise<TaskLogLines> {
  try {
    const page = await withRetry(
      () =>
        opts.clients.logs.getLogEvents({
          logGroupName: stream.logGroup,
          logStreamName: stream.logStream,
          limit: LOG_LINES,
          startFromHead: false,
        }),
      opts.clock,
      opts.random,
    );
    const lines = (page.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter((l) => l !== "");
    return { ...stream, lines, ...(lines.length === 0 ? { note: "the stream is empty" } : {}) };
  } catch (err) {
    return { ...stream, lines: [], note: unreadableStream(err) };
  }
}

/**
 * Why a stream could not be read, from GetLogEvents' error.
 *
 * @param err what GetLogEvents threw
 */
function unreadableStream(err: unknown): string {
  return errorName(err) === "ResourceNotFoundException"
    ? "no log stream: the container wrote nothing (or never started)"
    : /AccessDenied/.test(errorName(err))
      ? "not allowed to read it (logs:GetLogEvents)"
      : `${errorName(err)}: ${errorMessage(err)}`;
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
