/**
 * What the rollout tracker calls: the ECS, ELBv2 and CloudWatch Logs calls it
 * makes (interfaces the SDK's clients satisfy and tests fake), the IAM actions
 * they need, the clock it waits with, and the SDK clients loaded on demand.
 */
import type {
  DescribeServiceDeploymentsCommandInput,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsCommandInput,
  DescribeServiceRevisionsResponse,
  DescribeServicesCommandInput,
  DescribeServicesResponse,
  DescribeTaskDefinitionCommandInput,
  DescribeTaskDefinitionResponse,
  DescribeTasksCommandInput,
  DescribeTasksResponse,
  ECSClientConfig,
  ListServiceDeploymentsCommandInput,
  ListServiceDeploymentsResponse,
  ListTasksCommandInput,
  ListTasksResponse,
} from "@aws-sdk/client-ecs";
import type { DescribeTargetHealthInput, DescribeTargetHealthOutput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { GetLogEventsRequest, GetLogEventsResponse } from "@aws-sdk/client-cloudwatch-logs";

/** The ECS calls the tracker makes (the SDK's `ECS` class satisfies it). */
export interface EcsApi {
  describeServices(input: DescribeServicesCommandInput): Promise<DescribeServicesResponse>;
  listTasks(input: ListTasksCommandInput): Promise<ListTasksResponse>;
  describeTasks(input: DescribeTasksCommandInput): Promise<DescribeTasksResponse>;
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<DescribeTaskDefinitionResponse>;
  /** ECS's record of the service's deployments (since 2025; where AWS does not offer it, records.ts falls back). */
  listServiceDeployments(input: ListServiceDeploymentsCommandInput): Promise<ListServiceDeploymentsResponse>;
  describeServiceDeployments(
    input: DescribeServiceDeploymentsCommandInput,
  ): Promise<DescribeServiceDeploymentsResponse>;
  /** What a service deployment deploys (its task definition), by service revision. */
  describeServiceRevisions(input: DescribeServiceRevisionsCommandInput): Promise<DescribeServiceRevisionsResponse>;
}

/** The ELBv2 call the tracker makes (the SDK's `ElasticLoadBalancingV2` class satisfies it). */
export interface Elbv2Api {
  describeTargetHealth(input: DescribeTargetHealthInput): Promise<DescribeTargetHealthOutput>;
}

/** The CloudWatch Logs call the tracker makes (the SDK's `CloudWatchLogs` class satisfies it). */
export interface LogsApi {
  getLogEvents(input: GetLogEventsRequest): Promise<GetLogEventsResponse>;
}

/** The three clients, e.g. from createRolloutClients(). */
export interface RolloutClients {
  ecs: EcsApi;
  elbv2: Elbv2Api;
  logs: LogsApi;
}

/** Time, injectable so tests never wait. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The IAM actions the deploy identity needs for trackRollout (all read-only). */
export const ROLLOUT_IAM_ACTIONS = [
  "ecs:DescribeServices",
  "ecs:ListTasks",
  "ecs:DescribeTasks",
  "ecs:DescribeTaskDefinition",
  "elasticloadbalancing:DescribeTargetHealth",
  "logs:GetLogEvents",
  // ECS's service-deployment records (records.ts): the rollout's authoritative state where AWS offers it.
  "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments",
  "ecs:DescribeServiceRevisions",
] as const;

/** Settings shared by the three SDK clients (what awsClientConfig() in aws/auth.ts returns). */
export interface RolloutClientConfig {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An AWS emulator's URL; unset for AWS. */
  endpoint?: string;
  /** The SDK's attempts per call: overridden (ROLLOUT_SDK_MAX_ATTEMPTS), the tracker retries. */
  maxAttempts?: number;
  /**
   * Connection and request timeouts (AWS_HTTP_TIMEOUTS in aws/auth.ts), or a
   * transport of its own (tests replay recorded responses through one).
   */
  requestHandler?:
    | { connectionTimeout?: number; requestTimeout?: number; throwOnRequestTimeout?: boolean }
    | ECSClientConfig["requestHandler"];
}

// 1: one request per call, the SDK's own retries off. The tracker is the one retry
// layer for these calls (track.ts: a poll that meets throttling or a 5xx is retried
// with backoff, shown as "retrying: …" and bounded by MAX_UNOBSERVED_MS; the log reads
// by withRetry). With the SDK's 3 attempts inside it as well, every retry of the tracker
// would be up to 3 requests, hidden from its progress lines and its time bound.
export const ROLLOUT_SDK_MAX_ATTEMPTS = 1;

/**
 * The SDK clients for trackRollout, loaded on demand (the module's other
 * functions do not pay for importing them). Pass the settings awsClientConfig()
 * builds (region, credentials, endpoint, timeouts); their maxAttempts is
 * replaced by ROLLOUT_SDK_MAX_ATTEMPTS, since the tracker retries itself.
 * Call destroy() when done.
 *
 * @param config settings for every client constructor
 */
export async function createRolloutClients(config: RolloutClientConfig): Promise<RolloutClients & { destroy(): void }> {
  const [{ ECS }, { ElasticLoadBalancingV2 }, { CloudWatchLogs }] = await Promise.all([
    import("@aws-sdk/client-ecs"),
    import("@aws-sdk/client-elastic-load-balancing-v2"),
    import("@aws-sdk/client-cloudwatch-logs"),
  ]);
  const settings = { ...config, maxAttempts: ROLLOUT_SDK_MAX_ATTEMPTS };
  const ecs = new ECS(settings);
  const elbv2 = new ElasticLoadBalancingV2(settings);
  const logs = new CloudWatchLogs(settings);
  return {
    ecs,
    elbv2,
    logs,
    destroy: () => {
      ecs.destroy();
      elbv2.destroy();
      logs.destroy();
    },
  };
}
