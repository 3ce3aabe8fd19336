/**
 * A pull request's preview: the environment's service deployed again as a
 * small service of its own on the same shared environment, beside it. Its names
 * (`<prefix>-pr-<N>`, naming.ts previewPrefix) keep it apart from the service
 * and from other previews; this file decides its size.
 *
 * Small on purpose: a preview proves the change runs and gives reviewers a URL;
 * it carries no load. One task at the smallest Fargate size costs ~$12.66 a
 * month left up around the clock (the module's price table), against one such
 * task × desiredCount at the service's own size.
 */
import type { EnvironmentParsed } from "./schema.ts";

/** One task: a preview is for reviewers, not load, and a second task only doubles its cost. */
export const PREVIEW_DESIRED_COUNT = 1;
/** 256 CPU units and 512 MiB: the smallest Fargate size. */
export const PREVIEW_SIZE = { cpu: 256, memory: 512 } as const;
/** 7 days of logs: a preview lives for days; its logs need not outlive it by months. */
export const PREVIEW_LOG_RETENTION_DAYS = 7;

/**
 * The service settings of a preview: one task at the smallest size, no
 * autoscaling, a week of logs; everything else (port, health check, variables,
 * secrets) as the environment's service has it, so the preview runs the way the
 * service does.
 * @param service The environment's service settings.
 */
export function previewService(service: EnvironmentParsed["service"]): EnvironmentParsed["service"] {
  return {
    ...service,
    desiredCount: PREVIEW_DESIRED_COUNT,
    ...PREVIEW_SIZE,
    autoscaling: { ...service.autoscaling, enabled: false },
    logRetentionDays: PREVIEW_LOG_RETENTION_DAYS,
    // One task: ECS may stop it before its replacement is up, or start the new one first.
    deploymentMinimumHealthyPercent: 0,
    deploymentMaximumPercent: 200,
  };
}
