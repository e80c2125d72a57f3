import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseTemplateYaml } from '../../src/sim/cloudformation/template-yaml.js';
import { translateTemplate } from '../../src/sim/cloudformation/translate.js';
import { loadTopology, parseTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { ROOT, tempDir } from '../support/cli.js';
import { allInstances, CREDENTIALS, sdkError, startSim, targetHealth, truth, waitFor, type Sim } from '../support/sim.js';

/*
 * UpdateStack of a stack the simulated region built from a template: a new AMI parameter makes a new launch template
 * version, which the group's UpdatePolicy rolls out or replaces
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html).
 */

const TEMPLATE = join(ROOT, 'infra', 'reference-architecture.yaml');
const STACK = 'gd-update';
const SPEED = 100;

type Doc = Record<string, unknown> & { Parameters: Record<string, unknown>; Resources: Record<string, Record<string, unknown>> };

async function referenceDoc(): Promise<Doc> {
  return parseTemplateYaml(await readFile(TEMPLATE, 'utf8')) as Doc;
}

/** UpdateStack's Parameters: `given` values, every other parameter of the template with UsePreviousValue. */
function parameters(doc: Doc, given: Record<string, string>): Parameter[] {
  return Object.keys(doc.Parameters).map((ParameterKey) =>
    ParameterKey in given ? { ParameterKey, ParameterValue: given[ParameterKey] } : { ParameterKey, UsePreviousValue: true },
  );
}

async function stackStatus(cfn: CloudFormationClient): Promise<string | undefined> {
  return (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;
}

/** The stack's own status changes, oldest first, from DescribeStackEvents. */
async function stackStatuses(cfn: CloudFormationClient): Promise<string[]> {
  const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: STACK }));
  return (StackEvents ?? [])
    .filter((e) => e.LogicalResourceId === STACK)
    .map((e) => e.ResourceStatus ?? '')
    .reverse();
}

/** Each instance of the group: its image and the launch template version it was launched from. */
async function fleet(sim: Sim): Promise<{ id: string; image: string | undefined; version: string | undefined; state: string | undefined }[]> {
  const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
  const members = AutoScalingGroups?.[0]?.Instances ?? [];
  const ids = members.map((m) => m.InstanceId ?? '');
  const images = new Map((await allInstances(sim.ec2, { InstanceIds: ids })).map((i) => [i.InstanceId, i.ImageId]));
  return members.map((m) => ({ id: m.InstanceId ?? '', image: images.get(m.InstanceId), version: m.LaunchTemplate?.Version, state: m.LifecycleState }));
}

/** The fewest healthy targets the target group had at any moment since `since` (ground truth), from `initial` healthy ones. */
async function fewestHealthy(sim: Sim, initial: string[], since: number): Promise<number> {
  const healthy = new Set(initial);
  let fewest = healthy.size;
  for (const e of await truth(sim.endpoint, since)) {
    if (e.kind !== 'target-health') continue;
    const id = e.resource.split('/').at(-1) ?? '';
    if (e.to === 'healthy') healthy.add(id);
    else healthy.delete(id);
    fewest = Math.min(fewest, healthy.size);
  }
  return fewest;
}

async function lastSeq(sim: Sim): Promise<number> {
  return (await truth(sim.endpoint)).at(-1)?.seq ?? 0;
}

describe('CloudFormation UpdatePolicy read by the loader', () => {
  it('reads the reference group as a rolling update, or as a replacing one when WillReplace is true', async () => {
    const doc = await referenceDoc();
    const rolling = parseTopology(translateTemplate(doc, { stackName: STACK }).topology, 'test').autoScalingGroups[0]?.rollout;
    assert.equal(rolling?.kind, 'rolling');
    const replacing = parseTopology(translateTemplate(doc, { stackName: STACK, parameters: { UpdateStrategy: 'Immutable' } }).topology, 'test')
      .autoScalingGroups[0]?.rollout;
    // WillReplace true wins; the new group has its CreationPolicy's ResourceSignal Timeout (PT15M) to become healthy.
    assert.deepEqual(replacing, { kind: 'replacing', timeout: 900_000 });
  });

  it('refuses malformed rolling update settings in one sentence naming the path', async () => {
    const refusal = async (edit: (rolling: Record<string, unknown>) => void): Promise<string> => {
      const doc = await referenceDoc();
      const policy = doc.Resources.WebAutoScalingGroup?.UpdatePolicy as Record<string, Record<string, unknown>>;
      edit(policy.AutoScalingRollingUpdate as Record<string, unknown>);
      try {
        translateTemplate(doc, { stackName: STACK });
      } catch (error) {
        return (error as Error).message;
      }
      return assert.fail('the template was accepted');
    };
    const at = 'Resources.WebAutoScalingGroup.UpdatePolicy.AutoScalingRollingUpdate';
    assert.equal(
      await refusal((r) => {
        r.MaxBatchSize = 0;
      }),
      `${at}.MaxBatchSize: is 0; it is a whole number of at least 1`,
    );
    assert.equal(
      await refusal((r) => {
        r.PauseTime = '10 minutes';
      }),
      `${at}.PauseTime: '10 minutes' is not an ISO 8601 duration such as PT10M`,
    );
    assert.equal(
      await refusal((r) => {
        r.MinInstancesInService = 6;
      }),
      `${at}.MinInstancesInService: is 6; it must be less than the group's MaxSize (6)`,
    );
    assert.match(
      await refusal((r) => {
        r.SuspendProcesses = ['Launch', 'Reboot'];
      }),
      new RegExp(`^${at.replaceAll('.', '\\.')}\\.SuspendProcesses\\[1\\]: 'Reboot' is not a scaling process`),
    );
  });
});

describe('UpdateStack with a new AMI: a rolling update of the reference architecture', () => {
  let sim: Sim;
  let cfn: CloudFormationClient;
  let doc: Doc;
  before(async () => {
    doc = await referenceDoc();
    sim = await startSim({ topology: await loadTopology(TEMPLATE, { stackName: STACK }), speed: SPEED, readyTimeoutMs: 60_000 });
    cfn = new CloudFormationClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    cfn?.destroy();
    await sim?.close();
  });

  it('refuses an update that changes nothing, or more than launch template data', async () => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html: an update with no
    // changes fails with "No updates are to be performed."; the sim refuses what it cannot roll out.
    const none = await sdkError(cfn.send(new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, {}) })));
    assert.equal(none.name, 'ValidationError');
    assert.equal(none.message, 'No updates are to be performed.');
    const size = await sdkError(
      cfn.send(new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, { MaxSize: '8' }) })),
    );
    assert.equal(size.name, 'ValidationError');
    assert.match(size.message, /^The simulated region updates only launch template parameters .*autoScalingGroups/);
    assert.equal(await stackStatus(cfn), 'CREATE_COMPLETE');
  });

  it('makes a new launch template version and rolls it out one instance at a time, never below MinInstancesInService', async () => {
    const { TargetGroups } = await sim.elb.send(new DescribeTargetGroupsCommand({}));
    const tgArn = TargetGroups?.[0]?.TargetGroupArn ?? '';
    const initial = (await targetHealth(sim.elb, tgArn)).filter((t) => t.TargetHealth?.State === 'healthy').map((t) => t.Target?.Id ?? '');
    assert.equal(initial.length, 3);
    const since = await lastSeq(sim);
    const before = await fleet(sim);
    const started = Date.now();
    const { StackId } = await cfn.send(
      new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, { ImageId: 'ami-0feed00000000001' }) }),
    );
    assert.match(StackId ?? '', /^arn:aws:cloudformation:us-east-1:123456789012:stack\/gd-update\//);
    assert.equal(await stackStatus(cfn), 'UPDATE_IN_PROGRESS');
    const busy = await sdkError(cfn.send(new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, {}) })));
    assert.match(busy.message, /is in UPDATE_IN_PROGRESS state and can not be updated\.$/);
    await waitFor('the stack to be UPDATE_COMPLETE', async () => (await stackStatus(cfn)) === 'UPDATE_COMPLETE', { timeoutMs: 90_000, intervalMs: 50 });
    // Three batches, each at least a launch and a boot of its new instance (instancePending + instanceBoot ≥ 70 s).
    assert.ok(Date.now() - started >= sim.wall(3 * 70_000), `the update took ${Date.now() - started} ms`);
    const after = await fleet(sim);
    assert.equal(after.length, 3, JSON.stringify(after));
    assert.ok(
      after.every((i) => i.image === 'ami-0feed00000000001' && i.version === '2'),
      JSON.stringify(after),
    );
    assert.ok(
      after.every((i) => !before.some((b) => b.id === i.id)),
      'every instance was replaced',
    );
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
    assert.equal(AutoScalingGroups?.[0]?.LaunchTemplate?.Version, '2');
    // SuspendProcesses held during the update, resumed after it.
    assert.deepEqual(AutoScalingGroups?.[0]?.SuspendedProcesses ?? [], []);
    const { LaunchTemplates } = await sim.ec2.send(new DescribeLaunchTemplatesCommand({}));
    assert.equal(LaunchTemplates?.[0]?.LatestVersionNumber, 2);
    assert.ok((await fewestHealthy(sim, initial, since)) >= 3, 'MinInstancesInService (3) healthy targets at every moment');
    assert.deepEqual(await stackStatuses(cfn), ['CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
    const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: STACK }));
    const status = new Map(StackResourceSummaries?.map((r) => [r.LogicalResourceId, r.ResourceStatus]));
    assert.deepEqual(
      [status.get('WebLaunchTemplate'), status.get('WebAutoScalingGroup'), status.get('Database')],
      ['UPDATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_COMPLETE'],
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    assert.equal(stack?.Parameters?.find((p) => p.ParameterKey === 'ImageId')?.ParameterValue, 'ami-0feed00000000001');
  });

  it('takes the AWS CLI: update-stack, then the stack-update-complete waiter', async () => {
    const aws = awsCli(sim.endpoint);
    const keep = Object.keys(doc.Parameters)
      .filter((k) => k !== 'ImageId')
      .map((k) => `ParameterKey=${k},UsePreviousValue=true`);
    const out = await aws.json<{ StackId: string }>(
      'cloudformation',
      'update-stack',
      '--stack-name',
      STACK,
      '--use-previous-template',
      '--parameters',
      'ParameterKey=ImageId,ParameterValue=ami-0feed00000000002',
      ...keep,
    );
    assert.match(out.StackId, /stack\/gd-update\//);
    // The waiter polls every 30 s (botocore's model): it is asked once the update has ended, so its acceptors are
    // checked against the sim's answer without half a minute of sleep.
    await waitFor('the update to end', async () => (await stackStatus(cfn))?.endsWith('_COMPLETE') === true, { timeoutMs: 60_000, intervalMs: 100 });
    const wait = await aws.raw('cloudformation', 'wait', 'stack-update-complete', '--stack-name', STACK);
    assert.equal(wait.code, 0, wait.stderr);
    assert.equal(await stackStatus(cfn), 'UPDATE_COMPLETE');
    const after = await fleet(sim);
    assert.ok(
      after.every((i) => i.image === 'ami-0feed00000000002' && i.version === '3'),
      JSON.stringify(after),
    );
  });
});

describe('UpdateStack with a new AMI: a replacing update (ImmutableUpdates)', () => {
  let sim: Sim;
  let cfn: CloudFormationClient;
  let doc: Doc;
  before(async () => {
    doc = await referenceDoc();
    const topology = await loadTopology(TEMPLATE, { stackName: STACK, parameters: { UpdateStrategy: 'Immutable' } });
    sim = await startSim({ topology, speed: SPEED, readyTimeoutMs: 60_000 });
    cfn = new CloudFormationClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    cfn?.destroy();
    await sim?.close();
  });

  it('launches the new version at full capacity, and deletes the old instances once it is healthy', async () => {
    const before = await fleet(sim);
    const since = await lastSeq(sim);
    await cfn.send(new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, { ImageId: 'ami-0feed00000000003' }) }));
    let most = 0;
    await waitFor(
      'the stack to be UPDATE_COMPLETE',
      async () => {
        most = Math.max(most, (await fleet(sim)).length);
        return (await stackStatus(cfn)) === 'UPDATE_COMPLETE';
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    assert.equal(most, 6, 'old and new instances side by side');
    const after = await fleet(sim);
    assert.equal(after.length, 3, JSON.stringify(after));
    assert.ok(
      after.every((i) => i.image === 'ami-0feed00000000003' && i.version === '2'),
      JSON.stringify(after),
    );
    // The old instances were terminated only after the new ones were all serving, in the cleanup phase.
    const events = await truth(sim.endpoint, since);
    const firstOldGone = events.find((e) => e.kind === 'instance-state' && e.to === 'Terminating' && before.some((b) => e.resource.endsWith(b.id)));
    const newHealthy = events.filter((e) => e.kind === 'target-health' && e.to === 'healthy' && after.some((a) => e.resource.endsWith(a.id)));
    assert.equal(newHealthy.length, 3);
    assert.ok(
      newHealthy.every((e) => e.seq < (firstOldGone?.seq ?? 0)),
      'all three new targets were healthy before an old instance left',
    );
    assert.deepEqual(await stackStatuses(cfn), ['CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });
});

describe('UpdateStack whose new instances cannot signal within PauseTime', () => {
  let sim: Sim;
  let cfn: CloudFormationClient;
  let files: Awaited<ReturnType<typeof tempDir>>;
  let doc: Doc;
  before(async () => {
    doc = await referenceDoc();
    // A PauseTime shorter than any boot: no batch can be healthy in time.
    (doc.Resources.WebAutoScalingGroup?.UpdatePolicy as Record<string, Record<string, unknown>>).AutoScalingRollingUpdate = {
      MinInstancesInService: 3,
      MaxBatchSize: 1,
      PauseTime: 'PT5S',
      WaitOnResourceSignals: true,
    };
    files = await tempDir();
    const file = await files.write(`${STACK}.json`, JSON.stringify(doc));
    sim = await startSim({ topology: await loadTopology(file), speed: SPEED, readyTimeoutMs: 60_000 });
    cfn = new CloudFormationClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    cfn?.destroy();
    await sim?.close();
    await files?.cleanup();
  });

  it('rolls back: UPDATE_ROLLBACK_IN_PROGRESS, the old version restored, UPDATE_ROLLBACK_COMPLETE', async () => {
    const before = await fleet(sim);
    await cfn.send(new UpdateStackCommand({ StackName: STACK, UsePreviousTemplate: true, Parameters: parameters(doc, { ImageId: 'ami-0bad000000000001' }) }));
    await waitFor('the stack to be UPDATE_ROLLBACK_COMPLETE', async () => (await stackStatus(cfn)) === 'UPDATE_ROLLBACK_COMPLETE', {
      timeoutMs: 90_000,
      intervalMs: 50,
    });
    const statuses = await stackStatuses(cfn);
    assert.deepEqual(statuses.slice(1), [
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: STACK }));
    const failed = StackEvents?.find((e) => e.LogicalResourceId === 'WebAutoScalingGroup' && e.ResourceStatus === 'UPDATE_FAILED');
    assert.match(failed?.ResourceStatusReason ?? '', /did not become healthy within the PauseTime of 5 s/);
    const rollingBack = StackEvents?.find((e) => e.LogicalResourceId === STACK && e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS');
    assert.match(rollingBack?.ResourceStatusReason ?? '', /^The following resource\(s\) failed to update: \[WebAutoScalingGroup\]\./);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    assert.notEqual(stack?.Parameters?.find((p) => p.ParameterKey === 'ImageId')?.ParameterValue, 'ami-0bad000000000001');
    const after = await fleet(sim);
    assert.equal(after.length, 3, JSON.stringify(after));
    assert.ok(
      after.every((i) => i.version === '1' && i.image === before[0]?.image),
      JSON.stringify(after),
    );
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
    assert.equal(AutoScalingGroups?.[0]?.LaunchTemplate?.Version, '1');
  });
});
