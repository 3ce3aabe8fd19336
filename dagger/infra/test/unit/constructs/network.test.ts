import { describe, expect, it } from "vitest";
import { Network } from "../../../src/constructs/network.ts";
import { all, one, synthConstruct, synthEnvironment } from "../support.ts";

describe("Network", () => {
  const json = synthConstruct((stack) => {
    new Network(stack, "network", {
      name: "app-test",
      vpcCidr: "10.16.0.0/16",
      publicSubnets: [
        { cidr: "10.16.0.0/24", availabilityZone: "eu-west-1a" },
        { cidr: "10.16.1.0/24", availabilityZone: "eu-west-1b" },
      ],
    });
  });

  it("creates the VPC with DNS support and hostnames", () => {
    expect(one(json, "aws_vpc", "network_vpc")).toMatchObject({
      cidr_block: "10.16.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  it("creates one public subnet per zone, without auto-assigned public IPs", () => {
    expect(Object.values(all(json, "aws_subnet"))).toEqual([
      expect.objectContaining({
        cidr_block: "10.16.0.0/24",
        availability_zone: "eu-west-1a",
        map_public_ip_on_launch: false,
      }),
      expect.objectContaining({
        cidr_block: "10.16.1.0/24",
        availability_zone: "eu-west-1b",
        map_public_ip_on_launch: false,
      }),
    ]);
  });

  it("routes 0.0.0.0/0 to the internet gateway from both subnets", () => {
    expect(one(json, "aws_route", "network_public_default_route")).toMatchObject({
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: "${aws_internet_gateway.network_internet_gateway.id}",
      route_table_id: "${aws_route_table.network_public_route_table.id}",
    });
    expect(Object.values(all(json, "aws_route_table_association")).map((a) => a["subnet_id"])).toEqual([
      "${aws_subnet.network_public_subnet_0.id}",
      "${aws_subnet.network_public_subnet_1.id}",
    ]);
    expect(one(json, "aws_internet_gateway", "network_internet_gateway")["vpc_id"]).toBe("${aws_vpc.network_vpc.id}");
  });

  it("empties the VPC's default security group", () => {
    const sg = one(json, "aws_default_security_group", "network_default_security_group");
    expect(sg["ingress"]).toBeUndefined();
    expect(sg["egress"]).toBeUndefined();
  });

  it("takes its CIDRs and zones from the environment", () => {
    const { service } = synthEnvironment("staging", {
      network: { vpcCidr: "10.20.0.0/16", publicSubnetCidrs: ["10.20.8.0/22", "10.20.12.0/22"] },
    });
    expect(one(service, "aws_vpc", "network_vpc")["cidr_block"]).toBe("10.20.0.0/16");
    expect(one(service, "aws_subnet", "network_public_subnet_1")).toMatchObject({
      cidr_block: "10.20.12.0/22",
      availability_zone: "eu-west-1b",
    });
  });

  it("is not created behind an existing load balancer (the tasks use the ALB's VPC)", async () => {
    const { EXISTING_EDGE } = await import("../support.ts");
    const { service } = synthEnvironment("staging", EXISTING_EDGE);
    expect(all(service, "aws_vpc")).toEqual({});
    expect(all(service, "aws_subnet")).toEqual({});
  });
});
