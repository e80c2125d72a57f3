/**
 * `aws.ssm.kill-process` — kills a process on the selected instances the way AWS FIS's aws:ssm:send-command does:
 * SSM Run Command with the `AWSFIS-Run-Kill-Process` document (parameters `ProcessName`, `Signal`;
 * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html). The instance stays running for EC2 while
 * its application is gone: the fault that tells a load balancer's health checks from EC2's. It lands when every
 * invocation has succeeded; undo reboots the instances it hit, which starts their processes again.
 */
import { z } from 'zod';
import type { CommandInvocation, ListCommandInvocationsCommandOutput, ListCommandsCommandOutput, SendCommandCommandOutput } from '@aws-sdk/client-ssm';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { no, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext } from '../../registry/types.js';
import { instanceIntent, instanceStates, instanceTargets, sendEc2 } from '../ec2/instances.js';

export const KILL_PROCESS_DOCUMENT = 'AWSFIS-Run-Kill-Process';

const args = z.strictObject({
  /** The process to kill (the document's `ProcessName`); the simulated region's workload is `gameday-app`. */
  processName: z.string().min(1).default('gameday-app'),
  /** SIGTERM lets the process handle it; SIGKILL cannot be ignored. */
  signal: z.enum(['SIGTERM', 'SIGKILL']).default('SIGKILL'),
  /** How long to wait for every invocation to end (wall time). */
  timeout: duration().default(300_000),
});

/** Invocation statuses that end it (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html). */
const TERMINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);

/** Polls the command's invocations, with backoff on the run's clock, until all have ended or `timeoutMs` passes. */
async function invocationsEnded(ctx: ActivityContext, commandId: string, timeoutMs: number): Promise<CommandInvocation[]> {
  const { ListCommandInvocationsCommand } = await sdk.ssm();
  const deadline = ctx.clock.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const out: ListCommandInvocationsCommandOutput = await awsSend(ctx, 'ssm', new ListCommandInvocationsCommand({ CommandId: commandId }));
    const list = out.CommandInvocations ?? [];
    if (list.length > 0 && list.every((i) => TERMINAL.has(i.Status ?? ''))) return list;
    if (ctx.clock.now() + delay > deadline) {
      const open = list.filter((i) => !TERMINAL.has(i.Status ?? '')).map((i) => `${i.InstanceId ?? '?'} is ${i.Status ?? 'unknown'}`);
      throw new ActionFailedError(`SSM command ${commandId} did not end within ${Math.round(timeoutMs / 1000)}s: ${open.join(', ') || 'no invocation yet'}.`);
    }
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(2_000, delay * 1.5);
  }
}

export const killProcessAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ssm.kill-process',
  summary: 'Kills a process on the selected EC2 instances with SSM Run Command (AWSFIS-Run-Kill-Process); the undo reboots them.',
  mutating: true,
  permissions: { read: ['ec2:DescribeInstances', 'ssm:ListCommandInvocations', 'ssm:ListCommands'], write: ['ssm:SendCommand', 'ec2:RebootInstances'] },
  capabilities: {
    services: ['ssm', 'ec2'],
    support: {
      sim: yes("Killing the launch template's processName (default gameday-app) refuses connections until a reboot, start or replacement."),
      moto: no('moto runs no workloads: SendCommand is recorded, no process dies.'),
      'localstack-free': no('LocalStack free runs no workloads for EC2 (mock VM manager): there is no process to kill.'),
      'localstack-paid': no('Not verified: the mock VM manager runs no process, and no test covers the Docker VM manager.'),
      aws: yes('The instances must be SSM managed nodes (agent running, instance profile allowing Systems Manager).'),
    },
  },
  args,
  ...instanceTargets,
  async run(a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const { SendCommandCommand } = await sdk.ssm();
    const sent: SendCommandCommandOutput = await awsSend(
      ctx,
      'ssm',
      new SendCommandCommand({
        DocumentName: KILL_PROCESS_DOCUMENT,
        InstanceIds: ids,
        Parameters: { ProcessName: [a.processName], Signal: [a.signal] },
        Comment: commentOf(ctx.runId),
      }),
      (out: SendCommandCommandOutput) => ({ commandId: out.Command?.CommandId }),
    );
    const commandId = sent.Command?.CommandId ?? '';
    const invocations = await invocationsEnded(ctx, commandId, a.timeout);
    const failed = invocations.filter((i) => i.Status !== 'Success');
    if (failed.length > 0) {
      // A fault that half landed is undone here: a failed action gets no rollback.
      const killed = invocations.filter((i) => i.Status === 'Success').map((i) => i.InstanceId ?? '');
      const { rebooted } = await rebootRunning(ctx, killed);
      throw new ActionFailedError(
        `Killing '${a.processName}' failed on ${failed.map((i) => `${i.InstanceId ?? '?'} (${i.StatusDetails ?? i.Status ?? 'unknown'})`).join(', ')} (SSM command ${commandId})${rebooted.length > 0 ? `; rebooted ${rebooted.join(', ')}, where it was killed` : ''}.`,
      );
    }
    return { output: { instanceIds: ids, commandId } };
  },
  /** The targets' states, and the comment the run's command will carry: how a successor finds whether it was sent. */
  async intent(_a, targets, ctx) {
    return { ...(await instanceIntent(targets, ctx)), comment: commentOf(ctx.runId) };
  },
  /**
   * Finds the lost run's command by its comment on each target; once its invocations have ended, reboots the running
   * targets where the kill succeeded, which starts their processes again.
   */
  async reconcile(a, prior, targets, ctx) {
    const { ListCommandsCommand } = await sdk.ssm();
    const comment = String(prior.comment ?? '');
    const commands = new Set<string>();
    for (const t of targets) {
      const out: ListCommandsCommandOutput = await awsSend(ctx, 'ssm', new ListCommandsCommand({ InstanceId: t.id }));
      for (const c of out.Commands ?? [])
        if (c.Comment === comment && c.DocumentName === KILL_PROCESS_DOCUMENT && c.CommandId !== undefined) commands.add(c.CommandId);
    }
    if (commands.size === 0) {
      return {
        landed: false,
        found: [`no SSM command of the lost run reached ${targets.map((t) => t.id).join(', ')}: the kill was not sent`],
        done: [],
        lasting: [],
      };
    }
    const ids = new Set(targets.map((t) => t.id));
    const killed = new Set<string>();
    const found: string[] = [];
    for (const commandId of commands) {
      for (const i of await invocationsEnded(ctx, commandId, a.timeout)) {
        found.push(`SSM command ${commandId} of the lost run ended ${i.Status ?? 'unknown'} on ${i.InstanceId ?? '?'}`);
        if (i.Status === 'Success' && ids.has(i.InstanceId ?? '')) killed.add(i.InstanceId ?? '');
      }
    }
    const { rebooted, skipped } = await rebootRunning(ctx, [...killed]);
    return {
      landed: killed.size > 0,
      found,
      done: rebooted.map((id) => `rebooted ${id}, which starts its processes again`),
      lasting: skipped.map((id) => `${id} is no longer running, so its process was not restarted by a reboot`),
    };
  },
  async rollback(_a, result, ctx) {
    return { output: await rebootRunning(ctx, (result.output.instanceIds as string[] | undefined) ?? []) };
  },
};

/** The comment of a run's kill command (at most 100 characters, as SSM allows): how its successor finds it. */
function commentOf(runId: string): string {
  return `gameday ${killProcessAction.id} ${runId}`.slice(0, 100);
}

/** Reboots those of `ids` still running, which starts their processes again; one replaced or stopped meanwhile has nothing left to restart. */
async function rebootRunning(ctx: ActivityContext, ids: string[]): Promise<{ rebooted: string[]; skipped: string[] }> {
  if (ids.length === 0) return { rebooted: [], skipped: [] };
  const states = await instanceStates(ctx, ids);
  const rebooted = ids.filter((id) => states.get(id) === 'running');
  if (rebooted.length > 0) {
    const { RebootInstancesCommand } = await sdk.ec2();
    await sendEc2(ctx, new RebootInstancesCommand({ InstanceIds: rebooted }));
  }
  return { rebooted, skipped: ids.filter((id) => !rebooted.includes(id)) };
}
