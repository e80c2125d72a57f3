import type { AutoScalingGroup, DnsRecord, LoadBalancer } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { dnsProbe, type Secondary } from './dns-failover.js';
import { siteProbe } from './site.js';
import { type AccountValue, seconds, writeExperiment } from './write.js';

/** How much longer than the RTO the primary's site stays down (assumed): the flip must come while it is still down. */
const DOWN_BEYOND_RTO_S = 120;

/** Time for the groups to serve again once they may launch: pending, boot and the target checks, with margin (assumed). */
const RELAUNCH_S = 15 * 60;

/**
 * The primary's site dies: one FIS experiment (`aws.fis.experiment`, its template inline) terminates every instance of
 * the groups behind the primary's load balancer and makes their launches fail with insufficient capacity in all their
 * zones (`aws:ec2:asg-insufficient-instance-capacity-error`, FIS actions reference:
 * https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html), so nothing relaunches for longer than
 * the RTO. The claim of a failover pair: Route 53 answers the secondary within the RTO. It does only when it knows the
 * primary's health (a health check, or an alias evaluating its target's: Route 53 Developer Guide, failover routing);
 * without, it keeps answering the primary and the run fails. The dns probe reads the authoritative answer.
 */
export function dnsSiteLossExperiment(
  ctx: AuditContext,
  rule: string,
  record: DnsRecord,
  lb: LoadBalancer,
  groups: AutoScalingGroup[],
  secondary: Secondary | undefined,
): ProvingExperiment {
  const rtoS = ctx.objectives.rtoSeconds;
  const downS = rtoS + DOWN_BEYOND_RTO_S;
  const name = record.name.replace(/\.$/, '');
  const dns = dnsProbe(name, secondary);
  const zones = [...new Set(groups.flatMap((g) => g.zones))].sort();
  const targets: Record<string, unknown> = {};
  const actions: Record<string, unknown> = {};
  groups.forEach((g, i) => {
    targets[`Group${i + 1}`] = { resourceType: 'aws:ec2:autoscaling-group', resourceArns: [`\${sim:asg.${g.name}.arn}`], selectionMode: 'ALL' };
    targets[`Instances${i + 1}`] = { resourceType: 'aws:ec2:instance', resourceTags: { 'aws:autoscaling:groupName': g.name }, selectionMode: 'ALL' };
    actions[`NoCapacity${i + 1}`] = {
      actionId: 'aws:ec2:asg-insufficient-instance-capacity-error',
      parameters: { availabilityZoneIdentifiers: zones.join(','), percentage: '100', duration: `PT${downS}S` },
      targets: { AutoScalingGroups: `Group${i + 1}` },
    };
    actions[`Terminate${i + 1}`] = { actionId: 'aws:ec2:terminate-instances', targets: { Instances: `Instances${i + 1}` } };
  });
  const tg = ctx.a.targetGroups.find((t) => t.loadBalancerArns.includes(lb.arn));
  const site = tg === undefined ? undefined : siteProbe({ lb, tg });
  const forAccount: AccountValue[] = [
    { sim: 'dns.server', account: 'nothing: drop the server argument, the record resolves through the system’s DNS' },
    {
      sim: 'region.accountId',
      account: `${ctx.a.accountId}, in the ARN of an FIS experiment role that may terminate the groups' instances and fail their launches`,
    },
    ...groups.map((g) => ({ sim: `asg.${g.name}.arn`, account: g.arn })),
    ...(site === undefined ? [] : [site.forAccount]),
  ];
  return writeExperiment(ctx, {
    rule,
    resource: name,
    claim: `When ${name}'s primary site dies (every instance behind ${lb.name} gone, none relaunching for ${seconds(downS)}), Route 53 answers the secondary within ${seconds(rtoS)}.`,
    tags: ['route53', 'dns', 'failover'],
    probes: [dns.probe, ...(site === undefined ? [] : [site.probe])],
    faults: [
      {
        name: 'primary-site-down',
        action: 'aws.fis.experiment',
        args: {
          pollInterval: '5s',
          template: { description: `The primary site of ${name} dies`, roleArn: 'arn:aws:iam::${sim:region.accountId}:role/gameday-fis', targets, actions },
        },
      },
    ],
    // The whole site is the claim under test: every instance of the groups, in all their zones.
    safety: { allowLastHealthy: true, maxZones: Math.max(1, zones.length) },
    recovery: { stableFor: '30s', timeout: seconds(downS + RELAUNCH_S) },
    objectives: { switchover: { probe: 'dns', within: seconds(rtoS), ...dns.to } },
    forAccount,
  });
}
