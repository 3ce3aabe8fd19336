/**
 * ECS's service-deployment records, read for the rollout tracker on every poll:
 * the service's deployments created since the apply (ListServiceDeployments),
 * their state in full (DescribeServiceDeployments: status and its reason, the
 * rollback, the circuit breaker's own count) and what each deploys
 * (DescribeServiceRevisions, once per revision: revisions never change).
 *
 * AWS keeps them since 2025, for deployments created from 2024-10-25. Where they
 * cannot be read — an emulator (moto answers HTTP 500 to these calls), an
 * identity without the permissions, a region without the feature — the tracker
 * decides on DescribeServices as before, and the verdict says so. Reading them
 * never stops the tracking and never sleeps: throttling skips a poll's read, a
 * transient error RECORD_FAILURES_BEFORE_FALLBACK times in a row gives up, any
 * other error gives up at once.
 */
import type { ServiceDeployment } from "@aws-sdk/client-ecs";

import type { EcsApi } from "./clients.js";
import { errorMessage, errorName, isRetryable, isThrottling, tagged } from "./errors.js";
import { arnTail, type DeploymentRecords, type ServiceDeploymentRecord } from "./model.js";

// 3 polls (15 s): one 5xx can be a blip; three in a row is an API that is not there
// (moto answers every one of these calls with HTTP 500).
export const RECORD_FAILURES_BEFORE_FALLBACK = 3;

// 20: DescribeServiceDeployments' and DescribeServiceRevisions' limit per call; a rollout creates one or two.
const RECORDS_PER_CALL = 20;

/** What the reader remembers between polls. Create with newRecordReader(). */
export interface RecordReader {
  /** The task definition of each service revision described (undefined: ECS did not describe it). */
  revisions: Map<string, string | undefined>;
  /** Consecutive reads that failed with a transient error. */
  failures: number;
  /** Set once the records are given up on: why, as the verdict's note says it. */
  unavailable?: string;
}

/** A reader that has read nothing yet. */
export function newRecordReader(): RecordReader {
  return { revisions: new Map(), failures: 0 };
}

/** What readRecords reads, and with what. */
export interface ReadRecordsOptions {
  ecs: EcsApi;
  cluster: string;
  service: string;
  /** Records created before this are not this apply's (the apply's start, less the clock-skew allowance). */
  since: Date;
  /** The memory across polls (updated here). */
  reader: RecordReader;
}

/**
 * This poll's records, or why there are none; never throws.
 *
 * @param opts the client, the service, since when, and the reader's memory (see ReadRecordsOptions)
 */
export async function readRecords(opts: ReadRecordsOptions): Promise<DeploymentRecords> {
  const { reader } = opts;
  if (reader.unavailable) return { readable: false, why: reader.unavailable };
  try {
    const records = await fetchRecords(opts);
    reader.failures = 0;
    return { readable: true, records };
  } catch (err) {
    return { readable: false, why: afterFailure(reader, err) };
  }
}

/**
 * The records since `since`, newest first, with their revisions' task definitions.
 *
 * @param opts what to read, and the reader's cache of revisions
 */
async function fetchRecords(opts: ReadRecordsOptions): Promise<ServiceDeploymentRecord[]> {
  const { ecs, cluster, service, since } = opts;
  const listed = await tagged("ECS ListServiceDeployments", () =>
    ecs.listServiceDeployments({ cluster, service, createdAt: { after: since }, maxResults: RECORDS_PER_CALL }),
  );
  const arns = (listed.serviceDeployments ?? []).flatMap((b) =>
    b.serviceDeploymentArn ? [b.serviceDeploymentArn] : [],
  );
  if (arns.length === 0) return [];
  const described = await tagged("ECS DescribeServiceDeployments", () =>
    ecs.describeServiceDeployments({ serviceDeploymentArns: arns.slice(0, RECORDS_PER_CALL) }),
  );
  const deployments = described.serviceDeployments ?? [];
  await describeRevisions(opts, deployments);
  return deployments
    .map((d) => asRecord(d, opts.reader.revisions))
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

/**
 * Describes the revisions not seen yet (what each deployment deploys, and what a rollback goes back to).
 *
 * @param opts the client and the reader's cache of revisions (filled here)
 * @param deployments the deployments just described
 */
async function describeRevisions(opts: ReadRecordsOptions, deployments: ServiceDeployment[]): Promise<void> {
  const { ecs, reader } = opts;
  const wanted = deployments.flatMap((d) => [d.targetServiceRevision?.arn, d.rollback?.serviceRevisionArn]);
  const unknown = [...new Set(wanted.filter((a): a is string => !!a && !reader.revisions.has(a)))];
  for (let i = 0; i < unknown.length; i += RECORDS_PER_CALL) {
    const batch = unknown.slice(i, i + RECORDS_PER_CALL);
    const out = await tagged("ECS DescribeServiceRevisions", () =>
      ecs.describeServiceRevisions({ serviceRevisionArns: batch }),
    );
    for (const arn of batch) reader.revisions.set(arn, undefined);
    for (const r of out.serviceRevisions ?? [])
      if (r.serviceRevisionArn) reader.revisions.set(r.serviceRevisionArn, r.taskDefinition);
  }
}

/**
 * A described service deployment as the assessment reads it.
 *
 * @param d DescribeServiceDeployments' deployment
 * @param revisions the task definition of each revision
 */
function asRecord(d: ServiceDeployment, revisions: Map<string, string | undefined>): ServiceDeploymentRecord {
  const arn = d.serviceDeploymentArn ?? "?";
  const taskDefinition = revisions.get(d.targetServiceRevision?.arn ?? "");
  const rolledBackTo = revisions.get(d.rollback?.serviceRevisionArn ?? "");
  const breaker = d.deploymentCircuitBreaker;
  const target = d.targetServiceRevision;
  return {
    arn,
    id: arnTail(arn),
    status: d.status ?? "?",
    ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    ...(d.createdAt ? { createdAt: d.createdAt } : {}),
    ...(taskDefinition ? { taskDefinition } : {}),
    ...(d.rollback
      ? {
          rollback: {
            ...(d.rollback.reason ? { reason: d.rollback.reason } : {}),
            ...(rolledBackTo ? { taskDefinition: rolledBackTo } : {}),
          },
        }
      : {}),
    ...(breaker
      ? {
          circuitBreaker: {
            ...(breaker.status ? { status: breaker.status } : {}),
            ...(breaker.failureCount !== undefined ? { failureCount: breaker.failureCount } : {}),
            ...(breaker.threshold !== undefined ? { threshold: breaker.threshold } : {}),
          },
        }
      : {}),
    ...(target?.requestedTaskCount !== undefined
      ? { tasks: { requested: target.requestedTaskCount, running: target.runningTaskCount ?? 0 } }
      : {}),
  };
}

/**
 * What a failed read means for the next ones (the reader updated), and why there are no records, in words.
 *
 * @param reader the reader's memory
 * @param err what the call threw (tagged with the call)
 */
function afterFailure(reader: RecordReader, err: unknown): string {
  const said = failureWords(err);
  if (isThrottling(err)) return `${said}; read again on the next poll`;
  if (isRetryable(err) && ++reader.failures < RECORD_FAILURES_BEFORE_FALLBACK) return said;
  const denied = /AccessDenied|not authorized/i.test(`${errorName(err)} ${errorMessage(err)}`);
  reader.unavailable = denied
    ? `${said}; the deploy identity needs ecs:ListServiceDeployments, ecs:DescribeServiceDeployments and ecs:DescribeServiceRevisions`
    : said;
  return reader.unavailable;
}

/**
 * "ECS ListServiceDeployments answered HTTP 500 (SyntaxError: Unexpected token …)": the call, the status, the error's first line.
 *
 * @param err what the call threw (tagged with the call)
 */
function failureWords(err: unknown): string {
  const call = (err as { rolloutCall?: string } | null)?.rolloutCall ?? "ECS";
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const answered = `${call} answered ${status ? `HTTP ${status}` : "an error"}`;
  // A body that is not AWS's (moto's HTML page) fails the SDK's parsing: its SyntaxError says nothing more than the status.
  if (errorName(err) === "SyntaxError" || /Deserialization error/.test(errorMessage(err))) return answered;
  return `${answered} (${errorName(err)}: ${(errorMessage(err).split("\n")[0] ?? "").slice(0, 160)})`;
}
