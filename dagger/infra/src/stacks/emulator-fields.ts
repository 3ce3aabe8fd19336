import { TerraformResource, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { EMULATOR_UNHELD_FIELDS, type EmulatorUnheldField } from "../emulator.ts";

/**
 * Applies EMULATOR_UNHELD_FIELDS (src/emulator.ts) to a stack: each resource of
 * a listed type that sets the listed argument gets the listed attribute added
 * to its lifecycle.ignore_changes. EnvironmentStack adds this aspect only when
 * the configuration says `emulator: true`.
 */
export class EmulatorUnheldFields implements IAspect {
  readonly #fields: readonly EmulatorUnheldField[];

  /**
   * @param fields What the emulator cannot hold (default: EMULATOR_UNHELD_FIELDS).
   */
  constructor(fields: readonly EmulatorUnheldField[] = EMULATOR_UNHELD_FIELDS) {
    this.#fields = fields;
  }

  /**
   * Adds ignore_changes entries to a matching resource; leaves anything else alone.
   * @param node A construct of the stack.
   */
  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    const fields = this.#fields.filter((f) => f.resourceType === node.terraformResourceType);
    if (fields.length === 0) return;
    // The arguments as they will be synthesized (snake_case, overrides included).
    const json = node.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
    const body = Object.values(json.resource?.[node.terraformResourceType] ?? {})[0] ?? {};
    const attributes = fields
      .filter((f) => body[f.onlyWith] !== undefined && body[f.onlyWith] !== null)
      .map((f) => f.attribute);
    if (attributes.length === 0) return;
    const ignored = node.lifecycle?.ignoreChanges;
    if (ignored === "all") return;
    node.lifecycle = { ...node.lifecycle, ignoreChanges: [...new Set([...(ignored ?? []), ...attributes])] };
  }
}
