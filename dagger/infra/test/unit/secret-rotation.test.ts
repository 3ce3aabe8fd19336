/**
 * A rotated secret reaches the tasks through a redeploy: tasks read their
 * secrets only when they start, so the service stack takes the secrets'
 * versions as a variable and redeploys the service when they change
 * (triggers + force_new_deployment); a stack without secrets is unchanged.
 */
import { describe, expect, it } from "vitest";
import type { EnvironmentOverrides } from "../../src/config/types.ts";
import { SECRET_VERSIONS_VARIABLE } from "../../src/tofu.ts";
import { one, synthEnvironment } from "./support.ts";

const WITH_SECRETS = {
  service: { secrets: { DATABASE_URL: { ssm: "/app/db-url" }, API_KEY: { secretsManager: "prod/api" } } },
} as EnvironmentOverrides;

describe("the service stack's secret versions", () => {
  it("declares the variable with an empty default, so a caller that passes none still plans", () => {
    for (const overrides of [WITH_SECRETS, undefined]) {
      const { service } = synthEnvironment("staging", overrides);
      expect(service.variable?.[SECRET_VERSIONS_VARIABLE]).toMatchObject({
        type: "string",
        default: "",
        nullable: false,
      });
    }
  });

  it("with secrets: a change of the versions redeploys the service's tasks", () => {
    const { service } = synthEnvironment("staging", WITH_SECRETS);
    expect(one(service, "aws_ecs_service", "ecs_service")).toMatchObject({
      triggers: { [SECRET_VERSIONS_VARIABLE]: `\${var.${SECRET_VERSIONS_VARIABLE}}` },
      force_new_deployment: true,
    });
  });

  it("without secrets: no triggers and no forced deployment (nothing to rotate)", () => {
    const ecs = one(synthEnvironment("staging").service, "aws_ecs_service", "ecs_service");
    expect(ecs).not.toHaveProperty("triggers");
    expect(ecs).not.toHaveProperty("force_new_deployment");
  });
});
