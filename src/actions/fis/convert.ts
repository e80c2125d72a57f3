/**
 * Conversion between gameday experiments and AWS FIS experiment templates: `gameday fis export` (the faults FIS can
 * express, as a CreateExperimentTemplate body), `gameday fis import` (a template's faults as a gameday experiment,
 * with probes to fill in) and `run --via-fis`. What one side cannot express is reported by name, never dropped.
 */
import type { Experiment, FaultSpec } from '../../experiment/schema.js';
import type { SafetyPolicy } from '../../experiment/safety-policy.js';
import type { SelectionMode } from '../../experiment/selection.js';
import { isoDuration, parseIsoDuration } from '../../experiment/duration.js';
import { arnId, type FisActionBody, type FisTargetBody, type FisTemplateBody } from './template.js';
import { ErrorCode, ExitCode, GamedayError } from '../../errors/gameday-error.js';
import { blackholePortAction } from '../ec2/blackhole-port.js';
import { cpuStressAction } from '../ec2/cpu-stress.js';
import { memoryStressAction } from '../ec2/memory-stress.js';
import { networkLatencyAction } from '../ec2/network-latency.js';
import { packetLossAction } from '../ec2/packet-loss.js';
import { durationSeconds, fisDocumentArn, type FisDocumentMapping } from '../ssm/fis-document.js';
import type { ExpectedEffect } from '../../registry/types.js';

/** The actions that run one of FIS's own SSM documents: each is FIS's aws:ssm:send-command with that document. */
// biome-ignore lint/suspicious/noExplicitAny: a table of mappings of every argument type
const FIS_DOCUMENT_ACTIONS: readonly { id: string; fis: FisDocumentMapping<any>; effect(a: any): ExpectedEffect }[] = [
  networkLatencyAction,
  packetLossAction,
  blackholePortAction,
  cpuStressAction,
  memoryStressAction,
];

/** FIS's action for running a document with Run Command (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#ssm-send-command). */
const SSM_SEND_COMMAND = 'aws:ssm:send-command';

/**
 * aws:ssm:send-command for a fault that runs an SSM document: the document's ARN, its parameters as a JSON string,
 * and the action's duration (the fault's; for the AWSFIS documents also their DurationSeconds).
 */
function ssmActionFor(
  fault: FaultSpec,
  ctx: ExportContext,
  needAccount: (what: string) => string,
): { actionId: string; key: string; parameters: Record<string, string> } | string | undefined {
  const args = (fault.args ?? {}) as Record<string, unknown>;
  const mapping = FIS_DOCUMENT_ACTIONS.find((d) => d.id === fault.action)?.fis;
  if (fault.duration === undefined && (mapping !== undefined || fault.action === 'aws.ssm.send-command'))
    return 'FIS runs aws:ssm:send-command for a duration, and this fault has none';
  const duration = isoDuration(fault.duration ?? 0);
  if (mapping !== undefined) {
    const { document, parameters } = mapping.toDocument(args);
    return {
      actionId: SSM_SEND_COMMAND,
      key: 'Instances',
      parameters: {
        documentArn: fisDocumentArn(ctx.region, document),
        documentParameters: JSON.stringify({ ...parameters, DurationSeconds: durationSeconds(fault.duration ?? 0) }),
        duration,
      },
    };
  }
  if (fault.action !== 'aws.ssm.send-command') return undefined;
  const name = String(args.documentName);
  const parameters = Object.fromEntries(
    Object.entries((args.parameters ?? {}) as Record<string, string | string[]>).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
  );
  return {
    actionId: SSM_SEND_COMMAND,
    key: 'Instances',
    parameters: {
      documentArn: name.startsWith('arn:') ? name : `arn:aws:ssm:${ctx.region}:${needAccount(`fault '${fault.name}' (${fault.action})`)}:document/${name}`,
      ...(args.documentVersion === undefined ? {} : { documentVersion: String(args.documentVersion) }),
      ...(Object.keys(parameters).length === 0 ? {} : { documentParameters: JSON.stringify(parameters) }),
      duration,
    },
  };
}

/** Something one side could not express, by the name the user gave it. */
export interface Unexpressed {
  /** `fault 'x' (aws.route53.fail-health-check)`, `stop condition 'y'`, `action 'z' (aws:ecs:stop-task)`. */
  what: string;
  reason: string;
  /**
   * Something gameday keeps enforcing itself when the faults go through FIS (a probe stop condition it watches, a
   * safety guard on the plan the template is pinned to): not lost by `--via-fis`, only by a template used on its own.
   */
  keptByGameday?: true;
}

export interface ExportContext {
  region: string;
  /** The account, for the ARNs of resources named by id and of alarms; undefined when none is known. */
  account: string | undefined;
  roleArn: string;
}

/** FIS's name for a gameday step name (FIS allows letters, digits, hyphens and underscores, 64 at most). */
const fisName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);

const selectionMode = (s: SelectionMode): string => (s.mode === 'ALL' ? 'ALL' : s.mode === 'COUNT' ? `COUNT(${s.count})` : `PERCENT(${s.percent})`);

/** The FIS action and target key each expressible gameday action becomes, by the target's resource type. */
function fisActionFor(fault: FaultSpec, type: string): { actionId: string; key: string; parameters?: Record<string, string> } | string {
  const cluster = type === 'aws:rds:cluster';
  switch (fault.action) {
    case 'aws.ec2.stop-instances':
      return { actionId: 'aws:ec2:stop-instances', key: 'Instances' };
    case 'aws.ec2.terminate-instances':
      return { actionId: 'aws:ec2:terminate-instances', key: 'Instances' };
    case 'aws.ec2.reboot-instances':
      return { actionId: 'aws:ec2:reboot-instances', key: 'Instances' };
    case 'aws.rds.failover':
      return cluster
        ? { actionId: 'aws:rds:failover-db-cluster', key: 'Clusters' }
        : { actionId: 'aws:rds:reboot-db-instances', key: 'DBInstances', parameters: { forceFailover: 'true' } };
    case 'aws.rds.reboot':
      return cluster
        ? 'FIS has no action that reboots a DB cluster'
        : { actionId: 'aws:rds:reboot-db-instances', key: 'DBInstances', parameters: { forceFailover: 'false' } };
    case 'aws.route53.fail-health-check':
      return 'FIS has no action that fails a Route 53 health check';
    case 'aws.fis.experiment':
      return 'it is already an FIS experiment; run its template on its own';
    default:
      return fault.action.startsWith('local.') ? 'it acts on the gameday host, not through AWS' : `FIS has no action equivalent to ${fault.action}`;
  }
}

const ARN_SERVICE: Record<string, (region: string, account: string, id: string) => string> = {
  'aws:ec2:instance': (r, a, id) => `arn:aws:ec2:${r}:${a}:instance/${id}`,
  'aws:rds:db': (r, a, id) => `arn:aws:rds:${r}:${a}:db:${id}`,
  'aws:rds:cluster': (r, a, id) => `arn:aws:rds:${r}:${a}:cluster:${id}`,
};

/**
 * Adds the experiment's opt-in tags to a target's `resourceTags`, which FIS ANDs, so the template selects among the
 * opted-in resources only, as gameday's plan does. A target named by ARN cannot carry tags too, and a target asking
 * for another value of an opt-in tag could select nothing: both are reported instead.
 */
function withOptIn(target: FisTargetBody, requireTags: Record<string, string> | undefined, what: string): { unexpressed?: Unexpressed } {
  if (requireTags === undefined) return {};
  const clash = Object.entries(requireTags).find(([k, v]) => target.resourceTags?.[k] !== undefined && target.resourceTags[k] !== v);
  if (clash !== undefined)
    return {
      unexpressed: {
        what,
        reason: `its targets ask for tag ${clash[0]}=${target.resourceTags?.[clash[0]] ?? ''} where safety.requireTags requires ${clash[0]}=${clash[1]}, so nothing could be selected`,
      },
    };
  if (target.resourceArns !== undefined) {
    const tags = Object.entries(requireTags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return {
      unexpressed: {
        what: `safety.requireTags (${tags}) on ${what}`,
        reason: 'an FIS target takes resource ARNs or tags, not both, so the ARNs it names are not checked for the opt-in tags',
        keptByGameday: true,
      },
    };
  }
  target.resourceTags = { ...target.resourceTags, ...requireTags };
  return {};
}

/** The most resources a target can select, when the template itself bounds it (ARNs or COUNT(n)). */
function boundOf(t: FisTargetBody): number | undefined {
  const count = /^COUNT\((\d+)\)$/.exec(t.selectionMode)?.[1];
  const arns = t.resourceArns?.length;
  if (count === undefined) return arns;
  return arns === undefined ? Number(count) : Math.min(arns, Number(count));
}

const ZONE_PATHS = new Set(['Placement.AvailabilityZone', 'AvailabilityZone']);

/**
 * The safety guards a template cannot carry. gameday refuses a plan that breaks one; FIS has no such check, so a
 * guard counts as expressed only when the template's own targets cannot break it (ARNs or COUNT(n) within a cap,
 * zone filters within maxZones), and is otherwise named.
 */
function unexpressedSafety(safety: SafetyPolicy, targets: readonly FisTargetBody[]): Unexpressed[] {
  const out: Unexpressed[] = [];
  const name = (what: string, reason: string): void => {
    out.push({ what, reason, keptByGameday: true });
  };
  const bounds = targets.map(boundOf);
  const { maxTargets, maxTargetsPerFault, maxGroupPercent } = safety;
  if (maxTargetsPerFault !== undefined && !bounds.every((b) => b !== undefined && b <= maxTargetsPerFault)) {
    name(
      `safety.maxTargetsPerFault (${maxTargetsPerFault})`,
      'a target selected by tags with ALL or PERCENT(n) has no upper bound in FIS, which caps nothing and refuses nothing',
    );
  }
  const total = bounds.reduce<number | undefined>((sum, b) => (sum === undefined || b === undefined ? undefined : sum + b), 0);
  if (maxTargets !== undefined && (total === undefined || total > maxTargets)) {
    name(`safety.maxTargets (${maxTargets})`, "FIS has no run-wide cap, and the targets' selection modes do not bound the total");
  }
  if (maxGroupPercent !== undefined)
    name(
      `safety.maxGroupPercent (${maxGroupPercent})`,
      'FIS does not know the size of an Auto Scaling group, so it cannot refuse touching more than that share of one',
    );
  const instances = targets.some((t) => t.resourceType === 'aws:ec2:instance');
  if (instances && !safety.allowLastHealthy)
    name('safety.allowLastHealthy (false)', 'FIS does not check instance health, so a template can stop every healthy instance of a group');
  // The most zones the targets can span: a zone filter's values, or one per instance when their count is bounded.
  const zones = new Set<string>();
  let spread = 0;
  const confined = targets.every((t, i) => {
    const filter = t.filters?.find((f) => ZONE_PATHS.has(f.path));
    for (const z of filter?.values ?? []) zones.add(z);
    const bound = bounds[i];
    if (filter === undefined && t.resourceType === 'aws:ec2:instance' && bound !== undefined) spread += bound;
    return filter !== undefined || (t.resourceType === 'aws:ec2:instance' && bound !== undefined);
  });
  if (!confined || zones.size + spread > safety.maxZones)
    name(
      `safety.maxZones (${safety.maxZones})`,
      `the targets are not confined to ${safety.maxZones === 1 ? 'one Availability Zone' : `${safety.maxZones} Availability Zones`} by a zone filter or a count of instances`,
    );
  return out;
}

/**
 * The FIS template for an experiment's faults: each expressible fault becomes a target and an action, a `startAfter`
 * offset becomes an `aws:fis:wait` before it, a stop of instances with a `duration` starts them again after it, and
 * alarm stop conditions become FIS stop conditions. Everything else is listed in `unexpressed`.
 */
export function toFisTemplate(e: Experiment, ctx: ExportContext): { template: FisTemplateBody; unexpressed: Unexpressed[] } {
  const targets: Record<string, FisTargetBody> = {};
  const actions: Record<string, FisActionBody> = {};
  const unexpressed: Unexpressed[] = [];
  const needAccount = (what: string): string => {
    if (ctx.account === undefined)
      throw new GamedayError(
        ErrorCode.InvalidArgument,
        `${what} needs the account id for its ARN: pass --account or list exactly one account in environment.allowedAccountIds.`,
        { exitCode: ExitCode.InvalidInput },
      );
    return ctx.account;
  };
  for (const fault of e.faults) {
    const what = `fault '${fault.name}' (${fault.action})`;
    const name = fisName(fault.name);
    const args = (fault.args ?? {}) as Record<string, unknown>;
    let target: FisTargetBody;
    let type: string;
    let mapped: ReturnType<typeof fisActionFor>;
    if (fault.action === 'aws.scenario.az-outage') {
      // The zone's instances are expressible; its databases are chosen by where their primary runs, which FIS cannot select on.
      type = 'aws:ec2:instance';
      target = {
        resourceType: type,
        resourceTags: args.instanceTags as Record<string, string>,
        filters: [{ path: 'Placement.AvailabilityZone', values: [String(args.availabilityZone)] }],
        selectionMode: 'ALL',
      };
      mapped =
        args.instances === 'terminate'
          ? { actionId: 'aws:ec2:terminate-instances', key: 'Instances' }
          : { actionId: 'aws:ec2:stop-instances', key: 'Instances' };
      if (args.connectivity !== false)
        unexpressed.push({
          what: `${what}, its subnets' connectivity`,
          reason: "FIS cuts subnets it selects by tag or ARN; tag the zone's subnets and add an aws:network:disrupt-connectivity action on them",
        });
      if (args.capacity !== false)
        unexpressed.push({
          what: `${what}, its groups' subnets`,
          reason: 'FIS keeps groups out of a zone with aws:ec2:asg-insufficient-instance-capacity-error on the tagged groups, not by changing their subnets',
        });
      if (args.failoverDatabases !== false)
        unexpressed.push({
          what: `${what}, its database failovers`,
          reason: 'FIS selects databases by ARN or tag, not by the zone of their primary; add an aws.rds.failover fault naming them',
        });
    } else {
      const spec = fault.targets;
      type = spec?.type ?? (fault.action.startsWith('aws.rds.') ? 'aws:rds:db' : 'aws:ec2:instance');
      mapped = ssmActionFor(fault, ctx, needAccount) ?? fisActionFor(fault, type);
      if (typeof mapped === 'string') {
        unexpressed.push({ what, reason: mapped });
        continue;
      }
      if (spec === undefined) {
        unexpressed.push({ what, reason: 'it names no targets' });
        continue;
      }
      const arn = ARN_SERVICE[type];
      if (spec.ids !== undefined && arn === undefined) {
        unexpressed.push({ what, reason: `FIS targets of type ${type} by id are not supported by this export` });
        continue;
      }
      target = {
        resourceType: type,
        ...(spec.ids === undefined || arn === undefined ? {} : { resourceArns: spec.ids.map((id) => arn(ctx.region, needAccount(what), id)) }),
        ...(spec.tags === undefined ? {} : { resourceTags: spec.tags }),
        ...(spec.filters === undefined ? {} : { filters: spec.filters }),
        selectionMode: selectionMode(spec.selection),
      };
      if (target.resourceArns === undefined && target.resourceTags === undefined) {
        unexpressed.push({ what, reason: 'FIS needs resource ARNs or tags; this fault selects by filters alone' });
        continue;
      }
      if (args.force === true) unexpressed.push({ what: `${what}, force: true`, reason: 'FIS stops instances without forcing' });
      if (spec.selection.mode === 'PERCENT') {
        // FIS User Guide, "Targets for AWS FIS", Selection mode: PERCENT(n) rounds down, and a share below one resource
        // selects nothing, which fails the experiment. gameday rounds up and takes at least one.
        unexpressed.push({
          what: `${what}, selection: PERCENT(${spec.selection.percent})`,
          reason:
            'FIS rounds the share down (a share below one resource selects nothing and fails the experiment) where gameday rounds up, so FIS may act on fewer targets than gameday plan shows',
          // run --via-fis pins the template to the resources gameday's own selection chose.
          keptByGameday: true,
        });
      }
    }
    const optIn = withOptIn(target, e.safety.requireTags, what);
    if (optIn.unexpressed !== undefined) {
      unexpressed.push(optIn.unexpressed);
      if (optIn.unexpressed.keptByGameday !== true) continue;
    }
    targets[name] = target;
    const action: FisActionBody = {
      actionId: mapped.actionId,
      targets: { [mapped.key]: name },
      ...(mapped.parameters === undefined ? {} : { parameters: { ...mapped.parameters } }),
    };
    if (fault.duration !== undefined) {
      if (mapped.actionId === 'aws:ec2:stop-instances') action.parameters = { ...action.parameters, startInstancesAfterDuration: isoDuration(fault.duration) };
      else if (mapped.actionId !== SSM_SEND_COMMAND)
        unexpressed.push({ what: `${what}, duration ${isoDuration(fault.duration)}`, reason: `${mapped.actionId} has nothing to undo after a duration` });
    }
    // FIS ends an experiment whose document ran as completed, whatever it touched; `run --via-fis` runs one FIS fault.
    const checked = FIS_DOCUMENT_ACTIONS.find((d) => d.id === fault.action)?.effect(args).checkedByDefault === true;
    if (fault.verify !== false && (fault.verify !== undefined || checked))
      unexpressed.push({
        what: `${what}, its check that it took effect`,
        reason: 'FIS does not check that an action had an effect a probe could see; write verify: false to go without the check',
      });
    if (fault.startAfter > 0) {
      actions[`${name}-wait`] = { actionId: 'aws:fis:wait', parameters: { duration: isoDuration(fault.startAfter) } };
      action.startAfter = [`${name}-wait`];
    }
    actions[name] = action;
  }
  unexpressed.push(...unexpressedSafety(e.safety, Object.values(targets)));
  const stopConditions: FisTemplateBody['stopConditions'] = [];
  for (const [i, s] of e.stopConditions.entries()) {
    if (s.alarm !== undefined) {
      stopConditions.push({
        source: 'aws:cloudwatch:alarm',
        value: s.alarm.startsWith('arn:') ? s.alarm : `arn:aws:cloudwatch:${ctx.region}:${needAccount(`stop condition on alarm ${s.alarm}`)}:alarm:${s.alarm}`,
      });
    } else
      unexpressed.push({
        what: `stop condition '${s.name ?? `#${i + 1}`}' (probe ${s.probe ?? '?'})`,
        reason: 'FIS stop conditions are CloudWatch alarms; gameday keeps watching it when the run goes through FIS',
        keptByGameday: true,
      });
  }
  for (const r of e.rollbacks) unexpressed.push({ what: `rollback '${r.name}' (${r.action})`, reason: 'FIS undoes only what its actions define' });
  const description = (e.metadata.description ?? e.metadata.name).slice(0, 512);
  return {
    template: {
      description,
      roleArn: ctx.roleArn,
      targets,
      actions,
      stopConditions: stopConditions.length > 0 ? stopConditions : [{ source: 'none' }],
      tags: { 'gameday:experiment': e.metadata.name },
    },
    unexpressed,
  };
}

/** A gameday fault as `fis import` writes it (plain data, the experiment file's spelling). */
export interface ImportedFault {
  name: string;
  action: string;
  startAfter?: string;
  duration?: string;
  args?: Record<string, unknown>;
  targets?: { type?: string; ids?: string[]; tags?: Record<string, string>; filters?: { path: string; values: string[] }[]; selection: string };
}

/** Seconds as gameday writes a duration. */
const secs = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1_000)}s`);

/** FIS's action ids gameday can run natively, and the gameday action each becomes. */
const NATIVE: Record<string, string> = {
  'aws:ec2:stop-instances': 'aws.ec2.stop-instances',
  'aws:ec2:terminate-instances': 'aws.ec2.terminate-instances',
  'aws:ec2:reboot-instances': 'aws.ec2.reboot-instances',
  'aws:rds:failover-db-cluster': 'aws.rds.failover',
  'aws:rds:reboot-db-instances': 'aws.rds.reboot',
};

/**
 * The gameday experiment for a template's faults: each native action becomes a fault on its target, `aws:fis:wait`
 * chains become `startAfter` offsets, `startInstancesAfterDuration` becomes the fault's `duration`, alarms become
 * stop conditions. Actions without a gameday equivalent are listed in `unexpressed`.
 */
export function fromFisTemplate(t: FisTemplateBody): { faults: ImportedFault[]; alarms: string[]; unexpressed: Unexpressed[] } {
  const unexpressed: Unexpressed[] = [];
  // Each action's start and end offsets, following startAfter (FIS starts an action when all it follows have ended).
  const ends = new Map<string, number>();
  const starts = new Map<string, number>();
  const lengthOf = (a: FisActionBody): number => parseIsoDuration(a.parameters?.duration) ?? parseIsoDuration(a.parameters?.startInstancesAfterDuration) ?? 0;
  const visit = (name: string, seen: Set<string>): number => {
    const known = ends.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) throw new GamedayError(ErrorCode.InvalidFisTemplate, `actions.${name}.startAfter forms a cycle.`, { exitCode: ExitCode.InvalidInput });
    const a = t.actions[name];
    if (a === undefined)
      throw new GamedayError(ErrorCode.InvalidFisTemplate, `An action starts after '${name}', which the template does not define.`, {
        exitCode: ExitCode.InvalidInput,
      });
    const start = Math.max(0, ...(a.startAfter ?? []).map((p) => visit(p, new Set([...seen, name]))));
    starts.set(name, start);
    ends.set(name, start + lengthOf(a));
    return start + lengthOf(a);
  };
  const faults: ImportedFault[] = [];
  for (const [name, a] of Object.entries(t.actions)) {
    visit(name, new Set());
    if (a.actionId === 'aws:fis:wait') continue;
    const ssm = a.actionId === SSM_SEND_COMMAND ? ssmFaultOf(a) : undefined;
    if (typeof ssm === 'string') {
      unexpressed.push({ what: `action '${name}' (${a.actionId})`, reason: ssm });
      continue;
    }
    const native = ssm?.action ?? NATIVE[a.actionId];
    const what = `action '${name}' (${a.actionId})`;
    if (native === undefined) {
      unexpressed.push({ what, reason: 'gameday has no native equivalent; keep it in FIS and run the template with aws.fis.experiment' });
      continue;
    }
    const targetName = Object.values(a.targets ?? {})[0];
    const target = targetName === undefined ? undefined : t.targets[targetName];
    if (target === undefined) {
      unexpressed.push({ what, reason: 'it names no target' });
      continue;
    }
    const forceFailover = a.parameters?.forceFailover === 'true';
    const action = native === 'aws.rds.reboot' && forceFailover ? 'aws.rds.failover' : native;
    const fault: ImportedFault = {
      name:
        name
          .replace(/[^A-Za-z0-9_-]/g, '-')
          .replace(/^[^A-Za-z]+/, '')
          .slice(0, 63) || 'fault',
      action,
      targets: {
        ...(target.resourceType === (action.startsWith('aws.rds.') ? 'aws:rds:db' : 'aws:ec2:instance') ? {} : { type: target.resourceType }),
        ...(target.resourceArns === undefined ? {} : { ids: target.resourceArns.map(arnId) }),
        ...(target.resourceTags === undefined ? {} : { tags: target.resourceTags }),
        ...(target.filters === undefined ? {} : { filters: target.filters }),
        selection: target.selectionMode,
      },
    };
    const start = starts.get(name) ?? 0;
    if (start > 0) fault.startAfter = secs(start);
    const restart = parseIsoDuration(a.parameters?.startInstancesAfterDuration);
    if (restart !== undefined) fault.duration = secs(restart);
    if (ssm !== undefined) {
      fault.args = ssm.args;
      if (ssm.duration !== undefined) fault.duration = secs(ssm.duration);
    }
    faults.push(fault);
  }
  const alarms = t.stopConditions.filter((s) => s.source === 'aws:cloudwatch:alarm' && s.value !== undefined).map((s) => arnId(s.value ?? ''));
  return { faults, alarms, unexpressed };
}

/**
 * The gameday fault an aws:ssm:send-command action becomes: the specific action for an AWSFIS document (its
 * DurationSeconds the fault's duration), aws.ssm.send-command for any other; or why it cannot be imported.
 */
function ssmFaultOf(a: FisActionBody): { action: string; args: Record<string, unknown>; duration: number | undefined } | string {
  const arn = a.parameters?.documentArn ?? '';
  const document = /^arn:aws[a-z-]*:ssm:[a-z0-9-]*:\d{0,12}:document\/(.+)$/.exec(arn)?.[1];
  if (document === undefined) return `its documentArn '${arn}' is not an SSM document ARN`;
  let parameters: Record<string, string> = {};
  if (a.parameters?.documentParameters !== undefined) {
    try {
      const parsed = JSON.parse(a.parameters.documentParameters) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      parameters = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return 'its documentParameters is not a JSON object';
    }
  }
  const duration = parseIsoDuration(a.parameters?.duration);
  const aws = /::document\/AWSFIS-/.test(arn);
  const mapping = aws ? FIS_DOCUMENT_ACTIONS.find((d) => d.fis.documents.includes(document)) : undefined;
  if (mapping !== undefined) {
    const { DurationSeconds, ...rest } = parameters;
    const seconds = DurationSeconds === undefined ? undefined : Number(DurationSeconds) * 1_000;
    return {
      action: mapping.id,
      args: mapping.fis.fromParameters(document, rest),
      duration: seconds !== undefined && Number.isFinite(seconds) ? seconds : duration,
    };
  }
  return {
    action: 'aws.ssm.send-command',
    args: {
      // An AWS-owned document by name; one with an account (the user's own, or shared with them) by its ARN.
      documentName: /::document\//.test(arn) ? document : arn,
      ...(a.parameters?.documentVersion === undefined ? {} : { documentVersion: a.parameters.documentVersion }),
      ...(Object.keys(parameters).length === 0 ? {} : { parameters }),
      cancelOnUndo: true,
    },
    duration,
  };
}
