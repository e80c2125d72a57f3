import { randomUUID } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { SimInstance } from './instance.js';
import type { SimTargetGroup } from './target-group.js';

export type LifecycleState = 'Pending' | 'InService' | 'Terminating' | 'Terminated';

export interface AsgMember {
  instance: SimInstance;
  lifecycle: LifecycleState;
  health: 'Healthy' | 'Unhealthy';
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
  healthCheckPeriod: number;
  launchTemplate: { id: string; name: string; version: string };
  targetGroups: SimTargetGroup[];
  tags: Record<string, string>;
  scheduler: SimScheduler;
  truth: GroundTruth;
  /**
   * Launches an instance in a zone (the region owns instances); throws a SimApiError with code
   * InsufficientInstanceCapacity when the zone has no capacity for it.
   */
  launch(zone: string, group: SimAutoScalingGroup): SimInstance;
}

/**
 * An Auto Scaling group that keeps its desired capacity: on each health check (timing `asgHealthCheckPeriod`) it
 * finds instances that are not running (EC2 checks) or that their target groups call unhealthy after the grace period
 * (ELB checks), drains and terminates them and launches replacements in the zone with the fewest instances, with
 * lifecycle states and scaling activities as in AWS.
 */
export class SimAutoScalingGroup {
  readonly options: AsgOptions;
  readonly members = new Map<string, AsgMember>();
  readonly activities: ScalingActivity[] = [];
  readonly createdTime = new Date();
  desired: number;
  #stopChecks: () => void = () => undefined;
  /** The instance AZRebalance launched and waits for before it terminates one from the fullest zone. */
  #rebalancing: string | undefined;

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
  }

  /** Members that count towards capacity. */
  active(): AsgMember[] {
    return [...this.members.values()].filter((m) => m.lifecycle === 'Pending' || m.lifecycle === 'InService');
  }

  /** Called by the region when one of the group's instances changes state. */
  instanceChanged(instance: SimInstance): void {
    const member = this.members.get(instance.id);
    if (member === undefined) return;
    if (instance.state === 'running' && member.lifecycle === 'Pending') {
      member.lifecycle = 'InService';
      member.inServiceAt = Date.now();
      for (const tg of this.options.targetGroups) tg.register(instance);
      this.#record(instance.id, 'Pending', 'InService');
      this.#finish(instance.id, 'Launching');
    }
    if (instance.state === 'terminated' && member.lifecycle !== 'Terminated') {
      const from = member.lifecycle;
      member.lifecycle = 'Terminated';
      this.members.delete(instance.id);
      this.#record(instance.id, from, 'Terminated');
      this.#finish(instance.id, 'Terminating');
    }
  }

  setDesired(n: number): void {
    this.desired = n;
    this.reconcile('desired');
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
    for (let i = 0; i < leaving.length; i++) this.#launchOne('rebalance');
    for (const m of leaving)
      this.#terminate(m, `At ${new Date().toISOString()} an instance was taken out of service in response to a change of the group's Availability Zones.`);
  }

  /** Marks an instance unhealthy (SetInstanceHealth); it is replaced at the next check. */
  setHealth(instanceId: string, health: 'Healthy' | 'Unhealthy'): void {
    const member = this.members.get(instanceId);
    if (member !== undefined) member.health = health;
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
    const cause = `At ${new Date().toISOString()} instance ${instanceId} was taken out of service in response to a user request${decrement ? `, shrinking the capacity from ${before} to ${this.desired}` : ''}.`;
    return this.#terminate(member, cause);
  }

  reconcile(reason: 'launch' | 'check' | 'desired'): void {
    const now = Date.now();
    for (const m of this.members.values()) {
      if (m.lifecycle !== 'InService') continue;
      const state = m.instance.state;
      if (state !== 'running') {
        m.health = 'Unhealthy';
        this.#terminate(
          m,
          `At ${new Date().toISOString()} an instance was taken out of service in response to an EC2 instance status check failure (instance is ${state}).`,
        );
        continue;
      }
      const graceOver = m.inServiceAt !== undefined && now - m.inServiceAt >= this.options.scheduler.wall(this.options.healthCheckGracePeriod);
      if (this.options.healthCheckType === 'ELB' && graceOver && reason === 'check') {
        const unhealthy = this.options.targetGroups.some((tg) => tg.targets.get(m.instance.id)?.state === 'unhealthy');
        if (unhealthy) m.health = 'Unhealthy';
      }
      if (m.health === 'Unhealthy') {
        this.#terminate(m, `At ${new Date().toISOString()} an instance was taken out of service in response to an ELB system health check failure.`);
      }
    }
    const active = this.active();
    const rebalancing = this.#rebalancing === undefined ? undefined : this.members.get(this.#rebalancing);
    if (rebalancing?.lifecycle !== 'Pending') this.#rebalancing = undefined;
    if (active.length < this.desired) {
      for (let i = active.length; i < this.desired; i++) this.#launchOne(reason);
    } else if (this.#rebalancing !== undefined) {
      // AZRebalance launches first and terminates once the new instance is in service.
    } else if (active.length === this.desired && reason === 'check') {
      this.#rebalance(active);
    } else {
      // The default termination policy: one instance at a time from the zone that has the most, oldest first.
      for (let extra = active.length - this.desired; extra > 0; extra--) {
        const remaining = this.active();
        const zone = [...this.options.availabilityZones].sort((a, b) => this.#zoneCount(b) - this.#zoneCount(a))[0];
        const victim =
          remaining
            .filter((m) => m.instance.spec.availabilityZone === zone)
            .sort((a, b) => a.instance.launchTime.getTime() - b.instance.launchTime.getTime())[0] ?? remaining[0];
        if (victim === undefined) break;
        this.#terminate(
          victim,
          rebalancing !== undefined
            ? `At ${new Date().toISOString()} an instance was taken out of service to rebalance the group across Availability Zones (AZRebalance), shrinking the capacity from ${remaining.length} to ${remaining.length - 1}.`
            : `At ${new Date().toISOString()} a user request explicitly set group desired capacity changing the desired capacity to ${this.desired}.`,
        );
      }
    }
  }

  #zoneCount(zone: string): number {
    return this.active().filter((m) => m.instance.spec.availabilityZone === zone).length;
  }

  /**
   * Launches one instance into the zone with the fewest; a zone without capacity gets a Failed activity and the next
   * zone is tried (the default balanced-best-effort strategy,
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AvailabilityZoneDistribution.html). `only` confines
   * the launch to one zone (AZRebalance).
   */
  #launchOne(reason: string, only?: string): SimInstance | undefined {
    const zones = this.options.availabilityZones;
    const order = only === undefined ? [...zones].sort((a, b) => this.#zoneCount(a) - this.#zoneCount(b) || zones.indexOf(a) - zones.indexOf(b)) : [only];
    const before = this.active().length;
    const cause =
      reason === 'launch'
        ? `At ${new Date().toISOString()} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${this.desired}.`
        : reason === 'rebalance'
          ? `At ${new Date().toISOString()} an instance was launched to rebalance the group across Availability Zones (AZRebalance), increasing the capacity from ${before} to ${before + 1}.`
          : `At ${new Date().toISOString()} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${before} to ${before + 1}.`;
    for (const zone of order) {
      let instance: SimInstance;
      try {
        instance = this.options.launch(zone, this);
      } catch (error) {
        if (!(error instanceof SimApiError) || error.code !== 'InsufficientInstanceCapacity') throw error;
        const failed = this.#activity(`Launching a new EC2 instance.  Status Reason: ${error.message} Launching EC2 instance failed.`, cause);
        this.#settle(failed, 'Failed', error.message);
        continue;
      }
      this.members.set(instance.id, { instance, lifecycle: 'Pending', health: 'Healthy', launchTemplate: this.options.launchTemplate, inServiceAt: undefined });
      this.#activity(`Launching a new EC2 instance: ${instance.id}`, cause);
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
    const draining = this.options.targetGroups.filter((tg) => tg.targets.has(member.instance.id));
    for (const tg of draining) tg.deregister(member.instance.id);
    const activity = this.#activity(`Terminating EC2 instance: ${member.instance.id}`, cause);
    this.#record(member.instance.id, from, 'Terminating');
    const delay = Math.max(0, ...draining.map((tg) => tg.deregistrationDelay));
    const terminate = (): void => {
      if (activity.StatusCode === 'WaitingForELBConnectionDraining') activity.StatusCode = 'InProgress';
      member.instance.terminate();
      if (member.instance.state === 'terminated') this.instanceChanged(member.instance);
    };
    // The caller (TerminateInstanceInAutoScalingGroup) answers with the activity as it starts: InProgress.
    const started = { ...activity };
    if (delay === 0 || member.instance.state === 'shutting-down' || member.instance.state === 'terminated') terminate();
    else {
      activity.StatusCode = 'WaitingForELBConnectionDraining';
      this.options.scheduler.after(delay, terminate);
    }
    return started;
  }

  #activity(description: string, cause: string): ScalingActivity {
    const activity: ScalingActivity = {
      ActivityId: randomUUID(),
      AutoScalingGroupName: this.name,
      Description: description,
      Cause: cause,
      StartTime: new Date(),
      EndTime: undefined,
      StatusCode: 'InProgress',
      Progress: 50,
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
}
