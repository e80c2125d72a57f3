import type { AutoScalingGroup, DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { awsSend } from '../aws/call.js';
import { sdk } from '../aws/sdk.js';
import { SafetyError } from '../errors/safety-error.js';
import { findRunRefs } from '../experiment/interpolate.js';
import { formatSelection, seededRandom } from '../experiment/selection.js';
import type { Experiment } from '../experiment/schema.js';
import type { Registry } from '../registry/registry.js';
import type { ActivityContext, AnyActionDefinition, Resource } from '../registry/types.js';
import type { SafetyPolicy } from '../experiment/safety-policy.js';
import { resolveTargets } from './targets.js';
import { judgeAccount } from './accounts.js';

/**
 * The operator's own limits, from the machine's configuration rather than the experiment: an experiment file cannot
 * widen them.
 */
export interface OperatorPolicy {
  /** Accounts any run from here may touch (GAMEDAY_ALLOWED_ACCOUNT_IDS), in addition to the experiment's list. */
  allowedAccountIds?: readonly string[];
}

/** The operator policy the environment variables set. */
export function operatorPolicyFrom(env: NodeJS.ProcessEnv): OperatorPolicy {
  const ids = (env.GAMEDAY_ALLOWED_ACCOUNT_IDS ?? '').split(/[\s,]+/).filter((s) => s !== '');
  return ids.length === 0 ? {} : { allowedAccountIds: ids };
}

/** One guard's outcome, as the plan and the journal show it. */
export interface GuardResult {
  guard: string;
  status: 'passed' | 'refused';
  detail: string;
}

/** What one fault will touch and how it is undone. */
export interface PlannedFault {
  fault: string;
  action: string;
  /** How its resources were found: the fault's `targets`, or the action's own look at the inventory. */
  source: 'targets' | 'action' | 'none';
  type: string;
  selection: string;
  candidates: number;
  /** Candidates left out because they lack the opt-in tags. */
  withoutOptIn: number;
  resources: Resource[];
  /** What undoes the fault: the action's own words (ActionDefinition.undo), else its automatic rollback, or none. */
  rollback: string;
  /** The Region it acts in; each of its resources carries it too. */
  region: string;
  /** What the action says it will do to its resources (ActionDefinition.reach), line by line; absent when it says nothing. */
  detail?: string[];
}

/** Everything a run will touch, resolved against the live inventory with read-only calls, and the guards' verdict. */
export interface Plan {
  account: string | undefined;
  region: string;
  seed: number;
  faults: PlannedFault[];
  /** Explicit `rollbacks:` of the experiment, by name and action. */
  rollbacks: string[];
  guards: GuardResult[];
  /** The first refusal, when a guard refused; nothing may run then. */
  refusal: SafetyError | null;
}

/**
 * The Region a fault (or rollback) acts in: the one an action that takes a whole Region names in its arguments, else
 * the step's own `region`, else the environment's.
 */
export function faultRegion(step: { region?: string | undefined; args?: unknown }, definition: AnyActionDefinition | undefined, home: string): string {
  return definition?.region?.(step.args) ?? step.region ?? home;
}

/** Zone a resource lives in, when it has one (an instance's placement, a DB instance's primary). */
export function zoneOf(r: Resource): string | undefined {
  const a = r.attributes as { Placement?: { AvailabilityZone?: unknown }; AvailabilityZone?: unknown };
  const zone = a.Placement?.AvailabilityZone ?? a.AvailabilityZone;
  return typeof zone === 'string' && zone !== '' ? zone : undefined;
}

const hasTags = (r: Resource, tags: Record<string, string> | undefined): boolean => Object.entries(tags ?? {}).every(([k, v]) => r.tags[k] === v);

/** Whether an action reaches AWS (its id says so): only then is the caller's identity checked. */
const touchesAws = (actionId: string): boolean => actionId.startsWith('aws.');

/**
 * Resolves every fault's resources with read-only calls and checks the guards: the caller's account and region
 * against the allow-lists, the opt-in tags, and the blast-radius caps. Never throws for a refusal: the plan says it.
 */
export async function buildPlan(
  e: Experiment,
  registry: Registry,
  ctx: ActivityContext,
  seed: number,
  rawFaults: readonly { args?: unknown }[] = [],
  operator: OperatorPolicy = {},
): Promise<Plan> {
  const policy: SafetyPolicy = e.safety;
  const plan: Plan = {
    account: undefined,
    region: ctx.aws.target.region,
    seed,
    faults: [],
    rollbacks: e.rollbacks.map((r) => `${r.name} (${r.action})`),
    guards: [],
    refusal: null,
  };
  const refuse = (guard: string, detail: string): void => {
    plan.guards.push({ guard, status: 'refused', detail });
    plan.refusal ??= new SafetyError(guard, detail);
  };
  const pass = (guard: string, detail: string): void => {
    plan.guards.push({ guard, status: 'passed', detail });
  };

  // Before any call: a step aimed at a Region the run may not act in.
  checkStepRegions(e, registry, plan.region, refuse);
  if (plan.refusal !== null) return plan;

  if (e.faults.some((f) => touchesAws(f.action))) {
    const { GetCallerIdentityCommand } = await sdk.sts();
    const identity: GetCallerIdentityCommandOutput = await awsSend(ctx, 'sts', new GetCallerIdentityCommand({}), (o: GetCallerIdentityCommandOutput) => ({
      account: o.Account,
      arn: o.Arn,
    }));
    plan.account = identity.Account;
    const allowed = e.environment.allowedAccountIds;
    const as = identity.Arn === undefined ? '' : ` as ${identity.Arn}`;
    const verdict = judgeAccount(identity.Account, [
      { name: "the operator's allow-list GAMEDAY_ALLOWED_ACCOUNT_IDS", ids: operator.allowedAccountIds ?? [] },
      { name: 'allowedAccountIds', ids: allowed },
    ]);
    if (!verdict.allowed)
      refuse(
        'account',
        `the credentials belong to account ${identity.Account ?? 'unknown'}${as}, which is not in ${verdict.refusedBy.name} (${verdict.refusedBy.ids.join(', ')})`,
      );
    else
      pass(
        'account',
        allowed.length > 0
          ? `account ${identity.Account ?? '?'} is allowed${as}`
          : `account ${identity.Account ?? '?'}${as} (no allow-list for ${e.environment.type})`,
      );
    // One set of credentials signs in every Region, so the account checked here is the account of every Region's calls.
    if (policy.allowedRegions.length > 0 && !policy.allowedRegions.includes(plan.region)) {
      refuse('region', `the region is ${plan.region}, which is not in safety.allowedRegions (${policy.allowedRegions.join(', ')})`);
    } else pass('region', `region ${plan.region}${policy.allowedRegions.length > 0 ? ' is allowed' : ''}`);
    if (plan.refusal !== null) return plan;
  }

  for (const [i, fault] of e.faults.entries()) {
    const definition = registry.action(fault.action);
    // Invariant, never seen by a user: loading refuses an experiment that names an unregistered action.
    if (definition === undefined) throw new Error(`Action '${fault.action}' is not registered.`);
    const fallback = definition.rollback === undefined ? 'none (not undoable)' : 'automatic';
    const undo = (resources: readonly Resource[]): string => definition.undo?.(fault.args, resources) ?? fallback;
    const region = faultRegion(fault, definition, plan.region);
    const inRegion: ActivityContext = region === plan.region ? ctx : { ...ctx, aws: ctx.aws.inRegion(region) };
    let planned: Omit<PlannedFault, 'region'>;
    if (fault.targets !== undefined) {
      const { record, selected } = await resolveTargets(fault.name, definition, fault.targets, seed, inRegion, (r) => hasTags(r, policy.requireTags));
      // What the selected targets reach (a group's instances) was opted in through them: counted, not filtered again.
      const reached = definition.reach === undefined || selected.length === 0 ? undefined : await definition.reach(fault.args, selected, inRegion);
      const resources = [...selected, ...(reached?.resources ?? [])];
      planned = {
        fault: fault.name,
        action: fault.action,
        source: 'targets',
        type: record.type,
        selection: record.selection,
        candidates: record.candidates,
        withoutOptIn: record.withoutOptIn ?? 0,
        resources,
        rollback: undo(resources),
        ...(reached === undefined ? {} : { detail: reached.detail }),
      };
    } else if (definition.plan !== undefined && findRunRefs(rawFaults[i]?.args).refs.length === 0) {
      const found = await definition.plan(fault.args, { ...inRegion, random: seededRandom(seed + i) });
      const kept = found.filter((r) => hasTags(r, policy.requireTags));
      planned = {
        fault: fault.name,
        action: fault.action,
        source: 'action',
        type: [...new Set(found.map((r) => r.type))].join(', ') || 'resources',
        selection: 'chosen by the action',
        candidates: found.length,
        withoutOptIn: found.length - kept.length,
        resources: kept,
        rollback: undo(kept),
      };
    } else {
      planned = {
        fault: fault.name,
        action: fault.action,
        source: 'none',
        type: 'none',
        selection: formatSelection({ mode: 'ALL' }),
        candidates: 0,
        withoutOptIn: 0,
        resources: [],
        rollback: undo([]),
      };
    }
    // Each resource says its Region: the plan shows it, and the undo log keeps it for another worker.
    for (const r of planned.resources) r.region = region;
    plan.faults.push({ ...planned, region });
  }
  if (policy.requireTags !== undefined) {
    const tags = Object.entries(policy.requireTags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const excluded = plan.faults.reduce((n, f) => n + f.withoutOptIn, 0);
    pass('opt-in', `only resources tagged ${tags} are selected${excluded > 0 ? ` (${excluded} left out)` : ''}`);
  }
  await checkBlastRadius(plan, policy, ctx);
  return plan;
}

/** Caps on the resolved plan: counts, share of each Auto Scaling group, a group's last healthy instance, zones. */
async function checkBlastRadius(plan: Plan, policy: SafetyPolicy, ctx: ActivityContext): Promise<void> {
  const refuse = (guard: string, detail: string): void => {
    plan.guards.push({ guard, status: 'refused', detail });
    plan.refusal ??= new SafetyError(guard, detail);
  };
  const all = new Map<string, Resource>();
  // FIS templates and template targets are handles the fence needs, not resources a fault touches: not counted.
  const touched = (f: PlannedFault): Resource[] => f.resources.filter((r) => !r.type.startsWith('aws:fis:'));
  for (const f of plan.faults) for (const r of touched(f)) all.set(`${r.type}/${r.id}`, r);

  for (const f of plan.faults) {
    const n = touched(f).length;
    if (policy.maxTargetsPerFault !== undefined && n > policy.maxTargetsPerFault) {
      refuse('max-targets-per-fault', `fault '${f.fault}' would touch ${n} resources, more than safety.maxTargetsPerFault (${policy.maxTargetsPerFault})`);
    }
  }
  if (policy.maxTargets !== undefined && all.size > policy.maxTargets)
    refuse('max-targets', `the run would touch ${all.size} resources, more than safety.maxTargets (${policy.maxTargets})`);
  else
    plan.guards.push({
      guard: 'max-targets',
      status: 'passed',
      detail: `${all.size} resource(s)${policy.maxTargets === undefined ? '' : `, at most ${policy.maxTargets}`}`,
    });

  const zones = [...new Set([...all.values()].map(zoneOf).filter((z) => z !== undefined))].sort();
  if (zones.length > policy.maxZones)
    refuse('max-zones', `the run would touch ${zones.length} Availability Zones (${zones.join(', ')}), more than safety.maxZones (${policy.maxZones})`);
  else
    plan.guards.push({
      guard: 'max-zones',
      status: 'passed',
      detail: zones.length === 0 ? 'no zonal resources' : `zones ${zones.join(', ')}, at most ${policy.maxZones}`,
    });

  // Instances of Auto Scaling groups: the share of each group, and whether its last healthy instance would go.
  // A group's name is unique in its Region only: groups are read, and named, per Region.
  const byRegion = new Map<string, Map<string, Set<string>>>();
  for (const r of all.values()) {
    const group = r.type === 'aws:ec2:instance' ? r.tags['aws:autoscaling:groupName'] : undefined;
    if (group === undefined) continue;
    const region = r.region ?? plan.region;
    const byGroup = byRegion.get(region) ?? new Map<string, Set<string>>();
    byRegion.set(region, byGroup.set(group, (byGroup.get(group) ?? new Set()).add(r.id)));
  }
  for (const [region, byGroup] of byRegion) await checkGroups(plan, policy, region === plan.region ? ctx : { ...ctx, aws: ctx.aws.inRegion(region) }, byGroup);
}

/**
 * Whether a step's Region is one the run may act in, refused in one sentence naming the step, the Region and the
 * setting. A step in the environment's Region is left to the region guard, except a Region outage, which is never implied.
 */
function checkStepRegions(e: Experiment, registry: Registry, home: string, refuse: (guard: string, detail: string) => void): void {
  const allowed = e.safety.allowedRegions;
  const steps = [...e.faults.map((f) => ({ kind: 'fault', ...f })), ...e.rollbacks.map((r) => ({ kind: 'rollback', ...r }))];
  for (const step of steps) {
    if (!touchesAws(step.action)) continue;
    const definition = registry.action(step.action);
    const region = faultRegion(step, definition, home);
    if (definition?.region !== undefined && !allowed.includes(region)) {
      refuse(
        'region',
        `${step.kind} '${step.name}' takes the whole Region ${region}, which safety.allowedRegions must list explicitly (a Region outage is never implied)`,
      );
    } else if (region !== home && allowed.length > 0 && !allowed.includes(region)) {
      refuse('region', `${step.kind} '${step.name}' acts in ${region}, which is not in safety.allowedRegions (${allowed.join(', ')})`);
    } else if (allowed.length === 0 && region !== home) {
      refuse('region', `${step.kind} '${step.name}' acts in ${region}, not the environment's Region ${home}; list it in safety.allowedRegions to allow it`);
    }
  }
}

/** The share of each Auto Scaling group of one Region the run would touch, and whether its last healthy instance would go. */
async function checkGroups(plan: Plan, policy: SafetyPolicy, ctx: ActivityContext, byGroup: Map<string, Set<string>>): Promise<void> {
  const refuse = (guard: string, detail: string): void => {
    plan.guards.push({ guard, status: 'refused', detail });
    plan.refusal ??= new SafetyError(guard, detail);
  };
  const { DescribeAutoScalingGroupsCommand } = await sdk.autoScaling();
  const out: DescribeAutoScalingGroupsCommandOutput = await awsSend(
    ctx,
    'autoScaling',
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...byGroup.keys()] }),
  );
  const groups = new Map<string, AutoScalingGroup>((out.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName ?? '', g]));
  for (const [name, ids] of byGroup) {
    const group = groups.get(name);
    const members = group?.Instances ?? [];
    const size = Math.max(members.length, group?.DesiredCapacity ?? 0);
    const healthy = members.filter((m) => m.LifecycleState === 'InService' && m.HealthStatus === 'Healthy').map((m) => m.InstanceId);
    const percent = size === 0 ? 100 : (100 * ids.size) / size;
    if (policy.maxGroupPercent !== undefined && percent > policy.maxGroupPercent) {
      refuse(
        'max-group-percent',
        `the run would touch ${ids.size} of ${size} instances of group ${name} (${percent.toFixed(0)}%), more than safety.maxGroupPercent (${policy.maxGroupPercent}%)`,
      );
    } else plan.guards.push({ guard: 'max-group-percent', status: 'passed', detail: `group ${name}: ${ids.size} of ${size} (${percent.toFixed(0)}%)` });
    const survivors = healthy.filter((id) => id !== undefined && !ids.has(id));
    if (!policy.allowLastHealthy && survivors.length === 0) {
      refuse('last-healthy', `the run would touch every healthy instance of group ${name} (${healthy.length}); set safety.allowLastHealthy to allow it`);
    } else
      plan.guards.push({
        guard: 'last-healthy',
        status: 'passed',
        detail: `group ${name} keeps ${survivors.length} healthy instance(s)${policy.allowLastHealthy ? ' (allowLastHealthy)' : ''}`,
      });
  }
}
