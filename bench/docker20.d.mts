/** Types of docker20.mjs (see there). */
export const DOCKER20_UNKNOWN_FLAGS: readonly { instruction: string; flag: RegExp }[];
export function forDocker20(text: string): string;
