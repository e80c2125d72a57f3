import { z } from 'zod';
import { ExitCode } from '../errors/gameday-error.js';
import type { Bracket } from './bracket.js';
import type { Measurement } from './measurement.js';
import type { Sample } from './sampler.js';

/** Version tag of the journal document. Readers refuse versions they do not know. */
export const JOURNAL_SCHEMA = 'gameday.journal/v1';

/** The closed set of verdicts. */
export const VERDICTS = [
  'passed',
  'failed-objective',
  'not-recovered',
  'not-steady',
  'aborted',
  'errored',
  'invalid-fault',
  'refused',
  'rollback-failed',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Exit code of each verdict, as documented in the README: 0 passed; 1 an objective missed, not recovered or not steady;
 * 3 aborted; 4 errored or a fault that did not land; 5 refused by a guard; 7 a rollback that failed past its retries
 * (a fault may still be in place: it outranks every other verdict).
 */
export function exitCodeFor(verdict: Verdict): ExitCode {
  switch (verdict) {
    case 'passed':
      return ExitCode.Passed;
    case 'failed-objective':
    case 'not-recovered':
    case 'not-steady':
      return ExitCode.Failed;
    case 'aborted':
      return ExitCode.Aborted;
    case 'errored':
    case 'invalid-fault':
      return ExitCode.Error;
    case 'refused':
      return ExitCode.Refused;
    case 'rollback-failed':
      return ExitCode.RollbackFailed;
  }
}

const TIME_BASE = 'wall-clock ms; AWS-equivalent = × environment.speed';
const ms = z.number().meta({ description: `Instant: ${TIME_BASE}, since the run started (monotonic clock).` });
const bracketSchema = z
  .object({ value: z.number(), lower: z.number(), upper: z.number() })
  .meta({ description: 'Best estimate with the bounds the samples allow; uncertainty is half of upper − lower.' });
const instant = (what: string) => bracketSchema.nullable().meta({ description: `${what}: ${TIME_BASE}, since the run started.` });
const duration = (what: string) => bracketSchema.meta({ description: `${what}: ${TIME_BASE}.` });
const rle = <T extends z.ZodType>(item: T) =>
  z.array(z.tuple([item, z.number().int().min(1)])).meta({ description: 'Run-length encoded: [value, repeat count] pairs.' });
const latencySchema = z
  .object({ count: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() })
  .nullable()
  .meta({ description: 'Response-time percentiles, wall-clock ms never scaled: a request takes what it takes at any speed.' });

const callSchema = z.object({
  service: z.string(),
  region: z.string().optional().meta({ description: 'The AWS Region the call was signed for.' }),
  operation: z.string(),
  request: z.record(z.string(), z.unknown()),
  startedAt: ms,
  endedAt: ms,
  mutating: z.boolean(),
  ok: z.boolean(),
  response: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().optional(),
  error: z.object({ name: z.string(), message: z.string(), fault: z.string().optional() }).optional(),
});

export const activitySchema = z.object({
  kind: z.enum(['fault', 'fault-end', 'rollback', 'auto-rollback']),
  name: z.string(),
  action: z.string(),
  args: z.unknown(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  startedAt: ms.nullable(),
  endedAt: ms.nullable(),
  output: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  attempts: z
    .number()
    .int()
    .min(2)
    .optional()
    .meta({ description: 'How many times a rollback was tried (absent when once): a failure that may pass is retried with backoff up to its deadline.' }),
  calls: z.array(callSchema),
  effect: z
    .object({
      expected: z.string().meta({ description: 'What the degradation does to a request that crosses it.' }),
      seen: z.boolean().nullable().meta({ description: 'Whether a probe saw it while it was in place (null: no probe times requests, so unchecked).' }),
      probe: z.string().optional().meta({ description: 'The probe that saw it first.' }),
      at: ms.optional().meta({ description: `When that probe's sample started: ${TIME_BASE}, since the run started.` }),
      detail: z.string(),
    })
    .optional()
    .meta({ description: "For a degradation fault: whether it took effect. Unseen, the run's verdict is invalid-fault." }),
});

/**
 * An undo that failed past its retries: what may still be faulted, and all that finishing it needs. The journal is
 * the durable record of a run that had no queue (`gameday undo` reads it).
 */
export const outstandingUndoSchema = z.object({
  kind: z
    .enum(['auto-rollback', 'fault-end', 'rollback'])
    .meta({ description: "'auto-rollback' or 'fault-end': a fault's automatic undo; 'rollback': one of the experiment's rollbacks." }),
  fault: z.string().meta({ description: 'The fault whose undo this is, or the name of the experiment rollback.' }),
  action: z.string(),
  resources: z.array(z.string()).meta({ description: 'What may still be faulted: the fault’s targets, else the resources its calls named.' }),
  region: z.string().optional().meta({ description: 'The Region the undo must run in.' }),
  args: z.unknown().meta({ description: 'The arguments as the action received them (secrets redacted).' }),
  result: z
    .object({ output: z.record(z.string(), z.unknown()) })
    .optional()
    .meta({ description: "The fault's result its automatic undo starts from (secrets redacted)." }),
  error: z.object({ code: z.string(), message: z.string() }),
  attempts: z.number().int().min(1),
  firstAttemptAt: ms,
  lastAttemptAt: ms,
});

const probeMeasurementSchema = z.object({
  samples: z.number(),
  failedSamples: z.number(),
  fastSamples: z.number(),
  sampleErrorRate: z.number().nullable(),
  errorRate: bracketSchema.nullable(),
  downtime: duration('Time this probe was out of tolerance within the fault window'),
  transitions: z.array(
    z.object({ to: z.enum(['ok', 'failing']), at: bracketSchema.meta({ description: `When the probe changed state: ${TIME_BASE}, since the run started.` }) }),
  ),
  valueChanges: z
    .array(z.object({ from: z.union([z.string(), z.number(), z.boolean()]), to: z.union([z.string(), z.number(), z.boolean()]), at: bracketSchema }))
    .meta({ description: 'Changes of the observed value (DNS answers, a status), in tolerance or not; at most 100.' }),
  endpointChanges: z
    .array(z.object({ from: z.union([z.string(), z.number(), z.boolean()]), to: z.union([z.string(), z.number(), z.boolean()]), at: bracketSchema }))
    .default([])
    .meta({ description: 'Changes of the address that served a probe resolving names through a `resolver` (a DNS failover as a client saw it); at most 100.' }),
  latency: z.object({ before: latencySchema, during: latencySchema, after: latencySchema }),
});

/** Objective outcomes: `not-evaluated` when the run was aborted before the objective could be judged. */
export const OBJECTIVE_STATUSES = ['pass', 'fail', 'not-evaluated'] as const;

export const objectiveResultSchema = z.object({
  objective: z.enum(['rto', 'rpo', 'maxErrorRate', 'maxP99Latency', 'minJourneySuccessRate', 'maxJourneyP99', 'switchover', 'rolledBackWithin']),
  target: z.number(),
  unit: z.enum(['ms', 'ratio', 'writes']),
  timeBase: z.enum(['aws', 'real']).optional().meta({
    description:
      "For unit ms: 'aws' when target, measured, uncertainty and margin are AWS time as declared in the experiment (wall-clock ms × environment.speed; see `wall`), 'real' for latencies, which are never scaled.",
  }),
  wall: z
    .object({ target: z.number(), measured: z.number().nullable() })
    .optional()
    .meta({ description: "For timeBase 'aws': target and measured in wall-clock ms (AWS time ÷ environment.speed)." }),
  probes: z.array(z.string()).optional().meta({ description: 'The probes this objective was measured on.' }),
  during: z
    .object({ step: z.string(), start: ms, end: ms })
    .optional()
    .meta({ description: "The window it was measured over when not the fault window: a method step ('method' for the whole phase) as journaled." }),
  measured: z.number().nullable(),
  uncertainty: z.number().nullable(),
  margin: z.number().nullable().meta({ description: 'target − measured; negative when missed.' }),
  status: z
    .enum(OBJECTIVE_STATUSES)
    .meta({ description: 'pass, fail, or not-evaluated (the run was aborted by the operator or a stop condition before the objective could be judged).' }),
  detail: z.string(),
});

const errorShareSchema = z.object({
  probes: z.array(z.string()).meta({ description: 'The probes this figure covers.' }),
  downtime: duration('Time at least one of these probes was out of tolerance within the fault window'),
  errorRate: bracketSchema.nullable().meta({ description: 'Share of the fault window at least one of these probes was out of tolerance.' }),
  samples: z.number().meta({ description: 'Samples of these probes within the fault window.' }),
  failedSamples: z.number().meta({ description: 'Of those, the samples out of tolerance.' }),
});

/** The journal: one JSON document per run, the only input of every report. */
export const journalSchema = z.object({
  schema: z.literal(JOURNAL_SCHEMA),
  runId: z.string(),
  gameday: z.object({ version: z.string() }),
  experiment: z.object({ file: z.string(), name: z.string(), description: z.string().optional(), tags: z.array(z.string()), spec: z.unknown() }),
  environment: z.object({
    type: z.enum(['sim', 'localstack', 'aws']),
    region: z.string(),
    endpoint: z.string().optional(),
    speed: z.number().meta({ description: 'How many times faster than AWS the simulated region ran (1 elsewhere): AWS-equivalent time = wall time × speed.' }),
    seed: z
      .number()
      .int()
      .optional()
      .meta({ description: "sim only: the seed of the region's timing draws; `gameday run --seed` with it replays the durations." }),
  }),
  startedAt: z.string().meta({ description: 'Wall-clock start, ISO 8601; every other time is ms after it.' }),
  startedAtEpochMs: z.number().meta({ description: 'The same instant in epoch ms with sub-ms precision: epoch of a journal time t = startedAtEpochMs + t.' }),
  endedAt: z.string(),
  durationMs: z.number().meta({ description: 'Wall-clock ms the run took.' }),
  verdict: z.object({
    status: z.enum(VERDICTS),
    reason: z.string(),
    exitCode: z.number().int(),
    otherwise: z
      .object({ status: z.enum(VERDICTS), reason: z.string() })
      .optional()
      .meta({ description: "For 'rollback-failed', which outranks every other verdict: what the run's verdict would have been." }),
  }),
  outstandingUndo: z
    .array(outstandingUndoSchema)
    .optional()
    .meta({ description: 'Undos that failed past their retries, so their faults may still be in place; absent when every undo ran.' }),
  phases: z.array(
    z.object({
      name: z.string(),
      startedAt: ms,
      endedAt: ms.nullable(),
      status: z.enum(['completed', 'failed', 'aborted', 'skipped']),
      detail: z.string().optional(),
    }),
  ),
  targets: z.array(
    z.object({
      fault: z.string(),
      type: z.string(),
      selection: z.string(),
      seed: z.number(),
      candidates: z.number(),
      withoutOptIn: z.number().optional().meta({ description: 'Matching resources left out because they lack the opt-in tags (safety.requireTags).' }),
      selected: z.array(z.object({ id: z.string(), arn: z.string().optional(), tags: z.record(z.string(), z.string()) })),
    }),
  ),
  guards: z
    .array(z.object({ guard: z.string(), status: z.enum(['passed', 'refused']), detail: z.string() }))
    .default([])
    .meta({ description: 'Safety guards checked against the plan before anything ran: account, region, opt-in, caps.' }),
  audit: z
    .object({
      calls: z.array(
        z.object({
          at: z.number().meta({ description: `Instant: ${TIME_BASE}, since the run started.` }),
          durationMs: z.number().meta({ description: 'Wall-clock ms the call took, never scaled (an API call is not sped up).' }),
          service: z.string(),
          region: z.string().optional().meta({ description: 'The AWS Region the call was signed for.' }),
          operation: z.string(),
          mutating: z.boolean(),
          ok: z.boolean(),
          requestId: z.string().optional(),
          attempts: z.number().optional(),
          error: z.object({ name: z.string(), message: z.string() }).optional(),
          request: z.unknown(),
        }),
      ),
      dropped: z.number().meta({ description: 'Calls past the journal’s limit (still in the audit log file).' }),
    })
    .default({ calls: [], dropped: 0 })
    .meta({ description: 'Every AWS call of the run (probes, plan, faults, rollbacks), parameters redacted.' }),
  activities: z.array(activitySchema),
  probes: z.array(
    z.object({
      name: z.string(),
      probe: z.string(),
      from: z.string().optional().meta({ description: 'The client location the probe watched from (its `from:` name, else subnet and address).' }),
      steps: z
        .array(z.string())
        .optional()
        .meta({ description: 'For a journey probe (http.journey), whose every sample is one journey: its steps, in order.' }),
      intervalMs: z.number().meta({ description: `Sampling interval followed: ${TIME_BASE}.` }),
      fastIntervalMs: z.number().meta({ description: `Fast sampling interval followed: ${TIME_BASE}.` }),
      tolerance: z.unknown(),
      report: z
        .object({
          summary: z.string(),
          lostWrites: z.object({ count: z.number(), window: bracketSchema.nullable(), acknowledged: z.number(), duplicates: z.number() }).optional(),
          error: z.string().optional(),
          data: z.record(z.string(), z.unknown()).optional(),
        })
        .optional()
        .meta({ description: 'What the probe concluded after the run (a write ledger: lost and duplicated writes).' }),
      samples: z.object({
        encoding: z.literal('columnar-rle/v1'),
        count: z.number(),
        start: z.array(z.number()).meta({ description: `Request start of each sample: ${TIME_BASE}, since the run started.` }),
        duration: z.array(z.number()).meta({ description: 'Request duration of each sample, wall-clock ms, never scaled.' }),
        latency: z.array(z.number().nullable()).meta({ description: 'Response time of each sample, wall-clock ms, never scaled.' }),
        ok: rle(z.boolean()),
        fast: rle(z.boolean()),
        value: rle(z.union([z.string(), z.number(), z.boolean(), z.null()])),
        reason: rle(z.string().nullable()),
        detail: rle(z.string().nullable())
          .optional()
          .meta({ description: "What each sample said beyond its value (a refresh's progress, the drifted instances); absent when no sample said more." }),
      }),
    }),
  ),
  measurement: z.object({
    measuredProbes: z.array(z.string()),
    injectedAt: instant('The first injection'),
    impactAt: instant('The first failure of a measured probe after the injection'),
    timeToImpact: duration('From the injection to the impact').nullable(),
    recovered: z.boolean(),
    recoveredAt: instant('Start of the first stable window after the injection'),
    timeToRecovery: duration('From the injection to the start of the first stable window').nullable(),
    downtime: duration('Time at least one measured probe was out of tolerance within the fault window'),
    errorRate: bracketSchema.nullable().meta({ description: 'Share of the fault window at least one measured probe was out of tolerance.' }),
    requests: errorShareSchema.nullable().optional().meta({
      description: 'The error rate users met: request probes (http, tcp, dns, sql: those that time a request) out of tolerance; null without such probes.',
    }),
    resourceState: errorShareSchema
      .nullable()
      .optional()
      .meta({ description: 'Resource-state deviation: AWS-state probes (capacity, target health, statuses) out of tolerance; null without such probes.' }),
    faultWindow: z.object({ start: ms, end: ms }).nullable(),
    probes: z.record(z.string(), probeMeasurementSchema),
  }),
  objectives: z.array(objectiveResultSchema),
  stopConditions: z.array(
    z.object({
      name: z.string(),
      probe: z.string().optional(),
      alarm: z.string().optional(),
      condition: z.string(),
      trippedAt: ms.nullable(),
      detail: z.string().optional(),
    }),
  ),
});

export type Journal = z.infer<typeof journalSchema>;
export type ActivityRecord = z.infer<typeof activitySchema>;
export type OutstandingUndo = z.infer<typeof outstandingUndoSchema>;
export type ObjectiveResult = z.infer<typeof objectiveResultSchema>;
export type JournalPhase = Journal['phases'][number];

/** JSON Schema of the journal, published with `gameday schema --journal`. */
export function journalJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(journalSchema, { target: 'draft-2020-12' }), $id: 'https://gameday.dev/schema/journal-v1.json', title: 'gameday journal' };
}

function runLength<T>(values: readonly T[]): [T, number][] {
  const out: [T, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === v) last[1]++;
    else out.push([v, 1]);
  }
  return out;
}

function expand<T>(runs: readonly [T, number][]): T[] {
  return runs.flatMap(([v, n]) => Array<T>(n).fill(v));
}

const round = (n: number): number => Math.round(n * 1_000) / 1_000;

/** Encodes samples relative to the run's origin (monotonic ms) for the journal. */
export function encodeSamples(samples: readonly Sample[], origin: number): Journal['probes'][number]['samples'] {
  const detail = samples.some((s) => s.detail !== undefined) ? { detail: runLength(samples.map((s) => s.detail ?? null)) } : {};
  return {
    encoding: 'columnar-rle/v1',
    count: samples.length,
    start: samples.map((s) => round(s.start - origin)),
    duration: samples.map((s) => round(s.end - s.start)),
    latency: samples.map((s) => (s.latencyMs === undefined ? null : round(s.latencyMs))),
    ok: runLength(samples.map((s) => s.ok)),
    fast: runLength(samples.map((s) => s.fast)),
    value: runLength(samples.map((s) => s.value ?? null)),
    reason: runLength(samples.map((s) => s.reason ?? null)),
    ...detail,
  };
}

/** Decodes journal samples back into samples (times in ms since the run started). */
export function decodeSamples(encoded: Journal['probes'][number]['samples']): Sample[] {
  const ok = expand(encoded.ok);
  const fast = expand(encoded.fast);
  const value = expand(encoded.value);
  const reason = expand(encoded.reason);
  const detail = expand(encoded.detail ?? []);
  return encoded.start.map((start, i) => {
    const sample: Sample = { start, end: start + (encoded.duration[i] ?? 0), ok: ok[i] ?? false, fast: fast[i] ?? false };
    const v = value[i];
    if (v !== null && v !== undefined) sample.value = v;
    const l = encoded.latency[i];
    if (l !== null && l !== undefined) sample.latencyMs = l;
    const r = reason[i];
    if (r !== null && r !== undefined) sample.reason = r;
    const d = detail[i];
    if (d !== null && d !== undefined) sample.detail = d;
    return sample;
  });
}

/** Shifts every time in a measurement so that `origin` becomes 0. */
export function relativeMeasurement(m: Measurement, origin: number, measuredProbes: string[]): Journal['measurement'] {
  const b = (x: Bracket | null): Bracket | null =>
    x === null ? null : { value: round(x.value - origin), lower: round(x.lower - origin), upper: round(x.upper - origin) };
  const d = (x: Bracket): Bracket => ({ value: round(x.value), lower: round(x.lower), upper: round(x.upper) });
  const dn = (x: Bracket | null): Bracket | null => (x === null ? null : d(x));
  const probes: Journal['measurement']['probes'] = {};
  for (const [name, p] of Object.entries(m.probes)) {
    probes[name] = {
      ...p,
      downtime: d(p.downtime),
      transitions: p.transitions.map((t) => ({ to: t.to, at: b(t.at) as Bracket })),
      valueChanges: p.valueChanges.map((c) => ({ ...c, at: b(c.at) as Bracket })),
      endpointChanges: p.endpointChanges.map((c) => ({ ...c, at: b(c.at) as Bracket })),
    };
  }
  return {
    measuredProbes,
    injectedAt: b(m.injectedAt),
    impactAt: b(m.impactAt),
    timeToImpact: dn(m.timeToImpact),
    recovered: m.recovered,
    recoveredAt: b(m.recoveredAt),
    timeToRecovery: dn(m.timeToRecovery),
    downtime: d(m.downtime),
    errorRate: m.errorRate,
    faultWindow: m.faultWindow === null ? null : { start: round(m.faultWindow.start - origin), end: round(m.faultWindow.end - origin) },
    requests: m.requests === null ? null : { ...m.requests, downtime: d(m.requests.downtime) },
    resourceState: m.resourceState === null ? null : { ...m.resourceState, downtime: d(m.resourceState.downtime) },
    probes,
  };
}
