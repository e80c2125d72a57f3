import { CAPABILITY_ENVIRONMENTS, type CapabilityEnvironment, type CapabilityRow, type LocalStackService } from './capabilities.js';
import type { Registry } from './registry.js';

/** One row of the matrix: a registered definition's id and kind with the capabilities it declares. */
export type CapabilityMatrixRow = { id: string } & CapabilityRow;

/** The matrix in registry order (actions, then probes), gathered from the definitions: what docs/capabilities.md shows. */
export function capabilityMatrix(registry: Registry): CapabilityMatrixRow[] {
  return [
    ...registry.actions.map((a) => ({ id: a.id, kind: 'action' as const, services: a.capabilities.services, support: a.capabilities.support })),
    ...registry.probes.map((p) => ({ id: p.id, kind: 'probe' as const, services: p.capabilities.services, support: p.capabilities.support })),
  ];
}

/**
 * The AWS services an experiment's runs call in an environment: those of its faults, probes and rollbacks, plus STS
 * when a fault touches AWS (the account guard) and CloudWatch for alarm stop conditions.
 */
export function servicesUsed(registry: Registry, ids: Iterable<string>, options: { alarms?: boolean } = {}): LocalStackService[] {
  const services = new Set<LocalStackService>();
  for (const id of ids) for (const s of (registry.action(id) ?? registry.probe(id))?.capabilities.services ?? []) services.add(s);
  if (services.size > 0) services.add('sts');
  if (options.alarms === true) services.add('cloudwatch');
  return [...services].sort();
}

/** The matrix as JSON-ready data (`gameday capabilities --format json`), in registry order. */
export function capabilitiesJson(registry: Registry): { environments: readonly CapabilityEnvironment[]; rows: CapabilityMatrixRow[] } {
  return { environments: CAPABILITY_ENVIRONMENTS, rows: capabilityMatrix(registry) };
}
