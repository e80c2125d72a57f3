/**
 * `aws.ec2.stop-instances` — stops the selected instances (EC2 StopInstances). Undo: waits until they are stopped,
 * starts them (StartInstances) and waits until they run again. Lands when every instance is stopping or stopped (or
 * already being replaced by its group).
 */
import { z } from 'zod';
import type { StopInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { duration } from '../../experiment/fields.js';
import { MOTO_TEST, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext } from '../../registry/types.js';
import { instanceIntent, instanceStates, instanceTargets, priorStates, sendEc2, stateSummary, verifyStates, waitForStates } from './instances.js';
import { sdk } from '../../aws/sdk.js';

const args = z.strictObject({
  /** Stop without a graceful shutdown. */
  force: z.boolean().default(false),
  /** How long the undo waits for the instances to stop and then to run again (wall time). */
  restartTimeout: duration().default(600_000),
});

/** States that prove a stop landed. */
export const STOPPED_OR_REPLACED = ['stopping', 'stopped', 'shutting-down', 'terminated'];

export const stopInstancesAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ec2.stop-instances',
  summary: 'Stops the selected EC2 instances; the undo starts them again and waits until they run.',
  mutating: true,
  permissions: { read: ['ec2:DescribeInstances'], write: ['ec2:StopInstances', 'ec2:StartInstances'] },
  capabilities: {
    services: ['ec2'],
    support: {
      sim: yes('stopping → stopped in 30 s of AWS time; the rollback starts the instances and waits until running.'),
      moto: partial(`Stopped and started at once, no stopping/pending states (${MOTO_TEST}: "aws.ec2.stop-instances").`),
      'localstack-free': partial('Community EC2 (moto semantics): stopped and started at once.'),
      'localstack-paid': partial("Mock VM manager: as free; the Docker VM manager stops the instance's container."),
      aws: yes(),
    },
  },
  args,
  ...instanceTargets,
  async run(a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const { StopInstancesCommand } = await sdk.ec2();
    await sendEc2(ctx, new StopInstancesCommand({ InstanceIds: ids, Force: a.force }), (out: StopInstancesCommandOutput) =>
      stateSummary(out.StoppingInstances),
    );
    // A stopped instance of an Auto Scaling group may be replaced (terminated) before the check reads it: it left
    // `running` all the same.
    const states = await verifyStates(ctx, ids, STOPPED_OR_REPLACED, `Stopping ${ids.join(', ')}`);
    return { output: { instanceIds: ids, states } };
  },
  intent: (_a, targets, ctx) => instanceIntent(targets, ctx),
  /** Starts each target that was running before the fault and is stopping or stopped now, once it has stopped. */
  async reconcile(a, prior, targets, ctx) {
    const before = priorStates(prior);
    const ids = targets.map((t) => t.id);
    const now = await instanceStates(ctx, ids);
    const found: string[] = [];
    const lasting: string[] = [];
    const stopped = ids.filter((id) => before[id] === 'running' && ['stopping', 'stopped'].includes(now.get(id) ?? ''));
    for (const id of ids) {
      const is = now.get(id) ?? 'gone';
      if (stopped.includes(id)) found.push(`${id} was stopped by the lost run (running before, ${is} now)`);
      else if (before[id] === 'running' && ['shutting-down', 'terminated', 'gone'].includes(is))
        lasting.push(`${id} was running before the fault and is ${is} now (replaced by its group); there is nothing to start`);
      else found.push(`${id} is ${is}, as before the fault (${before[id] ?? 'unknown'}): the stop did not reach it`);
    }
    const done = stopped.length === 0 ? [] : (await startStopped(ctx, stopped, a.restartTimeout)).started.map((id) => `started ${id}`);
    return { landed: stopped.length > 0 || lasting.length > 0, found, done, lasting };
  },
  async rollback(a, result, ctx) {
    return { output: await startStopped(ctx, (result.output.instanceIds as string[] | undefined) ?? [], a.restartTimeout) };
  },
};

/** Waits until the instances have stopped, starts them and waits until they run; safe to run again. */
async function startStopped(ctx: ActivityContext, ids: string[], timeoutMs: number): Promise<{ started: string[]; skipped: string[] }> {
  // An instance that is still stopping cannot be started; one terminated meanwhile (by its group) is left alone.
  const settled = await waitForStates(ctx, ids, ['stopped', 'terminated', 'shutting-down', 'running', 'pending'], timeoutMs);
  const toStart = ids.filter((id) => settled[id] === 'stopped');
  if (toStart.length > 0) {
    const { StartInstancesCommand } = await sdk.ec2();
    await sendEc2(ctx, new StartInstancesCommand({ InstanceIds: toStart }));
    // Its group may replace a stopped instance (EC2 health checks mark it unhealthy) even as it starts again: one
    // that is being terminated will never run, and there is nothing left to wait for.
    const ended = await waitForStates(ctx, toStart, ['running', 'shutting-down', 'terminated'], timeoutMs);
    const running = toStart.filter((id) => ended[id] === 'running');
    return { started: running, skipped: ids.filter((id) => !running.includes(id)) };
  }
  return { started: [], skipped: ids };
}
