/**
 * The Dockerfile as Debian's Docker 20.10 (bench/module.mjs's baseline builder)
 * can read it. Its built-in Dockerfile frontend stops at parse time on two flags
 * today's Dockerfile uses, so the baseline's copy leaves them out, saying what
 * that changes:
 * - `RUN --network=none`: the same steps, with network (how the old pipeline ran
 *   them, before its separate `docker run --network=none`);
 * - `HEALTHCHECK --start-interval=…` (Docker 25): the check's first probes come at
 *   `--interval` instead of the faster start interval. A build never runs a
 *   HEALTHCHECK, so the images' build time, which the bench measures, is the same.
 */

/** Flags Docker 20.10's frontend rejects, per instruction, as `^INSTRUCTION` + flag patterns. */
export const DOCKER20_UNKNOWN_FLAGS = [
  { instruction: "RUN", flag: /--network=none\s+/g },
  { instruction: "HEALTHCHECK", flag: /--start-interval=\S+\s+/g },
];

/**
 * The Dockerfile's text without the flags Docker 20.10 rejects.
 * @param {string} text a Dockerfile
 * @returns {string}
 */
export function forDocker20(text) {
  return text
    .split("\n")
    .map((line) => {
      for (const { instruction, flag } of DOCKER20_UNKNOWN_FLAGS) {
        if (new RegExp(`^\\s*${instruction}\\s`, "i").test(line)) line = line.replace(flag, "");
      }
      return line;
    })
    .join("\n");
}
