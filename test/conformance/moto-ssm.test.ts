/**
 * Conformance of the Run Command faults against moto_server (moto 5.2.1): the requests gameday sends (SendCommand with
 * an AWSFIS document or the user's own, GetCommandInvocation, ListCommands) are well-formed enough for moto to serve.
 * moto accepts any document name, AWSFIS ones included, runs nothing and reports every invocation Success at once; it
 * has no CancelCommand and no ListCommandInvocations, so the undo's cancel is not exercised here (an ended invocation
 * needs none).
 *
 * Availability: without `moto_server` on PATH the suite is skipped, unless CI=true, where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateDocumentCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { cpuStressAction } from '../../src/actions/ec2/cpu-stress.js';
import { networkLatencyAction } from '../../src/actions/ec2/network-latency.js';
import { sendCommandAction } from '../../src/actions/ssm/send-command.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { PlanFence } from '../../src/safety/fence.js';
import {
  ALLOWED_TAG,
  buildFixture,
  MOTO_CREDENTIALS,
  MOTO_REGION,
  motoAvailability,
  motoClients,
  motoSuite,
  runInstances,
  type MotoClients,
} from '../support/moto.js';

const availability = motoAvailability();
const skip = availability.status === 'skip' ? availability.reason : false;

describe('Run Command faults against moto_server', { skip }, () => {
  const suite = motoSuite(availability);
  let clients: MotoClients;
  let ssm: SSMClient;
  let targets: Resource[];
  before(async () => {
    clients = motoClients(suite.moto.endpoint);
    ssm = new SSMClient({ endpoint: suite.moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
    const fixture = await buildFixture(clients);
    const ids = await runInstances(clients.ec2, fixture.subnets['us-east-1a'], 2, [ALLOWED_TAG, { Key: 'role', Value: 'web' }]);
    targets = ids.map((id) => ({ type: 'aws:ec2:instance', id, tags: { 'gameday:allowed': 'true', role: 'web' }, attributes: {} }));
  });
  after(() => {
    clients?.destroy();
    ssm?.destroy();
  });

  const context = (calls: CallRecord[], runId: string, duration?: number): ActionContext => ({
    runId,
    signal: AbortSignal.timeout(30_000),
    clock: systemClock,
    logger: silentLogger,
    aws: suite.aws,
    speed: 1,
    targets,
    duration,
    recordCall: (c) => calls.push(c),
    // As in a run: mutating calls may only name the plan's instances.
    fence: new PlanFence(targets),
  });
  const ids = () => targets.map((t) => t.id);

  it('sends AWSFIS-Run-CPU-Stress with DurationSeconds from the fault’s duration, lands, and its undo finds the invocations ended', async () => {
    const calls: CallRecord[] = [];
    const ctx = context(calls, 'moto-ssm-cpu', 90_000);
    const args = cpuStressAction.args.parse({ loadPercent: 60 });
    const result = await cpuStressAction.run(args, ctx);
    const send = calls.find((c) => c.operation === 'SendCommand');
    assert.equal(send?.ok, true);
    assert.deepEqual(send?.request, {
      DocumentName: 'AWSFIS-Run-CPU-Stress',
      InstanceIds: ids(),
      Parameters: { LoadPercent: ['60'], InstallDependencies: ['True'], DurationSeconds: ['90'] },
      Comment: 'gameday aws.ec2.cpu-stress moto-ssm-cpu',
    });
    assert.ok(calls.filter((c) => c.operation === 'GetCommandInvocation' && c.ok).length >= targets.length, 'it read every invocation');
    assert.deepEqual(result.output.instanceIds, ids());
    // What moto recorded is what a user would see in `aws ssm list-commands`.
    const listed = (await ssm.send(new ListCommandsCommand({ CommandId: String(result.output.commandId) }))).Commands?.[0];
    assert.equal(listed?.DocumentName, 'AWSFIS-Run-CPU-Stress');
    assert.deepEqual(listed?.Parameters?.DurationSeconds, ['90']);

    const undoCalls: CallRecord[] = [];
    const undone = await cpuStressAction.rollback?.(args, result, context(undoCalls, 'moto-ssm-cpu'));
    assert.deepEqual(undone?.output.ended, Object.fromEntries(ids().map((id) => [id, 'Success'])));
    assert.deepEqual(
      undoCalls.filter((c) => c.mutating).map((c) => c.operation),
      [],
      'nothing left to cancel',
    );
  });

  it('finds a lost run’s command by its comment, and reports none for a run that sent nothing', async () => {
    const args = networkLatencyAction.args.parse({ sources: ['10.0.0.0/16'] });
    const ctx = context([], 'moto-ssm-lost', 60_000);
    const prior = await networkLatencyAction.intent?.(args, targets, ctx);
    assert.ok(prior !== undefined);
    const before = await networkLatencyAction.reconcile?.(args, prior, targets, ctx);
    assert.equal(before?.landed, false);
    await networkLatencyAction.run(args, ctx);
    const after = await networkLatencyAction.reconcile?.(args, prior, targets, ctx);
    assert.equal(after?.landed, true);
    assert.equal(after?.found.length, targets.length, after?.found.join('; '));
    assert.match(after?.found[0] ?? '', /AWSFIS-Run-Network-Latency-Sources\) of the lost run had ended Success/);
  });

  it('runs a document the user created, with its parameters and version', async () => {
    await ssm.send(
      new CreateDocumentCommand({
        Name: 'gameday-drain',
        DocumentType: 'Command',
        Content: JSON.stringify({
          schemaVersion: '2.2',
          description: 'Drains the node.',
          parameters: { Mode: { type: 'String', default: 'graceful' } },
          mainSteps: [{ action: 'aws:runShellScript', name: 'drain', inputs: { runCommand: ['echo {{ Mode }}'] } }],
        }),
      }),
    );
    const calls: CallRecord[] = [];
    const args = sendCommandAction.args.parse({ documentName: 'gameday-drain', documentVersion: '1', parameters: { Mode: 'now' }, cancelOnUndo: true });
    const result = await sendCommandAction.run(args, context(calls, 'moto-ssm-own'));
    assert.deepEqual(calls.find((c) => c.operation === 'SendCommand')?.request, {
      DocumentName: 'gameday-drain',
      DocumentVersion: '1',
      InstanceIds: ids(),
      Parameters: { Mode: ['now'] },
      Comment: 'gameday aws.ssm.send-command moto-ssm-own',
    });
    assert.equal(typeof result.output.commandId, 'string');
  });
});
