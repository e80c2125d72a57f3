import { TemplateError } from '../template-error.js';
import { number } from './values.js';
import { isMap, type Resource, type TranslationContext } from './context.js';

/* CloudWatch metric alarms on the load balancers' metrics. */

const METRICS = new Set(['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount']);
const COMPARISONS = new Set(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);

/** An alarm on a load balancer metric the region publishes, or undefined (noted) for one it cannot model. */
export function alarm(ctx: TranslationContext, r: Resource, lbOfTg: Map<string, string>): Record<string, unknown> | undefined {
  const p = ctx.props(r);
  const at = (k: string): string => `${r.path}.Properties.${k}`;
  const skip = (why: string): undefined => {
    ctx.note(`${r.path}: ${why}, so the simulated region does not create the alarm.`);
    return undefined;
  };
  if (p.Metrics !== undefined) return skip('metric math alarms are not modelled');
  if (p.Namespace !== 'AWS/ApplicationELB') return skip(`the simulated region publishes AWS/ApplicationELB metrics only, not ${String(p.Namespace)}`);
  if (typeof p.MetricName !== 'string' || !METRICS.has(p.MetricName)) return skip(`the simulated load balancer does not publish ${String(p.MetricName)}`);
  let lb: string | undefined;
  for (const [i, d] of (Array.isArray(p.Dimensions) ? p.Dimensions : []).entries()) {
    if (!isMap(d)) continue;
    const owner = ctx.ownerOf(d.Value ?? undefined);
    if (d.Name === 'LoadBalancer' && owner?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') lb = owner.id;
    else if (d.Name === 'TargetGroup' && owner?.type === 'AWS::ElasticLoadBalancingV2::TargetGroup') lb ??= lbOfTg.get(owner.id);
    else if (d.Name === 'LoadBalancer' || d.Name === 'TargetGroup')
      throw new TemplateError(`${at('Dimensions')}[${i}]`, `names no ${String(d.Name)} of the template`);
  }
  if (lb === undefined) return skip('it watches no load balancer of the template');
  if (p.ExtendedStatistic !== undefined)
    ctx.note(`${at('ExtendedStatistic')}: percentiles are not modelled; the simulated alarm uses the metric's default statistic.`);
  if (p.DatapointsToAlarm !== undefined) ctx.note(`${at('DatapointsToAlarm')}: the simulated alarm needs all EvaluationPeriods datapoints to breach.`);
  if (p.TreatMissingData !== undefined)
    ctx.note(`${at('TreatMissingData')}: the simulated alarm treats missing data as 'missing' (a count period without requests publishes nothing).`);
  const comparison = p.ComparisonOperator;
  if (typeof comparison !== 'string' || !COMPARISONS.has(comparison))
    throw new TemplateError(at('ComparisonOperator'), `'${String(comparison)}' is not modelled (anomaly detection alarms are not)`);
  return {
    name: ctx.name(r.id),
    loadBalancer: ctx.name(lb),
    metric: p.MetricName,
    ...(typeof p.Statistic === 'string' ? { statistic: p.Statistic } : {}),
    period: `${number(p.Period, at('Period'))}s`,
    evaluationPeriods: number(p.EvaluationPeriods, at('EvaluationPeriods')),
    threshold: number(p.Threshold, at('Threshold')),
    comparison,
  };
}
