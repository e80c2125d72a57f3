import type { AutoScalingGroup } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import { healthyHostAlarms } from '../need.js';
import type { AuditContext } from '../rules/rule.js';
import { frontOf, siteProbe } from './site.js';
import { seconds, writeExperiment } from './write.js';

/** Longest wait for the group to be whole again after the zone is lost: replacement (launch, boot, health checks) and margin (assumed). */
const RECOVERY_TIMEOUT_S = 20 * 60;

/**
 * The loss of one zone of a group, as FIS's AZ power-interruption scenario loses it: every instance of the group there
 * is gone at once (`aws.scenario.az-outage`, instances terminated; the network and the other tiers are left alone, so
 * the experiment measures this group). The claim: at least `need` keep serving throughout (the serving probe may
 * never drop below it: maxErrorRate 0%), and the site is whole again within the RTO. The group's HealthyHostCount
 * alarm, when it has one, is the stop condition, as a run against the account should have.
 */
export function zoneLossExperiment(ctx: AuditContext, rule: string, g: AutoScalingGroup, zone: string, need: number, wholeGroup: boolean): ProvingExperiment {
  const front = frontOf(ctx, g);
  const site = front === undefined ? undefined : siteProbe(front);
  // The group's own in-service count, as the rule judges it: a target outside the group (a standalone instance in the
  // same target group) would prop the healthy-target count up, though a real zone loss takes it as well.
  const capacity = { name: 'serving', probe: 'aws.asg.in-service', args: { autoScalingGroupName: g.name }, tolerance: { atLeast: need }, interval: '5s' };
  const probes = site === undefined ? [capacity] : [site.probe, capacity];
  const rto = seconds(ctx.objectives.rtoSeconds);
  return writeExperiment(ctx, {
    rule,
    resource: `${g.name}-${zone}`,
    claim: `${g.name} keeps at least ${need} serving through the loss of ${zone}${site === undefined ? '' : ', and the site is served again'} within ${rto}.`,
    tags: ['az', 'asg'],
    probes,
    faults: [
      {
        name: `lose-${zone}`,
        action: 'aws.scenario.az-outage',
        args: {
          availabilityZone: zone,
          instanceTags: { 'aws:autoscaling:groupName': g.name },
          instances: 'terminate',
          connectivity: false,
          capacity: false,
          failoverDatabases: false,
        },
      },
    ],
    stopConditions: healthyHostAlarms(ctx.a, g)
      .map((al) => ({ name: 'too-few-healthy-hosts', alarm: al.name }))
      .slice(0, 1),
    // A group wholly in the zone loses every instance: that is the claim under test, so the guard must allow it.
    ...(wholeGroup ? { safety: { allowLastHealthy: true } } : {}),
    recovery: { stableFor: '30s', timeout: seconds(Math.max(RECOVERY_TIMEOUT_S, ctx.objectives.rtoSeconds * 2)) },
    objectives: {
      rto: { within: rto, probes: probes.map((p) => p.name) },
      maxErrorRate: { max: '0%', probes: ['serving'] },
    },
    forAccount: site === undefined ? [] : [site.forAccount],
  });
}
