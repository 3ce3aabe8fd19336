/**
 * What deploy, rollback and one rollout take (types only): the arguments of a
 * call beyond the environment, and what one rollout needs. Apart so that the
 * files of deploy/ import their arguments from here, not from their callers.
 */
import type { Container } from "@dagger.io/dagger";

import type { BuildSecret } from "../build/build-secrets.js";
import type { PlannedStack } from "./change.js";
import type { Steps } from "./steps.js";
import type { EnvironmentArgs, OpenEnvironment } from "../env/open.js";
import type { LedgerEntry } from "../env/ledger.js";
import type { SavedPlan } from "../stacks/tofu.js";

/** What every call that applies a stack takes besides the environment: the state lock's flags. */
export interface LockArgs extends EnvironmentArgs {
  /** Seconds to wait for a state lock another run holds. */
  lockTimeoutSeconds: number;
  /** The ID of a dead run's lock to remove first. */
  forceUnlock?: string;
}

/** What deploy takes beyond the environment. */
export interface DeployArgs extends LockArgs {
  dockerfile: string;
  /** The build secrets for the Dockerfile's RUN --mount=type=secret (tests and the runtime image). */
  buildSecrets: BuildSecret[];
  version: string;
  gitCommit: string;
}

/** What rollback takes beyond the environment. */
export interface RollbackArgs extends LockArgs {
  /** Roll back to this image (by digest) instead of the last successful one before the current. */
  image?: string;
}

/** The base stack's plan and whether it was applied (local only: on AWS, `bootstrap` applies it). */
export interface BaseApply {
  planned: PlannedStack;
  applied: boolean;
}

/** What one rollout needs: the open environment, the call's steps, the service stack's init, the image. */
export interface RollOutArgs {
  env: OpenEnvironment;
  args: LockArgs;
  steps: Steps;
  serviceInit: Container;
  /** The base stack's plan, where this call applies it (local). */
  base?: BaseApply;
  /** The service stack's plan with `image`, made already (beside the base stack's plan): applied instead of planning again. */
  servicePlan?: SavedPlan;
  image: string;
  commit: string;
  version: string;
  kind: LedgerEntry["kind"];
}
