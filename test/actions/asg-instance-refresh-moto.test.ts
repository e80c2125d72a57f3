import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, EC2Client } from '@aws-sdk/client-ec2';
import { instanceRefreshAction } from '../../src/actions/autoscaling/instance-refresh.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { AwsCallError } from '../../src/errors/action-error.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { MOTO_AMI, MOTO_CREDENTIALS, MOTO_REGION, motoAvailability, motoSuite } from '../support/moto.js';

/**
 * What moto 5.2.1 does with instance refreshes, asserted so the capability row of `aws.asg.instance-refresh` stays
 * honest: the group and its launch template versions are read as AWS reads them, so the plan works; every instance
 * refresh operation answers HTTP 500 (moto's NotImplementedError), so the release is refused at its start.
 */
const availability = motoAvailability();
const skip = availability.status === 'skip' ? availability.reason : false;

describe('aws.asg.instance-refresh against moto_server', { skip }, () => {
  const suite = motoSuite(availability);
  const clients = () => {
    const config = { region: MOTO_REGION, endpoint: suite.moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
    return { asg: new AutoScalingClient(config), ec2: new EC2Client(config) };
  };
  const context = (targets: Resource[] = []): { ctx: ActionContext; calls: CallRecord[] } => {
    const calls: CallRecord[] = [];
    return {
      calls,
      ctx: {
        runId: 'refresh-moto',
        signal: AbortSignal.timeout(60_000),
        clock: systemClock,
        logger: silentLogger,
        aws: suite.aws,
        speed: 1,
        targets,
        recordCall: (c) => calls.push(c),
      },
    };
  };

  /** web-lt with versions 1 and 2, and web-asg of two instances on version 1. */
  async function webTier(): Promise<void> {
    const { asg, ec2 } = clients();
    try {
      await suite.moto.reset();
      await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: MOTO_AMI, InstanceType: 't3.micro' } }));
      await ec2.send(
        new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: MOTO_AMI, InstanceType: 't3.small' } }),
      );
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web-asg',
          LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '1' },
          MinSize: 2,
          MaxSize: 4,
          DesiredCapacity: 2,
          AvailabilityZones: [`${MOTO_REGION}a`],
          Tags: [{ Key: 'gameday:allowed', Value: 'true', PropagateAtLaunch: true }],
        }),
      );
    } finally {
      asg.destroy();
      ec2.destroy();
    }
  }

  it('plans the release: the group, its instances on version 1, and $Latest resolved to 2, read-only', async () => {
    await webTier();
    const a = instanceRefreshAction.args.parse({ launchTemplateVersion: '$Latest', preferences: { skipMatching: true } });
    const { ctx, calls } = context();
    const groups = (await instanceRefreshAction.inventory?.({ tags: { 'gameday:allowed': 'true' }, selection: { mode: 'ALL' } }, ctx)) ?? [];
    assert.deepEqual(
      groups.map((g) => [g.type, g.id, g.tags['gameday:allowed']]),
      [['aws:ec2:autoscaling-group', 'web-asg', 'true']],
    );
    const reached = await instanceRefreshAction.reach?.(a, groups, ctx);
    assert.equal(reached?.resources.length, 2);
    assert.ok(reached?.resources.every((r) => r.type === 'aws:ec2:instance' && r.tags['aws:autoscaling:groupName'] === 'web-asg'));
    assert.deepEqual(reached?.detail.slice(0, 2), [
      'release: group web-asg, launch template web-lt version 1 -> 2',
      'replaces 2 of 2 instance(s) (skip matching: 0 already on version 2 kept)',
    ]);
    assert.deepEqual(
      calls.filter((c) => c.mutating),
      [],
    );
  });

  it('is refused at StartInstanceRefresh, which moto 5.2.1 does not implement (HTTP 500), and the group keeps version 1', async () => {
    await webTier();
    const a = instanceRefreshAction.args.parse({ launchTemplateVersion: 2 });
    const plan = context();
    const groups = (await instanceRefreshAction.inventory?.({ ids: ['web-asg'], selection: { mode: 'ALL' } }, plan.ctx)) ?? [];
    const reached = (await instanceRefreshAction.reach?.(a, groups, plan.ctx))?.resources ?? [];
    const { ctx, calls } = context([...groups, ...reached]);
    await assert.rejects(
      instanceRefreshAction.run(a, ctx),
      // moto's answer is an HTML error page, which the SDK cannot parse: an error without an AWS name or fault.
      (e: unknown) =>
        e instanceof AwsCallError &&
        e.operation === 'autoscaling:StartInstanceRefresh' &&
        (e.cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 500,
    );
    assert.deepEqual(
      calls.filter((c) => c.mutating).map((c) => [c.operation, c.ok]),
      [['StartInstanceRefresh', false]],
    );
    const { asg } = clients();
    try {
      const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0];
      assert.equal(g?.LaunchTemplate?.Version, '1');
    } finally {
      asg.destroy();
    }
  });

  it('answers every instance refresh operation with HTTP 500 (not implemented), so the undo cannot run there either', async () => {
    await webTier();
    const { asg } = clients();
    try {
      for (const command of [
        new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }),
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web-asg' }),
        new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }),
        new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }),
      ]) {
        await assert.rejects(
          asg.send(command as never),
          (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 500,
          command.constructor.name,
        );
      }
    } finally {
      asg.destroy();
    }
  });
});
