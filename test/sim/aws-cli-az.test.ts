import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsCli } from '../support/aws-cli.js';
import { startSim, truth, waitFor, type Sim } from '../support/sim.js';

/**
 * The zone-failure surface of the simulated region through a second, independent client: the AWS CLI (botocore),
 * waiters included. Network ACLs: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html; target health
 * reasons: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html.
 */
const SPEED = 100;

describe('an Availability Zone failing, through the AWS CLI', () => {
  let sim: Sim;
  /** Runs `aws <args> --output json` against the region; fails the test on a non-zero exit, naming stderr. */
  const aws = (...args: string[]): Promise<Record<string, unknown>> => awsCli(sim.endpoint).json(...args);

  before(async () => {
    sim = await startSim({ speed: SPEED, seed: 16 });
  });
  after(async () => {
    await sim.close();
  });

  it('cuts a subnet with a deny-all network ACL and restores it: create, entries, association, describe, delete', async () => {
    const subnets = (await aws('ec2', 'describe-subnets', '--filters', 'Name=availability-zone,Values=us-east-1a')).Subnets as {
      SubnetId: string;
      VpcId: string;
    }[];
    assert.equal(subnets.length, 1);
    const subnet = subnets[0] as { SubnetId: string; VpcId: string };
    const before = (await aws('ec2', 'describe-network-acls', '--filters', `Name=association.subnet-id,Values=${subnet.SubnetId}`)).NetworkAcls as {
      NetworkAclId: string;
      IsDefault: boolean;
      Associations: { NetworkAclAssociationId: string; SubnetId: string }[];
    }[];
    assert.equal(before.length, 1);
    assert.equal(before[0]?.IsDefault, true, 'every subnet starts on the default ACL');
    const association = before[0]?.Associations.find((a) => a.SubnetId === subnet.SubnetId)?.NetworkAclAssociationId ?? '';
    const deny = ((await aws('ec2', 'create-network-acl', '--vpc-id', subnet.VpcId)).NetworkAcl as { NetworkAclId: string }).NetworkAclId;
    for (const direction of ['--ingress', '--egress']) {
      await aws(
        'ec2',
        'create-network-acl-entry',
        '--network-acl-id',
        deny,
        '--rule-number',
        '1',
        '--protocol',
        '-1',
        '--rule-action',
        'deny',
        direction,
        '--cidr-block',
        '0.0.0.0/0',
      );
    }
    const since = (await truth(sim.endpoint)).length;
    const cut = (await aws('ec2', 'replace-network-acl-association', '--association-id', association, '--network-acl-id', deny)).NewAssociationId as string;
    assert.match(cut, /^aclassoc-/);
    const events = await truth(sim.endpoint, since);
    assert.ok(
      events.some((e) => e.kind === 'subnet-connectivity' && e.resource === subnet.SubnetId && e.to === 'disrupted'),
      'the region cut the subnet',
    );
    const described = (await aws('ec2', 'describe-network-acls', '--network-acl-ids', deny)).NetworkAcls as {
      Entries: { RuleAction: string; Egress: boolean }[];
    }[];
    assert.deepEqual(described[0]?.Entries.map((e) => `${e.Egress ? 'out' : 'in'}:${e.RuleAction}`).sort(), ['in:deny', 'out:deny']);

    await aws('ec2', 'replace-network-acl-association', '--association-id', cut, '--network-acl-id', before[0]?.NetworkAclId ?? '');
    await aws('ec2', 'delete-network-acl', '--network-acl-id', deny);
    assert.ok(
      (await truth(sim.endpoint, since)).some((e) => e.kind === 'subnet-connectivity' && e.resource === subnet.SubnetId && e.to === 'restored'),
      'the region restored the subnet',
    );
  });

  it('a zone that loses power: its instance stops (the CLI waiter sees it), its target is unused with Target.InvalidState, and the group launches elsewhere after a Failed activity', async () => {
    // The victim is web-asg's: the zone holds other groups' instances too, and only web-asg's processes are suspended.
    const members = (
      (await aws('autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', 'web-asg')).AutoScalingGroups as {
        Instances: { InstanceId: string; AvailabilityZone: string; LifecycleState: string }[];
      }[]
    )[0]?.Instances;
    const victim = members?.find((i) => i.AvailabilityZone === 'us-east-1a' && i.LifecycleState === 'InService')?.InstanceId ?? '';
    assert.match(victim, /^i-/);
    // The waiter fails on a `terminated` instance, and at this speed the group's EC2 health check may replace the
    // stopped one before the CLI's first poll: the group leaves it in place until the waiter has seen it stopped.
    await aws('autoscaling', 'suspend-processes', '--auto-scaling-group-name', 'web-asg', '--scaling-processes', 'ReplaceUnhealthy');
    const impaired = await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, {
      method: 'POST',
      body: JSON.stringify({ power: true, connectivity: false, capacity: true }),
    });
    assert.equal(impaired.status, 200, await impaired.text());
    try {
      try {
        await aws('ec2', 'wait', 'instance-stopped', '--instance-ids', victim);
      } finally {
        await aws('autoscaling', 'resume-processes', '--auto-scaling-group-name', 'web-asg', '--scaling-processes', 'ReplaceUnhealthy');
      }
      const health = (await aws('elbv2', 'describe-target-health', '--target-group-arn', sim.outputs['tg.web-tg.arn'] ?? '')).TargetHealthDescriptions as {
        Target: { Id: string };
        TargetHealth: { State: string; Reason?: string };
      }[];
      const target = health.find((t) => t.Target.Id === victim);
      // The group may already have deregistered it (draining); until then it is unused for its stopped instance.
      assert.ok(
        target === undefined ||
          target.TargetHealth.State === 'draining' ||
          (target.TargetHealth.State === 'unused' && target.TargetHealth.Reason === 'Target.InvalidState'),
        JSON.stringify(target),
      );
      const failed = await waitFor(
        'a Failed launch into us-east-1a',
        async () => {
          const activities = (await aws('autoscaling', 'describe-scaling-activities', '--auto-scaling-group-name', 'web-asg')).Activities as {
            StatusCode: string;
            StatusMessage?: string;
          }[];
          return activities.find((a) => a.StatusCode === 'Failed');
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.match(failed.StatusMessage ?? '', /capacity/i);
      const zones = await waitFor(
        'the replacement launched outside us-east-1a',
        async () => {
          const group = (
            (await aws('autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', 'web-asg')).AutoScalingGroups as {
              Instances: { AvailabilityZone: string; LifecycleState: string; InstanceId: string }[];
            }[]
          )[0];
          const fresh = group?.Instances.filter((i) => i.InstanceId !== victim && i.LifecycleState !== 'Terminating') ?? [];
          return fresh.length >= 3 ? fresh.map((i) => i.AvailabilityZone) : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.equal(zones.filter((z) => z === 'us-east-1a').length, 0, `replacements in ${zones.join(', ')}`);
    } finally {
      await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'DELETE' });
    }
  });
});
