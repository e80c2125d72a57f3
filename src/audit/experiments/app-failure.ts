import type { AutoScalingGroup } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { REPLACEMENT_S } from './replacement.js';
import { type Front, servingProbe } from './site.js';
import { seconds, writeExperiment } from './write.js';

/**
 * The application dies on one running instance of the group (AWS FIS's way: SSM Run Command with
 * AWSFIS-Run-Kill-Process, https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html); the claim is
 * that the group replaces it: its target group is back to `desired` healthy targets (plus those outside the group) within the group's grace period,
 * the load balancer's detection (interval × unhealthy threshold) and a replacement's time (as `replacement.ts`), or
 * the RTO when longer. The instance keeps running, so a group on EC2 health checks never replaces it: the run fails.
 */
export function appFailureExperiment(ctx: AuditContext, rule: string, g: AutoScalingGroup, front: Front): ProvingExperiment {
  const check = front.tg.healthCheck;
  const detection = check.intervalSeconds * check.unhealthyThreshold;
  // The target turns unhealthy only after its failed checks (the kill lands between two): the run watches at least
  // that long, so a group that never replaces it is not taken as recovered before the load balancer has noticed.
  const noticed = detection + check.intervalSeconds + check.timeoutSeconds;
  const within = Math.max(ctx.objectives.rtoSeconds, g.healthCheckGracePeriodSeconds + detection + REPLACEMENT_S);
  const processName = `asg.${g.name}.processName`;
  // Targets of the target group outside the group (a standalone instance) are healthy throughout: they count too, or
  // one dead instance of the group would leave the count at `desired` and show nothing.
  const others = front.tg.targets.filter((t) => !g.instances.some((i) => i.id === t.id)).length;
  const need = g.desired + others;
  return writeExperiment(ctx, {
    rule,
    resource: g.name,
    claim: `${g.name} replaces an instance whose application died: back to ${need} healthy targets in ${front.tg.name}${others > 0 ? ` (its ${g.desired} and ${others} outside it)` : ''} within ${seconds(within)}.`,
    tags: ['ec2', 'asg', 'alb', 'ssm'],
    probes: [servingProbe(front, need)],
    faults: [
      {
        name: 'kill-app-on-one',
        action: 'aws.ssm.kill-process',
        args: { processName: `\${sim:${processName}}`, signal: 'SIGKILL' },
        targets: { tags: { 'aws:autoscaling:groupName': g.name }, selection: 'COUNT(1)' },
      },
    ],
    safety: { maxTargets: 1 },
    recovery: { stableFor: '30s', timeout: seconds(within * 2), observeAtLeast: seconds(noticed) },
    objectives: { rto: { within: seconds(within), probes: ['serving'] } },
    forAccount: [{ sim: processName, account: `the name of the application's process on ${g.name}'s instances` }],
  });
}
