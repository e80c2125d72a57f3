import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import type { Topology } from '../topology.js';
import { SimAlarm } from '../world/alarm.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';
import { counterMetric, gaugeMetric, METRIC_RESOLUTION_SECONDS, type PeriodMetric } from '../world/metric-period.js';

const NAMESPACE = 'AWS/ApplicationELB';

/** The load balancer metric an alarm watches, as the ALB publishes it: counts per period, or sampled host counts. */
function albMetric(lb: SimLoadBalancer, metric: Topology['alarms'][number]['metric']): PeriodMetric {
  const resolution = METRIC_RESOLUTION_SECONDS[NAMESPACE] ?? 60;
  switch (metric) {
    case 'HealthyHostCount':
      return gaugeMetric(resolution, () => lb.targetGroup.healthyCount());
    case 'UnHealthyHostCount':
      return gaugeMetric(resolution, () => [...lb.targetGroup.targets.values()].filter((t) => t.state === 'unhealthy').length);
    default:
      return counterMetric(resolution, () => lb.metrics[metric]);
  }
}

/** The topology's CloudWatch alarms, each aggregating its load balancer's metric over every period. */
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
        namespace: NAMESPACE,
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
    alarm.start(scheduler, albMetric(lb, spec.metric));
    alarms.set(spec.name, alarm);
  }
  return alarms;
}
