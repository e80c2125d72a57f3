import { randomUUID } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { Durations, SimScheduler } from '../timing.js';
import { isZoneId, isZoneName, type Impairment, type ImpairmentEnd } from './impairments.js';
import type { SimInstance } from './instance.js';
import { PRIMARY_INTERFACE, resolveParameters, ssmDocument, type SsmDocument } from './ssm-documents.js';

/**
 * SSM Run Command on the region's instances, for AWS FIS's SSM documents (./ssm-documents.ts): AWSFIS-Run-Kill-Process
 * and the degradations (network latency, packet loss, a blackholed port, CPU and memory stress), which last their
 * DurationSeconds on the region's clock or until CancelCommand. Every instance is assumed to be a managed node (the SSM
 * Agent installed and its instance profile allowing Systems Manager), as FIS's requirements ask.
 */
export { KILL_PROCESS_DOCUMENT } from './ssm-documents.js';

/**
 * The statuses of one invocation (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html).
 */
export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'Cancelled';

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
  /** Ends the invocation's running effect at once (CancelCommand). */
  cancel?: () => void;
}

export interface SsmCommand {
  id: string;
  documentName: string;
  /** The document's step name, shown as PluginName. */
  plugin: string;
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
  readonly scheduler: Pick<SimScheduler, 'after' | 'cancel'>;
  readonly durations: Pick<Durations, 'draw'>;
  readonly truth: Pick<GroundTruth, 'record'>;
  /** The world's DNS, for the -Sources documents' domain names. */
  dnsAnswer?(name: string, type: string): { answers: readonly { type: string; data: string }[] };
  /** The zone an AZ name or AZ ID names (`use1-az1` → `us-east-1a`), for the -Sources documents. */
  zoneNamed?(nameOrId: string): string | undefined;
}

export interface SendCommandInput {
  documentName: string;
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  parameters: Record<string, string[]>;
  comment: string;
  timeoutSeconds: number;
}

/**
 * The command's status from its invocations': in progress until all end, then Success only if all succeeded, Cancelled
 * if one was cancelled, else Failed.
 */
export function commandStatus(c: SsmCommand): InvocationStatus {
  if (c.invocations.every((i) => i.status === 'Pending')) return 'Pending';
  if (c.invocations.some((i) => i.status === 'Pending' || i.status === 'InProgress')) return 'InProgress';
  if (c.invocations.every((i) => i.status === 'Success')) return 'Success';
  return c.invocations.some((i) => i.status === 'Cancelled') ? 'Cancelled' : 'Failed';
}

/** Whether an invocation has ended (no further status follows). */
export const invocationEnded = (i: SsmInvocation): boolean => i.status === 'Success' || i.status === 'Failed' || i.status === 'Cancelled';

/** Run Command: commands sent to instances, each invocation Pending → InProgress → Success or Failed on the region's clock. */
export class SimSsm {
  readonly commands = new Map<string, SsmCommand>();
  readonly #world: SsmWorld;
  /** The network document in effect on each instance (the ones that cannot run in parallel), by instance id. */
  readonly #network = new Map<string, { document: string; command: string }>();

  constructor(world: SsmWorld) {
    this.#world = world;
  }

  send(input: SendCommandInput): SsmCommand {
    const document = ssmDocument(input.documentName);
    const parameters = resolveParameters(document, input.parameters);
    if (input.instanceIds.length === 0 && input.targets.length === 0) throw new SimApiError('ValidationException', 'SendCommand needs InstanceIds or Targets.');
    const instances = [...input.instanceIds.map((id) => this.#explicit(id)), ...this.#byTargets(input.targets)];
    const command: SsmCommand = {
      id: randomUUID(),
      documentName: document.name,
      plugin: document.plugin,
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
      instanceIds: input.instanceIds,
      targets: input.targets,
      comment: input.comment,
      requestedAt: new Date(),
      timeoutSeconds: input.timeoutSeconds,
      invocations: [...new Set(instances)].map((i) => ({ instanceId: i.id, status: 'Pending', details: 'Pending', responseCode: -1, output: '', error: '' })),
    };
    this.commands.set(command.id, command);
    for (const invocation of command.invocations) this.#run(command, invocation, document, parameters);
    return command;
  }

  /**
   * CancelCommand: each named (or every) invocation not yet ended is Cancelled at once, and the effect it runs ends
   * with it (the document's cleanup on SIGTERM; assumed immediate: AWS documents no time for it). An instance the
   * command was not sent to is InvalidInstanceId.
   */
  cancel(commandId: string, instanceIds: string[]): void {
    const command = this.commands.get(commandId);
    if (command === undefined) throw new SimApiError('InvalidCommandId', `There is no command '${commandId}'.`);
    const unknown = instanceIds.find((id) => !command.invocations.some((i) => i.instanceId === id));
    if (unknown !== undefined) throw new SimApiError('InvalidInstanceId', `Command '${commandId}' was not sent to the instance '${unknown}'.`);
    for (const invocation of command.invocations) {
      if (invocationEnded(invocation) || (instanceIds.length > 0 && !instanceIds.includes(invocation.instanceId))) continue;
      const cancel = invocation.cancel;
      Object.assign(invocation, { status: 'Cancelled', details: 'Cancelled', endedAt: new Date(), cancel: undefined });
      cancel?.();
    }
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
   * Delivers after `ssmCommandDelivery`, then runs the document. An instance not running when the command is
   * delivered cannot take it: Failed, StatusDetails Undeliverable (assumed at delivery; AWS waits up to the delivery
   * timeout before giving up on a stopped node).
   */
  #run(command: SsmCommand, invocation: SsmInvocation, document: SsmDocument, parameters: Record<string, string>): void {
    const delivery = this.#world.scheduler.after(this.#world.durations.draw('ssmCommandDelivery'), () => {
      if (invocation.status !== 'Pending') return;
      const instance = this.#world.instances.get(invocation.instanceId);
      if (instance === undefined || instance.state !== 'running') {
        Object.assign(invocation, { status: 'Failed', details: 'Undeliverable', endedAt: new Date(), cancel: undefined });
        return;
      }
      Object.assign(invocation, { status: 'InProgress', details: 'InProgress', startedAt: new Date(), cancel: undefined });
      if (document.impairment === undefined) this.#killProcess(command, invocation, instance, parameters);
      else this.#impair(command, invocation, instance, document, parameters);
    });
    invocation.cancel = () => this.#world.scheduler.cancel(delivery);
  }

  /** AWSFIS-Run-Kill-Process: one signal after `ssmCommandExecution`. */
  #killProcess(command: SsmCommand, invocation: SsmInvocation, instance: SimInstance, parameters: Record<string, string>): void {
    const processName = parameters.ProcessName ?? '';
    const signal = parameters.Signal ?? 'SIGTERM';
    const timer = this.#world.scheduler.after(this.#world.durations.draw('ssmCommandExecution'), () => {
      if (invocation.status !== 'InProgress') return;
      const killed = instance.killProcess(processName);
      // Assumed: the document's kill exits 1 when no process of that name runs, as `killall` does.
      Object.assign(invocation, {
        status: killed ? 'Success' : 'Failed',
        details: killed ? 'Success' : 'Failed',
        responseCode: killed ? 0 : 1,
        output: killed ? `Sent ${signal} to ${processName}.\n` : '',
        error: killed ? '' : `${processName}: no process found\n`,
        endedAt: new Date(),
        cancel: undefined,
      });
      if (killed)
        this.#world.truth.record({
          kind: 'workload',
          resource: instance.id,
          to: 'refusing',
          detail: { processKilled: processName, signal, command: command.id },
        });
    });
    invocation.cancel = () => this.#world.scheduler.cancel(timer);
  }

  /**
   * The -Sources documents resolve a domain name once, when they start (they install `dig` for it), and filter the
   * addresses it had then: a name whose answer changes later (a database failover) keeps the old address affected.
   * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html. A name the world's DNS does not answer
   * is kept as written, matching nothing. An AZ ID becomes its zone's name; a zone name is matched against each
   * address's zone as traffic flows (assumed: as the zone's subnets' CIDR blocks would be), ALL against every address.
   */
  #resolveSources(impairment: Impairment): Impairment {
    if (!('sources' in impairment) || impairment.sources === undefined) return impairment;
    const answer = this.#world.dnsAnswer?.bind(this.#world);
    const sources = impairment.sources.flatMap((s) => {
      if (s === 'ALL' || s === 'DYNAMODB' || s === 'S3' || isZoneName(s) || /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(s)) return [s];
      if (isZoneId(s)) return [this.#world.zoneNamed?.(s) ?? s];
      const addresses = (answer?.(s, 'A').answers ?? []).filter((a) => a.type === 'A').map((a) => a.data);
      return addresses.length > 0 ? addresses : [s];
    });
    return { ...impairment, sources };
  }

  /**
   * A degradation document: the effect starts once the command runs and lasts DurationSeconds of AWS time (the
   * document's own sleep), then it ends by itself and the invocation succeeds. An interface other than the instance's
   * one (PRIMARY_INTERFACE) fails the run as `tc` does. A network document sent while another is in effect on the
   * instance fails: the guide's Limitations say they "cannot run in parallel" (assumed: how AWS reports it is not
   * documented; here the invocation fails with a sentence on standard error and the first stays in effect).
   */
  #impair(command: SsmCommand, invocation: SsmInvocation, instance: SimInstance, document: SsmDocument, parameters: Record<string, string>): void {
    const declared = document.impairment?.(parameters);
    if (declared === undefined) return;
    const impairment = this.#resolveSources(declared);
    const fail = (error: string): void => {
      Object.assign(invocation, { status: 'Failed', details: 'Failed', responseCode: 1, error, endedAt: new Date(), cancel: undefined });
    };
    const missing = document.interfaces?.(parameters).find((name) => name !== PRIMARY_INTERFACE);
    if (missing !== undefined) return fail(`Cannot find device "${missing}"\n`);
    const running = this.#network.get(instance.id);
    if (document.exclusive === true && running !== undefined) {
      return fail(
        `Another network fault is running on this instance (${running.document}, command ${running.command}): the AWSFIS network documents cannot run in parallel.\n`,
      );
    }
    if (document.exclusive === true) this.#network.set(instance.id, { document: document.name, command: command.id });
    const seconds = Number(parameters.DurationSeconds ?? '0');
    this.#world.truth.record({
      kind: 'impairment',
      resource: instance.id,
      to: impairment.kind,
      detail: { ...impairment, command: command.id, document: document.name, durationSeconds: seconds },
    });
    invocation.cancel = instance.impairments.add(impairment, seconds * 1000, (reason: ImpairmentEnd) => {
      if (this.#network.get(instance.id)?.command === command.id) this.#network.delete(instance.id);
      this.#world.truth.record({ kind: 'impairment', resource: instance.id, from: impairment.kind, to: 'ended', detail: { reason, command: command.id } });
      if (reason === 'cancelled') return;
      // Assumed: a reboot, stop or termination kills the agent's run, which fails; an expiry is the document's success.
      const ok = reason === 'expired';
      Object.assign(invocation, {
        status: ok ? 'Success' : 'Failed',
        details: ok ? 'Success' : 'Failed',
        responseCode: ok ? 0 : 1,
        output: ok ? `${document.name} ran for ${seconds} seconds.\n` : '',
        error: ok ? '' : 'The instance stopped or rebooted while the document ran.\n',
        endedAt: new Date(),
        cancel: undefined,
      });
    });
  }
}
