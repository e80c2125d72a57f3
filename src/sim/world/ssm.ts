import { randomUUID } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { Durations, SimScheduler } from '../timing.js';
import type { SimInstance } from './instance.js';

/**
 * SSM Run Command on the region's instances, for the one document the twin's fault needs: AWS FIS's
 * `AWSFIS-Run-Kill-Process` (https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html: `ProcessName`
 * required, `Signal` SIGTERM (default) or SIGKILL, `InstallDependencies`). Every instance is assumed to be a managed
 * node (the SSM Agent installed and its instance profile allowing Systems Manager), as FIS's requirements ask.
 */
export const KILL_PROCESS_DOCUMENT = 'AWSFIS-Run-Kill-Process';
const SIGNALS = ['SIGTERM', 'SIGKILL'];

/** The statuses of one invocation (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html). */
export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed';

export interface SsmInvocation {
  instanceId: string;
  status: InvocationStatus;
  /** StatusDetails: as Status, or `Undeliverable` when the instance could not take the command. */
  details: string;
  responseCode: number;
  output: string;
  error: string;
  startedAt?: Date;
  endedAt?: Date;
}

export interface SsmCommand {
  id: string;
  documentName: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  comment: string;
  requestedAt: Date;
  timeoutSeconds: number;
  invocations: SsmInvocation[];
}

/** What SSM reaches in the region: its instances, the clock, the durations and the record of ground truth. */
export interface SsmWorld {
  readonly instances: ReadonlyMap<string, SimInstance>;
  readonly scheduler: Pick<SimScheduler, 'after'>;
  readonly durations: Pick<Durations, 'draw'>;
  readonly truth: Pick<GroundTruth, 'record'>;
}

export interface SendCommandInput {
  documentName: string;
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  parameters: Record<string, string[]>;
  comment: string;
  timeoutSeconds: number;
}

/** The command's status from its invocations': in progress until all end, then Success only if all succeeded. */
export function commandStatus(c: SsmCommand): 'Pending' | 'InProgress' | 'Success' | 'Failed' {
  if (c.invocations.every((i) => i.status === 'Pending')) return 'Pending';
  if (c.invocations.some((i) => i.status === 'Pending' || i.status === 'InProgress')) return 'InProgress';
  return c.invocations.every((i) => i.status === 'Success') ? 'Success' : 'Failed';
}

/** Run Command: commands sent to instances, each invocation Pending → InProgress → Success or Failed on the region's clock. */
export class SimSsm {
  readonly commands = new Map<string, SsmCommand>();
  readonly #world: SsmWorld;

  constructor(world: SsmWorld) {
    this.#world = world;
  }

  send(input: SendCommandInput): SsmCommand {
    if (input.documentName !== KILL_PROCESS_DOCUMENT) {
      throw new SimApiError('InvalidDocument', `The document '${input.documentName}' does not exist in this region (only ${KILL_PROCESS_DOCUMENT} is served).`);
    }
    const processName = input.parameters.ProcessName?.[0];
    if (processName === undefined || processName === '')
      throw new SimApiError('InvalidParameters', `${KILL_PROCESS_DOCUMENT} requires the parameter ProcessName.`);
    const signal = input.parameters.Signal?.[0] ?? 'SIGTERM';
    if (!SIGNALS.includes(signal))
      throw new SimApiError('InvalidParameters', `Signal '${signal}' of ${KILL_PROCESS_DOCUMENT} is not one of ${SIGNALS.join(', ')}.`);
    if (input.instanceIds.length === 0 && input.targets.length === 0) throw new SimApiError('ValidationException', 'SendCommand needs InstanceIds or Targets.');
    const instances = [...input.instanceIds.map((id) => this.#explicit(id)), ...this.#byTargets(input.targets)];
    const command: SsmCommand = {
      id: randomUUID(),
      documentName: input.documentName,
      parameters: { ProcessName: [processName], Signal: [signal], ...input.parameters },
      instanceIds: input.instanceIds,
      targets: input.targets,
      comment: input.comment,
      requestedAt: new Date(),
      timeoutSeconds: input.timeoutSeconds,
      invocations: [...new Set(instances)].map((i) => ({ instanceId: i.id, status: 'Pending', details: 'Pending', responseCode: -1, output: '', error: '' })),
    };
    this.commands.set(command.id, command);
    for (const invocation of command.invocations) this.#run(command, invocation, processName, signal);
    return command;
  }

  /**
   * An instance named in InstanceIds: shutting-down, terminated or unknown ones are refused with InvalidInstanceId
   * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html: "Instance isn't in a valid
   * state. Valid states are: Running, Pending, Stopped, Stopping").
   */
  #explicit(id: string): SimInstance {
    const instance = this.#world.instances.get(id);
    if (instance === undefined || instance.state === 'shutting-down' || instance.state === 'terminated') {
      throw new SimApiError('InvalidInstanceId', `The instance '${id}' is not a managed node in a valid state (Running, Pending, Stopped, Stopping).`);
    }
    return instance;
  }

  /** Targets by `tag:<key>` or `InstanceIds`: the running, pending, stopping or stopped instances that match all of them. */
  #byTargets(targets: { Key: string; Values: string[] }[]): SimInstance[] {
    if (targets.length === 0) return [];
    const live = [...this.#world.instances.values()].filter((i) => i.state !== 'shutting-down' && i.state !== 'terminated');
    return live.filter((i) =>
      targets.every((t) => {
        if (t.Key === 'InstanceIds') return t.Values.includes(i.id);
        if (t.Key.startsWith('tag:')) {
          const value = i.spec.tags[t.Key.slice(4)];
          return value !== undefined && t.Values.includes(value);
        }
        throw new SimApiError('InvalidParameters', `Target key '${t.Key}' is not served: use InstanceIds or tag:<key>.`);
      }),
    );
  }

  /**
   * Delivers after `ssmCommandDelivery`, runs for `ssmCommandExecution`. An instance not running when the command is
   * delivered cannot take it: Failed, StatusDetails Undeliverable (assumed at delivery; AWS waits up to the delivery
   * timeout before giving up on a stopped node).
   */
  #run(command: SsmCommand, invocation: SsmInvocation, processName: string, signal: string): void {
    this.#world.scheduler.after(this.#world.durations.draw('ssmCommandDelivery'), () => {
      const instance = this.#world.instances.get(invocation.instanceId);
      if (instance === undefined || instance.state !== 'running') {
        Object.assign(invocation, { status: 'Failed', details: 'Undeliverable', endedAt: new Date() });
        return;
      }
      Object.assign(invocation, { status: 'InProgress', details: 'InProgress', startedAt: new Date() });
      this.#world.scheduler.after(this.#world.durations.draw('ssmCommandExecution'), () => {
        const killed = instance.killProcess(processName);
        // Assumed: the document's kill exits 1 when no process of that name runs, as `killall` does.
        Object.assign(invocation, {
          status: killed ? 'Success' : 'Failed',
          details: killed ? 'Success' : 'Failed',
          responseCode: killed ? 0 : 1,
          output: killed ? `Sent ${signal} to ${processName}.\n` : '',
          error: killed ? '' : `${processName}: no process found\n`,
          endedAt: new Date(),
        });
        if (killed)
          this.#world.truth.record({
            kind: 'workload',
            resource: instance.id,
            to: 'refusing',
            detail: { processKilled: processName, signal, command: command.id },
          });
      });
    });
  }
}
