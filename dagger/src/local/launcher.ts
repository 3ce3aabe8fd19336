/**
 * The local emulator's launcher: the Python program (emulator.py, beside this
 * file) that runs moto's server in the emulator's container with the state
 * routes, loading the snapshot of moto's backends at start and pickling them
 * back on request. Why a snapshot and how it is kept between calls: state.ts,
 * which starts it.
 */
import type { File } from "@dagger.io/dagger";

import { moduleFile } from "../common/module-files.js";

/** The launcher's path in the emulator's container. */
export const LAUNCHER_PATH = "/opt/fargate-pipeline/local-emulator.py";

/**
 * Runs the launcher with the Python that runs moto_server (the first line of
 * that script names it), so the same command works in the official image
 * (/usr/local/bin/python) and in one built from a venv.
 */
export const LAUNCH_COMMAND = `moto=$(readlink -f "$(command -v moto_server)") && py=$(sed -n '1s/^#!//p' "$moto") && exec \${py:-python3} ${LAUNCHER_PATH}`;

/** The launcher's source in the module (dagger/src/local/emulator.py). */
export const LAUNCHER_SOURCE = "src/local/emulator.py";

/** The launcher: moto's server with the state routes, the snapshot's load at start and its save on request. */
export function launcherFile(): File {
  return moduleFile(LAUNCHER_SOURCE);
}
