import type { AutoScalingGroup } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { seconds, writeExperiment } from './write.js';

/**
 * Time a replacement may take beyond the group's grace period: pending, boot and the load balancer's checks (AWS's
 * figures in docs/fidelity.md: 10–30 s, 60–180 s, up to 5 × 30 s), with margin (assumed).
 */
export const REPLACEMENT_S = 10 * 60;

/**
 * One instance of the group is terminated; the claim is that the group replaces it: back to its desired capacity
 * within its grace period plus a replacement's time (or the RTO, when longer). A group whose Launch, HealthCheck or
 * ReplaceUnhealthy process is suspended never gets there, so the run fails.
 */
export function replacementExperiment(ctx: AuditContext, rule: string, g: AutoScalingGroup): ProvingExperiment {
  const within = Math.max(ctx.objectives.rtoSeconds, g.healthCheckGracePeriodSeconds + REPLACEMENT_S);
  return writeExperiment(ctx, {
    rule,
    resource: g.name,
    claim: `${g.name} replaces a lost instance: back to ${g.desired} in service within ${seconds(within)}.`,
    tags: ['ec2', 'asg'],
    probes: [{ name: 'capacity', probe: 'aws.asg.in-service', args: { autoScalingGroupName: g.name }, interval: '5s' }],
    faults: [
      {
        name: 'terminate-one',
        action: 'aws.ec2.terminate-instances',
        targets: { tags: { 'aws:autoscaling:groupName': g.name }, selection: 'COUNT(1)' },
      },
    ],
    safety: { maxTargets: 1 },
    recovery: { stableFor: '30s', timeout: seconds(within * 2) },
    objectives: { rto: { within: seconds(within), probes: ['capacity'] } },
    forAccount: [],
  });
}
