/**
 * What counts as a successful rollout, as a strategy the assessment is given
 * (assess.ts never asks whether it runs against an emulator).
 *
 * ECS_ACCEPTANCE, for AWS: only ECS's own word — rolloutState COMPLETED, or
 * without rolloutState the steady picture on consecutive polls.
 *
 * EMULATOR_ACCEPTANCE, for an AWS emulator (moto 5.2.5, recorded in
 * test/fixtures/aws/moto.ts), which keeps one deployment per service forever:
 * UpdateService changes the service's `taskDefinition` but not the deployment's,
 * `rolloutState` is frozen at create time (COMPLETED only if
 * MOTO_ECS_SERVICE_RUNNING ≥ desired) and no task ever runs. Every call is still
 * made and every failure rule still applies; then "the service names the new task
 * definition" is the success, and the reason says that the emulator runs no tasks.
 */
import type { Deployment, Service } from "@aws-sdk/client-ecs";

import { arnTail, type RolloutCounts, type TrackedRollout } from "./model.js";
import { emulatorNote, emulatorReason } from "./wording.js";

/** What a rule sees when it is asked. */
export interface AcceptanceView {
  service: Service;
  /** The tracked deployment, when ECS shows one of this task definition. */
  deployment?: Deployment;
  /** The service's PRIMARY deployment. */
  primary?: Deployment;
  target: TrackedRollout;
  counts: RolloutCounts;
}

/** A success as a rule states it. */
export interface Acceptance {
  /** One or two sentences: why this is a success. */
  reason: string;
  /** What the success could not check, or what else happened meanwhile. */
  notes: string[];
}

/** What counts as success (see the file comment). */
export interface AcceptanceRule {
  /**
   * Asked when no failure rule matched and ECS has not decided (no deployment of
   * the task definition shows, or it is still in progress): a success, or
   * undefined to keep following ECS.
   *
   * @param view what the poll saw
   */
  acceptUndecided(view: AcceptanceView): Acceptance | undefined;
  /**
   * Asked when ECS marked the tracked deployment COMPLETED: the success as this rule states it.
   *
   * @param view what the poll saw (deployment set)
   * @param ecs the success in ECS's terms
   */
  confirmCompleted(view: AcceptanceView, ecs: Acceptance): Acceptance;
}

/** AWS: ECS's word only. */
export const ECS_ACCEPTANCE: AcceptanceRule = {
  acceptUndecided: () => undefined,
  confirmCompleted: (_view, ecs) => ecs,
};

/** An AWS emulator whose deployments are static and which runs no tasks. */
export const EMULATOR_ACCEPTANCE: AcceptanceRule = {
  acceptUndecided: (view) => {
    if (view.service.taskDefinition !== view.target.taskDefinitionArn) return undefined;
    const record = view.deployment ?? view.primary;
    return { reason: emulatorReason(arnTail(view.target.taskDefinitionArn), record), notes: [emulatorNote(record)] };
  },
  confirmCompleted: (view, ecs) => ({
    reason: emulatorReason(arnTail(view.target.taskDefinitionArn), view.deployment),
    notes: [...ecs.notes, emulatorNote(view.deployment)],
  }),
};
