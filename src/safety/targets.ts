import { formatSelection, applySelection, seededRandom } from '../experiment/selection.js';
import type { ActivityContext, AnyActionDefinition, Resource, TargetSpec } from '../registry/types.js';

/** How one fault's targets were picked, as the plan and the journal record it (so the pick can be replayed). */
export interface TargetRecord {
  fault: string;
  type: string;
  selection: string;
  seed: number;
  candidates: number;
  withoutOptIn: number;
  selected: { id: string; arn?: string; tags: Record<string, string> }[];
}

/** Whether a resource matches every id, tag and filter of a target spec. */
export function matchesTarget(r: Resource, spec: TargetSpec): boolean {
  if (spec.ids !== undefined && !spec.ids.includes(r.id) && (r.arn === undefined || !spec.ids.includes(r.arn))) return false;
  for (const [k, v] of Object.entries(spec.tags ?? {})) if (r.tags[k] !== v) return false;
  for (const f of spec.filters ?? []) {
    if (!valuesAt(r.attributes, f.path.split('.')).some((v) => f.values.includes(v))) return false;
  }
  return true;
}

/** Every value a dotted path reaches, stepping into each element of the lists on the way (`SecurityGroups.GroupId`). */
function valuesAt(value: unknown, keys: readonly string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, keys));
  const [key, ...rest] = keys;
  if (key === undefined) return value === undefined || value === null ? [] : [String(value)];
  if (value === null || typeof value !== 'object') return [];
  return valuesAt((value as Record<string, unknown>)[key], rest);
}

/**
 * Resolves a fault's targets: lists the inventory, keeps what matches and is `eligible` (carries the opt-in tags),
 * applies the selection mode with a seeded generator so the pick can be replayed.
 */
export async function resolveTargets(
  fault: string,
  definition: AnyActionDefinition,
  spec: TargetSpec,
  seed: number,
  ctx: ActivityContext,
  eligible: (r: Resource) => boolean = () => true,
): Promise<{ record: TargetRecord; selected: Resource[] }> {
  const type = spec.type ?? definition.targetType ?? 'unknown';
  const inventory = definition.inventory === undefined ? [] : await definition.inventory(spec, ctx);
  const matching = inventory.filter((r) => r.type === type && matchesTarget(r, spec));
  const candidates = matching.filter(eligible);
  const selected = applySelection(spec.selection, candidates, seededRandom(seed));
  return {
    selected,
    record: {
      fault,
      type,
      selection: formatSelection(spec.selection),
      seed,
      candidates: candidates.length,
      withoutOptIn: matching.length - candidates.length,
      selected: selected.map((r) => ({ id: r.id, ...(r.arn === undefined ? {} : { arn: r.arn }), tags: r.tags })),
    },
  };
}
