import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import type { Topology } from '../topology.js';
import { SimAlarm } from '../world/alarm.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';

/** The topology's CloudWatch alarms, each reading its load balancer's metric every period. */
export function declareAlarms(
  topology: Topology,
  loadBalancers: ReadonlyMap<string, SimLoadBalancer>,
  scheduler: SimScheduler,
  truth: GroundTruth,
): Map<string, SimAlarm> {
  const alarms = new Map<string, SimAlarm>();
  const { region, accountId } = topology;
  for (const spec of topology.alarms) {
    const lb = loadBalancers.get(spec.loadBalancer);
    if (lb === undefined) throw new Error(`Alarm '${spec.name}' watches an undeclared load balancer '${spec.loadBalancer}'.`);
    const hosts = spec.metric === 'HealthyHostCount' || spec.metric === 'UnHealthyHostCount';
    const lbDimension = { Name: 'LoadBalancer', Value: lb.arn.replace(/^.*:loadbalancer\//, '') };
    const alarm = new SimAlarm(
      {
        name: spec.name,
        namespace: 'AWS/ApplicationELB',
        metricName: spec.metric,
        dimensions: hosts ? [{ Name: 'TargetGroup', Value: lb.targetGroup.arn.replace(/^.*:(targetgroup\/)/, '$1') }, lbDimension] : [lbDimension],
        statistic: spec.statistic ?? (hosts ? 'Minimum' : 'Sum'),
        period: spec.period / 1_000,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparison: spec.comparison,
      },
      `arn:aws:cloudwatch:${region}:${accountId}:alarm:${spec.name}`,
      truth,
    );
    let last = 0;
    alarm.start(scheduler, () => {
      if (spec.metric === 'HealthyHostCount') return lb.targetGroup.healthyCount();
      if (spec.metric === 'UnHealthyHostCount') return [...lb.targetGroup.targets.values()].filter((t) => t.state === 'unhealthy').length;
      // Counters: the increase over the period that just ended.
      const total = lb.metrics[spec.metric];
      const delta = total - last;
      last = total;
      return delta;
    });
    alarms.set(spec.name, alarm);
  }
  return alarms;
}
