import { Workload } from '../workload.js';
import type { SimScheduler, SimTimings } from '../timing.js';
import { SimApiError } from '../protocol/errors.js';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODE: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface InstanceSpec {
  id: string;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  port: number;
  tags: Record<string, string>;
}

/**
 * An EC2 instance whose workload is a real HTTP server on its own loopback address. It moves through EC2's states
 * on the region's clock: pending → running → shutting-down → terminated, running → stopping → stopped.
 */
export class SimInstance {
  readonly spec: InstanceSpec;
  #workload: Workload;
  state: InstanceStateName = 'pending';
  launchTime = new Date();
  stateTransitionReason = '';
  stateReason: { code: string; message: string } | undefined;
  /** When the instance reached `terminated` (epoch ms), for its removal an hour later. */
  terminatedAt: number | undefined;
  readonly #scheduler: SimScheduler;
  readonly #timings: SimTimings;
  readonly #onChange: (instance: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName) => void;
  #pending: NodeJS.Timeout | undefined;
  #launched = false;

  constructor(
    spec: InstanceSpec,
    scheduler: SimScheduler,
    timings: SimTimings,
    onChange: (i: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName) => void,
  ) {
    this.spec = spec;
    this.#scheduler = scheduler;
    this.#timings = timings;
    this.#onChange = onChange;
    this.#workload = new Workload({ host: spec.privateIp, port: spec.port, name: spec.id });
  }

  /** The HTTP service the instance runs. */
  get workload(): Workload {
    return this.#workload;
  }

  get id(): string {
    return this.spec.id;
  }

  /** Boots: pending now, running (and serving) after the boot time. */
  launch(): void {
    this.launchTime = new Date();
    this.#set('pending');
    this.#pending = this.#scheduler.after(this.#timings.instancePending, () => void this.#boot());
  }

  terminate(): void {
    if (this.state === 'shutting-down' || this.state === 'terminated') return;
    this.#scheduler.cancel(this.#pending);
    this.stateTransitionReason = `User initiated (${utcStamp(new Date())})`;
    this.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
    void this.workload.close();
    this.#set('shutting-down');
    this.#pending = this.#scheduler.after(this.#timings.instanceShuttingDown, () => {
      this.terminatedAt = Date.now();
      this.#set('terminated');
    });
  }

  stop(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (this.state !== 'running') {
      throw new SimApiError('IncorrectInstanceState', `The instance '${this.id}' is not in a state from which it can be stopped.`);
    }
    this.stateTransitionReason = `User initiated (${utcStamp(new Date())})`;
    this.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
    void this.workload.close();
    this.#set('stopping');
    this.#pending = this.#scheduler.after(this.#timings.instanceStopping, () => this.#set('stopped'));
  }

  start(): void {
    if (this.state === 'pending' || this.state === 'running') return;
    if (this.state !== 'stopped') {
      throw new SimApiError('IncorrectInstanceState', `The instance '${this.id}' is not in a state from which it can be started.`);
    }
    this.stateTransitionReason = '';
    this.stateReason = undefined;
    this.#set('pending');
    this.#pending = this.#scheduler.after(this.#timings.instancePending, () => void this.#boot());
  }

  /** Restarts the operating system: the state stays `running` while the workload is down. */
  reboot(): void {
    if (this.state !== 'running') {
      throw new SimApiError('IncorrectInstanceState', `The instance '${this.id}' is not in a state from which it can be rebooted.`);
    }
    void this.workload.down('refuse');
    this.#scheduler.after(this.#timings.instanceReboot, () => {
      if (this.state === 'running') void this.workload.up();
    });
  }

  /** Closes the workload's socket for good (region shutdown). */
  async dispose(): Promise<void> {
    this.#scheduler.cancel(this.#pending);
    await this.workload.close();
  }

  async #boot(): Promise<void> {
    if (this.state !== 'pending') return;
    try {
      await this.#workload.start();
    } catch {
      // The address and port are taken (another region on this machine): serve on a free port of the same address.
      this.#workload = new Workload({ host: this.spec.privateIp, port: 0, name: this.id });
      await this.#workload.start();
      this.spec.port = this.#workload.port;
    }
    if (this.state === 'pending') this.#set('running');
    else await this.workload.close();
  }

  #set(to: InstanceStateName): void {
    // A launch is the first state, not a transition from one.
    const from = this.#launched ? this.state : undefined;
    this.#launched = true;
    if (from === to) return;
    this.state = to;
    this.#onChange(this, from, to);
  }
}

function utcStamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
