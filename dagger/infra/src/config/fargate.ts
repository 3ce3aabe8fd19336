/**
 * The task sizes AWS Fargate accepts (Linux, platform version 1.4.0), from the
 * "Task CPU and memory" table of the ECS developer guide. A pair outside this
 * table is rejected by RegisterTaskDefinition at apply time; checking it at
 * synth turns a late API error into an immediate message with the choices.
 */

/** One row of the table: a CPU size and the memory sizes allowed with it. */
interface FargateSizeRow {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** Smallest memory in MiB. */
  minMemory: number;
  /** Largest memory in MiB. */
  maxMemory: number;
  /** Step between allowed memory sizes in MiB. */
  step: number;
}

const ROWS: readonly FargateSizeRow[] = [
  // 0.25 vCPU: 512 MiB, 1 GB or 2 GB (512 is the odd one out, listed below).
  { cpu: 256, minMemory: 1024, maxMemory: 2048, step: 1024 },
  { cpu: 512, minMemory: 1024, maxMemory: 4096, step: 1024 },
  { cpu: 1024, minMemory: 2048, maxMemory: 8192, step: 1024 },
  { cpu: 2048, minMemory: 4096, maxMemory: 16384, step: 1024 },
  { cpu: 4096, minMemory: 8192, maxMemory: 30720, step: 1024 },
  { cpu: 8192, minMemory: 16384, maxMemory: 61440, step: 4096 },
  { cpu: 16384, minMemory: 32768, maxMemory: 122880, step: 8192 },
];

/** CPU sizes Fargate accepts, in CPU units. */
export const FARGATE_CPU_SIZES: readonly number[] = ROWS.map((r) => r.cpu);

/**
 * The memory sizes (MiB) Fargate accepts with a CPU size; empty when the CPU
 * size itself is not one Fargate offers.
 * @param cpu CPU units (256, 512, 1024, 2048, 4096, 8192 or 16384).
 */
export function fargateMemoryFor(cpu: number): number[] {
  const row = ROWS.find((r) => r.cpu === cpu);
  if (!row) return [];
  const sizes = cpu === 256 ? [512] : [];
  for (let m = row.minMemory; m <= row.maxMemory; m += row.step) sizes.push(m);
  return sizes;
}

/**
 * Describes a list of memory sizes compactly for an error message:
 * "512, 1024 or 2048", or "2048 to 8192 in steps of 1024" for long lists.
 * @param sizes Memory sizes in MiB, ascending.
 */
function describeSizes(sizes: number[]): string {
  if (sizes.length <= 4) return `${sizes.slice(0, -1).join(", ")} or ${sizes.at(-1)}`;
  const step = (sizes.at(-1)! - sizes[1]!) / (sizes.length - 2);
  const head = sizes[0] === 512 ? "512, " : "";
  const from = sizes[0] === 512 ? sizes[1]! : sizes[0]!;
  return `${head}${from} to ${sizes.at(-1)} in steps of ${step}`;
}

/**
 * Checks a CPU/memory pair against the Fargate table.
 * @param cpu CPU units of the task.
 * @param memory Memory of the task in MiB.
 * @returns null when Fargate accepts the pair, otherwise what to choose instead.
 */
export function checkFargateSize(cpu: number, memory: number): string | null {
  const allowed = fargateMemoryFor(cpu);
  if (allowed.length === 0) {
    return `cpu ${cpu} is not a Fargate size; use one of ${FARGATE_CPU_SIZES.join(", ")}`;
  }
  if (!allowed.includes(memory)) {
    return `memory ${memory} MiB is not allowed with cpu ${cpu}; with cpu ${cpu} use memory ${describeSizes(allowed)}`;
  }
  return null;
}
