import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import { allInstances, group, httpGet, referenceWith, sdkError, startSim, truth, waitFor, waitForEvent, workloadUrl } from '../support/sim.js';

const SPEED = 50;

describe('network ACLs of the simulated region', () => {
  // https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html
  // https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
  it('a subnet moved to an ACL that denies all traffic stops answering (connections hang) until it gets its ACL back', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const subnets = (await sim.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }))).Subnets ?? [];
      assert.equal(subnets.length, 1);
      const subnetId = subnets[0]?.SubnetId ?? '';
      const vpcId = subnets[0]?.VpcId ?? '';

      // Every subnet starts on the VPC's default ACL: allow all (rule 100), then the * rule denies the rest.
      const before =
        (await sim.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls ?? [];
      assert.equal(before.length, 1);
      const original = before[0];
      assert.equal(original?.IsDefault, true);
      assert.deepEqual(
        original?.Entries?.filter((e) => e.Egress === false).map((e) => [e.RuleNumber, e.Protocol, e.RuleAction, e.CidrBlock]),
        [
          [100, '-1', 'allow', '0.0.0.0/0'],
          [32767, '-1', 'deny', '0.0.0.0/0'],
        ],
      );
      const association = original?.Associations?.find((a) => a.SubnetId === subnetId)?.NetworkAclAssociationId ?? '';

      const created = await sim.ec2.send(
        new CreateNetworkAclCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: 'network-acl', Tags: [{ Key: 'Name', Value: 'deny-all' }] }] }),
      );
      const deny = created.NetworkAcl?.NetworkAclId ?? '';
      assert.match(deny, /^acl-[0-9a-f]{17}$/);
      assert.deepEqual(created.NetworkAcl?.Tags, [{ Key: 'Name', Value: 'deny-all' }]);
      for (const Egress of [false, true])
        await sim.ec2.send(
          new CreateNetworkAclEntryCommand({ NetworkAclId: deny, RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress, CidrBlock: '0.0.0.0/0' }),
        );
      const duplicate = await sdkError(
        sim.ec2.send(
          new CreateNetworkAclEntryCommand({ NetworkAclId: deny, RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' }),
        ),
      );
      assert.equal(duplicate.name, 'NetworkAclEntryAlreadyExists');

      const inZone = (
        await allInstances(sim.ec2, {
          Filters: [
            { Name: 'subnet-id', Values: [subnetId] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        })
      )[0];
      assert.ok(inZone !== undefined, 'an instance runs in the subnet');
      assert.equal((await httpGet(workloadUrl(inZone, 8080, '/health'))).status, 200);

      const replaced = await sim.ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association, NetworkAclId: deny }));
      const cutAssociation = replaced.NewAssociationId ?? '';
      assert.notEqual(cutAssociation, association);
      await waitForEvent(sim.endpoint, 'the subnet to be cut', (e) => e.kind === 'subnet-connectivity' && e.resource === subnetId && e.to === 'disrupted');
      assert.equal((await httpGet(workloadUrl(inZone, 8080, '/health'), 300)).error, 'ETIMEDOUT', 'a cut subnet hangs, it does not refuse');

      // An ACL still associated with a subnet cannot be deleted.
      assert.equal((await sdkError(sim.ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: deny })))).name, 'DependencyViolation');
      assert.equal(
        (await sdkError(sim.ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association, NetworkAclId: deny })))).name,
        'InvalidAssociationID.NotFound',
        'the old association id is gone',
      );

      await sim.ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: cutAssociation, NetworkAclId: original?.NetworkAclId ?? '' }));
      await waitForEvent(sim.endpoint, 'the subnet to be restored', (e) => e.kind === 'subnet-connectivity' && e.resource === subnetId && e.to === 'restored');
      await waitFor('the instance to answer again', async () => (await httpGet(workloadUrl(inZone, 8080, '/health'), 500)).status === 200);

      await sim.ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: deny, RuleNumber: 1, Egress: true }));
      await sim.ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: deny }));
      assert.equal((await sdkError(sim.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [deny] })))).name, 'InvalidNetworkAclID.NotFound');
      assert.equal(
        (await sdkError(sim.ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: original?.NetworkAclId ?? '' })))).name,
        'InvalidParameterValue',
        'the default ACL cannot be deleted',
      );
    } finally {
      await sim.close();
    }
  });

  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-add-availability-zone.html
  it("UpdateAutoScalingGroup's VPCZoneIdentifier moves the group out of a zone: its instances there are replaced in the zones it keeps", async () => {
    const sim = await startSim({ speed: SPEED, topology: referenceWith((t) => (t.timings = { asgHealthCheckPeriod: '10s' })) });
    try {
      const subnets = (await sim.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
      const kept = subnets.filter((s) => s.AvailabilityZone !== 'us-east-1a').map((s) => s.SubnetId ?? '');
      const before = await group(sim.asg);
      const leaving = (before.Instances ?? []).filter((i) => i.AvailabilityZone === 'us-east-1a').map((i) => i.InstanceId);
      assert.ok(leaving.length > 0);
      const unknown = await sdkError(
        sim.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg', VPCZoneIdentifier: 'subnet-0000000000000000a' })),
      );
      assert.match(unknown.message, /subnet-0000000000000000a/);

      await sim.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg', VPCZoneIdentifier: kept.join(',') }));
      const after = await group(sim.asg);
      assert.deepEqual([...(after.AvailabilityZones ?? [])].sort(), ['us-east-1b', 'us-east-1c']);
      assert.equal(after.VPCZoneIdentifier, kept.join(','));
      const settled = await waitFor(
        'the group to be at capacity outside us-east-1a',
        async () => {
          const g = await group(sim.asg);
          const members = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService' || i.LifecycleState === 'Pending');
          return members.length === g.DesiredCapacity && members.every((i) => i.AvailabilityZone !== 'us-east-1a') ? members : undefined;
        },
        { timeoutMs: 5_000 },
      );
      assert.equal(settled.length, before.DesiredCapacity);
      const events = await truth(sim.endpoint);
      for (const id of leaving)
        assert.ok(
          events.some((e) => e.kind === 'instance-state' && e.resource === `web-asg/${id ?? ''}` && e.to === 'Terminating'),
          `${id ?? ''} was taken out`,
        );
    } finally {
      await sim.close();
    }
  });
});
