/**
 * The median the benches report: of the numbers given (undefined entries, such
 * as a step a failed call never reached, are left out), the middle one, or the
 * mean of the two middle ones; undefined when there are none.
 *
 * bench/app.mjs keeps its own: it picks the run at the median, so it needs a
 * value that is one of the runs.
 *
 * @param {readonly (number | undefined)[]} xs the figures
 * @returns {number | undefined}
 */
export function median(xs) {
  const s = /** @type {number[]} */ (xs.filter((x) => x !== undefined)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
