import { type MapContext, seconds } from './context.js';

const METRICS = new Set(['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount']);
const STATISTICS = new Set(['Sum', 'Average', 'Minimum', 'Maximum']);
const COMPARISONS = new Set(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);

/** Metric alarms on a modelled ALB's metrics (AWS/ApplicationELB, dimension LoadBalancer `app/<name>/<id>`). */
export function alarmsOf(ctx: MapContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const a of ctx.a.alarms) {
    const lbDim = a.dimensions.LoadBalancer;
    const lbArn = lbDim === undefined ? undefined : [...ctx.loadBalancerByArn.keys()].find((arn) => arn.endsWith(`:loadbalancer/${lbDim}`));
    const loadBalancer = lbArn === undefined ? undefined : ctx.loadBalancerByArn.get(lbArn);
    const why =
      a.namespace !== 'AWS/ApplicationELB' || loadBalancer === undefined
        ? 'it does not watch a metric of a modelled application load balancer'
        : !METRICS.has(a.metric ?? '')
          ? `the twin does not publish ${a.metric ?? 'its metric'}`
          : a.statistic !== undefined && !STATISTICS.has(a.statistic)
            ? `the twin has no ${a.statistic} statistic`
            : !COMPARISONS.has(a.comparison)
              ? `the twin has no ${a.comparison} comparison`
              : a.threshold === undefined
                ? 'it has no static threshold'
                : a.periodSeconds !== 10 && a.periodSeconds !== 30 && a.periodSeconds % 60 !== 0
                  ? `its period of ${a.periodSeconds} s is not one CloudWatch allows`
                  : undefined;
    if (why !== undefined) {
      ctx.notes.push(`Alarm '${a.name}' is not in the twin: ${why}.`);
      continue;
    }
    const extra = Object.keys(a.dimensions).filter((d) => d !== 'LoadBalancer');
    if (extra.length > 0) ctx.notes.push(`Alarm '${a.name}' also filters on ${extra.join(', ')}; the twin watches the whole load balancer.`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(a.name)) {
      ctx.notes.push(`Alarm '${a.name}' is not in the twin: its name has characters a topology's alarm names cannot.`);
      continue;
    }
    out.push({
      name: a.name,
      loadBalancer,
      metric: a.metric,
      ...(a.statistic === undefined ? {} : { statistic: a.statistic }),
      period: seconds(a.periodSeconds),
      evaluationPeriods: a.evaluationPeriods,
      threshold: a.threshold,
      comparison: a.comparison,
    });
  }
  return out;
}
