import { readFileSync } from "node:fs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";

/** Where `testbed/up` records what tests need (KEY=VALUE lines); TESTBED_ENV_FILE overrides it. */
const ENV_FILE = process.env["TESTBED_ENV_FILE"] ?? "/var/lib/fargate-pipeline-testbed/env";

/**
 * Reads one key of the test bed's env file, failing with what to do when the
 * test bed (or this component of it) is not up: a missing emulator must fail
 * this tier loudly, never skip it.
 * @param key The KEY of a KEY=VALUE line in the env file.
 */
function testbedValue(key: string): string {
  let text: string;
  try {
    text = readFileSync(ENV_FILE, "utf8");
  } catch {
    throw new Error(`${ENV_FILE} is missing: bring the test bed up first (testbed/up)`);
  }
  const line = text.split("\n").find((l) => l.startsWith(`${key}=`));
  const value = line?.slice(key.length + 1);
  if (!value) throw new Error(`${key} is not in ${ENV_FILE}: run testbed/up (it starts moto and records ${key})`);
  return value;
}

// moto's default account (MOTO_ACCOUNT_ID unset); any access key maps to it.
const MOTO_ACCOUNT = "123456789012";

describe("host moto (the AWS emulator on loopback)", () => {
  it("answers STS GetCallerIdentity through the AWS SDK with its account", async () => {
    const sts = new STSClient({
      endpoint: testbedValue("MOTO_ENDPOINT"),
      region: "us-east-1",
      // Static test credentials: moto accepts any; the SDK must not look for real ones.
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(MOTO_ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:user/moto`);
  });
});
