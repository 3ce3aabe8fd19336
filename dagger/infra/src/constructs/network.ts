import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group/index.js";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway/index.js";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association/index.js";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table/index.js";
import { Route } from "@cdktf/provider-aws/lib/route/index.js";
import { Subnet } from "@cdktf/provider-aws/lib/subnet/index.js";
import { Vpc } from "@cdktf/provider-aws/lib/vpc/index.js";
import { Construct } from "constructs";

/** One public subnet. */
export interface PublicSubnetOptions {
  /** Its address block, inside the VPC's. */
  cidr: string;
  /** Its availability zone, e.g. eu-west-1a. */
  availabilityZone: string;
}

/** Options of Network. */
export interface NetworkOptions {
  /** Name prefix for the Name tags. */
  name: string;
  /** The VPC's address block. */
  vpcCidr: string;
  /** Public subnets, one per availability zone. */
  publicSubnets: PublicSubnetOptions[];
}

/**
 * A VPC with public subnets in separate availability zones, an internet gateway
 * and a route table sending 0.0.0.0/0 to it. Tasks get public IPs in these
 * subnets (no NAT gateway: ~32 USD a month each, and nothing here needs private
 * subnets: the app security group admits only the ALB). The VPC's default
 * security group is emptied so nothing can use it by accident.
 */
export class Network extends Construct {
  /** The VPC's id. */
  readonly vpcId: string;
  /** The public subnets' ids, in the order given. */
  readonly publicSubnetIds: string[];

  /**
   * @param scope The stack.
   * @param id Construct id (part of resource addresses).
   * @param options The address plan.
   */
  constructor(scope: Construct, id: string, options: NetworkOptions) {
    super(scope, id);
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: options.vpcCidr,
      // Both needed for Fargate tasks to resolve ECR, CloudWatch and each other's names.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: options.name },
    });
    this.vpcId = vpc.id;

    // No rules: the default group admits nothing (CIS AWS 5.4); resources use the stack's own groups.
    new DefaultSecurityGroup(this, "default_security_group", {
      vpcId: vpc.id,
      tags: { Name: `${options.name}-default-unused` },
    });

    const gateway = new InternetGateway(this, "internet_gateway", {
      vpcId: vpc.id,
      tags: { Name: options.name },
    });
    const routes = new RouteTable(this, "public_route_table", {
      vpcId: vpc.id,
      tags: { Name: `${options.name}-public` },
    });
    new Route(this, "public_default_route", {
      routeTableId: routes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: gateway.id,
    });

    this.publicSubnetIds = options.publicSubnets.map((s, i) => {
      const subnet = new Subnet(this, `public_subnet_${i}`, {
        vpcId: vpc.id,
        cidrBlock: s.cidr,
        availabilityZone: s.availabilityZone,
        // Off: ECS assigns public IPs to tasks explicitly (assignPublicIp); nothing else gets one.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${options.name}-public-${s.availabilityZone}` },
      });
      new RouteTableAssociation(this, `public_subnet_${i}_routes`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return subnet.id;
    });
  }
}
