import { z } from 'zod';
import type { Registry } from '../registry/registry.js';
import { safetyPolicy } from './safety-policy.js';
import { awsRegion, describe, duration, fraction, selection, stepName } from './fields.js';

/** The experiment format version this build reads. */
export const API_VERSION = 'gameday/v1';

const metadata = z.strictObject({
  name: stepName().meta({ description: 'Short identifier of the experiment; used in journals and reports.' }),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
});

// Unquoted, YAML reads an account id as a number and drops its leading zeros, so a number is refused with the fix.
const accountId = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number'
        ? `an AWS account id must be quoted, as in ["123456789012"]: unquoted, YAML reads it as the number ${iss.input} (dropping any leading zero)`
        : `expected an AWS account id (12 digits, quoted), got ${describe(iss.input)}`,
  })
  .regex(/^\d{12}$/, { error: 'an AWS account id is 12 digits' });

const environment = z
  .strictObject({
    type: z.enum(['sim', 'localstack', 'aws']).default('sim').meta({
      description: 'Where faults go. `sim` (the default) is the simulated region on loopback; `aws` is a live account.',
    }),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS region such as 'us-east-1'" })
      .optional()
      .meta({ description: 'AWS region; default AWS_REGION, then us-east-1 (the simulated region’s).' }),
    allowedAccountIds: z.array(accountId).default([]),
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/gameday' })
      .optional()
      .meta({ description: 'Assume this role for every call (a target account); the session is named gameday-<run id>, so CloudTrail shows the run.' }),
    externalId: z.string().min(2).max(1224).optional().meta({ description: 'External id the role’s trust policy requires.' }),
    fisRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/gameday-fis' })
      .optional()
      .meta({ description: 'The FIS service role of templates gameday writes (fis export, run --via-fis); infra/iam/fis-service-role.yaml creates one.' }),
    profile: z
      .string()
      .regex(/^[\w+=,.@-]{1,128}$/, { error: 'expected a profile name of ~/.aws/config, such as prod-chaos' })
      .optional()
      .meta({
        description:
          'aws only: named profile (~/.aws/config, SSO profiles included) of the credentials; default AWS_PROFILE, then the SDK’s default chain. With roleArn, the profile’s credentials assume the role.',
      }),
    retryMode: z.enum(['standard', 'adaptive']).optional().meta({
      description:
        'SDK retry mode of every AWS call; default adaptive for aws (backs off client-side when throttled, sparing the production workload’s share of the API limits), standard for sim and localstack.',
    }),
    maxAttempts: z.number().int().min(1).max(10).optional().meta({ description: 'Attempts per AWS call, the first included; default 3.' }),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .meta({
        description: 'Endpoint of every AWS service (LocalStack, a running `gameday sim`); default: the SDK’s, or an in-process simulated region for sim.',
      }),
    speed: z.number().positive().max(1_000).default(1).meta({ description: 'sim only: divides every AWS duration (60 runs a minute of AWS time per second).' }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({
        description:
          "sim only: seed of the simulated region's timing draws (docs/fidelity.md); default random, recorded in the journal so a run can be replayed.",
      }),
    topology: z.string().optional().meta({ description: 'sim only: topology file, relative to the experiment; default the reference architecture.' }),
  })
  .default({ type: 'sim', allowedAccountIds: [], speed: 1 });

const targets = z
  .strictObject({
    type: z.string().optional().meta({ description: 'Resource type, FIS spelling (e.g. aws:ec2:instance); defaults to the action’s.' }),
    ids: z.array(z.string().min(1)).min(1).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    filters: z.array(z.strictObject({ path: z.string().min(1), values: z.array(z.string()).min(1) })).optional(),
    selection: selection().default({ mode: 'ALL' }),
  })
  .refine((t) => t.ids !== undefined || t.tags !== undefined || t.filters !== undefined, {
    error: 'targets must name ids, tags or filters; gameday never selects everything implicitly',
  });

const recovery = z
  .strictObject({
    stableFor: duration().default(10_000).meta({ description: 'How long every probe must stay within tolerance to count as recovered.' }),
    timeout: duration().default(300_000).meta({ description: 'Give up waiting for recovery after this long (from the first injection).' }),
    observeAtLeast: duration().default(0).meta({ description: 'Never declare recovery sooner than this after the last injection.' }),
  })
  .default({ stableFor: 10_000, timeout: 300_000, observeAtLeast: 0 });

const steadyState = z
  .strictObject({
    samples: z.number().int().min(1).max(1_000).default(3),
    timeout: duration().default(30_000),
  })
  .default({ samples: 3, timeout: 30_000 });

const rpo = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    if (value === 0 || (typeof value === 'string' && /^\s*0\s*$/.test(value))) return { writes: 0 };
    const writes = typeof value === 'string' ? /^\s*(\d+)\s*writes?\s*$/.exec(value) : null;
    if (writes !== null) return { writes: Number(writes[1]) };
    const d = typeof value === 'string' ? duration().safeParse(value) : undefined;
    if (d?.success === true) return { ms: d.data };
    ctx.addIssue({ code: 'custom', message: `'${String(value)}' is not an RPO (use a count such as '0 writes' or a duration such as 5s)`, input: value });
    return z.NEVER;
  })
  .meta({ description: "Recovery point objective: lost writes ('0 writes') or a window of writes (5s)." });

const objectiveProbes = z.array(z.string()).min(1).meta({
  description:
    'Probes this objective is measured on; default objectives.probes, else every probe (rto, rpo) the request probes: http, http.journey, tcp, dns, sql (maxErrorRate), the request probes but journeys (maxP99Latency), or the journey probes (minJourneySuccessRate, maxJourneyP99).',
});

const objectiveWindow = z.string().min(1).meta({
  description:
    "Measure over one method step instead of the fault window: a fault's name (from its start to its end, as journaled, such as a release rolling out) or 'method' (the whole method phase).",
});

const objectives = z.strictObject({
  rto: z
    .union([duration(), z.strictObject({ within: duration(), probes: objectiveProbes.optional() })])
    .optional()
    .meta({ description: 'Recovery time objective: injection to the start of the first stable window of its probes (3m, or { within: 3m, probes: [...] }).' }),
  rpo: rpo.optional(),
  maxErrorRate: z
    .union([fraction(), z.strictObject({ max: fraction(), probes: objectiveProbes.optional(), during: objectiveWindow.optional() })])
    .optional()
    .meta({
      description:
        'Largest share of the fault window (or of the `during` window) its probes (default: the request probes) may be out of tolerance (1%, or { max: 1%, probes: [...], during: release }).',
    }),
  maxP99Latency: z
    .union([duration(), z.strictObject({ max: duration(), probes: objectiveProbes.optional(), during: objectiveWindow.optional() })])
    .optional()
    .meta({
      description:
        'Largest p99 request latency allowed during the fault (or the `during` window), on request probes only, not journeys (500ms, or { max: 500ms, probes: [...], during: release }).',
    }),
  minJourneySuccessRate: z
    .union([fraction(), z.strictObject({ min: fraction(), probes: objectiveProbes.optional(), during: objectiveWindow.optional() })])
    .optional()
    .meta({
      description:
        'Smallest share of the fault window (or of the `during` window) in which its journey probes (default: every http.journey probe) completed their journeys (99%, or { min: 99%, probes: [...], during: release }).',
    }),
  maxJourneyP99: z
    .union([duration(), z.strictObject({ max: duration(), probes: objectiveProbes.optional(), during: objectiveWindow.optional() })])
    .optional()
    .meta({
      description:
        'Largest p99 of whole-journey latency (journeys that completed every step, those over their limit included) allowed during the fault (or the `during` window), on journey probes only (800ms, or { max: 800ms, probes: [...], during: release }).',
    }),
  rolledBackWithin: z
    .union([duration(), z.strictObject({ within: duration(), step: stepName().optional() })])
    .optional()
    .meta({
      description:
        "Longest time from a release step's start to the rollback its action reports (`rolledBackAt` in its output, as aws.asg.instance-refresh gives it): 10m, or { within: 10m, step: release }; the step defaults to the only fault. Fails when the release never rolled back.",
    }),
  switchover: z
    .strictObject({
      probe: z.string().meta({ description: 'The probe whose answers (a dns probe) or serving address (http or sql through a resolver) must change.' }),
      within: duration().meta({ description: 'Longest time allowed from the injection to the change.' }),
      to: z.string().optional().meta({ description: 'The value or address it must change to; any change counts when absent.' }),
    })
    .optional()
    .meta({ description: 'Failover time: how soon after the injection a probe sees the switch to the other site or primary.' }),
  probes: z.array(z.string()).min(1).optional().meta({
    description:
      'Default probes of the objectives that do not name their own (a latency objective keeps only the request probes among them); default: see each objective.',
  }),
});

const stopCondition = z
  .strictObject({
    name: stepName().optional(),
    probe: z.string().optional().meta({ description: 'A declared probe whose results the condition watches.' }),
    errorRateAbove: fraction().optional(),
    p99LatencyAbove: duration().optional(),
    failingFor: duration().optional(),
    window: duration().default(30_000),
    alarm: z.string().min(1).optional().meta({ description: 'A CloudWatch alarm (DescribeAlarms): the run aborts when it is in ALARM.' }),
    pollInterval: duration().default(10_000).meta({ description: 'How often an alarm is read.' }),
  })
  .refine((s) => (s.probe === undefined) !== (s.alarm === undefined), { error: 'a stop condition watches either a probe or an alarm' })
  .refine((s) => s.alarm !== undefined || [s.errorRateAbove, s.p99LatencyAbove, s.failingFor].filter((v) => v !== undefined).length === 1, {
    error: 'a stop condition needs exactly one of errorRateAbove, p99LatencyAbove or failingFor',
  })
  .refine((s) => s.alarm === undefined || [s.errorRateAbove, s.p99LatencyAbove, s.failingFor].every((v) => v === undefined), {
    error: 'an alarm stop condition trips on the alarm state alone: drop errorRateAbove, p99LatencyAbove and failingFor',
  });

/** The Region an activity acts in, when not the environment's: its AWS calls are signed for it. */
const activityRegion = () =>
  awsRegion().optional().meta({ description: "The AWS Region it acts in (its regional calls are signed for it); default: the environment's Region." });
const probeCommon = {
  name: stepName(),
  description: z.string().optional(),
  region: activityRegion(),
  interval: duration().default(1_000).meta({ description: 'Steady-state sampling interval.' }),
  fastInterval: duration().optional().meta({ description: 'Interval used around state changes; default interval/40, at least 10ms.' }),
};
const faultCommon = {
  name: stepName(),
  description: z.string().optional(),
  region: activityRegion(),
  startAfter: duration().default(0).meta({ description: 'Offset from the start of the method phase.' }),
  duration: duration().optional().meta({ description: 'Undo this fault (run its automatic rollback) after this long.' }),
  verify: z
    .union([
      z.literal(false),
      z.strictObject({
        probes: z
          .array(stepName())
          .min(1)
          .optional()
          .meta({ description: 'The probes on the degraded path, one of which must see it; default: every probe that times requests.' }),
        within: duration().optional().meta({ description: 'How long after it landed a probe must have seen it; default: the whole time it is in place.' }),
        slowerBy: duration().optional().meta({
          description:
            "A sample this much slower than its probe's steady-state median (wall ms) sees it; default: the action's (half a latency fault's delay, 200 ms for loss).",
        }),
      }),
    ])
    .optional()
    .meta({
      description:
        'Checks that a degradation took effect: a probe must see it (a failed sample, or one slower than its steady state by slowerBy), else the run is invalid-fault. On by default for network latency, loss and blackholes; `false` turns it off; an object turns it on for any action.',
    }),
};
const rollbackCommon = { name: stepName(), description: z.string().optional(), region: activityRegion() };

function experiment<P extends z.ZodType, F extends z.ZodType, R extends z.ZodType>(probe: P, fault: F, rollback: R) {
  return z.strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be '${API_VERSION}'` }),
    kind: z.literal('Experiment').default('Experiment'),
    metadata,
    environment,
    steadyState,
    probes: z.array(probe).min(1, { error: 'at least one steady-state probe is needed to measure anything' }),
    faults: z.array(fault).min(1, { error: 'at least one fault is needed' }),
    recovery,
    objectives: objectives.default({}),
    stopConditions: z.array(stopCondition).default([]),
    safety: safetyPolicy,
    rollbacks: z.array(rollback).default([]),
  });
}

/** The shape of every experiment, with registry-specific parts left open; gives the static types. */
const genericExperiment = experiment(
  z.strictObject({ ...probeCommon, probe: z.string(), args: z.unknown(), tolerance: z.unknown().optional() }),
  z.strictObject({ ...faultCommon, action: z.string(), args: z.unknown(), targets: targets.optional() }),
  z.strictObject({ ...rollbackCommon, action: z.string(), args: z.unknown() }),
);

export type Experiment = z.output<typeof genericExperiment>;
export type ProbeSpec = Experiment['probes'][number];
export type FaultSpec = Experiment['faults'][number];
export type RollbackSpec = Experiment['rollbacks'][number];
export type Objectives = Experiment['objectives'];
export type StopConditionSpec = Experiment['stopConditions'][number];
export type EnvironmentSpec = Experiment['environment'];

/** The objectives that may name their own probes. */
export const PROBED_OBJECTIVES = ['rto', 'rpo', 'maxErrorRate', 'maxP99Latency', 'minJourneySuccessRate', 'maxJourneyP99'] as const;
export type ProbedObjective = (typeof PROBED_OBJECTIVES)[number];

/** The window `during` names the method phase rather than one of its steps. */
export const METHOD_WINDOW = 'method';

/** An objective's target (AWS time for durations), the probes and the window it named, whichever way it was written. */
export function objectiveTarget(o: Objectives, objective: Exclude<ProbedObjective, 'rpo'>): { target: number; probes?: string[]; during?: string } | undefined {
  const v = o[objective];
  if (v === undefined) return undefined;
  if (typeof v === 'number') return { target: v };
  const target = 'within' in v ? v.within : 'min' in v ? v.min : v.max;
  const during = 'during' in v && v.during !== undefined ? { during: v.during } : {};
  return v.probes === undefined ? { target, ...during } : { target, probes: v.probes, ...during };
}

/** The rolledBackWithin objective's limit (AWS time) and the step it names, if any, whichever way it was written. */
export function rolledBackTarget(o: Objectives): { within: number; step?: string } | undefined {
  const v = o.rolledBackWithin;
  if (v === undefined) return undefined;
  if (typeof v === 'number') return { within: v };
  return v.step === undefined ? { within: v.within } : { within: v.within, step: v.step };
}

function union(key: string, variants: z.ZodObject[]): z.ZodType {
  const [first, ...rest] = variants;
  if (first === undefined) return z.never();
  return rest.length === 0 ? first : z.discriminatedUnion(key, [first, ...rest]);
}

/**
 * Builds the experiment schema from the registry: the validator and `gameday schema` both use what this returns,
 * so the JSON Schema an editor completes against is the one files are checked with.
 */
export function buildExperimentSchema(registry: Registry): z.ZodType<Experiment, unknown> {
  const probes = registry.probes.map((p) =>
    z
      .strictObject({ ...probeCommon, probe: z.literal(p.id), args: p.args.prefault({}), tolerance: p.tolerance.optional() })
      .meta({ title: p.id, description: p.summary }),
  );
  const faults = registry.actions.map((a) =>
    z
      .strictObject({
        ...faultCommon,
        action: z.literal(a.id),
        args: a.args.prefault({}),
        ...(a.targetType === undefined ? {} : { targets: targets.meta({ description: `Which ${a.targetType} resources to act on.` }) }),
      })
      .meta({ title: a.id, description: a.summary }),
  );
  const rollbacks = registry.actions.map((a) =>
    z.strictObject({ ...rollbackCommon, action: z.literal(a.id), args: a.args.prefault({}) }).meta({ title: a.id, description: a.summary }),
  );
  return experiment(union('probe', probes), union('action', faults), union('action', rollbacks)) as unknown as z.ZodType<Experiment, unknown>;
}

/** The JSON Schema (draft 2020-12) of the experiment file, as an editor reads it. */
export function experimentJsonSchema(registry: Registry): Record<string, unknown> {
  const schema = z.toJSONSchema(buildExperimentSchema(registry), { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return { ...schema, $id: 'https://gameday.dev/schema/experiment-v1.json', title: 'gameday experiment' };
}
