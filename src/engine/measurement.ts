import hdr from 'hdr-histogram-js';
import { bracket, exact, span, type Bracket } from './bracket.js';
import type { Sample } from './sampler.js';

/** A probe changing state, bracketed by the two samples around the change. */
export interface Transition {
  to: 'ok' | 'failing';
  at: Bracket;
}

/** A stretch during which something was out of tolerance. `end` is `null` when it had not ended by the last sample. */
export interface FailingSpan {
  start: Bracket;
  end: Bracket | null;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ProbeMeasurement {
  samples: number;
  failedSamples: number;
  fastSamples: number;
  /** Failed samples over all samples in the fault window (biased up by fast sampling while failing). */
  sampleErrorRate: number | null;
  /** Share of the fault window this probe was out of tolerance. */
  errorRate: Bracket | null;
  downtime: Bracket;
  transitions: Transition[];
  /** Changes of the observed value (DNS answers, a status, a zone), whether or not in tolerance; at most 100. */
  valueChanges: ValueChange[];
  /** Changes of the address that served the probe (a DNS failover seen by a client), for probes that report one; at most 100. */
  endpointChanges: ValueChange[];
  latency: { before: LatencySummary | null; during: LatencySummary | null; after: LatencySummary | null };
}

/** The observed value changed between two samples that had one. */
export interface ValueChange {
  from: string | number | boolean;
  to: string | number | boolean;
  at: Bracket;
}

/**
 * Changes of one field of a probe's samples, bracketed by the samples around each. A sample without a value (an error)
 * says nothing of the value, so value changes bridge it. A sample without an endpoint says that no endpoint served it,
 * so a change of endpoint (served from the new address) is bracketed by the sample just before the first one served.
 */
export function valueChanges(samples: readonly Sample[], limit = 100, field: 'value' | 'endpoint' = 'value'): ValueChange[] {
  const out: ValueChange[] = [];
  let last: Sample | undefined;
  let previous: Sample | undefined;
  for (const s of samples) {
    const v = s[field];
    const before = last?.[field];
    if (v !== undefined && last !== undefined && before !== undefined && before !== v) {
      out.push({ from: before, to: v, at: bracket((field === 'endpoint' ? (previous ?? last) : last).start, s.end) });
      if (out.length >= limit) break;
    }
    if (v !== undefined) last = s;
    previous = s;
  }
  return out;
}

export interface Measurement {
  /** The first injection: the fault call's start and end bound the instant it landed. */
  injectedAt: Bracket | null;
  impactAt: Bracket | null;
  timeToImpact: Bracket | null;
  recovered: boolean;
  /** Start of the first stable window after the injection. */
  recoveredAt: Bracket | null;
  timeToRecovery: Bracket | null;
  /** Time during which at least one measured probe was out of tolerance, within the fault window. */
  downtime: Bracket;
  /** Share of the fault window with at least one measured probe out of tolerance. */
  errorRate: Bracket | null;
  /** From the first injection to the moment recovery was confirmed (or the timeout). */
  faultWindow: { start: number; end: number } | null;
  /** The error rate users met: request probes out of tolerance; null without request probes. */
  requests: ErrorShare | null;
  /** Resource-state probes (AWS state) out of tolerance; null without such probes. */
  resourceState: ErrorShare | null;
  probes: Record<string, ProbeMeasurement>;
}

/** How much of the fault window a set of probes spent out of tolerance, naming the probes so a figure says what it covers. */
export interface ErrorShare {
  probes: string[];
  downtime: Bracket;
  errorRate: Bracket | null;
  /** Samples of these probes within the fault window, and how many of them failed. */
  samples: number;
  failedSamples: number;
}

/** The share of `window` during which at least one of the named probes was out of tolerance. */
export function errorShare(probes: MeasureInput['probes'], names: readonly string[], window: { start: number; end: number } | null): ErrorShare {
  const chosen = probes.filter((p) => names.includes(p.name));
  const union = unionSpans(chosen.flatMap((p) => failingSpans(p.samples)));
  const downtime = window === null ? exact(0) : clipDuration(union, window.start, window.end);
  const length = window === null ? 0 : window.end - window.start;
  const inWindow = window === null ? [] : chosen.flatMap((p) => p.samples.filter((s) => s.end >= window.start && s.start < window.end));
  return {
    probes: chosen.map((p) => p.name),
    downtime,
    errorRate: length > 0 ? ratio(downtime, length) : null,
    samples: inWindow.length,
    failedSamples: inWindow.filter((s) => !s.ok).length,
  };
}

export interface MeasureInput {
  /** Samples per probe. */
  probes: { name: string; samples: readonly Sample[] }[];
  /** Probes whose state defines impact and recovery (the objective probes). */
  measured: readonly string[];
  /** Probes that time a request (http, tcp, dns, sql): what users meet, as opposed to the state of resources. */
  requestProbes?: readonly string[];
  injectedAt: Bracket | null;
  /** Monotonic time of the last injection. */
  lastInjectionAt: number | null;
  /** End of the fault window: when recovery was confirmed, the timeout, or the end of observation. */
  windowEnd: number | null;
  stableForMs: number;
  observeAtLeastMs: number;
}

/** Transitions of one probe, each bracketed by the request windows of the samples on either side. */
export function transitions(samples: readonly Sample[]): Transition[] {
  const out: Transition[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    if (a.ok !== b.ok) out.push({ to: b.ok ? 'ok' : 'failing', at: bracket(a.start, b.end) });
  }
  return out;
}

/** Failing spans of one probe. A probe failing from its first sample starts failing at that sample. */
export function failingSpans(samples: readonly Sample[]): FailingSpan[] {
  const spans: FailingSpan[] = [];
  const first = samples[0];
  let open: Bracket | null = first !== undefined && !first.ok ? exact(first.start) : null;
  for (const t of transitions(samples)) {
    if (t.to === 'failing') open = t.at;
    else if (open !== null) {
      spans.push({ start: open, end: t.at });
      open = null;
    }
  }
  if (open !== null) spans.push({ start: open, end: null });
  return spans;
}

/** Union of failing spans across probes (by best estimate), keeping the brackets of the boundaries that define it. */
export function unionSpans(all: readonly FailingSpan[]): FailingSpan[] {
  const sorted = [...all].sort((a, b) => a.start.value - b.start.value);
  const out: FailingSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.end === null || s.start.value <= last.end.value)) {
      if (last.end !== null && (s.end === null || s.end.value > last.end.value)) last.end = s.end;
    } else out.push({ start: s.start, end: s.end });
  }
  return out;
}

function clipDuration(spans: readonly FailingSpan[], from: number, to: number): Bracket {
  let value = 0;
  let lower = 0;
  let upper = 0;
  for (const s of spans) {
    const end = s.end ?? exact(to);
    const a = Math.max(from, s.start.value);
    const b = Math.min(to, end.value);
    if (b > a) value += b - a;
    lower += Math.max(0, Math.min(to, end.lower) - Math.max(from, s.start.upper));
    upper += Math.max(0, Math.min(to, end.upper) - Math.max(from, s.start.lower));
  }
  return { value, lower: Math.min(lower, value), upper: Math.max(upper, value) };
}

function latency(samples: readonly Sample[]): LatencySummary | null {
  const values = samples.filter((s) => s.latencyMs !== undefined && s.value !== undefined).map((s) => s.latencyMs as number);
  if (values.length === 0) return null;
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(Math.max(1, Math.round(v * 1_000)));
  const ms = (us: number): number => Math.round(us) / 1_000;
  const summary = {
    count: values.length,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
  h.destroy();
  return summary;
}

/** Latency percentiles of samples whose request overlaps [from, to). */
export function latencyBetween(samples: readonly Sample[], from: number, to: number): LatencySummary | null {
  return latency(samples.filter((s) => s.end >= from && s.start < to));
}

/**
 * The start of the first stable window after the injection: the end of the last failing span before a stretch of
 * at least `stableFor` with nothing failing, which also lasts until `observeAtLeast` after the last injection.
 */
export function findRecovery(spans: readonly FailingSpan[], input: MeasureInput): Bracket | null {
  const { injectedAt, windowEnd } = input;
  if (injectedAt === null || windowEnd === null) return null;
  const earliestEnd = (input.lastInjectionAt ?? injectedAt.value) + input.observeAtLeastMs;
  let streakStart: Bracket = injectedAt;
  for (const s of spans) {
    if (s.end !== null && s.end.value <= injectedAt.value) continue;
    if (s.start.value > streakStart.value) {
      const stableUntil = s.start.value;
      if (stableUntil - streakStart.value >= input.stableForMs && stableUntil >= earliestEnd) return streakStart;
    }
    if (s.end === null) return null;
    if (s.end.value > streakStart.value) streakStart = s.end;
  }
  const EPS = 1e-6;
  return windowEnd - streakStart.value >= input.stableForMs - EPS && windowEnd >= earliestEnd - EPS ? streakStart : null;
}

/** Computes every metric of a run from its samples and the injection instants. Pure: reports can recompute it. */
export function measure(input: MeasureInput): Measurement {
  const probes: Record<string, ProbeMeasurement> = {};
  const measuredSpans: FailingSpan[] = [];
  const { injectedAt, windowEnd } = input;
  const window = injectedAt !== null && windowEnd !== null ? { start: injectedAt.value, end: windowEnd } : null;
  for (const p of input.probes) {
    const spans = failingSpans(p.samples);
    if (input.measured.includes(p.name)) measuredSpans.push(...spans);
    const inWindow = window === null ? [] : p.samples.filter((s) => s.end >= window.start && s.start < window.end);
    const downtime = window === null ? exact(0) : clipDuration(spans, window.start, window.end);
    const length = window === null ? 0 : window.end - window.start;
    probes[p.name] = {
      samples: p.samples.length,
      failedSamples: p.samples.filter((s) => !s.ok).length,
      fastSamples: p.samples.filter((s) => s.fast).length,
      sampleErrorRate: inWindow.length === 0 ? null : inWindow.filter((s) => !s.ok).length / inWindow.length,
      errorRate: length > 0 ? ratio(downtime, length) : null,
      downtime,
      transitions: transitions(p.samples),
      valueChanges: valueChanges(p.samples),
      endpointChanges: valueChanges(p.samples, 100, 'endpoint'),
      latency: {
        before: injectedAt === null ? latency(p.samples) : latency(p.samples.filter((s) => s.end < injectedAt.lower)),
        during: window === null ? null : latencyBetween(p.samples, window.start, window.end),
        after: window === null ? null : latency(p.samples.filter((s) => s.start >= window.end)),
      },
    };
  }
  const union = unionSpans(measuredSpans);
  // A failure whose bracket reaches past the start of the fault call may be its impact even when its midpoint falls
  // just before (a request in flight when the fault landed): judge by what the bracket allows, not by the estimate.
  const impactAt =
    injectedAt === null ? null : (union.find((s) => s.start.upper >= injectedAt.lower && (s.end === null || s.end.upper >= injectedAt.lower))?.start ?? null);
  const recoveredAt = findRecovery(union, input);
  const downtime = window === null ? exact(0) : clipDuration(union, window.start, window.end);
  const length = window === null ? 0 : window.end - window.start;
  return {
    injectedAt,
    impactAt,
    timeToImpact: injectedAt === null || impactAt === null ? null : span(injectedAt, impactAt),
    recovered: recoveredAt !== null,
    recoveredAt,
    timeToRecovery: injectedAt === null || recoveredAt === null ? null : span(injectedAt, recoveredAt),
    downtime,
    errorRate: length > 0 ? ratio(downtime, length) : null,
    faultWindow: window,
    ...shares(input, window),
    probes,
  };
}

function shares(input: MeasureInput, window: { start: number; end: number } | null): Pick<Measurement, 'requests' | 'resourceState'> {
  const requests = input.requestProbes ?? [];
  const state = input.probes.map((p) => p.name).filter((name) => !requests.includes(name));
  return {
    requests: requests.length === 0 ? null : errorShare(input.probes, requests, window),
    resourceState: state.length === 0 ? null : errorShare(input.probes, state, window),
  };
}

function ratio(b: Bracket, length: number): Bracket {
  return { value: b.value / length, lower: b.lower / length, upper: Math.min(1, b.upper / length) };
}
