import { readFileSync } from "node:fs";

/** The env file `testbed/up` writes (KEY=VALUE lines); TESTBED_STATE overrides its directory. */
export const TESTBED_ENV_FILE = `${process.env["TESTBED_STATE"] ?? "/var/lib/fargate-pipeline-testbed"}/env`;

/**
 * One value the test bed provides: from the process environment when
 * scripts/test.mjs passed it, else from the env file (a direct `npx vitest`).
 * Throws, saying what to run, when the test bed did not provide it: a tier
 * whose test bed component is missing fails loudly, it never skips.
 * @param key The KEY of a KEY=VALUE line of the env file, e.g. MOTO_ENDPOINT.
 */
export function testbedValue(key: string): string {
  const fromFile = (): string | undefined => {
    let text: string;
    try {
      text = readFileSync(TESTBED_ENV_FILE, "utf8");
    } catch {
      throw new Error(`${key} is not set and ${TESTBED_ENV_FILE} is missing: bring the test bed up first (sudo testbed/up)`);
    }
    const line = text.split("\n").find((l) => l.startsWith(`${key}=`));
    return line?.slice(key.length + 1);
  };
  const value = process.env[key] ?? fromFile();
  if (!value) {
    throw new Error(`${key} is not in ${TESTBED_ENV_FILE}: run sudo testbed/up (the AWS provider needs --wait-provider on a cold machine)`);
  }
  return value;
}
