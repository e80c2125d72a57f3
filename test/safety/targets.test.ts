import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesTarget } from '../../src/safety/targets.js';
import { partitionOf } from '../../src/actions/ec2/instances.js';
import type { Resource } from '../../src/registry/types.js';

const instance: Resource = {
  type: 'aws:ec2:instance',
  id: 'i-0123456789abcdef0',
  arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0',
  tags: { 'aws:autoscaling:groupName': 'web-asg', team: 'web' },
  attributes: {
    State: { Name: 'running' },
    Placement: { AvailabilityZone: 'us-east-1a' },
    SecurityGroups: [{ GroupId: 'sg-1' }, { GroupId: 'sg-2' }],
    NetworkInterfaces: [{ SubnetId: 'subnet-a', PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5' }] }],
  },
};

describe('target matching', () => {
  it('needs every tag and every filter, and accepts an id or an ARN', () => {
    const sel = { mode: 'ALL' } as const;
    assert.equal(matchesTarget(instance, { tags: { team: 'web' }, selection: sel }), true);
    assert.equal(matchesTarget(instance, { tags: { team: 'db' }, selection: sel }), false);
    assert.equal(matchesTarget(instance, { filters: [{ path: 'Placement.AvailabilityZone', values: ['us-east-1b', 'us-east-1a'] }], selection: sel }), true);
    assert.equal(matchesTarget(instance, { filters: [{ path: 'State.Name', values: ['stopped'] }], selection: sel }), false);
    assert.equal(matchesTarget(instance, { ids: [instance.arn ?? ''], selection: sel }), true);
    assert.equal(matchesTarget(instance, { ids: ['i-other'], selection: sel }), false);
  });

  it('follows filter paths through lists, as FIS does', () => {
    const sel = { mode: 'ALL' } as const;
    assert.equal(matchesTarget(instance, { filters: [{ path: 'SecurityGroups.GroupId', values: ['sg-2'] }], selection: sel }), true);
    assert.equal(
      matchesTarget(instance, { filters: [{ path: 'NetworkInterfaces.PrivateIpAddresses.PrivateIpAddress', values: ['10.0.0.5'] }], selection: sel }),
      true,
    );
    assert.equal(matchesTarget(instance, { filters: [{ path: 'SecurityGroups.GroupId', values: ['sg-9'] }], selection: sel }), false);
    assert.equal(matchesTarget(instance, { filters: [{ path: 'No.Such.Path', values: ['x'] }], selection: sel }), false);
  });

  it('writes ARNs in the region’s partition', () => {
    assert.equal(partitionOf('us-east-1'), 'aws');
    assert.equal(partitionOf('cn-north-1'), 'aws-cn');
    assert.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
  });
});
