/**
 * The infrastructure package's public interface for other workspaces (the
 * Dagger module): configuration types, validation, resource names, outputs and
 * OpenTofu helpers. No cdktf import here: synthesis is in "./synth" (or run
 * `node main.ts`), so the switch to cdktn stays inside infra/.
 */
export { builtinEnvironments } from "./config/builtin.ts";
export {
  CONFIG_FILE_NAME,
  ConfigFileError,
  ConfigFileSchema,
  noConfigFile,
  parseConfigFile,
  type ConfigFile,
} from "./config/file.ts";
export { checkFargateSize, fargateMemoryFor, FARGATE_CPU_SIZES } from "./config/fargate.ts";
export {
  CONTAINER_NAME,
  LOCAL_ENVIRONMENT,
  resourceNames,
  STACK_ROLES,
  type ResourceNames,
  type StackRole,
} from "./config/naming.ts";
export { ConfigError, environmentNames, mergeOverrides, resolveEnvironment, type ResolveOptions } from "./resolve.ts";
export { type EnvironmentOverrides } from "./config/types.ts";
export { DEFAULT_TLS_POLICY, EnvironmentSchema, isDomainName, type EnvironmentInput } from "./config/schema.ts";
export {
  resolveSecret,
  resolveSecrets,
  secretArn,
  secretIamResource,
  secretValueFrom,
  secretViaService,
  type ArnScope,
  type SecretReference,
  type SecretStore,
} from "./config/secrets.ts";
export {
  secretsAndScaling,
  type ScalingSummary,
  type SecretsAndScaling,
  type SecretSummary,
} from "./config/runtime.ts";
export { validateEnvironment } from "./config/validate.ts";
export { type ConfigIssue, type EnvironmentConfig, type ValidationResult } from "./config/types.ts";
export { ciIssuer, resolveCi } from "./config/ci.ts";
export { DEFAULT_AUDIENCE, GITHUB_ISSUER, GITLAB_ISSUER, issuerHost, subjectProblem } from "./config/oidc.ts";
export { type CiConfig } from "./config/types.ts";
export { ciTrust, oidcTrustPolicy, type CiTrust, type OidcIdentity } from "./policies/trust.ts";
export {
  EMULATOR_OMITTED_RESOURCES,
  EMULATOR_UNHELD_FIELDS,
  emulatorBackendConfig,
  emulatorEnvironment,
  emulatorOverrides,
  type EmulatorOmittedResource,
  type EmulatorUnheldField,
} from "./emulator.ts";
export {
  BASE_OUTPUTS,
  IMAGE_DIGEST_PATTERN,
  IMAGE_VARIABLE,
  SECRET_VERSIONS_VARIABLE,
  SERVICE_OUTPUTS,
} from "./tofu.ts";
