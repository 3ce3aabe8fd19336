/**
 * The floor under a local deploy, and the side-by-side table bench/deploy.mjs
 * prints: each kind of deploy beside the floor measured in the same run, and
 * its ratio to it. Pure: figures in, text out (bench/test/unit/floor.test.ts).
 *
 * The floor of a deploy is what no deploy of that change can go under with
 * this engine and this infrastructure:
 *   replay   the module's `test` and `build` of the same source, side by side
 *            in a session of their own, right after the deploy: replayed from
 *            the engine's cache (the session, the source upload, the cache
 *            look-ups: what a deploy pays before publishing, when nothing ran)
 *   apply    one apply of the service stack from saved state: the deploys'
 *            own "apply service stack" step, where the emulator started from
 *            the state the last deploy saved (a task definition and service
 *            update; the median of the run's)
 */
import { median } from "./median.mjs";

/** The deploy step whose time is the apply part of the floor (dagger/src/deploy/roll-out.ts names it). */
export const APPLY_STEP = "apply service stack";

/**
 * One timed deploy, as bench/deploy.mjs records it (the fields the floor reads).
 *
 * @typedef {object} TimedDeploy
 * @property {string} kind the row it belongs to, e.g. "app change"
 * @property {number} seconds the call's wall time
 * @property {Record<string, number>} steps the deploy's step times (its summary table)
 * @property {string} emulator what the local emulator started from ("started from the state saved", "started empty", …)
 * @property {number | undefined} [replay] the replay's wall time, measured right after it
 * @property {number} [load] the 1-minute load average when it started
 * @property {string} [failed] why it failed (failed calls are left out)
 */

/**
 * The apply part of the floor: the median "apply service stack" step of the
 * deploys that applied the service stack from saved state (not a first create).
 *
 * @param {readonly TimedDeploy[]} runs the deploys of one state (one app)
 * @returns {number | undefined} seconds; undefined when none applied from saved state
 */
export function applyFromSavedState(runs) {
  return median(
    runs
      .filter((r) => !r.failed && r.emulator.startsWith("started from the state saved"))
      .map((r) => r.steps[APPLY_STEP]),
  );
}

/**
 * One row of the side-by-side table.
 *
 * @typedef {object} FloorRow
 * @property {string} label e.g. "app change"
 * @property {number | undefined} deploy the median wall time of the row's deploys
 * @property {[number, number] | undefined} range the fastest and slowest of them
 * @property {number | undefined} replay the median of their replays
 * @property {number | undefined} apply the apply part of the floor
 * @property {number | undefined} floor replay + apply
 * @property {number | undefined} ratio deploy / floor
 * @property {number | undefined} load the median load average their calls started at
 * @property {number} count how many deploys the row has (failed ones left out)
 */

/**
 * A row: the medians of one kind of deploy beside its floor.
 *
 * @param {string} label the row's label
 * @param {readonly TimedDeploy[]} runs that row's deploys (failed ones are left out here)
 * @param {number | undefined} apply the apply part of the floor (applyFromSavedState())
 * @returns {FloorRow}
 */
export function floorRow(label, runs, apply) {
  const ok = runs.filter((r) => !r.failed);
  const seconds = ok.map((r) => r.seconds);
  const deploy = median(seconds);
  const replay = median(ok.map((r) => r.replay));
  const floor = replay === undefined || apply === undefined ? undefined : replay + apply;
  return {
    label,
    deploy,
    range: seconds.length ? [Math.min(...seconds), Math.max(...seconds)] : undefined,
    replay,
    apply,
    floor,
    ratio: deploy === undefined || floor === undefined || floor <= 0 ? undefined : deploy / floor,
    load: median(ok.map((r) => r.load)),
    count: ok.length,
  };
}

/**
 * The table: one line a row, deploy beside floor and their ratio.
 *
 * @param {string} title the first line
 * @param {readonly FloorRow[]} rows
 * @returns {string}
 */
export function floorTable(title, rows) {
  const s = (x, digits = 1) => (x === undefined ? "-" : `${x.toFixed(digits)} s`);
  const width = Math.max(24, ...rows.map((r) => r.label.length + 2));
  const header = [
    "".padEnd(width),
    "deploy".padStart(9),
    "min-max".padStart(11),
    "replay".padStart(9),
    "+ apply".padStart(9),
    "= floor".padStart(9),
    "ratio".padStart(8),
    "n".padStart(3),
    "load".padStart(6),
  ].join("");
  const lines = rows.map((r) =>
    [
      r.label.padEnd(width),
      s(r.deploy).padStart(9),
      (r.range ? `${r.range[0].toFixed(0)}-${r.range[1].toFixed(0)} s` : "-").padStart(11),
      s(r.replay).padStart(9),
      s(r.apply).padStart(9),
      s(r.floor).padStart(9),
      (r.ratio === undefined ? "-" : `${r.ratio.toFixed(1)}×`).padStart(8),
      String(r.count).padStart(3),
      (r.load === undefined ? "-" : r.load.toFixed(1)).padStart(6),
    ].join(""),
  );
  return [title, header, ...lines].join("\n");
}
