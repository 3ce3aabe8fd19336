import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { awsTransport } from "../../../dagger/src/aws/auth.ts";
import { testbedValue } from "../support/testbed-env.ts";

// moto's default account (MOTO_ACCOUNT_ID unset); any access key maps to it.
const MOTO_ACCOUNT = "123456789012";

describe("host moto (the AWS emulator on loopback)", () => {
  it("answers STS GetCallerIdentity through the AWS SDK with its account", async () => {
    const sts = new STSClient({
      // The module's retries and timeouts: a silent emulator fails in seconds.
      ...awsTransport("us-east-1", testbedValue("MOTO_ENDPOINT")),
      // Static test credentials: moto accepts any; the SDK must not look for real ones.
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(MOTO_ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:user/moto`);
  });
});
