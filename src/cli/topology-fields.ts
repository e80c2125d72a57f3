import { OPTIONAL_FIELDS } from '../architecture/to-topology.js';

interface SchemaNode {
  def?: { type?: string; innerType?: SchemaNode; element?: SchemaNode; in?: SchemaNode; shape?: Record<string, SchemaNode> };
  shape?: Record<string, SchemaNode>;
}

/** An object schema under wrappers (default, optional, prefault, nullable, pipe) and arrays, if there is one. */
function objectOf(node: SchemaNode | undefined): Record<string, SchemaNode> | undefined {
  for (let n = node, depth = 0; n !== undefined && depth < 10; depth++) {
    if (n.def?.type === 'object') return n.shape ?? n.def.shape;
    n = n.def?.innerType ?? n.def?.element ?? n.def?.in;
  }
  return undefined;
}

/**
 * Which of the topology fields the twin emits only when accepted (`OPTIONAL_FIELDS`: `autoScalingGroups.suspendedProcesses`, `instances`…) the
 * simulated region's schema has, asked of the schema itself: a twin written today validates against today's sim, and
 * gains each field the day the sim does, with no change here.
 */
export async function acceptedTopologyFields(): Promise<Set<string>> {
  const { topologySchema } = await import('../sim/topology.js');
  return fieldsOf(topologySchema);
}

/** Which of `OPTIONAL_FIELDS` a zod object schema of a topology has. */
export function fieldsOf(schema: unknown): Set<string> {
  const root = objectOf(schema as SchemaNode) ?? {};
  const accepted = new Set<string>();
  for (const field of OPTIONAL_FIELDS) {
    const [list, key] = field.split('.') as [string, string | undefined];
    const node = root[list];
    if (node === undefined) continue;
    if (key === undefined || objectOf(node)?.[key] !== undefined) accepted.add(field);
  }
  return accepted;
}
