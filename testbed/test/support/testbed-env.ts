import { readFileSync } from "node:fs";

/** The env file `testbed/up` writes (KEY=VALUE lines); TESTBED_STATE overrides its directory. */
export const TESTBED_ENV_FILE = `${process.env["TESTBED_STATE"] ?? "/var/lib/fargate-pipeline-testbed"}/env`;

/**
 * One value the test bed provides: from its env file, else from the process
 * environment (when a runner passed the values without the file). The file
 * wins because a machine may export the same name for its own use (this one
 * exports TF_CLI_CONFIG_FILE naming a file that does not exist).
 * Throws, saying what to run, when the test bed did not provide it: a tier
 * whose test bed component is missing fails loudly, it never skips.
 * @param key The KEY of a KEY=VALUE line of the env file, e.g. MOTO_ENDPOINT.
 */
export function testbedValue(key: string): string {
  let text = "";
  try {
    text = readFileSync(TESTBED_ENV_FILE, "utf8");
  } catch {
    // No file: the process environment may still carry the value.
  }
  const line = text.split("\n").find((l) => l.startsWith(`${key}=`));
  const value = line?.slice(key.length + 1) || process.env[key];
  if (!value) {
    throw new Error(
      `${key} is not in ${TESTBED_ENV_FILE}: bring the test bed up (sudo testbed/up; the AWS provider needs --wait-provider on a cold machine)`,
    );
  }
  return value;
}
