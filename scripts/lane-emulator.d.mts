/** Types of lane-emulator.mjs (see there). */

/** A lane's AWS emulator. */
export interface LaneEmulator {
  /** Its endpoints, from the host and from the engine. */
  env: { MOTO_ENDPOINT: string; MOTO_ENGINE_ENDPOINT: string };
  /** Its log file. */
  log: string;
  /** Ends it (the process lane-emulator.mjs started, by its PID). */
  stop: () => void;
}

/** Starts a moto of its own for one lane and waits until it answers. */
export function startLaneEmulator(options: {
  server: string;
  engineEndpoint: string;
  log: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LaneEmulator>;

/** The test bed's env file with a lane's emulator in it; the variables that point the lane's tests at it. */
export function laneTestbedEnv(testbedFile: string, dir: string, endpoints: LaneEmulator["env"]): NodeJS.ProcessEnv;

/** What went wrong inside the emulator, from its log. */
export function emulatorTrouble(text: string): string[];

/** emulatorTrouble() of a log file; nothing when it cannot be read. */
export function emulatorTroubleIn(file: string): string[];
