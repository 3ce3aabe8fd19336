/**
 * The contract between a shared environment and the services that attach to
 * it: what the shared stack publishes (one SSM parameter per output, below the
 * environment's path) and how a service stack reads it back (data sources, at
 * plan time). Services never hold a copy of an id: when the platform replaces
 * its load balancer, the next plan of every service reads the new one.
 */
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter/index.js";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { SHARED_PARAMETERS } from "../tofu.ts";

/** One value per published output, by its key in SHARED_PARAMETERS. */
export type SharedValues = { [K in keyof typeof SHARED_PARAMETERS]: K extends "subnetIds" ? string[] : string };

/** Options of PublishedOutputs. */
export interface PublishedOutputsOptions {
  /** The SSM path to publish under (SharedNames.parameterPath). */
  parameterPath: string;
  /** The values (references to the shared stack's resources). */
  values: SharedValues;
}

/**
 * A shared environment's outputs, published as SSM parameters (standard tier:
 * free): `String`s, and the subnets as a `StringList`. Owned by the shared
 * stack: a destroy removes them, so nothing attaches to an environment that is gone.
 */
export class PublishedOutputs extends Construct {
  /** The parameters, for what must wait for them. */
  readonly parameters: SsmParameter[];

  /**
   * @param scope The shared stack.
   * @param id Construct id (part of resource addresses).
   * @param options See PublishedOutputsOptions.
   */
  constructor(scope: Construct, id: string, options: PublishedOutputsOptions) {
    super(scope, id);
    this.parameters = (Object.keys(SHARED_PARAMETERS) as (keyof typeof SHARED_PARAMETERS)[]).map((key) => {
      const value = options.values[key];
      return new SsmParameter(this, SHARED_PARAMETERS[key].replaceAll("-", "_"), {
        name: `${options.parameterPath}/${SHARED_PARAMETERS[key]}`,
        description: `Published by the shared environment's stack for the services that attach to it: ${key}`,
        type: Array.isArray(value) ? "StringList" : "String",
        value: Array.isArray(value) ? Fn.join(",", value) : value,
      });
    });
  }
}

/**
 * What a stack of a service reads of the shared environment it attaches to:
 * one data source per parameter it asks for, read at plan time (a missing
 * parameter fails the plan naming it: the platform has not applied the
 * environment). The service stack asks for the load balancer, listener,
 * cluster, zone and domain; the base stack only for the zone and domain its
 * roles' policies name.
 */
export class SharedLookup extends Construct {
  readonly #parameterPath: string;
  readonly #read = new Map<keyof typeof SHARED_PARAMETERS, string>();

  /**
   * @param scope The service's stack.
   * @param id Construct id (part of resource addresses).
   * @param parameterPath The shared environment's SSM path.
   */
  constructor(scope: Construct, id: string, parameterPath: string) {
    super(scope, id);
    this.#parameterPath = parameterPath;
  }

  /**
   * A published value (its data source is added on first use).
   * @param key Which output.
   */
  value(key: Exclude<keyof typeof SHARED_PARAMETERS, "subnetIds">): string {
    const known = this.#read.get(key);
    if (known !== undefined) return known;
    // insecure_value: these are ids and names, not secrets; `value` is always marked
    // sensitive, which would hide them in plans and forbid them in for_each.
    const value = new DataAwsSsmParameter(this, SHARED_PARAMETERS[key].replaceAll("-", "_"), {
      name: `${this.#parameterPath}/${SHARED_PARAMETERS[key]}`,
    }).insecureValue;
    this.#read.set(key, value);
    return value;
  }
}
