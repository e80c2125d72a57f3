import type { AutoScalingGroup } from '../architecture/model.js';

/** Whether an instance of a group counts as serving capacity: InService and Healthy, as the group reports it. */
export function inService(i: AutoScalingGroup['instances'][number]): boolean {
  return i.lifecycleState === 'InService' && i.healthStatus === 'Healthy';
}

/** In-service instances per zone of a group, every zone it spans listed (zero where it has none), in name order. */
export function perZone(g: AutoScalingGroup): Map<string, number> {
  const counts = new Map<string, number>([...new Set(g.zones)].sort().map((z) => [z, 0]));
  for (const i of g.instances.filter(inService)) counts.set(i.zone, (counts.get(i.zone) ?? 0) + 1);
  return counts;
}

/** The zone holding most of the group's in-service instances (the first by name on a tie): the loss that costs most. */
export function largestZone(g: AutoScalingGroup): { zone: string; count: number; total: number } | undefined {
  const counts = perZone(g);
  let best: { zone: string; count: number } | undefined;
  for (const [zone, count] of counts) if (best === undefined || count > best.count) best = { zone, count };
  const total = [...counts.values()].reduce((s, n) => s + n, 0);
  return best === undefined ? undefined : { ...best, total };
}
