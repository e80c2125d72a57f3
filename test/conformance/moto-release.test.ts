/**
 * The release probes against moto_server (moto 5.2.1): what moto answers is what the capability rows claim. moto
 * reports each group instance's launch template version as the template's current default, not the version it was
 * launched from, so drift shows there through the AMI; and it does not implement DescribeInstanceRefreshes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { instanceRefreshStatusProbe } from '../../src/probes/aws/asg-instance-refresh-status.js';
import { launchTemplateDriftProbe } from '../../src/probes/aws/asg-launch-template-drift.js';
import type { ActivityContext } from '../../src/registry/types.js';
import { buildFixture, MOTO_AMI, motoAvailability, motoClients, motoRuns, motoSuite, type Fixture, type MotoClients } from '../support/moto.js';
import { sampleOnce } from '../support/probe.js';

const availability = motoAvailability();

/** One sample judged against a tolerance (the probe's default when none is given), as the sampler judges it. */
describe('release probes on moto', () => {
  if (!motoRuns(availability)) return;
  const suite = motoSuite(availability);
  let clients: MotoClients;
  let fx: Fixture;
  let ctx: ActivityContext;
  before(async () => {
    clients = motoClients(suite.moto.endpoint);
    fx = await buildFixture(clients);
    ctx = {
      runId: 'moto-release',
      signal: new AbortController().signal,
      clock: systemClock,
      logger: silentLogger,
      aws: suite.aws,
      speed: 1,
      recordCall: () => undefined,
    };
  });
  after(() => clients?.destroy());

  it('aws.asg.launch-template-drift finds instances left on the old version', async () => {
    const before = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: fx.asgName });
    assert.equal(before.value, 0, before.detail);
    assert.equal(before.verdict, null);
    // A new version on another AMI: the group follows $Latest, its running instances stay on the old AMI.
    await clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: fx.launchTemplateId,
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: 'ami-0d8f6eb4f641ef691' },
      }),
    );
    const after = await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: fx.asgName });
    assert.equal(after.value, 3);
    for (const id of fx.asgInstanceIds) assert.ok(after.detail?.includes(`${id} (version 1, ${MOTO_AMI})`), after.detail);
    assert.match(
      after.verdict ?? '',
      /^3 of 3 InService instance\(s\) of web-asg run something other than web-lt version 2 \(ami-0d8f6eb4f641ef691\): .*; expected at most 0$/,
    );
    assert.equal((await sampleOnce(launchTemplateDriftProbe, ctx, { autoScalingGroupName: fx.asgName }, { maxDrifted: 3 })).verdict, null);
  });

  it('aws.asg.instance-refresh-status says moto does not implement it', async () => {
    const o = await sampleOnce(instanceRefreshStatusProbe, ctx, { autoScalingGroupName: fx.asgName });
    // moto answers its HTML error page for an action it lacks (a NotImplementedError), which the SDK cannot parse.
    assert.equal(o.value, undefined);
    assert.equal(o.verdict, o.error);
    assert.match(o.verdict ?? '', /XML parse error/);
  });
});
