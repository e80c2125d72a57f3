import type { OutboundRule } from '../app-tier.js';
import { Workload, type WorkloadApp, type WorkloadOptions } from '../workload.js';
import type { Durations, SimScheduler } from '../timing.js';
import { SimApiError } from '../protocol/errors.js';
import { Impairments, type OutboundEffect, type ZoneOf } from './impairments.js';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODE: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Where an instance's durations come from. */
export interface InstanceTiming {
  durations: Durations;
  /** The launch template's boot time (AWS ms), when it declares one. */
  bootTime: number | undefined;
  /** The draw stream (the launch template's name), so each template's sequence replays on its own. */
  stream: string;
  /** The region's DNS server (`host:port`), through which an app with a database resolves its endpoint. */
  dnsServer?: () => string | undefined;
  /** What the network does to its app's database traffic (`OutboundRule`). */
  outbound?: OutboundRule;
  /** Called when the workload starts after booting: `serving`, or `hanging` inside a subnet that denies traffic. */
  booted?: (instance: SimInstance, to: 'serving' | 'hanging') => void;
  /** Called when its app's process exits by itself (the app's `crashAfter`). */
  crashed?: (instance: SimInstance) => void;
  /** The zone of an address of the region, for the -Sources documents' AZ names. */
  zoneOf?: ZoneOf;
}

/** The app version an instance's image runs (the topology's `apps`): how it answers, and when its process exits. */
export interface InstanceApp extends WorkloadApp {
  /** AWS ms after the process starts (each boot) at which it exits. */
  crashAfter?: number | undefined;
}

export interface InstanceSpec {
  id: string;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  port: number;
  /** The name of the workload's process on the instance (the launch template's `processName`), which SSM Run Command can kill. */
  processName: string;
  tags: Record<string, string>;
  /** EC2's InstanceLifecycle: the launch template's market type; absent for an On-Demand instance. */
  lifecycle?: 'spot' | 'capacity-block' | 'interruptible-capacity-reservation';
  /** The app its image runs; absent, the default healthy service. */
  app?: InstanceApp | undefined;
}

/**
 * An EC2 instance whose workload is a real HTTP server on its own loopback address. It moves through EC2's states
 * on the region's clock: pending → running → shutting-down → terminated, running → stopping → stopped. `running` is
 * not serving: the OS boots and the application starts (timing `instanceBoot`, or the launch template's `bootTime`)
 * before the workload answers, as on EC2.
 */
export class SimInstance {
  readonly spec: InstanceSpec;
  /** The degradations SSM's AWSFIS documents put on it (latency, loss, a blackholed port, CPU or memory stress). */
  readonly impairments: Impairments;
  #workload: Workload;
  state: InstanceStateName = 'pending';
  launchTime = new Date();
  stateTransitionReason = '';
  stateReason: { code: string; message: string } | undefined;
  /** When the instance reached `terminated` (epoch ms), for its removal an hour later. */
  terminatedAt: number | undefined;
  readonly #scheduler: SimScheduler;
  readonly #timing: InstanceTiming;
  #booting: NodeJS.Timeout | undefined;
  readonly #onChange: (instance: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName) => void;
  #pending: NodeJS.Timeout | undefined;
  #launched = false;
  /** True while the instance's subnet denies its traffic: it answers nothing, and nothing it does reaches a client. */
  #isolated = false;
  /**
   * True once its workload's process was killed (SSM Run Command) or its app crashed (`crashAfter`): it refuses connections until the instance reboots,
   * starts again or is replaced. Assumed: no supervisor (systemd `Restart=`) restarts it.
   */
  #killed = false;
  /** The app's crash (`crashAfter`), counted from the start of its process. */
  #crash: NodeJS.Timeout | undefined;

  constructor(
    spec: InstanceSpec,
    scheduler: SimScheduler,
    timing: InstanceTiming,
    onChange: (i: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName) => void,
  ) {
    this.spec = spec;
    this.#scheduler = scheduler;
    this.#timing = timing;
    this.#onChange = onChange;
    this.impairments = new Impairments(scheduler, Math.random, timing.zoneOf);
    this.#workload = new Workload(this.#workloadOptions(spec.port));
  }

  /** The workload's options: the app of its image, whose latency waits on the region's scheduler in wall ms. */
  #workloadOptions(port: number): WorkloadOptions {
    const scheduler = this.#scheduler;
    return {
      host: this.spec.privateIp,
      port,
      name: this.spec.id,
      app: this.spec.app,
      dnsServer: this.#timing.dnsServer,
      speed: scheduler.speed,
      // The region's own rule (a test's) after the instance's impairments.
      outbound: (address, port) => this.outbound(address, port) ?? this.#timing.outbound?.(address, port),
      // The scheduler counts AWS ms; wallMs × speed of them is wallMs of wall time.
      delay: (wallMs, then) => {
        const timer = scheduler.after(wallMs * scheduler.speed, then);
        return () => scheduler.cancel(timer);
      },
      inbound: (client, port, clientPort) => this.impairments.inbound(client, port, clientPort),
    };
  }

  /** What a connection from this instance to `address`:`port` meets under its impairments, or undefined when none touches it. */
  outbound(address: string, port: number): OutboundEffect | undefined {
    return this.impairments.outbound(address, port);
  }

  /** The HTTP service the instance runs. */
  get workload(): Workload {
    return this.#workload;
  }

  get id(): string {
    return this.spec.id;
  }

  /** Running while its operating system boots (after a launch, start or reboot): its status checks are `initializing`. */
  get booting(): boolean {
    return this.state === 'running' && this.#booting !== undefined;
  }

  /** Its subnet denies its traffic (a network ACL, or its zone's connectivity cut); the instance itself is sound. */
  get isolated(): boolean {
    return this.#isolated;
  }

  /**
   * Launches: pending now, running after `instancePending`, serving after the boot time. `booted` is the region's
   * initial fleet, already running and serving when the region starts.
   */
  launch(options: { booted?: boolean } = {}): void {
    this.launchTime = new Date();
    this.#set('pending');
    if (options.booted === true) {
      void this.#serve(false).then(() => {
        if (this.state === 'pending') this.#set('running');
      });
      return;
    }
    this.#pending = this.#scheduler.after(this.#draw('instancePending'), () => this.#running());
  }

  terminate(): void {
    if (this.state === 'shutting-down' || this.state === 'terminated') return;
    this.#scheduler.cancel(this.#pending);
    this.#scheduler.cancel(this.#booting);
    this.#scheduler.cancel(this.#crash);
    this.stateTransitionReason = `User initiated (${utcStamp(new Date())})`;
    this.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
    this.#silence();
    this.impairments.clear();
    this.#set('shutting-down');
    this.#pending = this.#scheduler.after(this.#draw('instanceShuttingDown'), () => {
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
    this.#scheduler.cancel(this.#booting);
    this.#scheduler.cancel(this.#crash);
    this.#silence();
    this.impairments.clear();
    this.#set('stopping');
    this.#pending = this.#scheduler.after(this.#draw('instanceStopping'), () => this.#set('stopped'));
  }

  /**
   * The instance loses power (its zone's power is cut): it stops, and connections in flight hang, as nothing is left
   * to answer or reset them. A pending instance stops too.
   */
  powerOff(): void {
    if (this.state !== 'running' && this.state !== 'pending') return;
    this.#scheduler.cancel(this.#pending);
    this.#scheduler.cancel(this.#booting);
    this.#scheduler.cancel(this.#crash);
    this.stateTransitionReason = `Server.InternalError (${utcStamp(new Date())})`;
    this.stateReason = { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on stop' };
    void this.workload.down('hang');
    this.impairments.clear();
    this.#set('stopping');
    this.#pending = this.#scheduler.after(this.#draw('instanceStopping'), () => this.#set('stopped'));
  }

  /**
   * The instance's subnet starts or stops denying its traffic. While isolated its packets are dropped (no connection is established; those in flight hang)
   * (whenever it starts serving, also after booting), and answers again once the subnet is restored.
   */
  isolate(isolated: boolean): void {
    if (this.#isolated === isolated) return;
    this.#isolated = isolated;
    if (this.state !== 'running' || this.#booting !== undefined) return;
    // The subnet drops packets: no new connection is established, and those in flight hang.
    if (isolated) void this.workload.down('blackhole');
    else void this.workload.up().then(() => (this.#killed ? this.workload.down('refuse') : undefined));
  }

  /** Whether the workload's process was killed (or its app crashed) and nothing has restarted it yet. */
  get processKilled(): boolean {
    return this.#killed;
  }

  /**
   * Kills the process named `name` (SSM's AWSFIS-Run-Kill-Process): true when it is the workload's process and it was
   * running, which then refuses connections (nothing listens on its port) until a reboot, a start or a replacement.
   */
  killProcess(name: string): boolean {
    if (name !== this.spec.processName || this.state !== 'running' || this.#booting !== undefined || this.#killed) return false;
    this.#killed = true;
    this.#scheduler.cancel(this.#crash);
    // Behind a subnet that drops packets the port is already unreachable; the kill shows once the subnet is restored.
    if (!this.#isolated) void this.workload.down('refuse');
    return true;
  }

  /** A stop or termination: connections are closed, unless the subnet drops the resets (they hang). */
  #silence(): void {
    if (this.#isolated) void this.workload.down('blackhole');
    else void this.workload.close();
  }

  start(): void {
    if (this.state === 'pending' || this.state === 'running') return;
    if (this.state !== 'stopped') {
      throw new SimApiError('IncorrectInstanceState', `The instance '${this.id}' is not in a state from which it can be started.`);
    }
    this.stateTransitionReason = '';
    this.stateReason = undefined;
    this.#killed = false;
    // A powered-off or isolated stop left the server hanging; the next boot starts it afresh.
    void this.workload.close();
    this.#set('pending');
    this.#pending = this.#scheduler.after(this.#draw('instancePending'), () => this.#running());
  }

  /**
   * Restarts the operating system: the state stays `running` while the workload is down for the reboot's duration
   * (timing `instanceReboot`, "a few minutes" on EC2), which includes booting and starting the application again.
   */
  reboot(): void {
    if (this.state !== 'running') {
      throw new SimApiError('IncorrectInstanceState', `The instance '${this.id}' is not in a state from which it can be rebooted.`);
    }
    void this.workload.down(this.#isolated ? 'blackhole' : 'refuse');
    // The reboot drops the tc and iptables rules and the stress processes.
    this.impairments.clear();
    this.#scheduler.cancel(this.#booting);
    this.#scheduler.cancel(this.#crash);
    this.#booting = this.#scheduler.after(this.#draw('instanceReboot'), () => {
      this.#booting = undefined;
      // The boot starts the application's process again.
      this.#killed = false;
      if (this.state !== 'running') return;
      this.#armCrash();
      if (!this.#isolated) void this.workload.up();
    });
  }

  /** Closes the workload's socket for good (region shutdown). */
  async dispose(): Promise<void> {
    this.#scheduler.cancel(this.#pending);
    this.#scheduler.cancel(this.#booting);
    this.#scheduler.cancel(this.#crash);
    await this.workload.close();
  }

  /** pending → running; the workload answers once the OS has booted and the application started. */
  #running(): void {
    if (this.state !== 'pending') return;
    this.#set('running');
    const boot =
      this.#timing.bootTime === undefined
        ? this.#draw('instanceBoot')
        : this.#timing.durations.drawAround('instanceBoot', this.#timing.bootTime, this.#timing.stream);
    this.#booting = this.#scheduler.after(boot, () => {
      this.#booting = undefined;
      if (this.state === 'running') void this.#serve();
    });
  }

  /** Starts the workload's server (the application answering); `booted` reports it (not for the initial fleet). */
  async #serve(report = true): Promise<void> {
    try {
      await this.#workload.start();
    } catch {
      // The address and port are taken (another region on this machine): serve on a free port of the same address.
      this.#workload = new Workload(this.#workloadOptions(0));
      await this.#workload.start();
      this.spec.port = this.#workload.port;
    }
    if (this.state !== 'pending' && this.state !== 'running') return void (await this.workload.close());
    this.#armCrash();
    // Booted inside a subnet that denies traffic: it serves nothing anyone can reach.
    if (this.#isolated) await this.workload.down('hang');
    if (report) this.#timing.booted?.(this, this.#isolated ? 'hanging' : 'serving');
  }

  /** Schedules the app's crash `crashAfter` after its process starts (each boot), if its app declares one. */
  #armCrash(): void {
    const after = this.spec.app?.crashAfter;
    if (after === undefined) return;
    this.#scheduler.cancel(this.#crash);
    this.#crash = this.#scheduler.after(after, () => {
      this.#crash = undefined;
      if (this.state !== 'running' || this.#booting !== undefined || this.#killed) return;
      // The process exited: nothing listens on its port until a reboot, a start or a replacement starts it again.
      this.#killed = true;
      if (!this.#isolated) void this.workload.down('refuse');
      this.#timing.crashed?.(this);
    });
  }

  #draw(key: 'instancePending' | 'instanceBoot' | 'instanceShuttingDown' | 'instanceStopping' | 'instanceReboot'): number {
    return this.#timing.durations.draw(key, this.#timing.stream);
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
