/**
 * `aws.ssm.kill-process` — kills a process on the selected instances the way AWS FIS's aws:ssm:send-command does:
 * SSM Run Command with the `AWSFIS-Run-Kill-Process` document (parameters `ProcessName`, `Signal`;
 * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html). The instance stays running for EC2 while
 * its application is gone: the fault that tells a load balancer's health checks from EC2's. It lands when every
 * invocation has succeeded; undo reboots the instances it hit, which starts their processes again.
 */
import { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { no, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext } from '../../registry/types.js';
import { instanceIntent, instanceStates, instanceTargets, sendEc2 } from '../ec2/instances.js';
import { sdk } from '../../aws/sdk.js';
import { commandIntent, endedInvocations, lostCommands, RUN_COMMAND_PERMISSIONS, sendAndEnd, waitTimeout } from './run-command.js';

export const KILL_PROCESS_DOCUMENT = 'AWSFIS-Run-Kill-Process';

const args = z.strictObject({
  /** The process to kill (the document's `ProcessName`); the simulated region's workload is `gameday-app`. */
  processName: z.string().min(1).default('gameday-app'),
  /** SIGTERM lets the process handle it; SIGKILL cannot be ignored. */
  signal: z.enum(['SIGTERM', 'SIGKILL']).default('SIGKILL'),
  timeout: waitTimeout(),
});

export const killProcessAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ssm.kill-process',
  summary: 'Kills a process on the selected EC2 instances with SSM Run Command (AWSFIS-Run-Kill-Process); the undo reboots them.',
  mutating: true,
  permissions: { read: RUN_COMMAND_PERMISSIONS.read, write: ['ssm:SendCommand', 'ec2:RebootInstances'] },
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
    const spec = { documentName: KILL_PROCESS_DOCUMENT, parameters: { ProcessName: [a.processName], Signal: [a.signal] } };
    const { commandId, ended } = await sendAndEnd(ctx, killProcessAction.id, spec, a.timeout);
    const failed = ended.filter((i) => i.Status !== 'Success');
    if (failed.length > 0) {
      // A fault that half landed is undone here: a failed action gets no rollback.
      const killed = ended.filter((i) => i.Status === 'Success').map((i) => i.InstanceId);
      const { rebooted } = await rebootRunning(ctx, killed);
      throw new ActionFailedError(
        `Killing '${a.processName}' failed on ${failed.map((i) => `${i.InstanceId} (${i.StatusDetails ?? i.Status ?? 'unknown'})`).join(', ')} (SSM command ${commandId})${rebooted.length > 0 ? `; rebooted ${rebooted.join(', ')}, where it was killed` : ''}.`,
      );
    }
    return { output: { instanceIds: ctx.targets.map((t) => t.id), commandId } };
  },
  /** The targets' states, and the comment the run's command will carry: how a successor finds whether it was sent. */
  async intent(_a, targets, ctx) {
    return { ...(await instanceIntent(targets, ctx)), ...commandIntent(killProcessAction.id, ctx) };
  },
  /**
   * Finds the lost run's command by its comment on each target; once its invocations have ended, reboots the running
   * targets where the kill succeeded, which starts their processes again.
   */
  async reconcile(a, prior, targets, ctx) {
    const commands = await lostCommands(KILL_PROCESS_DOCUMENT, prior, targets, ctx);
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
      for (const i of await endedInvocations(ctx, commandId, [...ids], a.timeout)) {
        found.push(`SSM command ${commandId} of the lost run ended ${i.Status ?? 'unknown'} on ${i.InstanceId}`);
        if (i.Status === 'Success') killed.add(i.InstanceId);
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
