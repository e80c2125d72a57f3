/**
 * The release probes against the simulated region, over HTTP through the AWS SDK: launch template drift on a group
 * whose topology leaves one instance on the version before the group's, and the status of a group's instance refresh
 * when it has none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { instanceRefreshStatusProbe } from '../../src/probes/aws/asg-instance-refresh-status.js';
import { launchTemplateDriftProbe } from '../../src/probes/aws/asg-launch-template-drift.js';
import type { ActivityContext } from '../../src/registry/types.js';
import { parseTopology } from '../../src/sim/topology.js';
import { CREDENTIALS, startSim, type Sim } from '../support/sim.js';
import { sampleOnce } from '../support/probe.js';

const TOPOLOGY = {
  availabilityZones: ['a', 'b'],
  launchTemplates: [
    { name: 'web-lt', imageId: 'ami-0aaaaaaaaaaaaaaa1', versions: [{ imageId: 'ami-0bbbbbbbbbbbbbbb2' }] },
    { name: 'api-lt', imageId: 'ami-0ccccccccccccccc3' },
  ],
  autoScalingGroups: [
    { name: 'web-asg', launchTemplate: 'web-lt', launchTemplateVersion: '$Latest', min: 3, max: 4, desired: 3, driftedInstances: 1 },
    { name: 'api-asg', launchTemplate: 'api-lt', min: 2, max: 2, desired: 2 },
  ],
};

/** One sample judged against a tolerance (the probe's default when none is given), as the sampler judges it. */
describe('release probes on the sim', () => {
  let sim: Sim;
  let aws: AwsClientFactory;
  let ctx: ActivityContext;
  before(async () => {
    sim = await startSim({ topology: parseTopology(TOPOLOGY, 'release topology'), speed: 50, readyTimeoutMs: 30_000 });
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    ctx = {
      runId: 'release-probes',
      signal: new AbortController().signal,
      clock: systemClock,
      logger: silentLogger,
      aws,
      speed: 50,
      recordCall: () => undefined,
    };
  });
  after(async () => {
    await aws?.destroy();
    await sim?.close();
  });

  it('aws.asg.launch-template-drift names the instance left on the version before the group’s', async () => {
    const drift = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: 'web-asg' });
    assert.equal(drift.value, 1);
    assert.match(
      drift.detail ?? '',
      /^1 of 3 InService instance\(s\) of web-asg run something other than web-lt version 2 \(ami-0bbbbbbbbbbbbbbb2\): i-[0-9a-f]+ \(version 1, ami-0aaaaaaaaaaaaaaa1\)$/,
    );
    assert.equal(drift.verdict, `${drift.detail}; expected at most 0`);
    const allowed = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: 'web-asg' }, { maxDrifted: 1 });
    assert.equal(allowed.verdict, null);
  });

  it('aws.asg.launch-template-drift passes a group whose instances all run its version', async () => {
    const steady = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: 'api-asg' });
    assert.equal(steady.value, 0);
    assert.equal(steady.detail, 'all 2 InService instance(s) of api-asg run api-lt version 1 (ami-0ccccccccccccccc3)');
    assert.equal(steady.verdict, null);
    const missing = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: 'no-such-asg' });
    assert.equal(missing.verdict, 'no Auto Scaling group named no-such-asg');
  });

  it('aws.asg.instance-refresh-status says a group has no refresh, which only a status tolerance refuses', async () => {
    const none = await sampleOnce(instanceRefreshStatusProbe, ctx, { autoScalingGroupName: 'web-asg' });
    assert.equal(none.value, 'none');
    assert.equal(none.detail, 'no instance refresh of web-asg');
    assert.equal(none.verdict, null);
    const expected = await sampleOnce(instanceRefreshStatusProbe, ctx, { autoScalingGroupName: 'web-asg' }, { status: ['Successful', 'RollbackSuccessful'] });
    assert.equal(expected.verdict, 'no instance refresh of web-asg, expected Successful or RollbackSuccessful');
    const named = await sampleOnce(instanceRefreshStatusProbe, ctx, { autoScalingGroupName: 'web-asg', instanceRefreshId: 'nope' }, { status: 'Successful' });
    assert.equal(named.verdict, 'no instance refresh nope of web-asg, expected Successful');
  });
});
