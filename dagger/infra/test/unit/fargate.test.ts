import { describe, expect, it } from "vitest";
import { checkFargateSize, FARGATE_CPU_SIZES, fargateMemoryFor } from "../../src/config/fargate.ts";

describe("Fargate task sizes", () => {
  it.each([
    [256, 512],
    [256, 2048],
    [512, 4096],
    [1024, 2048],
    [1024, 8192],
    [2048, 16384],
    [4096, 30720],
    [8192, 16384],
    [8192, 61440],
    [16384, 122880],
  ])("accepts cpu %i with memory %i", (cpu, memory) => {
    expect(checkFargateSize(cpu, memory)).toBeNull();
  });

  it.each([
    [256, 3072],
    [512, 512],
    [1024, 9216],
    [4096, 31744],
    [8192, 18432], // 8 vCPU goes in 4 GiB steps
    [16384, 36864], // 16 vCPU goes in 8 GiB steps
  ])("rejects cpu %i with memory %i", (cpu, memory) => {
    expect(checkFargateSize(cpu, memory)).toMatch(
      new RegExp(`^memory ${memory} MiB is not allowed with cpu ${cpu}; with cpu ${cpu} use memory `),
    );
  });

  it("lists the memory sizes of each CPU size", () => {
    expect(fargateMemoryFor(256)).toEqual([512, 1024, 2048]);
    expect(fargateMemoryFor(512)).toEqual([1024, 2048, 3072, 4096]);
    expect(fargateMemoryFor(2048)).toHaveLength(13);
    expect(fargateMemoryFor(16384)).toEqual([
      32768, 40960, 49152, 57344, 65536, 73728, 81920, 90112, 98304, 106496, 114688, 122880,
    ]);
    expect(fargateMemoryFor(300)).toEqual([]);
    expect(FARGATE_CPU_SIZES).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
  });

  it("describes long lists as a range", () => {
    expect(checkFargateSize(8192, 1)).toBe(
      "memory 1 MiB is not allowed with cpu 8192; with cpu 8192 use memory 16384 to 61440 in steps of 4096",
    );
  });
});
