import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2_INSTANCE } from '../../src/actions/ec2/instances.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { Resource } from '../../src/registry/types.js';
import { gameday } from '../support/cli.js';

describe('what gameday plan says undoes a fault', () => {
  it("terminating a group's instance: nothing undoes it, the group's replacement restores capacity", async () => {
    const r = await gameday(['plan', 'experiments/terminate-one-instance.yaml', '--speed', '100', '--seed', '7'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}undo: none — the Auto Scaling group's replacement restores capacity \(web-asg\)$/m);
    assert.doesNotMatch(r.stdout, /undo: automatic|not undoable/);
  });

  it('an AZ outage that terminates: no automatic undo is promised for the terminated instances', async () => {
    const r = await gameday(['plan', 'experiments/az-outage.yaml', '--speed', '100', '--seed', '7'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}undo: none — the Auto Scaling group's replacement restores capacity \(web-asg\); failed-over databases stay on their new primary$/m,
    );
    assert.doesNotMatch(r.stdout, /undo: automatic/);
  });

  it('the action itself says that an instance outside any group cannot be restored', () => {
    const terminate = defaultRegistry().action('aws.ec2.terminate-instances');
    const lone: Resource = {
      type: EC2_INSTANCE,
      id: 'i-0123456789abcdef0',
      arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0',
      tags: { Name: 'bastion' },
      attributes: {},
    };
    assert.equal(terminate?.undo?.({}, [lone]), 'none — terminated instances cannot be restored');
  });
});
