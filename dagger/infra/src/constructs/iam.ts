import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Construct } from "constructs";
import { ecsTasksTrustPolicy } from "../policies/trust.ts";
import { executionRolePolicy, taskBoundaryPolicy } from "../policies/task.ts";
import { type ServicePolicyContext } from "../policies/document.ts";

/** Options of TaskRoles. */
export interface TaskRolesOptions {
  /** Names, ARNs and account the policies refer to. */
  policy: ServicePolicyContext;
}

/**
 * The two roles of the task, both under the permissions boundary:
 * - execution role: what ECS itself does for the task (pull this repository's
 *   image, write this log group);
 * - task role: what the app's code may do in AWS. Empty: the sample app calls no
 *   AWS API. Grant the app's needs here (and widen the boundary in the base stack).
 */
export class TaskRoles extends Construct {
  /** ARN of the execution role. */
  readonly executionRoleArn: string;
  /** ARN of the task role. */
  readonly taskRoleArn: string;
  /** The execution role's policy: tasks can pull and log only once it exists. */
  readonly executionPolicy: IamRolePolicy;

  /**
   * @param scope The service stack.
   * @param id Construct id (part of resource addresses).
   * @param options See TaskRolesOptions.
   */
  constructor(scope: Construct, id: string, options: TaskRolesOptions) {
    super(scope, id);
    const ctx = options.policy;
    const trust = JSON.stringify(ecsTasksTrustPolicy(ctx));
    const execution = new IamRole(this, "execution_role", {
      name: ctx.roles.execution,
      description: "ECS pulls the image and writes the logs of the service's tasks",
      assumeRolePolicy: trust,
      permissionsBoundary: ctx.boundaryPolicyArn,
    });
    this.executionPolicy = new IamRolePolicy(this, "execution_policy", {
      name: "pull-image-write-logs",
      role: execution.name,
      policy: JSON.stringify(executionRolePolicy(ctx)),
    });
    const task = new IamRole(this, "task_role", {
      name: ctx.roles.task,
      description: "The app's own AWS permissions (none by default)",
      assumeRolePolicy: trust,
      permissionsBoundary: ctx.boundaryPolicyArn,
    });
    this.executionRoleArn = execution.arn;
    this.taskRoleArn = task.arn;
  }
}

/** Options of TaskBoundary. */
export interface TaskBoundaryOptions {
  /** The policy's name. */
  name: string;
  /** Names, ARNs and account the policy refers to. */
  policy: ServicePolicyContext;
}

/**
 * The permissions boundary of the task roles, in the base stack (applied by an
 * administrator): the deploy role can create task roles only with it attached,
 * so a compromised pipeline cannot give a task more than this.
 */
export class TaskBoundary extends Construct {
  /** The policy's ARN. */
  readonly arn: string;

  /**
   * @param scope The base stack.
   * @param id Construct id (part of resource addresses).
   * @param options See TaskBoundaryOptions.
   */
  constructor(scope: Construct, id: string, options: TaskBoundaryOptions) {
    super(scope, id);
    this.arn = new IamPolicy(this, "policy", {
      name: options.name,
      description: "Permissions boundary: the most any role of the service stack can be granted",
      policy: JSON.stringify(taskBoundaryPolicy(options.policy)),
    }).arn;
  }
}
