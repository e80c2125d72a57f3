import { randomUUID } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { SimInstance } from './instance.js';
import type { RefreshConfig, RefreshableGroup, RefreshMember, SimInstanceRefresh } from './instance-refresh.js';
import type { SimTargetGroup } from './target-group.js';

export type LifecycleState = 'Pending' | 'InService' | 'Terminating' | 'Terminated' | 'Detaching' | 'Detached';

/**
 * The processes SuspendProcesses and ResumeProcesses name
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html).
 */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

/** Who found a member unhealthy: it decides the wording of the termination's cause. */
type UnhealthyBy = 'user' | 'elb';

export interface AsgMember {
  instance: SimInstance;
  lifecycle: LifecycleState;
  health: 'Healthy' | 'Unhealthy';
  unhealthyBy?: UnhealthyBy;
  launchTemplate: { id: string; name: string; version: string };
  /** Epoch ms the instance became InService, for the grace period. */
  inServiceAt: number | undefined;
}

export interface ScalingActivity {
  ActivityId: string;
  AutoScalingGroupName: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime: Date | undefined;
  StatusCode: 'InProgress' | 'WaitingForELBConnectionDraining' | 'Successful' | 'Failed' | 'Cancelled';
  /** JSON of the instance's zone and subnet, as AWS writes it. */
  Details?: string;
  /** Why a failed activity failed (EC2's error message). */
  StatusMessage?: string;
  Progress: number;
}

export interface AsgOptions {
  name: string;
  arn: string;
  min: number;
  max: number;
  desired: number;
  availabilityZones: string[];
  subnetIds: string[];
  healthCheckType: 'EC2' | 'ELB';
  /** AWS ms. */
  healthCheckGracePeriod: number;
  /** DefaultInstanceWarmup (UpdateAutoScalingGroup), AWS ms; unset by default. */
  defaultInstanceWarmup?: number | undefined;
  healthCheckPeriod: number;
  launchTemplate: { id: string; name: string; version: string };
  targetGroups: SimTargetGroup[];
  tags: Record<string, string>;
  scheduler: SimScheduler;
  truth: GroundTruth;
  /**
   * Launches an instance in a zone (the region owns instances); throws a SimApiError with code
   * InsufficientInstanceCapacity when the zone has no capacity for it. `config` (an instance refresh's) replaces the
   * group's launch template and version.
   */
  launch(zone: string, group: SimAutoScalingGroup, config?: { name: string; version: string }): SimInstance;
}

/** `At <time> `: how every sentence of an activity's cause begins. */
function at(): string {
  return `At ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * An Auto Scaling group that keeps its desired capacity: on each health check (timing `asgHealthCheckPeriod`) it
 * finds instances that are not running (EC2 checks) or that their target groups call unhealthy after the grace period
 * (ELB checks), drains and terminates them and launches replacements in the zone with the fewest instances, with
 * lifecycle states and scaling activities as in AWS. Each process SuspendProcesses names stops what it does until it
 * is resumed (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html).
 */
export class SimAutoScalingGroup implements RefreshableGroup {
  readonly options: AsgOptions;
  readonly members = new Map<string, AsgMember>();
  readonly activities: ScalingActivity[] = [];
  /** Instance refreshes, newest first (DescribeInstanceRefreshes); the region starts none by itself. */
  readonly instanceRefreshes: SimInstanceRefresh[] = [];
  readonly createdTime = new Date();
  /** Suspended processes and why (SuspendedProcesses of DescribeAutoScalingGroups). */
  readonly suspended = new Map<ScalingProcess, string>();
  desired: number;
  #stopChecks: () => void = () => undefined;
  /** The instance AZRebalance launched and waits for before it terminates one from the fullest zone. */
  #rebalancing: string | undefined;
  /** The first sentence of the causes of the launches and terminations that follow a change of desired capacity. */
  #desiredCause: string | undefined;
  /** Unhealthy instances terminated and not yet replaced: the next launches say they replace them. */
  #unreplaced = 0;

  constructor(options: AsgOptions) {
    this.options = options;
    this.desired = options.desired;
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.reconcile('launch');
    this.#stopChecks = this.options.scheduler.every(this.options.healthCheckPeriod, () => this.reconcile('check'));
  }

  stop(): void {
    this.#stopChecks();
    for (const r of this.instanceRefreshes) r.stop();
  }

  /** The refresh in progress (Pending, InProgress, Baking, Cancelling or RollbackInProgress), if any. */
  activeRefresh(): SimInstanceRefresh | undefined {
    return this.instanceRefreshes.find((r) => r.active);
  }

  /**
   * StartInstanceRefresh: one active refresh per group, as AWS answers
   * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html).
   */
  startRefresh(refresh: SimInstanceRefresh): void {
    if (this.activeRefresh() !== undefined)
      throw new SimApiError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.');
    this.instanceRefreshes.unshift(refresh);
    refresh.start();
  }

  refreshMembers(): RefreshMember[] {
    return this.active().map((m) => ({
      id: m.instance.id,
      lifecycle: m.lifecycle === 'InService' ? 'InService' : 'Pending',
      health: m.health,
      // With ELB checks the refresh waits for the load balancer's word, as AWS's "has insufficient data to evaluate its
      // health with Elastic Load Balancing" shows.
      serving:
        this.options.healthCheckType !== 'ELB' ||
        this.options.targetGroups.every((tg) => {
          const t = tg.targets.get(m.instance.id);
          return t === undefined || t.state === 'healthy';
        }),
      inServiceAt: m.inServiceAt,
      launchTime: m.instance.launchTime.getTime(),
      launchTemplateId: m.launchTemplate.id,
      version: m.launchTemplate.version,
      imageId: m.instance.spec.imageId,
      instanceType: m.instance.spec.instanceType,
    }));
  }

  launchForRefresh(config: RefreshConfig, cause: string): string | undefined {
    return this.#launchOne('refresh', undefined, config, cause)?.id;
  }

  terminateForRefresh(instanceId: string, cause: string): void {
    const m = this.members.get(instanceId);
    if (m !== undefined && (m.lifecycle === 'InService' || m.lifecycle === 'Pending')) this.#terminate(m, cause);
  }

  /**
   * A refresh replaces nothing while InstanceRefresh, Launch or Terminate is suspended (assumed: AWS lists the
   * InstanceRefresh process, https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html,
   * and a replacement needs both of the others).
   */
  refreshBlocked(): string | undefined {
    const p = (['InstanceRefresh', 'Launch', 'Terminate'] as const).find((x) => !this.#running(x));
    return p === undefined ? undefined : `Waiting for the ${p} process, which is suspended, to be resumed.`;
  }

  configure(config: RefreshConfig): void {
    this.options.launchTemplate = { id: config.id, name: config.name, version: config.version };
  }

  /** Members that count towards capacity. */
  active(): AsgMember[] {
    return [...this.members.values()].filter((m) => m.lifecycle === 'Pending' || m.lifecycle === 'InService');
  }

  #running(process: ScalingProcess): boolean {
    return !this.suspended.has(process);
  }

  /** SuspendProcesses: every process when `processes` is empty. */
  suspend(processes: readonly ScalingProcess[]): void {
    const reason = `User suspended at ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
    for (const p of processes.length === 0 ? SCALING_PROCESSES : processes) if (!this.suspended.has(p)) this.suspended.set(p, reason);
  }

  /**
   * ResumeProcesses: every process when `processes` is empty. The group acts at once on what it let pass, as AWS
   * does: "As soon as you resume the ReplaceUnhealthy process, Amazon EC2 Auto Scaling replaces instances that were
   * marked unhealthy while this process was suspended."
   */
  resume(processes: readonly ScalingProcess[]): void {
    for (const p of processes.length === 0 ? SCALING_PROCESSES : processes) this.suspended.delete(p);
    this.reconcile('resume');
  }

  /** Called by the region when one of the group's instances changes state. */
  instanceChanged(instance: SimInstance): void {
    const member = this.members.get(instance.id);
    if (member === undefined) return;
    if (instance.state === 'running' && member.lifecycle === 'Pending') {
      member.lifecycle = 'InService';
      member.inServiceAt = Date.now();
      // A suspended AddToLoadBalancer leaves the instance out of its target groups for good: "it does not add the
      // instances that were launched while this process was suspended".
      if (this.#running('AddToLoadBalancer')) for (const tg of this.options.targetGroups) tg.register(instance);
      this.#record(instance.id, 'Pending', 'InService');
      this.#finish(instance.id, 'Launching');
    }
    if (instance.state === 'terminated' && member.lifecycle !== 'Terminated' && member.lifecycle !== 'Detaching') {
      const from = member.lifecycle;
      member.lifecycle = 'Terminated';
      this.members.delete(instance.id);
      this.#record(instance.id, from, 'Terminated');
      this.#finish(instance.id, 'Terminating');
    }
  }

  /**
   * SetDesiredCapacity (`update` absent) or UpdateAutoScalingGroup (`update` gives the constraints); the cause of the
   * scaling that follows begins with the request, in AWS's words
   * (https://repost.aws/knowledge-center/auto-scaling-scale-down).
   */
  setDesired(n: number, update?: { min: number; max: number }): void {
    const before = this.desired;
    this.desired = n;
    if (before === n) return;
    this.#desiredCause =
      update === undefined
        ? `${at()} a user request explicitly set group desired capacity changing the desired capacity from ${before} to ${n}.`
        : `${at()} a user request update of AutoScalingGroup constraints to min: ${update.min}, max: ${update.max}, desired: ${n} changing the desired capacity from ${before} to ${n}.`;
    try {
      this.reconcile('desired');
    } finally {
      this.#desiredCause = undefined;
    }
  }

  /**
   * UpdateAutoScalingGroup's VPCZoneIdentifier: the group launches only into these zones from now on. Instances in a
   * zone it leaves are replaced in the zones it keeps, new ones launched before the old are terminated, and a zone
   * added back is filled by the next launches, which go to the zone with the fewest instances
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-add-availability-zone.html).
   */
  setZones(zones: string[], subnetIds: string[]): void {
    this.options.availabilityZones = zones;
    this.options.subnetIds = subnetIds;
    const leaving = this.active().filter((m) => !zones.includes(m.instance.spec.availabilityZone));
    if (this.#running('Launch')) for (let i = 0; i < leaving.length; i++) this.#launchOne('rebalance');
    if (!this.#running('Terminate')) return;
    for (const m of leaving) this.#terminate(m, `${at()} an instance was taken out of service in response to a change of the group's Availability Zones.`);
  }

  /** Marks an instance unhealthy (SetInstanceHealth); it is replaced at the next check. */
  setHealth(instanceId: string, health: 'Healthy' | 'Unhealthy'): void {
    const member = this.members.get(instanceId);
    if (member === undefined) return;
    member.health = health;
    member.unhealthyBy = health === 'Unhealthy' ? 'user' : undefined;
  }

  /** TerminateInstanceInAutoScalingGroup. */
  terminateMember(instanceId: string, decrement: boolean): ScalingActivity {
    const member = this.members.get(instanceId) as AsgMember;
    if (decrement && this.desired <= this.options.min) {
      throw new SimApiError(
        'ValidationError',
        `Currently, desiredSize equals minSize (${this.options.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
      );
    }
    const before = this.desired;
    if (decrement) this.desired -= 1;
    const cause = `${at()} instance ${instanceId} was taken out of service in response to a user request${decrement ? `, shrinking the capacity from ${before} to ${this.desired}` : ''}.`;
    return this.#terminate(member, cause);
  }

  /**
   * DetachInstances: each instance is deregistered from the group's target groups, `Detaching` while they drain it
   * ("Amazon EC2 Auto Scaling waits for in-flight requests to complete"), then leaves the group, still running. Without
   * the decrement the group launches replacements at once
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-detach-attach-instances.html).
   */
  detach(instanceIds: string[], decrement: boolean): ScalingActivity[] {
    const members = instanceIds.map((id) => {
      const m = this.members.get(id);
      // "You can detach an instance only when it's either in an InService or StandBy state." AWS's wording for both
      // validation errors is assumed.
      if (m === undefined || m.lifecycle !== 'InService')
        throw new SimApiError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${this.name}.`);
      return m;
    });
    if (decrement && this.desired - members.length < this.options.min) {
      throw new SimApiError(
        'ValidationError',
        `Detaching ${members.length} instance(s) and decrementing the desired capacity would bring the group below its minimum size (${this.options.min}). Lower the group's minimum size first.`,
      );
    }
    const before = this.desired;
    if (decrement) this.desired -= members.length;
    const started = members.map((m) => {
      const from = m.lifecycle;
      m.lifecycle = 'Detaching';
      this.#record(m.instance.id, from, 'Detaching');
      const activity = this.#activity(
        `Detaching EC2 instance: ${m.instance.id}`,
        `${at()} instance ${m.instance.id} was detached in response to a user request${decrement ? `, shrinking the capacity from ${before} to ${this.desired}` : ''}.`,
        m,
      );
      const snapshot = { ...activity };
      this.#drain(m, activity, () => {
        this.members.delete(m.instance.id);
        this.#record(m.instance.id, 'Detaching', 'Detached');
        this.#settle(activity, 'Successful');
      });
      return snapshot;
    });
    if (!decrement) this.reconcile('desired');
    return started;
  }

  reconcile(reason: 'launch' | 'check' | 'desired' | 'resume'): void {
    const now = Date.now();
    const checking = reason === 'check' || reason === 'resume';
    for (const m of this.members.values()) {
      if (m.lifecycle !== 'InService') continue;
      const state = m.instance.state;
      if (state !== 'running') {
        if (!this.#running('HealthCheck')) continue;
        m.health = 'Unhealthy';
        m.unhealthyBy = undefined;
        if (!this.#running('ReplaceUnhealthy') || !this.#running('Terminate')) continue;
        // AWS's cause for an instance stopped or terminated outside the group
        // (https://repost.aws/knowledge-center/auto-scaling-instance-how-terminated).
        this.#unreplaced++;
        this.#terminate(m, `${at()} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`);
        continue;
      }
      const graceOver = m.inServiceAt !== undefined && now - m.inServiceAt >= this.options.scheduler.wall(this.options.healthCheckGracePeriod);
      if (this.options.healthCheckType === 'ELB' && graceOver && checking && this.#running('HealthCheck') && m.health === 'Healthy') {
        const unhealthy = this.options.targetGroups.some((tg) => tg.targets.get(m.instance.id)?.state === 'unhealthy');
        if (unhealthy) {
          m.health = 'Unhealthy';
          m.unhealthyBy = 'elb';
        }
      }
      if (m.health === 'Unhealthy' && this.#running('ReplaceUnhealthy') && this.#running('Terminate')) {
        // https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html: "in response to a
        // user health-check" after SetInstanceHealth.
        const by = m.unhealthyBy === 'user' ? 'a user health-check' : 'an ELB system health check failure';
        this.#unreplaced++;
        this.#terminate(m, `${at()} an instance was taken out of service in response to ${by}.`);
      }
    }
    const active = this.active();
    // New instances an instance refresh launched before terminating the old ones are not a surplus to scale in.
    const refresh = this.activeRefresh();
    const surplus = refresh?.surplus() ?? 0;
    const rebalancing = this.#rebalancing === undefined ? undefined : this.members.get(this.#rebalancing);
    if (rebalancing?.lifecycle !== 'Pending') this.#rebalancing = undefined;
    if (active.length < this.desired) {
      if (this.#running('Launch')) for (let i = active.length; i < this.desired; i++) this.#launchOne(reason);
    } else if (this.#rebalancing !== undefined) {
      // AZRebalance launches first and terminates once the new instance is in service.
    } else if (active.length <= this.desired + surplus && checking) {
      // AZRebalance "first calls Launch and then Terminate": it needs all three. It waits for a refresh (assumed).
      if (refresh === undefined && this.#running('AZRebalance') && this.#running('Launch') && this.#running('Terminate')) this.#rebalance(active);
    } else if (active.length > this.desired + surplus && this.#running('Terminate')) {
      // The default termination policy: one instance at a time from the zone that has the most, oldest first.
      for (let extra = active.length - this.desired - surplus; extra > 0; extra--) {
        const remaining = this.active();
        const zone = [...this.options.availabilityZones].sort((a, b) => this.#zoneCount(b) - this.#zoneCount(a))[0];
        const victim =
          remaining
            .filter((m) => m.instance.spec.availabilityZone === zone)
            .sort((a, b) => a.instance.launchTime.getTime() - b.instance.launchTime.getTime())[0] ?? remaining[0];
        if (victim === undefined) break;
        const cause =
          rebalancing !== undefined
            ? `${at()} an instance was taken out of service to rebalance the group across Availability Zones (AZRebalance), shrinking the capacity from ${remaining.length} to ${remaining.length - 1}.`
            : `${this.#desiredCause === undefined ? '' : `${this.#desiredCause}  `}${at()} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${active.length} to ${this.desired}.  ${at()} instance ${victim.instance.id} was selected for termination.`;
        this.#terminate(victim, cause);
      }
    }
  }

  #zoneCount(zone: string): number {
    return this.active().filter((m) => m.instance.spec.availabilityZone === zone).length;
  }

  #launchCause(reason: string, before: number): string {
    if (reason === 'launch') return `${at()} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${this.desired}.`;
    if (reason === 'rebalance')
      return `${at()} an instance was launched to rebalance the group across Availability Zones (AZRebalance), increasing the capacity from ${before} to ${before + 1}.`;
    if (this.#unreplaced > 0) {
      this.#unreplaced--;
      // https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html
      return `${at()} an instance was launched in response to an unhealthy instance needing to be replaced.`;
    }
    const prefix = this.#desiredCause === undefined ? '' : `${this.#desiredCause}  `;
    return `${prefix}${at()} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${before} to ${before + 1}.`;
  }

  /**
   * Launches one instance into the zone with the fewest; a zone without capacity gets a Failed activity and the next
   * zone is tried (the default balanced-best-effort strategy,
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AvailabilityZoneDistribution.html). `only` confines
   * the launch to one zone (AZRebalance).
   */
  #launchOne(reason: string, only?: string, config?: RefreshConfig, refreshCause?: string): SimInstance | undefined {
    const zones = this.options.availabilityZones;
    const order = only === undefined ? [...zones].sort((a, b) => this.#zoneCount(a) - this.#zoneCount(b) || zones.indexOf(a) - zones.indexOf(b)) : [only];
    const cause = refreshCause ?? this.#launchCause(reason, this.active().length);
    for (const zone of order) {
      let instance: SimInstance;
      try {
        instance = this.options.launch(zone, this, config === undefined ? undefined : { name: config.name, version: String(config.number) });
      } catch (error) {
        if (!(error instanceof SimApiError) || error.code !== 'InsufficientInstanceCapacity') throw error;
        const failed = this.#activity(`Launching a new EC2 instance.  Status Reason: ${error.message} Launching EC2 instance failed.`, cause);
        this.#settle(failed, 'Failed', error.message);
        continue;
      }
      // The member reports the version it was launched with (EC2's tag), not the group's `$Default` or `$Latest`.
      const version = instance.spec.tags['aws:ec2launchtemplate:version'] ?? this.options.launchTemplate.version;
      const template = config ?? this.options.launchTemplate;
      const launchTemplate = { id: template.id, name: template.name, version };
      const member: AsgMember = { instance, lifecycle: 'Pending', health: 'Healthy', launchTemplate, inServiceAt: undefined };
      this.members.set(instance.id, member);
      this.#activity(`Launching a new EC2 instance: ${instance.id}`, cause, member);
      this.#record(instance.id, undefined, 'Pending');
      return instance;
    }
    return undefined;
  }

  /**
   * AZRebalance: when the zones' counts differ by more than one, launch into the emptiest zone first, then (once it is
   * in service) terminate from the fullest
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html).
   */
  #rebalance(active: AsgMember[]): void {
    if (active.some((m) => m.lifecycle !== 'InService')) return;
    const zones = this.options.availabilityZones;
    const counts = zones.map((z) => this.#zoneCount(z));
    if (Math.max(...counts) - Math.min(...counts) < 2) return;
    const emptiest = zones[counts.indexOf(Math.min(...counts))] as string;
    this.#rebalancing = this.#launchOne('rebalance', emptiest)?.id;
  }

  /**
   * Takes an instance out of service: `Terminating` at once, so the replacement launches while it terminates
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html: "While the instance is
   * terminating, another scaling activity launches a new instance"). It is first deregistered from the group's target
   * groups and terminated only once they have drained it for their deregistration delay
   * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LoadBalancerTargetGroupState.html: "Elastic Load
   * Balancing waits for in-flight requests to complete before deregistering the instances"); the activity says
   * `WaitingForELBConnectionDraining` meanwhile. The sim waits the whole delay: its load balancer keeps connections
   * to each target open, so a target is never idle enough for ELB to finish early.
   */
  #terminate(member: AsgMember, cause: string): ScalingActivity {
    const from = member.lifecycle;
    member.lifecycle = 'Terminating';
    const activity = this.#activity(`Terminating EC2 instance: ${member.instance.id}`, cause, member);
    this.#record(member.instance.id, from, 'Terminating');
    // The caller (TerminateInstanceInAutoScalingGroup) answers with the activity as it starts: InProgress.
    const started = { ...activity };
    const terminate = (): void => {
      if (activity.StatusCode === 'WaitingForELBConnectionDraining') activity.StatusCode = 'InProgress';
      member.instance.terminate();
      if (member.instance.state === 'terminated') this.instanceChanged(member.instance);
    };
    if (member.instance.state === 'shutting-down' || member.instance.state === 'terminated') {
      for (const tg of this.options.targetGroups) tg.deregister(member.instance.id);
      terminate();
    } else this.#drain(member, activity, terminate);
    return started;
  }

  /** Deregisters the member from the group's target groups and calls `then` once every one has drained it. */
  #drain(member: AsgMember, activity: ScalingActivity, then: () => void): void {
    const draining = this.options.targetGroups.filter((tg) => tg.targets.has(member.instance.id));
    if (draining.length === 0) {
      then();
      return;
    }
    activity.StatusCode = 'WaitingForELBConnectionDraining';
    let left = draining.length;
    for (const tg of draining)
      tg.deregister(member.instance.id, () => {
        if (--left === 0) then();
      });
  }

  #activity(description: string, cause: string, member?: AsgMember): ScalingActivity {
    const activity: ScalingActivity = {
      ActivityId: randomUUID(),
      AutoScalingGroupName: this.name,
      Description: description,
      Cause: cause,
      StartTime: new Date(),
      EndTime: undefined,
      StatusCode: 'InProgress',
      Progress: 50,
      ...(member === undefined
        ? {}
        : { Details: JSON.stringify({ 'Subnet ID': member.instance.spec.subnetId, 'Availability Zone': member.instance.spec.availabilityZone }) }),
    };
    this.activities.unshift(activity);
    this.options.truth.record({ kind: 'asg-activity', resource: this.name, to: 'InProgress', detail: { description } });
    return activity;
  }

  #finish(instanceId: string, verb: 'Launching' | 'Terminating'): void {
    const activity = this.activities.find(
      (a) =>
        (a.StatusCode === 'InProgress' || a.StatusCode === 'WaitingForELBConnectionDraining') &&
        a.Description.startsWith(verb) &&
        a.Description.endsWith(instanceId),
    );
    if (activity !== undefined) this.#settle(activity, 'Successful');
  }

  #settle(activity: ScalingActivity, status: 'Successful' | 'Failed', message?: string): void {
    activity.StatusCode = status;
    if (message !== undefined) activity.StatusMessage = message;
    activity.Progress = 100;
    activity.EndTime = new Date();
    this.options.truth.record({ kind: 'asg-activity', resource: this.name, to: status, detail: { description: activity.Description } });
  }

  #record(instanceId: string, from: LifecycleState | undefined, to: LifecycleState): void {
    this.options.truth.record({ kind: 'instance-state', resource: `${this.name}/${instanceId}`, from, to, detail: { lifecycle: true } });
  }

  /**
   * The launch template version the group names and launches its next instances from: a stack update's new version
   * (`!GetAtt <Lt>.LatestVersionNumber`), or the old one when the update rolls back.
   */
  useLaunchTemplateVersion(version: string): void {
    this.options.launchTemplate = { ...this.options.launchTemplate, version };
  }

  /**
   * Launches one instance into `zone` at once, for a stack update's batch that replaces an instance there (the
   * desired capacity already counts it), so that a rolling update keeps the zones balanced.
   */
  launchInto(zone: string): SimInstance | undefined {
    return this.#launchOne('desired', zone);
  }
}
