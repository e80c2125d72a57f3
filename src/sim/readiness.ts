import type { GroundTruth } from './ground-truth.js';
import type { SimScheduler } from './timing.js';
import type { SimAlarm } from './world/alarm.js';
import type { SimAutoScalingGroup } from './world/auto-scaling-group.js';
import type { SimDatabase } from './world/database.js';
import type { SimDbCluster } from './world/db-cluster.js';
import type { SimHealthCheck } from './world/health-check.js';
import type { SimTargetGroup } from './world/target-group.js';

/** What readiness reads of the world. */
export interface SteadySources {
  readonly autoScalingGroups: ReadonlyMap<string, SimAutoScalingGroup>;
  readonly targetGroups: ReadonlyMap<string, SimTargetGroup>;
  readonly databases: ReadonlyMap<string, SimDatabase>;
  readonly dbClusters: ReadonlyMap<string, SimDbCluster>;
  readonly alarms: ReadonlyMap<string, SimAlarm>;
  readonly healthChecks: ReadonlyMap<string, SimHealthCheck>;
  readonly scheduler: SimScheduler;
  readonly truth: GroundTruth;
}

/** Every ASG at desired capacity InService, every registered target healthy, every declared Route 53 check healthy, no alarm in ALARM. */
export function isSteady(world: SteadySources): boolean {
  for (const asg of world.autoScalingGroups.values()) {
    const active = asg.active();
    if (active.length !== asg.desired || active.some((m) => m.lifecycle !== 'InService')) return false;
  }
  for (const tg of world.targetGroups.values()) {
    // A target in a zone its load balancer is not enabled in stays `unused` (Target.NotInUse) for good: a steady state.
    for (const t of tg.targets.values()) if (t.state !== 'healthy' && t.state !== 'draining' && t.reason !== 'Target.NotInUse') return false;
  }
  for (const db of world.databases.values()) if (db.status !== 'available') return false;
  for (const c of world.dbClusters.values()) if (c.status !== 'available') return false;
  // An alarm in ALARM, or about to be from a period spanning the boot (too few healthy hosts then), would stop any run at once.
  for (const a of world.alarms.values()) if (!a.settled()) return false;
  // Topology-declared Route 53 checks have seen their endpoints answer (they fail while the stack boots).
  // A declared check is ready when healthy and every checker's latest report (what GetHealthCheckStatus shows) is a
  // success: reports from the boot, when targets were not yet healthy, must have been overwritten.
  for (const hc of world.healthChecks.values()) {
    if (hc.name === undefined || hc.config.inverted) continue;
    if (!hc.healthy || !hc.observations().every((o) => o.status.startsWith('Success'))) return false;
  }
  return true;
}

/**
 * Resolves when `isReady()` holds; rejects after `timeoutMs` of wall time. Re-evaluated on every state change, and
 * after each Route 53 check round (a checker's report can turn to Success without any status changing).
 */
export function whenSteady(world: SteadySources, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (isSteady(world)) return resolve();
    const done = (error?: Error): void => {
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = (): void => {
      if (isSteady(world)) done();
    };
    const timer = setTimeout(() => done(new Error(`The simulated region was not ready after ${timeoutMs}ms.`)), timeoutMs);
    const poll = setInterval(check, Math.max(10, world.scheduler.wall(10_000) / 4));
    const unsubscribe = world.truth.subscribe(check);
  });
}

/**
 * Resolves once every group's instances are InService and no registered target is still `initial` (the initial
 * fleet's servers listen and have passed their first check), or after `capMs` of wall time whatever the state.
 */
export function whenInitialFleetServes(world: SteadySources, capMs: number): Promise<void> {
  const serving = (): boolean =>
    [...world.autoScalingGroups.values()].every((asg) => asg.active().every((m) => m.lifecycle === 'InService')) &&
    [...world.targetGroups.values()].every((tg) => [...tg.targets.values()].every((t) => t.state !== 'initial'));
  return new Promise((resolve) => {
    if (serving()) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, capMs);
    const unsubscribe = world.truth.subscribe(() => {
      if (serving()) done();
    });
  });
}
