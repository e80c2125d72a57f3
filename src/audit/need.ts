import type { Architecture, AutoScalingGroup, MetricAlarm } from '../architecture/model.js';
import type { AuditObjectives } from './finding.js';

/** How many in-service instances a group must keep, and where that figure came from (said in the finding). */
export interface Need {
  need: number;
  source: string;
}

/** The dimension value CloudWatch gives an ELB resource: its ARN after `:loadbalancer/` or `:` (`app/n/id`, `targetgroup/n/id`). */
function dimensionOf(arn: string): string {
  const lb = /:loadbalancer\/(.+)$/.exec(arn);
  if (lb !== null) return lb[1] ?? '';
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The alarms on `HealthyHostCount` of the group's target groups or of the load balancers in front of them. */
export function healthyHostAlarms(a: Architecture, g: AutoScalingGroup): MetricAlarm[] {
  const groups = a.targetGroups.filter((tg) => g.targetGroupArns.includes(tg.arn));
  const tgDims = new Set(groups.map((tg) => dimensionOf(tg.arn)));
  const lbDims = new Set(groups.flatMap((tg) => tg.loadBalancerArns).map(dimensionOf));
  return a.alarms.filter((al) => {
    if (al.metric !== 'HealthyHostCount' || (al.namespace !== undefined && al.namespace !== 'AWS/ApplicationELB' && al.namespace !== 'AWS/NetworkELB'))
      return false;
    const tg = al.dimensions.TargetGroup;
    const lb = al.dimensions.LoadBalancer;
    if (tg !== undefined) return tgDims.has(tg);
    return lb !== undefined && lbDims.has(lb);
  });
}

/** The fewest healthy hosts an alarm accepts: `< T` alarms below T, `<= T` at T, so T and T+1 are what it asks. */
function alarmNeed(al: MetricAlarm): number | undefined {
  if (al.threshold === undefined) return undefined;
  if (al.comparison === 'LessThanThreshold') return Math.ceil(al.threshold);
  if (al.comparison === 'LessThanOrEqualToThreshold') return Math.floor(al.threshold) + 1;
  return undefined;
}

/**
 * A group's need, in order: what the operator declared (`--need group=N`); else what its `HealthyHostCount` alarm says
 * is too few (the team has written it down; the most demanding alarm when there are several); else its minimum.
 */
export function needOf(a: Architecture, g: AutoScalingGroup, objectives: AuditObjectives): Need {
  const declared = objectives.need[g.name];
  if (declared !== undefined) return { need: declared, source: 'the declared need' };
  const fromAlarms = healthyHostAlarms(a, g)
    .map((al) => ({ al, n: alarmNeed(al) }))
    .filter((x): x is { al: MetricAlarm; n: number } => x.n !== undefined)
    .sort((x, y) => y.n - x.n)[0];
  if (fromAlarms !== undefined)
    return { need: fromAlarms.n, source: `alarm ${fromAlarms.al.name} (HealthyHostCount ${fromAlarms.al.comparison} ${fromAlarms.al.threshold})` };
  return { need: g.min, source: 'the group minimum' };
}
