import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuStressAction } from '../../src/actions/ec2/cpu-stress.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { PlanFence } from '../../src/safety/fence.js';

/**
 * How a Run Command fault reads its invocations and undoes itself, against a scripted SSM (statuses as
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html names them). A scripted client,
 * because neither moto (no CancelCommand, every invocation Success at once) nor the simulated region can be made to
 * fail a delivery on demand.
 */
type Status = { Status: string; StatusDetails?: string } | 'missing';

function scriptedSsm(script: Record<string, Status[]>): { aws: AwsClients; sent: string[] } {
  const sent: string[] = [];
  const reads: Record<string, number> = {};
  const client = {
    config: { region: async () => 'us-east-1' },
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const op = command.constructor.name.replace(/Command$/, '');
      sent.push(op === 'CancelCommand' ? `CancelCommand ${(command.input.InstanceIds as string[]).join(',')}` : op);
      if (op === 'SendCommand') return { Command: { CommandId: 'c-1' }, $metadata: {} };
      if (op === 'CancelCommand') return { $metadata: {} };
      const id = String(command.input.InstanceId);
      const steps = script[id] ?? [];
      const n = reads[id] ?? 0;
      reads[id] = n + 1;
      const step = steps[Math.min(n, steps.length - 1)] ?? 'missing';
      if (step === 'missing') throw Object.assign(new Error('Invocation does not exist.'), { name: 'InvocationDoesNotExist', $fault: 'client' });
      return { InstanceId: id, ...step, $metadata: {} };
    },
  };
  return { aws: { ssm: async () => client, target: {} } as unknown as AwsClients, sent };
}

const targets: Resource[] = ['i-1', 'i-2'].map((id) => ({ type: 'aws:ec2:instance', id, tags: {}, attributes: {} }));
const context = (aws: AwsClients, calls: CallRecord[] = []): ActionContext => ({
  runId: 'scripted',
  signal: AbortSignal.timeout(20_000),
  clock: systemClock,
  logger: silentLogger,
  aws,
  speed: 1,
  targets,
  duration: 60_000,
  recordCall: (c) => calls.push(c),
  fence: new PlanFence(targets),
});

describe('a Run Command fault', () => {
  const args = cpuStressAction.args.parse({});

  it('lands once every invocation runs, waiting out one SSM has not created yet', async () => {
    const { aws, sent } = scriptedSsm({ 'i-1': ['missing', { Status: 'Pending' }, { Status: 'InProgress' }], 'i-2': [{ Status: 'InProgress' }] });
    const result = await cpuStressAction.run(args, context(aws));
    assert.deepEqual(result.output.instanceIds, ['i-1', 'i-2']);
    assert.equal(result.output.commandId, 'c-1');
    assert.ok(sent.filter((s) => s === 'GetCommandInvocation').length >= 5, sent.join(' '));
  });

  it('fails in one sentence naming the instance and its StatusDetails, after cancelling where it runs', async () => {
    const { aws, sent } = scriptedSsm({
      'i-1': [{ Status: 'InProgress' }, { Status: 'InProgress' }, { Status: 'Cancelled' }],
      'i-2': [{ Status: 'Failed', StatusDetails: 'DeliveryTimedOut' }],
    });
    await assert.rejects(
      cpuStressAction.run(args, context(aws)),
      (e: unknown) =>
        e instanceof ActionFailedError && e.message === 'AWSFIS-Run-CPU-Stress did not start on i-2 (DeliveryTimedOut) (SSM command c-1); cancelled it on i-1.',
    );
    assert.ok(sent.includes('CancelCommand i-1'), sent.join(' '));
  });

  it('is undone by cancelling the command where it still runs, then waiting until it has ended there', async () => {
    const { aws, sent } = scriptedSsm({
      'i-1': [{ Status: 'InProgress' }, { Status: 'Cancelling' }, { Status: 'Cancelled' }],
      'i-2': [{ Status: 'Success' }],
    });
    const calls: CallRecord[] = [];
    const undone = await cpuStressAction.rollback?.(args, { output: { commandId: 'c-1', instanceIds: ['i-1', 'i-2'] } }, context(aws, calls));
    assert.deepEqual(undone?.output.cancelled, ['i-1']);
    assert.deepEqual(undone?.output.ended, { 'i-1': 'Cancelled', 'i-2': 'Success' });
    assert.deepEqual(
      sent.filter((s) => s.startsWith('Cancel')),
      ['CancelCommand i-1'],
    );
    assert.deepEqual(
      calls.filter((c) => c.mutating).map((c) => c.request),
      [{ CommandId: 'c-1', InstanceIds: ['i-1'] }],
    );
  });
});
