/**
 * A plan as Markdown fit for a pull-request comment: per stack, the counts and
 * one row per resource that changes (with the attributes that change), read
 * from `tofu show -json` of the saved plan. Pure: unit-tested on plan JSON.
 */

/** The part of `tofu show -json <plan>` this reads. */
export interface PlanJson {
  resource_changes?: {
    address: string;
    change: {
      actions: string[];
      before?: Record<string, unknown> | null;
      after?: Record<string, unknown> | null;
      replace_paths?: unknown[];
    };
  }[];
  output_changes?: Record<string, { actions: string[] }>;
}

/** One resource that changes. */
export interface PlannedResource {
  address: string;
  /** create, update, delete, replace, read (data sources are left out). */
  action: "create" | "update" | "delete" | "replace";
  /** Attributes whose value changes (updates and replacements). */
  attributes: string[];
}

/** What a stack's plan does. */
export interface StackPlan {
  stack: string;
  resources: PlannedResource[];
  counts: { add: number; change: number; destroy: number };
}

/**
 * Reads the changes of a plan.
 *
 * @param stack the stack's name
 * @param plan `tofu show -json` of the saved plan
 */
export function readPlan(stack: string, plan: PlanJson): StackPlan {
  const resources: PlannedResource[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const a = rc.change.actions;
    let action: PlannedResource["action"] | undefined;
    if (a.includes("create") && a.includes("delete")) action = "replace";
    else if (a.length === 1 && a[0] === "create") action = "create";
    else if (a.length === 1 && a[0] === "update") action = "update";
    else if (a.length === 1 && a[0] === "delete") action = "delete";
    if (!action) continue;
    const before = rc.change.before ?? {};
    const after = rc.change.after ?? {};
    const attributes =
      action === "update" || action === "replace"
        ? [...new Set([...Object.keys(before), ...Object.keys(after)])]
            .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
            .sort()
        : [];
    resources.push({ address: rc.address, action, attributes });
  }
  const counts = {
    add: resources.filter((r) => r.action === "create" || r.action === "replace").length,
    change: resources.filter((r) => r.action === "update").length,
    destroy: resources.filter((r) => r.action === "delete" || r.action === "replace").length,
  };
  return { stack, resources, counts };
}

const SYMBOL: Record<PlannedResource["action"], string> = {
  create: "+ create",
  update: "~ update",
  delete: "- destroy",
  replace: "-/+ replace",
};

// 60,000 characters: GitHub allows 65,536 in a comment; the rest is left for the header and the notes.
export const MAX_MARKDOWN = 60_000;

/**
 * The Markdown of one or more stacks' plans.
 *
 * @param title the heading, e.g. "Plan for production"
 * @param plans the stacks' plans
 * @param notes lines shown under the heading (account, image, …)
 */
export function planMarkdown(title: string, plans: readonly StackPlan[], notes: readonly string[] = []): string {
  const out = [`### ${title}`, "", ...notes.map((n) => `> ${n}`), ...(notes.length > 0 ? [""] : [])];
  for (const p of plans) {
    const { add, change, destroy } = p.counts;
    if (p.resources.length === 0) {
      out.push(`**${p.stack}**: no changes. The infrastructure matches the configuration.`, "");
      continue;
    }
    out.push(
      `**${p.stack}**: ${add} to add, ${change} to change, ${destroy} to destroy`,
      "",
      "| action | resource | changes |",
      "|---|---|---|",
    );
    for (const r of p.resources) {
      const attrs =
        r.attributes.length > 8
          ? `${r.attributes.slice(0, 8).join(", ")}, … (${r.attributes.length})`
          : r.attributes.join(", ");
      out.push(`| ${SYMBOL[r.action]} | \`${r.address}\` | ${attrs} |`);
    }
    if (p.resources.some((r) => r.action === "replace" || r.action === "delete")) {
      out.push("", `⚠️ ${p.stack} destroys or replaces resources: read the rows marked - or -/+ before merging.`);
    }
    out.push("");
  }
  let text = out.join("\n");
  if (text.length > MAX_MARKDOWN) {
    text = `${text.slice(0, MAX_MARKDOWN)}\n\n… (cut at ${MAX_MARKDOWN} characters: the full plan is in the job log)`;
  }
  return text;
}
