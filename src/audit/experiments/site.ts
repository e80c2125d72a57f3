import type { AutoScalingGroup, LoadBalancer, TargetGroup } from '../../architecture/model.js';
import type { AuditContext } from '../rules/rule.js';
import type { AccountValue } from './write.js';

/** The load balancer and target group a group serves through, when it serves through one. */
export interface Front {
  lb: LoadBalancer;
  tg: TargetGroup;
}

export function frontOf(ctx: AuditContext, g: AutoScalingGroup): Front | undefined {
  for (const tg of ctx.a.targetGroups.filter((t) => g.targetGroupArns.includes(t.arn))) {
    const lb = ctx.a.loadBalancers.find((l) => tg.loadBalancerArns.includes(l.arn));
    if (lb !== undefined) return { lb, tg };
  }
  return undefined;
}

/**
 * The site as users reach it, through the load balancer, on the target group's health path: on the twin the
 * simulated ALB's URL, in the account the load balancer's DNS name (the one value the two do not share).
 */
export function siteProbe(front: Front): { probe: Record<string, unknown>; forAccount: AccountValue } {
  const path = front.tg.healthCheck.path ?? '/';
  const scheme = front.lb.listeners.some((l) => l.protocol === 'HTTP') || front.lb.listeners.length === 0 ? 'http' : 'https';
  return {
    probe: { name: 'site', probe: 'http', args: { url: `\${sim:alb.${front.lb.name}.url}${path}`, timeout: '2s' }, interval: '5s' },
    forAccount: { sim: `alb.${front.lb.name}.url`, account: `${scheme}://${front.lb.dnsName}` },
  };
}

/** The group's serving capacity: healthy targets of its target group (by name, which the twin keeps), at least `need`. */
export function servingProbe(front: Front, need: number): Record<string, unknown> {
  return { name: 'serving', probe: 'aws.elbv2.healthy-targets', args: { targetGroupName: front.tg.name }, tolerance: { atLeast: need }, interval: '5s' };
}
