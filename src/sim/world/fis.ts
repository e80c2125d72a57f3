import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import type { ConnectivityScope } from '../network-faults.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { SimAlarm } from './alarm.js';
import type { SimDatabase } from './database.js';
import type { SimDbCluster } from './db-cluster.js';
import { readFisSelection, selectFisTargets } from './fis-selection.js';
import type { SimInstance } from './instance.js';
import { ABSENT_RESOURCE_TYPES, capacityParameters, isoDuration, validateTemplate, type FisAction, type FisTarget, type FisTemplate } from './fis-template.js';
import type { CapacityFault } from './zones.js';

export {
  SIM_FIS_ACTIONS,
  isoDuration,
  validateTemplate,
  type FisAction,
  type FisExperimentOptions,
  type FisTarget,
  type FisTemplate,
} from './fis-template.js';

/** The account's safety lever: while engaged, no experiment starts and running ones are stopped. */
export interface SafetyLeverState {
  status: 'engaged' | 'disengaged' | 'engaging' | 'disengaging';
  reason: string;
}

type Status = 'pending' | 'initiating' | 'running' | 'completed' | 'stopping' | 'stopped' | 'failed' | 'cancelled';
type ActionStatus = Status | 'skipped';

export interface FisExperiment {
  id: string;
  arn: string;
  template: FisTemplate;
  state: { status: Status; reason: string; error?: { code: string; location?: string } };
  actions: Record<string, { state: { status: ActionStatus; reason: string }; startTime?: Date; endTime?: Date }>;
  resolved: Record<string, string[]>;
  creationTime: Date;
  startTime: Date;
  endTime?: Date;
  /** The tags StartExperiment gave the experiment. */
  tags: Record<string, string>;
  /** Cancels timers of the running actions. */
  cancel: (() => void)[];
  /** Undo steps of running actions (restarting stopped instances), by action; run when it ends or the experiment stops. */
  restore: Map<string, () => void>;
}

/**
 * What the simulated FIS reaches in its region: the resources it resolves targets among and acts on, the clock and
 * the record of ground truth. Narrow, so FIS does not depend on how the region is built.
 */
export interface FisWorld {
  readonly topology: { readonly region: string; readonly accountId: string };
  readonly scheduler: Pick<SimScheduler, 'after' | 'every'>;
  readonly truth: Pick<GroundTruth, 'record'>;
  readonly instances: ReadonlyMap<string, SimInstance>;
  readonly databases: ReadonlyMap<string, SimDatabase>;
  readonly dbClusters: ReadonlyMap<string, SimDbCluster>;
  readonly alarms: ReadonlyMap<string, Pick<SimAlarm, 'arn' | 'state'>>;
  readonly autoScalingGroups: ReadonlyMap<string, { readonly name: string; readonly options: { readonly arn: string; readonly tags: Record<string, string> } }>;
  readonly subnets: readonly { readonly id: string; readonly zone: string; readonly tags: Record<string, string> }[];
  readonly vpcId: string;
  /** Denies a subnet's traffic in `scope` until the returned restore runs (aws:network:disrupt-connectivity). */
  disruptSubnet(subnetId: string, scope: ConnectivityScope): () => void;
  /** Launches into zones fail with InsufficientInstanceCapacity until the returned restore runs. */
  readonly az: { readonly zones: { cutCapacity(fault: CapacityFault): () => void } };
}

/** Runs `fn` after `ms` of AWS time; returns the cancel. */
function later(world: FisWorld, ms: number, fn: () => void): () => void {
  const timer = world.scheduler.after(ms, fn);
  return () => clearTimeout(timer);
}

const fisId = (prefix: string): string =>
  `${prefix}${randomBytes(9)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12)}`;

/** The simulated FIS: templates and experiments that really act on the world's instances and databases. */
export class SimFis {
  readonly templates = new Map<string, FisTemplate>();
  readonly experiments = new Map<string, FisExperiment>();
  readonly #world: FisWorld;
  lever: SafetyLeverState = { status: 'disengaged', reason: 'The safety lever has not been engaged.' };

  constructor(world: FisWorld) {
    this.#world = world;
  }

  createTemplate(input: Omit<FisTemplate, 'id' | 'arn' | 'creationTime' | 'lastUpdateTime'>): FisTemplate {
    validateTemplate(input);
    const id = fisId('EXT');
    const t: FisTemplate = {
      ...input,
      id,
      arn: `arn:aws:fis:${this.#world.topology.region}:${this.#world.topology.accountId}:experiment-template/${id}`,
      creationTime: new Date(),
      lastUpdateTime: new Date(),
    };
    this.templates.set(id, t);
    return t;
  }

  template(id: string): FisTemplate {
    const t = this.templates.get(id);
    if (t === undefined) throw new SimApiError('ResourceNotFoundException', `Experiment template ${id} not found.`, 404);
    return t;
  }

  experiment(id: string): FisExperiment {
    const e = this.experiments.get(id);
    if (e === undefined) throw new SimApiError('ResourceNotFoundException', `Experiment ${id} not found.`, 404);
    return e;
  }

  /** UpdateSafetyLeverState: engaging stops every running experiment, then the lever is engaged. */
  setLever(status: string, reason: string): SafetyLeverState {
    if (status !== 'engaged' && status !== 'disengaged')
      throw new SimApiError('ValidationException', `Safety lever status must be engaged or disengaged, not '${status}'.`);
    if (status === this.lever.status) throw new SimApiError('ConflictException', `The safety lever is already ${status}.`, 409);
    if (status === 'engaged') {
      for (const e of this.experiments.values()) {
        if (['initiating', 'pending', 'running'].includes(e.state.status)) {
          this.stop(e.id, `Experiment stopped by the safety lever: ${reason}`);
        }
      }
    }
    this.lever = { status, reason };
    return this.lever;
  }

  /** StartExperiment: initiating (target resolution, ~2 s of AWS time), then the actions in startAfter order. */
  start(templateId: string, tags: Record<string, string> = {}): FisExperiment {
    const template = this.template(templateId);
    if (this.lever.status !== 'disengaged') throw new SimApiError('ConflictException', `The safety lever is ${this.lever.status}: ${this.lever.reason}`, 409);
    const id = fisId('EXP');
    const e: FisExperiment = {
      id,
      arn: `arn:aws:fis:${this.#world.topology.region}:${this.#world.topology.accountId}:experiment/${id}`,
      template,
      state: { status: 'initiating', reason: 'Experiment is initiating.' },
      actions: Object.fromEntries(
        Object.keys(template.actions).map((name) => [name, { state: { status: 'pending' as ActionStatus, reason: 'Initial state.' } }]),
      ),
      resolved: {},
      creationTime: new Date(),
      startTime: new Date(),
      tags: { ...tags },
      cancel: [],
      restore: new Map(),
    };
    this.experiments.set(id, e);
    e.cancel.push(later(this.#world, 2_000, () => this.#run(e)));
    return e;
  }

  /** StopExperiment: stopping, then stopped; pending actions are cancelled. */
  stop(id: string, reason = 'Experiment stopped.'): FisExperiment {
    const e = this.experiment(id);
    if (['completed', 'stopped', 'failed', 'cancelled'].includes(e.state.status)) return e;
    for (const c of e.cancel) c();
    e.state = { status: 'stopping', reason };
    for (const a of Object.values(e.actions))
      if (a.state.status === 'pending' || a.state.status === 'running')
        a.state = { status: a.state.status === 'pending' ? 'cancelled' : 'stopped', reason: 'Experiment stopped.' };
    // What FIS undoes when it stops: instances it stopped with startInstancesAfterDuration start again.
    for (const undo of e.restore.values()) undo();
    e.restore.clear();
    later(this.#world, 1_000, () => this.#end(e, 'stopped', reason));
    return e;
  }

  #end(e: FisExperiment, status: Status, reason: string, error?: { code: string; location?: string }): void {
    if (['completed', 'stopped', 'failed'].includes(e.state.status)) return;
    e.state = { status, reason, ...(error === undefined ? {} : { error }) };
    e.endTime = new Date();
    this.#world.truth.record({ kind: 'fis-experiment', resource: e.id, to: status, detail: { reason } });
  }

  #resolve(name: string, target: FisTarget): string[] {
    const w = this.#world;
    let candidates: { id: string; arn: string; tags: Record<string, string>; attributes: Record<string, unknown> }[];
    if (target.resourceType === 'aws:ec2:instance') {
      candidates = [...w.instances.values()]
        .filter((i) => i.state === 'running')
        .map((i) => ({
          id: i.id,
          arn: `arn:aws:ec2:${w.topology.region}:${w.topology.accountId}:instance/${i.id}`,
          tags: i.spec.tags,
          attributes: { Placement: { AvailabilityZone: i.spec.availabilityZone }, State: { Name: i.state } },
        }));
    } else if (target.resourceType === 'aws:rds:db') {
      candidates = [...w.databases.values()].map((d) => ({ id: d.id, arn: d.arn, tags: d.tags, attributes: { AvailabilityZone: d.zone } }));
    } else if (target.resourceType === 'aws:rds:cluster') {
      // writerAvailabilityZoneIdentifiers: only clusters whose writer is in one of these zones.
      const writerZones = target.parameters?.writerAvailabilityZoneIdentifiers?.split(',').map((z) => z.trim());
      candidates = [...w.dbClusters.values()]
        .filter((c) => writerZones === undefined || writerZones.includes(c.writer?.zone ?? ''))
        .map((c) => ({ id: c.id, arn: c.arn, tags: c.tags, attributes: {} }));
    } else if (target.resourceType === 'aws:ec2:subnet') {
      candidates = w.subnets.map((s) => ({
        id: s.id,
        arn: `arn:aws:ec2:${w.topology.region}:${w.topology.accountId}:subnet/${s.id}`,
        tags: s.tags,
        attributes: { AvailabilityZone: s.zone, SubnetId: s.id, VpcId: w.vpcId },
      }));
    } else if (target.resourceType === 'aws:ec2:autoscaling-group') {
      candidates = [...w.autoScalingGroups.values()].map((g) => ({ id: g.name, arn: g.options.arn, tags: g.options.tags, attributes: {} }));
    } else if (target.resourceType === 'aws:iam:role') {
      // Roles are named by ARN; any role ARN of the account resolves (the region keeps no role store).
      const account = `:iam::${w.topology.accountId}:role/`;
      candidates = (target.resourceArns ?? []).filter((a) => a.includes(account)).map((arn) => ({ id: arn, arn, tags: {}, attributes: {} }));
    } else if (ABSENT_RESOURCE_TYPES.includes(target.resourceType)) {
      candidates = [];
    } else throw new SimApiError('ValidationException', `Target ${name} has resource type ${target.resourceType}, which the simulated FIS does not resolve.`);
    const matching = candidates.filter(
      (c) =>
        (target.resourceArns === undefined || target.resourceArns.includes(c.arn)) &&
        Object.entries(target.resourceTags ?? {}).every(([k, v]) => c.tags[k] === v) &&
        (target.filters ?? []).every((f) =>
          f.values.includes(String(f.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], c.attributes))),
        ),
    );
    return selectFisTargets(readFisSelection(target.selectionMode) ?? { kind: 'ALL' }, matching).map((c) => c.id);
  }

  #run(e: FisExperiment): void {
    if (e.state.status !== 'initiating') return;
    const skipEmpty = e.template.experimentOptions?.emptyTargetResolutionMode === 'skip';
    for (const [name, target] of Object.entries(e.template.targets)) {
      e.resolved[name] = this.#resolve(name, target);
      if (e.resolved[name]?.length !== 0) continue;
      if (!skipEmpty)
        return this.#end(e, 'failed', `Target resolution returned empty set for target ${name}.`, { code: 'TargetResolutionFailed', location: name });
      // emptyTargetResolutionMode skip: an action whose targets all resolved to nothing is skipped, and the rest run
      // (https://docs.aws.amazon.com/fis/latest/userguide/experiment-options.html#empty-target-resolution-mode).
    }
    for (const [name, action] of Object.entries(e.template.actions)) {
      const targets = Object.values(action.targets ?? {});
      const a = e.actions[name];
      if (a !== undefined && targets.length > 0 && targets.every((t) => e.resolved[t]?.length === 0))
        a.state = { status: 'skipped', reason: 'Action was skipped because its targets resolved to no resources.' };
    }
    // Stop conditions on the region's alarms: one in ALARM stops the experiment.
    const alarms = e.template.stopConditions.filter((s) => s.source === 'aws:cloudwatch:alarm').map((s) => s.value ?? '');
    if (alarms.length > 0) {
      e.cancel.push(
        this.#world.scheduler.every(1_000, () => {
          const tripped = alarms.find((arn) => [...this.#world.alarms.values()].find((a) => a.arn === arn)?.state === 'ALARM');
          if (tripped !== undefined && e.state.status === 'running') {
            this.stop(e.id, `Stop condition ${tripped} was triggered.`);
          }
        }),
      );
    }
    e.state = { status: 'running', reason: 'Experiment is running.' };
    this.#advance(e);
  }

  /** Starts every pending action whose startAfter actions are done; completes the experiment when all are. */
  #advance(e: FisExperiment): void {
    if (e.state.status !== 'running') return;
    const done = (n: string): boolean => e.actions[n]?.state.status === 'completed' || e.actions[n]?.state.status === 'skipped';
    for (const [name, action] of Object.entries(e.template.actions)) {
      const a = e.actions[name];
      if (a === undefined || a.state.status !== 'pending' || !(action.startAfter ?? []).every(done)) continue;
      a.state = { status: 'running', reason: 'Action is running.' };
      a.startTime = new Date();
      let holdMs = 0;
      try {
        holdMs = this.#act(e, name, action);
      } catch (error) {
        a.state = { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
        return this.#end(e, 'failed', `Action ${name} failed: ${a.state.reason}`, { code: 'ActionFailed', location: name });
      }
      e.cancel.push(
        later(this.#world, holdMs, () => {
          e.restore.get(name)?.();
          e.restore.delete(name);
          a.state = { status: 'completed', reason: 'Action was completed.' };
          a.endTime = new Date();
          this.#advance(e);
        }),
      );
    }
    if (Object.keys(e.actions).every(done)) this.#end(e, 'completed', 'Experiment completed.');
  }

  /** Performs one action on its resolved targets; returns how long (AWS ms) it lasts. */
  #act(e: FisExperiment, name: string, action: FisAction): number {
    const w = this.#world;
    const ids = Object.values(action.targets ?? {}).flatMap((t) => e.resolved[t] ?? []);
    switch (action.actionId) {
      case 'aws:ec2:stop-instances': {
        for (const id of ids) w.instances.get(id)?.stop();
        const after = action.parameters?.startInstancesAfterDuration;
        if (after === undefined) return 0;
        const ms = isoDuration(after, 'startInstancesAfterDuration');
        // Each instance starts once it is stopped; one replaced (terminated) meanwhile stays as it is.
        const restartOne = (id: string): void => {
          const i = w.instances.get(id);
          if (i?.state === 'stopped') i.start();
          else if (i?.state === 'stopping') later(w, 1_000, () => restartOne(id));
        };
        const restart = (): void => ids.forEach(restartOne);
        e.restore.set(name, restart);
        return ms;
      }
      case 'aws:ec2:terminate-instances':
        for (const id of ids) w.instances.get(id)?.terminate();
        return 0;
      case 'aws:ec2:reboot-instances':
        for (const id of ids) w.instances.get(id)?.reboot();
        return 0;
      case 'aws:rds:reboot-db-instances':
        for (const id of ids) w.databases.get(id)?.reboot(action.parameters?.forceFailover === 'true');
        return 0;
      case 'aws:rds:failover-db-cluster':
        for (const id of ids) w.dbClusters.get(id)?.failover(undefined);
        return 0;
      case 'aws:network:disrupt-connectivity': {
        // FIS denies the subnets' traffic with a network ACL until it is removed; what that takes down depends on the scope.
        const scope = (action.parameters?.scope ?? 'all') as ConnectivityScope;
        const restore = ids.map((id) => w.disruptSubnet(id, scope));
        e.restore.set(name, () => {
          for (const r of restore) r();
        });
        return isoDuration(action.parameters?.duration, 'duration');
      }
      case 'aws:ec2:asg-insufficient-instance-capacity-error':
      case 'aws:ec2:api-insufficient-instance-capacity-error': {
        const { zones, percentage, ms } = capacityParameters(action, name);
        const scope = action.actionId === 'aws:ec2:asg-insufficient-instance-capacity-error' ? { groups: new Set(ids) } : { roles: new Set(ids) };
        e.restore.set(name, w.az.zones.cutCapacity({ zones, percentage, ...scope }));
        return ms;
      }
      case 'aws:fis:wait':
        return isoDuration(action.parameters?.duration, 'duration');
      default:
        throw new Error(`unsupported action ${action.actionId}`);
    }
  }
}
