import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition/index.js";
import { Aspects, S3Backend, TerraformElement, TerraformStack } from "cdktf";
import type { Construct, Node } from "constructs";
import type { EnvironmentConfig } from "../config/types.ts";
import type { StackRole } from "../config/naming.ts";
import { STACK_TAG } from "../policies/document.ts";
import { EmulatorUnheldFields } from "./emulator-fields.ts";

/**
 * A stack whose resource addresses come from the construct path, joined with
 * "_" and without cdktf's hash suffix: `aws_vpc.network_vpc` instead of
 * `aws_vpc.network_vpc_1A2B3C4D`. Plans read better (they end up in PR
 * comments), and addresses stay stable as long as construct ids do.
 */
export class ReadableIdStack extends TerraformStack {
  /** Logical ids handed out so far, by id, with the construct path that got it. */
  private readonly logicalIds = new Map<string, string>();

  /**
   * The address of an element: its construct ids below the stack, joined with
   * "_". Ids must be snake_case; two paths mapping to the same id throw.
   * @param tfElement The element (or its node) that needs an id.
   */
  protected override allocateLogicalId(tfElement: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(tfElement) ? tfElement.node : tfElement;
    const components = node.scopes.slice(node.scopes.indexOf(this) + 1).map((c) => c.node.id);
    for (const component of components) {
      if (!/^[a-z][a-z0-9_]*$/.test(component)) {
        throw new Error(
          `construct id "${component}" (${node.path}) must be snake_case: it becomes part of a resource address`,
        );
      }
    }
    const id = components.join("_");
    const owner = this.logicalIds.get(id);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(`constructs ${owner} and ${node.path} both map to the address "${id}"; rename one`);
    }
    this.logicalIds.set(id, node.path);
    return id;
  }
}

/** OpenTofu 1.10 brought the S3 backend's native lock file (use_lockfile). */
export const REQUIRED_TOFU_VERSION = ">= 1.10.0";

/** What a stack pinned to one account and region needs. */
export interface PinnedStackOptions {
  /** The stack's name (its folder, and the Stack tag when no other is given). */
  name: string;
  /** The region of its resources. */
  region: string;
  /** The only account its provider may act in; undefined: any (local). */
  accountId: string | undefined;
  /** Tags on every resource (the provider's default tags). */
  tags: Record<string, string>;
  /** Where its state lives: bucket, key and region. */
  state: { bucket: string; key: string; region: string };
  /** Applied to the AWS emulator: the stack carries EMULATOR_UNHELD_FIELDS. */
  emulator: boolean;
}

/**
 * What every stack shares: the AWS provider pinned to an account and region
 * with default tags, the S3 backend with its native lock file, and readable,
 * stable resource addresses.
 *
 * Endpoints are not in here: they come from AWS_ENDPOINT_URL at apply time and
 * the backend's emulator settings from `-backend-config` at init (see
 * emulator.ts). The one emulator-only part of the JSON is added when the
 * configuration says `emulator: true`: ignore_changes on exactly the attributes
 * moto cannot hold (EMULATOR_UNHELD_FIELDS); otherwise `local` synthesizes to
 * the same shape as production.
 */
export class PinnedStack extends ReadableIdStack {
  /** The ARN partition of the credentials in use ("aws", "aws-cn", …). */
  readonly partition: string;
  /** The partition's DNS suffix ("amazonaws.com", "amazonaws.com.cn", …): service endpoints in IAM conditions. */
  readonly dnsSuffix: string;
  /** The account id of the credentials in use (equal to the configured account when that is set). */
  readonly accountId: string;

  /**
   * @param scope The app.
   * @param options See PinnedStackOptions.
   */
  constructor(scope: Construct, options: PinnedStackOptions) {
    super(scope, options.name);
    new AwsProvider(this, "aws", {
      region: options.region,
      // The provider refuses to touch any other account: credentials for the wrong
      // account fail at plan instead of creating a copy of the stack there.
      ...(options.accountId !== undefined ? { allowedAccountIds: [options.accountId] } : {}),
      defaultTags: [{ tags: options.tags }],
    });

    const backend = new S3Backend(this, {
      bucket: options.state.bucket,
      key: options.state.key,
      region: options.state.region,
      encrypt: true,
    });
    // OpenTofu's native S3 lock file: no DynamoDB table. Not in cdktf 0.21's typed options.
    backend.addOverride("use_lockfile", true);
    this.addOverride("terraform.required_version", REQUIRED_TOFU_VERSION);

    if (options.emulator) Aspects.of(this).add(new EmulatorUnheldFields());

    const partition = new DataAwsPartition(this, "partition");
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
    this.accountId = new DataAwsCallerIdentity(this, "caller").accountId;
  }
}

/** A stack of an app's environment: base or service (see PinnedStack for what every stack has). */
export class EnvironmentStack extends PinnedStack {
  /** The environment's validated configuration. */
  readonly config: EnvironmentConfig;
  /** Which of the environment's stacks this is. */
  readonly role: StackRole;

  /**
   * @param scope The app.
   * @param config The environment's validated configuration.
   * @param role Which of the environment's stacks this is.
   */
  constructor(scope: Construct, config: EnvironmentConfig, role: StackRole) {
    super(scope, {
      name: config.names.stacks[role],
      region: config.region,
      accountId: config.accountId,
      tags: {
        ...config.tags,
        Project: config.serviceName,
        Environment: config.name,
        ManagedBy: "opentofu",
        // The deploy role may delete only network resources and certificates carrying this tag.
        [STACK_TAG]: config.names.stacks.service,
      },
      state: { bucket: config.state.bucket, key: config.state.keys[role], region: config.state.region },
      emulator: config.emulator,
    });
    this.config = config;
    this.role = role;
  }
}
