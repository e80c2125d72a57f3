import { zoneName, type Topology } from '../topology.js';
import type { SimInstance } from '../world/instance.js';
import type { SimTargetGroup } from '../world/target-group.js';

/** What standalone instances are launched into. */
export interface StandaloneWorld {
  readonly topology: Topology;
  readonly targetGroups: ReadonlyMap<string, SimTargetGroup>;
  /** Target groups each standalone instance joins once it runs, by instance id. */
  readonly standaloneTargets: Map<string, SimTargetGroup[]>;
  readonly namedInstances: Map<string, string>;
  launchInstance(template: string, zone: string, tags: Record<string, string>): SimInstance;
}

/**
 * Launches the topology's instances that belong to no Auto Scaling group, from their launch template's default
 * version, tagged `Name` as the console tags them. Nothing replaces them when they fail.
 */
export function launchStandaloneInstances(world: StandaloneWorld): void {
  for (const spec of world.topology.instances) {
    const instance = world.launchInstance(spec.launchTemplate, zoneName(world.topology, spec.availabilityZone), { Name: spec.name, ...spec.tags });
    world.namedInstances.set(spec.name, instance.id);
    const groups = spec.targetGroups.map((n) => world.targetGroups.get(n)).filter((tg) => tg !== undefined);
    if (groups.length === 0) continue;
    world.standaloneTargets.set(instance.id, groups);
    registerWhenRunning(world, instance);
  }
}

/**
 * Registers a standalone instance in its target groups the first time it is `running` (ELB registers only running
 * instances: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html);
 * afterwards it stays registered through stops and starts, as a registered target does.
 */
export function registerWhenRunning(world: StandaloneWorld, instance: SimInstance): void {
  if (instance.state !== 'running') return;
  const groups = world.standaloneTargets.get(instance.id);
  if (groups === undefined) return;
  world.standaloneTargets.delete(instance.id);
  for (const tg of groups) tg.register(instance);
}
