import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import type { Topology } from '../topology.js';
import { SimAlarm } from '../world/alarm.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';
import { counterMetric, gaugeMetric, METRIC_RESOLUTION_SECONDS, type PeriodMetric } from '../world/metric-period.js';
import type { MetricStore } from '../world/metric-store.js';

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

const ALB_METRICS = ['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount'] as const;

/** The dimensions an ALB metric is published with: target group and load balancer for host counts, else the load balancer. */
function albDimensions(lb: SimLoadBalancer, metric: (typeof ALB_METRICS)[number]): { Name: string; Value: string }[] {
  const lbDimension = { Name: 'LoadBalancer', Value: lb.arn.replace(/^.*:loadbalancer\//, '') };
  return metric === 'HealthyHostCount' || metric === 'UnHealthyHostCount'
    ? [{ Name: 'TargetGroup', Value: lb.targetGroup.arn.replace(/^.*:(targetgroup\/)/, '$1') }, lbDimension]
    : [lbDimension];
}

/**
 * Every load balancer's metrics as CloudWatch stores them, for GetMetricStatistics and GetMetricData: the counts and
 * host counts the alarms watch, each with the dimensions the ALB publishes it with, all in unit Count
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 */
export function declareMetrics(store: MetricStore, loadBalancers: ReadonlyMap<string, SimLoadBalancer>): void {
  for (const lb of loadBalancers.values())
    for (const metric of ALB_METRICS)
      store.add({ namespace: NAMESPACE, metricName: metric, dimensions: albDimensions(lb, metric) }, 'Count', albMetric(lb, metric));
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
    const alarm = new SimAlarm(
      {
        name: spec.name,
        namespace: NAMESPACE,
        metricName: spec.metric,
        dimensions: albDimensions(lb, spec.metric),
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
