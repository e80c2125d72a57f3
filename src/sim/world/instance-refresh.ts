import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';

/** DescribeInstanceRefreshes' statuses (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html). */
export type InstanceRefreshStatus =
  | 'Pending'
  | 'InProgress'
  | 'Successful'
  | 'Failed'
  | 'Cancelling'
  | 'Cancelled'
  | 'RollbackInProgress'
  | 'RollbackFailed'
  | 'RollbackSuccessful'
  | 'Baking';

/** A launch template version an instance refresh launches, resolved to its number, image and instance type. */
export interface RefreshConfig {
  id: string;
  name: string;
  /** As the request or the group names it: a number, `$Latest` or `$Default`. */
  version: string;
  number: number;
  imageId: string;
  instanceType: string;
}

/** The preferences of an instance refresh with AWS's defaults filled in; durations in AWS ms. */
export interface RefreshPreferences {
  minHealthyPercentage: number;
  maxHealthyPercentage: number;
  instanceWarmup: number;
  checkpointPercentages: number[];
  checkpointDelay: number;
  skipMatching: boolean;
  autoRollback: boolean;
  alarms: string[];
  bakeTime: number;
  scaleInProtectedInstances: string;
  standbyInstances: string;
}

/** What an instance refresh sees of one of its group's instances (Pending or InService). */
export interface RefreshMember {
  id: string;
  lifecycle: 'Pending' | 'InService';
  health: 'Healthy' | 'Unhealthy';
  /** Its target groups call it healthy (always true for a group without target groups or with EC2 checks only). */
  serving: boolean;
  /** Epoch ms it went InService. */
  inServiceAt: number | undefined;
  launchTime: number;
  launchTemplateId: string;
  /** The version number it was launched with. */
  version: string;
  imageId: string;
  instanceType: string;
}

/**
 * The narrow view of an Auto Scaling group that an instance refresh drives: its instances, launches and terminations
 * (which drain through target groups and record scaling activities as the group's own do), and its settings.
 */
export interface RefreshableGroup {
  readonly name: string;
  readonly desired: number;
  refreshMembers(): RefreshMember[];
  /** Launches one instance of `config`; undefined when no zone had capacity (the group records the Failed activity). */
  launchForRefresh(config: RefreshConfig, cause: string): string | undefined;
  terminateForRefresh(instanceId: string, cause: string): void;
  /** Why replacements wait (a suspended process), or undefined. */
  refreshBlocked(): string | undefined;
  /** Makes `config` the group's launch template: what it launches from now on. */
  configure(config: RefreshConfig): void;
}

export interface InstanceRefreshOptions {
  id: string;
  group: RefreshableGroup;
  /** Undefined when StartInstanceRefresh gave no DesiredConfiguration: the group's own configuration is relaunched. */
  desiredConfiguration: RefreshConfig | undefined;
  /** The group's configuration when the refresh starts: what a rollback returns to. */
  previous: RefreshConfig;
  preferences: RefreshPreferences;
  /** The alarm's state, or undefined when the region has no such alarm. */
  alarmState(name: string): string | undefined;
  scheduler: SimScheduler;
  truth: GroundTruth;
  /** AWS ms: `instanceRefreshCheckInterval` and `instanceRefreshNoProgress`. */
  checkInterval: number;
  noProgressTimeout: number;
}

/** Replacements that fail (unhealthy or terminated before they are ready, or not launched) before a refresh fails (assumed). */
export const FAILED_REPLACEMENTS_LIMIT = 3;

/** `At <time> `: how every sentence of an activity's cause begins. */
function at(): string {
  return `At ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

function matches(m: RefreshMember, config: RefreshConfig): boolean {
  if (m.launchTemplateId === config.id && m.version === String(config.number)) return true;
  // Skip matching compares what the instance runs: "Auto Scaling compares each instance's current AMI ID against the
  // AMI in the desired configuration" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html).
  return m.imageId === config.imageId && m.instanceType === config.instanceType;
}

/** One batch: the replacements launched and the old instances to terminate once they are ready (launch first). */
interface Batch {
  launched: string[];
  after: string[];
}

/**
 * One pass of replacements towards a configuration: the refresh itself, or its rollback. Batches follow the healthy
 * percentages (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html): with a maximum
 * of 100 % it terminates up to desired − ⌈min % × desired⌉ (at least one) and launches their replacements; above 100 %
 * it launches up to ⌊max % × desired⌋ − desired new instances first and terminates as many old ones once the new ones
 * are InService, healthy and past the instance warmup.
 */
class ReplacementPass {
  readonly target: RefreshConfig;
  readonly fresh = new Set<string>();
  readonly updated = new Set<string>();
  readonly failed = new Set<string>();
  readonly total: number;
  batch: Batch | undefined;
  failures = 0;
  lastProgress = Date.now();
  /** Every instance replaced: the pass reports 100 %, whatever the group launched meanwhile. */
  complete = false;
  readonly #group: RefreshableGroup;
  readonly #prefs: RefreshPreferences;
  readonly #skipMatching: boolean;
  readonly #wall: (awsMs: number) => number;
  readonly #cause: string;

  constructor(
    group: RefreshableGroup,
    target: RefreshConfig,
    prefs: RefreshPreferences,
    skipMatching: boolean,
    wall: (awsMs: number) => number,
    cause: string,
  ) {
    this.#group = group;
    this.target = target;
    this.#prefs = prefs;
    this.#skipMatching = skipMatching;
    this.#wall = wall;
    this.#cause = cause;
    this.total = this.stale(group.refreshMembers()).length;
  }

  /** Instances still to replace, oldest first. */
  stale(members: RefreshMember[]): RefreshMember[] {
    return members.filter((m) => !this.fresh.has(m.id) && !(this.#skipMatching && matches(m, this.target))).sort((a, b) => a.launchTime - b.launchTime);
  }

  /** Replaced: launched by this pass, InService, healthy and past the instance warmup. */
  #ready(m: RefreshMember, now: number): boolean {
    return (
      m.lifecycle === 'InService' &&
      m.health === 'Healthy' &&
      m.serving &&
      m.inServiceAt !== undefined &&
      now - m.inServiceAt >= this.#wall(this.#prefs.instanceWarmup)
    );
  }

  /** Follows the replacements in flight; new failures are counted. */
  observe(members: RefreshMember[]): void {
    const now = Date.now();
    const byId = new Map(members.map((m) => [m.id, m]));
    for (const id of this.fresh) {
      if (this.updated.has(id) || this.failed.has(id)) continue;
      const m = byId.get(id);
      if (m === undefined || m.health === 'Unhealthy') {
        this.failed.add(id);
        this.failures++;
      } else if (this.#ready(m, now)) {
        this.updated.add(id);
        this.lastProgress = now;
      }
    }
  }

  inFlight(): string[] {
    return [...this.fresh].filter((id) => !this.updated.has(id) && !this.failed.has(id));
  }

  /** New instances launched first and not yet matched by a termination: the group keeps them above its desired capacity. */
  surplus(): number {
    return this.batch?.after.length ?? 0;
  }

  /** Ends the batch in flight once its replacements are ready or failed; true when none is in flight. */
  settleBatch(members: RefreshMember[]): boolean {
    if (this.batch === undefined) return true;
    if (this.batch.launched.some((id) => !this.updated.has(id) && !this.failed.has(id))) return false;
    const present = new Set(members.map((m) => m.id));
    const after = this.batch.after;
    this.batch = undefined;
    for (const id of after) if (present.has(id)) this.#group.terminateForRefresh(id, this.#terminateCause(id));
    return true;
  }

  /** The percentage of the pass that is done, as DescribeInstanceRefreshes reports it. */
  percentage(): number {
    if (this.total === 0 || this.complete) return 100;
    return Math.min(100, Math.floor((100 * this.updated.size) / this.total));
  }

  toUpdate(): number {
    return this.complete ? 0 : Math.max(0, this.total - this.updated.size);
  }

  /** Starts the next batch, at most `cap` replacements. */
  startBatch(members: RefreshMember[], cap: number): void {
    const stale = this.stale(members);
    if (stale.length === 0) return;
    const d = this.#group.desired;
    const now = Date.now();
    if (this.inFlight().length === 0) this.lastProgress = now;
    const minHealthy = Math.ceil((this.#prefs.minHealthyPercentage * d) / 100);
    const maxCapacity = Math.floor((this.#prefs.maxHealthyPercentage * d) / 100);
    const ready = members.filter(
      (m) => m.lifecycle === 'InService' && m.health === 'Healthy' && m.serving && (!this.fresh.has(m.id) || this.updated.has(m.id) || this.#ready(m, now)),
    ).length;
    const missing = d - members.length;
    if (missing > 0 && this.#prefs.maxHealthyPercentage <= 100) {
      // A replacement that did not launch left the group short: it is launched again before another old instance goes
      // (assumed), and each failed launch counts.
      this.batch = { launched: this.#launch(Math.min(missing, stale.length)), after: [] };
      return;
    }
    let first = 0;
    let terminateFirst: number;
    if (this.#prefs.maxHealthyPercentage > 100) {
      first = Math.min(stale.length, Math.max(1, maxCapacity - d), cap);
      terminateFirst = Math.min(stale.length - first, Math.max(0, ready - minHealthy), cap - first);
    } else terminateFirst = Math.min(stale.length, Math.max(1, ready - minHealthy), Math.max(1, cap));
    const victims = stale.slice(0, first + terminateFirst);
    const now1 = victims.slice(0, terminateFirst);
    const later = victims.slice(terminateFirst);
    for (const m of now1) this.#group.terminateForRefresh(m.id, this.#terminateCause(m.id));
    const launched = this.#launch(victims.length);
    // A launch-first replacement that did not launch leaves its old instance in service.
    this.batch = { launched, after: later.slice(0, Math.max(0, launched.length - now1.length)).map((m) => m.id) };
  }

  /**
   * Launches `n` replacements; each that no zone had capacity for counts as a failure. The causes of a refresh's
   * launches and terminations follow the group's own ("… in response to an instance refresh"); AWS's wording is assumed.
   */
  #launch(n: number): string[] {
    const launched: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.#group.launchForRefresh(this.target, `${at()} an instance was launched in response to ${this.#cause}.`);
      if (id === undefined) {
        this.failures++;
        continue;
      }
      this.fresh.add(id);
      launched.push(id);
    }
    return launched;
  }

  #terminateCause(id: string): string {
    return `${at()} an instance was taken out of service in response to ${this.#cause}.  ${at()} instance ${id} was selected for termination.`;
  }
}

/**
 * An instance refresh of an Auto Scaling group with the Rolling strategy
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html): Pending, then InProgress
 * while it replaces the group's instances in batches, pausing at each checkpoint for the checkpoint delay
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-adding-checkpoints-instance-refresh.html), Baking for the
 * bake time, then Successful, when the group takes the desired configuration ("Once the instance refresh succeeds,
 * Amazon EC2 Auto Scaling updates the settings of the Auto Scaling group"). It fails when an alarm it watches goes into
 * ALARM, or (assumed) after three failed replacements or 30 min without one; with AutoRollback it then replaces the
 * instances deployed so far with the previous configuration
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
 */
export class SimInstanceRefresh {
  readonly id: string;
  readonly startTime = new Date();
  status: InstanceRefreshStatus = 'Pending';
  statusReason: string | undefined;
  endTime: Date | undefined;
  readonly desiredConfiguration: RefreshConfig | undefined;
  readonly preferences: RefreshPreferences;
  rollback: { reason: string; startTime: Date; percentage: number; toUpdate: number } | undefined;
  readonly #o: InstanceRefreshOptions;
  #pass: ReplacementPass;
  #rollbackPass: ReplacementPass | undefined;
  #stop: () => void = () => undefined;
  /** Epoch ms a checkpoint pause ends; the next checkpoint's index. */
  #pausedUntil: number | undefined;
  #nextCheckpoint = 0;
  #bakeUntil: number | undefined;

  constructor(options: InstanceRefreshOptions) {
    this.#o = options;
    this.id = options.id;
    this.desiredConfiguration = options.desiredConfiguration;
    this.preferences = options.preferences;
    const target = options.desiredConfiguration ?? options.previous;
    this.#pass = new ReplacementPass(
      options.group,
      target,
      options.preferences,
      options.preferences.skipMatching,
      (ms) => options.scheduler.wall(ms),
      'an instance refresh',
    );
  }

  start(): void {
    this.#record(undefined);
    this.#stop = this.#o.scheduler.every(this.#o.checkInterval, () => this.tick());
    this.#o.scheduler.after(0, () => this.tick());
  }

  /** Pending, InProgress, Baking, Cancelling or RollbackInProgress: the one refresh a group may have at a time. */
  get active(): boolean {
    return (
      this.status === 'Pending' ||
      this.status === 'InProgress' ||
      this.status === 'Baking' ||
      this.status === 'Cancelling' ||
      this.status === 'RollbackInProgress'
    );
  }

  /** New instances the group keeps above its desired capacity while their old instances wait to be terminated. */
  surplus(): number {
    if (this.status === 'RollbackInProgress') return this.#rollbackPass?.surplus() ?? 0;
    return this.active ? this.#pass.surplus() : 0;
  }

  get percentageComplete(): number {
    return this.rollback === undefined ? this.#pass.percentage() : this.rollback.percentage;
  }

  get instancesToUpdate(): number {
    return this.rollback === undefined ? this.#pass.toUpdate() : this.rollback.toUpdate;
  }

  /** The rollback's own progress (ProgressDetailsOnRollback). */
  get rollbackProgress(): { percentage: number; toUpdate: number } | undefined {
    const p = this.#rollbackPass;
    return p === undefined ? undefined : { percentage: p.percentage(), toUpdate: p.toUpdate() };
  }

  /**
   * CancelInstanceRefresh: no new replacement starts; with `wait` (AWS's default) the ones in flight finish first
   * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html).
   */
  cancel(wait: boolean): void {
    this.#setStatus('Cancelling', undefined);
    if (!wait) this.#finish('Cancelled', undefined);
    else this.tick();
  }

  /** RollbackInstanceRefresh, or AutoRollback after a failure: replaces what was deployed with the previous configuration. */
  startRollback(reason: string): void {
    this.rollback = { reason, startTime: new Date(), percentage: this.#pass.percentage(), toUpdate: this.#pass.toUpdate() };
    this.#pass.batch = undefined;
    this.#pausedUntil = undefined;
    this.#bakeUntil = undefined;
    this.#rollbackPass = new ReplacementPass(
      this.#o.group,
      this.#o.previous,
      this.preferences,
      true,
      (ms) => this.#o.scheduler.wall(ms),
      'an instance refresh rollback',
    );
    this.#setStatus('RollbackInProgress', reason);
    this.tick();
  }

  stop(): void {
    this.#stop();
  }

  /** One look at the refresh: alarms, replacements in flight, then the next step. */
  tick(): void {
    if (!this.active) return;
    const members = this.#o.group.refreshMembers();
    if (this.status === 'RollbackInProgress') {
      this.#tickRollback(members);
      return;
    }
    if (this.status === 'Pending') this.#setStatus('InProgress', undefined);
    const pass = this.#pass;
    pass.observe(members);
    if (this.status !== 'Cancelling') {
      const alarm = this.preferences.alarms.find((a) => this.#o.alarmState(a) === 'ALARM');
      // AWS's wording is assumed.
      if (alarm !== undefined) return this.#fail(`The instance refresh failed because the CloudWatch alarm ${alarm} went into the ALARM state.`);
      const failure = this.#failure(pass);
      if (failure !== undefined) return this.#fail(failure);
    }
    if (!pass.settleBatch(members)) return;
    // Settling a launch-first batch terminates its old instances: what is left to replace is read again after it.
    const current = this.#o.group.refreshMembers();
    if (this.status === 'Cancelling') return this.#finish('Cancelled', undefined);
    if (this.status === 'Baking') {
      if (this.#bakeUntil !== undefined && Date.now() >= this.#bakeUntil) this.#succeed();
      return;
    }
    const now = Date.now();
    if (this.#pausedUntil !== undefined) {
      if (now < this.#pausedUntil) return;
      this.#pausedUntil = undefined;
      this.statusReason = undefined;
    }
    const stale = pass.stale(current);
    if (stale.length === 0 && pass.inFlight().length === 0) return this.#done();
    const checkpoint = this.preferences.checkpointPercentages[this.#nextCheckpoint];
    if (checkpoint !== undefined && pass.percentage() >= checkpoint && checkpoint < 100) {
      this.#nextCheckpoint++;
      this.#pausedUntil = now + this.#o.scheduler.wall(this.preferences.checkpointDelay);
      // AWS's wording is assumed.
      this.statusReason = `Waiting for the checkpoint delay after reaching checkpoint ${checkpoint}%.`;
      this.#o.truth.record({ kind: 'instance-refresh', resource: this.#o.group.name, to: this.status, detail: { id: this.id, checkpoint } });
      return;
    }
    const blocked = this.#o.group.refreshBlocked();
    if (blocked !== undefined) {
      this.statusReason = blocked;
      return;
    }
    if (this.statusReason !== undefined && this.#pausedUntil === undefined) this.statusReason = undefined;
    // "Amazon EC2 Auto Scaling paces instance replacements to honor the specified checkpoint percentages".
    const cap = checkpoint === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.ceil((checkpoint * pass.total) / 100) - pass.updated.size);
    pass.startBatch(current, cap);
  }

  #tickRollback(members: RefreshMember[]): void {
    const pass = this.#rollbackPass;
    if (pass === undefined) return;
    pass.observe(members);
    const failure = this.#failure(pass);
    if (failure !== undefined) return this.#finish('RollbackFailed', failure);
    if (!pass.settleBatch(members)) return;
    const current = this.#o.group.refreshMembers();
    if (pass.stale(current).length === 0 && pass.inFlight().length === 0) {
      pass.complete = true;
      return this.#finish('RollbackSuccessful', undefined);
    }
    const blocked = this.#o.group.refreshBlocked();
    if (blocked !== undefined) return;
    pass.startBatch(current, Number.POSITIVE_INFINITY);
  }

  /** Why the pass gives up (assumed: AWS documents no count nor timeout), or undefined. */
  #failure(pass: ReplacementPass): string | undefined {
    if (pass.failures >= FAILED_REPLACEMENTS_LIMIT)
      return `The instance refresh failed because ${pass.failures} replacement instances failed to launch or to pass their health checks.`;
    // Only replacements in flight count: a checkpoint, the bake time or a suspended process is no lack of progress.
    if (pass.inFlight().length > 0 && Date.now() - pass.lastProgress > this.#o.scheduler.wall(this.#o.noProgressTimeout))
      return 'The instance refresh failed because no replacement instance became healthy within the time allowed.';
    return undefined;
  }

  #fail(reason: string): void {
    if (this.preferences.autoRollback) this.startRollback(reason);
    else this.#finish('Failed', reason);
  }

  #done(): void {
    this.#pass.complete = true;
    if (this.preferences.bakeTime > 0) {
      this.#bakeUntil = Date.now() + this.#o.scheduler.wall(this.preferences.bakeTime);
      this.#setStatus('Baking', undefined);
      return;
    }
    this.#succeed();
  }

  #succeed(): void {
    if (this.desiredConfiguration !== undefined) this.#o.group.configure(this.desiredConfiguration);
    this.#finish('Successful', undefined);
  }

  #finish(status: InstanceRefreshStatus, reason: string | undefined): void {
    this.endTime = new Date();
    this.#setStatus(status, reason);
    this.#stop();
  }

  #setStatus(status: InstanceRefreshStatus, reason: string | undefined): void {
    const from = this.status;
    this.status = status;
    this.statusReason = reason;
    if (from !== status) this.#record(from);
  }

  #record(from: InstanceRefreshStatus | undefined): void {
    this.#o.truth.record({
      kind: 'instance-refresh',
      resource: this.#o.group.name,
      from,
      to: this.status,
      detail: { id: this.id, ...(this.statusReason === undefined ? {} : { reason: this.statusReason }) },
    });
  }
}
