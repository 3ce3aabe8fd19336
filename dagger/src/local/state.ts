/**
 * The local environment's AWS emulator state, kept between calls: what both
 * stacks created in the emulator, and OpenTofu's state with them (it lives in
 * the emulator's S3), so a call after a successful deploy starts where that
 * deploy left off instead of re-creating everything through the AWS
 * provider's waits.
 *
 * How: the emulator runs moto's own server through a small launcher (Python,
 * launcher.ts, emulator.py) that, before the port opens, loads a snapshot of moto's service
 * backends from an engine cache volume (`fargate-pipeline-local-emulator-<name>`,
 * next to the registry storage and the ledger), and on request pickles them
 * back there. `startLocalEmulator()` starts it and says what it started from;
 * `save()` is called after a successful deploy or rollback only; `clearLocalState()`
 * is destroy's.
 *
 * Why a snapshot, not moto's recorder (MOTO_ENABLE_RECORDING, replay-recording):
 * - ids: a replay re-creates each resource with a new random id unless moto
 *   is seeded (/moto-api/seed) *and* every request is replayed in the order
 *   its random draws happened; every request (reads too) draws its request id
 *   from that one generator, and OpenTofu sends ten requests at a time, so the
 *   recorded order is not the draw order. Measured on moto 5.2.5: 20 VPCs
 *   created 8 at a time, replayed into a fresh seeded moto, 0 of 20 kept their
 *   id (created one at a time: 20 of 20). OpenTofu's state, which holds those
 *   ids, would then point at resources that no longer exist.
 * - what a replay cannot give back: creation times, ACM certificates that are
 *   issued again only after the validation wait, ECS deployments and S3
 *   object versions with new ids.
 * - cost: the recording holds every request, reads included, so each call
 *   makes the next replay longer; a snapshot's size follows the state, and it
 *   loads in a fraction of a second (the import of moto's EC2 model, ~3 s on
 *   2 cores, is paid by a fresh emulator too).
 * The snapshot's price: pickles load only into the same code, so it records
 * moto's, Python's and cryptography's versions, plus its checksum; any
 * mismatch, or any failure to load, starts the emulator empty and the call
 * says why (both stacks are then created again, and OpenTofu's state with
 * them: nothing claims a deploy that did not happen).
 */
import { randomUUID } from "node:crypto";

import { type CacheVolume, dag, type Service } from "@dagger.io/dagger";

import { LAUNCH_COMMAND, LAUNCHER_PATH, launcherFile } from "./launcher.js";
import { EMULATOR_IMAGE, EMULATOR_PORT, type Reachable, reachable } from "./services.js";

/** Where the state volume is mounted in the emulator's container. */
const STATE_DIR = "/state";
/** The launcher's routes (no S3 bucket name can start with "_", so no AWS request is taken for one). */
const STATE_ROUTE = "/_fargate-pipeline/state";

// moto issues ACM certificates after this many seconds (its default, 60 s, would add a minute to every cold local deploy).
const ACM_VALIDATION_WAIT_SECONDS = "2";
// 30 s per state request: a save pickles a few MB in under a second on 2 cores; longer means the emulator hangs.
const STATE_REQUEST_TIMEOUT_MS = 30_000;

/** The cache volume that holds the emulator's state for a --local-state name. */
export function emulatorStateVolume(localState: string): CacheVolume {
  return dag.cacheVolume(`fargate-pipeline-local-emulator-${localState}`);
}

/** What the emulator started from (the launcher's answer to GET /_fargate-pipeline/state). */
export interface EmulatorStart {
  /** restored: the saved state is loaded; empty: there was none; rebuilt: there was one, unusable (see reason). */
  outcome: "restored" | "empty" | "rebuilt";
  /** Why it is empty or rebuilt. */
  reason?: string;
  /** When the state was saved (ISO time). */
  savedAt?: string;
  /** The snapshot's size. */
  bytes?: number;
  /** moto's services in the snapshot (e.g. ec2, elbv2, s3). */
  services?: string[];
  /** Seconds the load took. */
  seconds?: number;
  /** The emulator's moto, Python and cryptography versions, and the snapshot format. */
  versions?: Record<string, string | number>;
}

/** What a save wrote. */
export interface SavedState {
  savedAt: string;
  bytes: number;
  services: string[];
  /** Seconds the save took (the emulator holds requests back meanwhile). */
  seconds: number;
}

/** The local environment's emulator, started, with its state kept between calls. */
export interface LocalEmulator {
  /** The emulator's service (OpenTofu's container binds it). */
  service: Service;
  /** Where this process reaches it. */
  reach: Reachable;
  /** What it started from. */
  start: EmulatorStart;
  /** Keeps the emulator's state for the next call with this --local-state name: call after a successful deploy or rollback only. */
  save: () => Promise<SavedState>;
  /** Stops the tunnel (if any) and the service. */
  close(): Promise<void>;
}

/**
 * The emulator's service for a --local-state name: moto through the launcher,
 * the state volume mounted. A new service per call (runId): two calls never
 * share one.
 *
 * @param localState the --local-state name
 * @param runId unique per call
 */
export function localEmulatorService(localState: string, runId: string): Service {
  return dag
    .container()
    .from(EMULATOR_IMAGE)
    .withFile(LAUNCHER_PATH, launcherFile())
    .withMountedCache(STATE_DIR, emulatorStateVolume(localState))
    .withEnvVariable("MOTO_ACM_VALIDATION_WAIT", ACM_VALIDATION_WAIT_SECONDS)
    .withEnvVariable("MOTO_PORT", String(EMULATOR_PORT))
    .withEnvVariable("FP_STATE_DIR", STATE_DIR)
    .withEnvVariable("PYTHONUNBUFFERED", "1")
    .withEnvVariable("FP_RUN", runId)
    .withExposedPort(EMULATOR_PORT)
    .asService({ args: ["sh", "-c", LAUNCH_COMMAND], useEntrypoint: false });
}

/**
 * Starts the local environment's emulator from the state the last successful
 * deploy of this --local-state name saved, and logs what it started from.
 *
 * @param localState the --local-state name
 * @param log prints one progress line
 */
export async function startLocalEmulator(localState: string, log: (line: string) => void): Promise<LocalEmulator> {
  const service = localEmulatorService(localState, randomUUID());
  await service.start();
  let reach: Reachable | undefined;
  try {
    reach = await reachable(service, EMULATOR_PORT);
    const start = (await stateRequest(reach.url, "GET", "")) as EmulatorStart;
    log(describeStart(start, localState));
    const url = reach.url;
    const close = async () => {
      await reach?.close().catch(() => {});
      await service.stop().catch(() => {});
    };
    return { service, reach, start, save: async () => (await stateRequest(url, "POST", "/save")) as SavedState, close };
  } catch (err) {
    await reach?.close().catch(() => {});
    await service.stop().catch(() => {});
    throw err;
  }
}

/**
 * Removes the emulator's saved state and the registry's storage of a
 * --local-state name (destroy): the next deploy starts cold.
 *
 * @param localState the --local-state name
 */
export async function clearLocalState(localState: string): Promise<void> {
  await dag
    .container()
    .from(EMULATOR_IMAGE)
    .withMountedCache(STATE_DIR, emulatorStateVolume(localState))
    .withMountedCache("/var/lib/registry", dag.cacheVolume(`fargate-pipeline-local-registry-${localState}`))
    // A fresh value: the engine must run it, never replay an earlier removal.
    .withEnvVariable("FP_AT", randomUUID())
    .withExec(["sh", "-c", `rm -rf ${STATE_DIR}/* /var/lib/registry/* /var/lib/registry/.[!.]* 2>/dev/null; true`])
    .sync();
}

/**
 * The progress line for what the emulator started from.
 *
 * @param start the launcher's answer
 * @param localState the --local-state name
 */
export function describeStart(start: EmulatorStart, localState: string): string {
  const moto = start.versions?.moto ? `moto ${start.versions.moto}` : "moto";
  switch (start.outcome) {
    case "restored":
      return `local: AWS emulator (${moto}) started from the state saved ${start.savedAt ?? "?"} for "${localState}" (${(start.services ?? []).join(", ")}; ${mb(start.bytes)} loaded in ${start.seconds ?? "?"} s)`;
    case "empty":
      return `local: AWS emulator (${moto}) started empty: no state saved for "${localState}" yet; both stacks are created`;
    case "rebuilt":
      return `local: the AWS emulator's saved state for "${localState}" cannot be used (${start.reason ?? "no reason given"}): it starts empty and both stacks are created again`;
  }
}

/** Bytes as MB, one decimal. */
function mb(bytes: number | undefined): string {
  return bytes === undefined ? "? MB" : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A request to the launcher's state routes; throws with the emulator's own error. */
async function stateRequest(base: string, method: "GET" | "POST", path: string): Promise<unknown> {
  const res = await fetch(`${base}${STATE_ROUTE}${path}`, {
    method,
    signal: AbortSignal.timeout(STATE_REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined) {
    const said = (body as { error?: string } | undefined)?.error ?? text.slice(0, 300);
    throw new Error(`the local AWS emulator answered ${method} ${STATE_ROUTE}${path} with HTTP ${res.status}: ${said}`);
  }
  return body;
}
