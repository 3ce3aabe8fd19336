/** Types of floor.mjs (see there). */
export const APPLY_STEP: string;
export interface TimedDeploy {
  kind: string;
  seconds: number;
  steps: Record<string, number>;
  emulator: string;
  replay?: number | undefined;
  load?: number;
  failed?: string;
}
export interface FloorRow {
  label: string;
  deploy: number | undefined;
  range: [number, number] | undefined;
  replay: number | undefined;
  apply: number | undefined;
  floor: number | undefined;
  ratio: number | undefined;
  load: number | undefined;
  count: number;
}
export function applyFromSavedState(runs: readonly TimedDeploy[]): number | undefined;
export function floorRow(label: string, runs: readonly TimedDeploy[], apply: number | undefined): FloorRow;
export function floorTable(title: string, rows: readonly FloorRow[]): string;
