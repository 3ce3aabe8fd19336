import { describe, expect, it } from "vitest";
import { emulatorEgressRace } from "../e2e/harness.ts";

/** The head of the failed apply in CI on 2026-12-02 (OpenTofu 1.12.6, the test bed's AWS provider, moto 5.2.5). */
const RACE = `
Error: revoking default IPv4 egress rule for Security Group (sg-c5d7b0820390fe9eb): operation error EC2: RevokeSecurityGroupEgress, https response error StatusCode: 400, RequestID: fR8ZkckZgd9vfCRGaUVHM4NiaYkfJVhon2BEaXWMVmgpmSP3192Z, api error InvalidPermission.NotFound: The specified rule does not exist in this security group

  with aws_security_group.load_balancer_alb_security_group,
  on cdk.tf.json line 511, in resource.aws_security_group.load_balancer_alb_security_group:
 511:       },
`;

describe("the infra e2e harness's one tolerated emulator failure", () => {
  it("is the emulator losing a new group's default egress rule, and names the group", () => {
    expect(emulatorEgressRace(RACE)).toBe("sg-c5d7b0820390fe9eb");
  });

  it("is nothing else: not the IPv6 rule, not another revoke, not another error of that group", () => {
    expect(emulatorEgressRace(RACE.replace("IPv4", "IPv6"))).toBeUndefined();
    expect(
      emulatorEgressRace(
        "Error: revoking Security Group (sg-1) Rule (sgr-1): api error InvalidPermission.NotFound: The specified rule does not exist in this security group",
      ),
    ).toBeUndefined();
    expect(emulatorEgressRace(RACE.replace("InvalidPermission.NotFound", "InvalidGroup.NotFound"))).toBeUndefined();
    expect(
      emulatorEgressRace("Error: creating Security Group (fargate-pipeline-alb): InvalidGroup.Duplicate"),
    ).toBeUndefined();
  });
});
