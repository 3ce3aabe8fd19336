import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone/index.js";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record/index.js";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone/index.js";
import { Construct } from "constructs";

/** How the hosted zone comes to be (mirrors the configuration's hostedZone). */
export type ZoneSource = { mode: "create"; name: string } | { mode: "existing"; zoneId: string };

/** Options of HostedZone. */
export interface HostedZoneOptions {
  /** Create the zone, or read an existing one. */
  zone: ZoneSource;
  /** What the zone is for (its comment). */
  purpose: string;
}

/**
 * The public hosted zone of the domain, in the base stack: created (delegate it
 * once from the parent zone, with the name servers this outputs) or an existing
 * one read by id. It lives in the base stack so that it exists, and can be
 * delegated, before the first certificate waits for validation through it.
 */
export class HostedZone extends Construct {
  /** The zone's id. */
  readonly zoneId: string;
  /** The zone's name servers (for the delegation). */
  readonly nameServers: string[];

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See HostedZoneOptions.
   */
  constructor(scope: Construct, id: string, options: HostedZoneOptions) {
    super(scope, id);
    if (options.zone.mode === "create") {
      const zone = new Route53Zone(this, "zone", {
        name: options.zone.name,
        comment: options.purpose,
        // Off: destroy fails while records other than NS/SOA remain, instead of deleting them.
        forceDestroy: false,
      });
      this.zoneId = zone.zoneId;
      this.nameServers = zone.nameServers;
    } else {
      const zone = new DataAwsRoute53Zone(this, "zone", { zoneId: options.zone.zoneId });
      this.zoneId = zone.zoneId;
      this.nameServers = zone.nameServers;
    }
  }
}

/**
 * The zone id of the domain seen from the service stack: the zone the base
 * stack created, looked up by name (public zones only), or the configured id.
 * @param scope The service stack.
 * @param id Construct id (part of resource addresses).
 * @param zone The configuration's hostedZone.
 */
export function zoneIdFor(scope: Construct, id: string, zone: ZoneSource): string {
  if (zone.mode === "existing") return zone.zoneId;
  return new DataAwsRoute53Zone(scope, id, { name: zone.name, privateZone: false }).zoneId;
}

/** Options of AliasRecord. */
export interface AliasRecordOptions {
  /** Zone of the record. */
  zoneId: string;
  /** The record's name (the service's domain). */
  domain: string;
  /** The load balancer's DNS name. */
  targetDnsName: string;
  /** The load balancer's own zone id. */
  targetZoneId: string;
}

/**
 * An A alias record from the domain to the load balancer. Alias records cost
 * nothing to resolve and follow the ALB's changing IPs; evaluate_target_health
 * lets Route 53 see an ALB with no healthy target.
 */
export class AliasRecord extends Construct {
  /** The record's FQDN. */
  readonly fqdn: string;

  /**
   * @param scope The service stack.
   * @param id Construct id (part of resource addresses).
   * @param options See AliasRecordOptions.
   */
  constructor(scope: Construct, id: string, options: AliasRecordOptions) {
    super(scope, id);
    const record = new Route53Record(this, "record", {
      zoneId: options.zoneId,
      name: options.domain,
      type: "A",
      alias: { name: options.targetDnsName, zoneId: options.targetZoneId, evaluateTargetHealth: true },
    });
    this.fqdn = record.fqdn;
  }
}
