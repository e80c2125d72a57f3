import { uncertainty, type Bracket } from '../engine/bracket.js';
import { decodeSamples, type Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { failureText, journeySummaries } from './journeys.js';

/** Changes of each kind listed per probe; the journal keeps them all. */
const SHOWN_CHANGES = 5;
const fmt = (b: Bracket | null): string => (b === null ? '—' : `${formatDuration(b.value)} ±${formatDuration(uncertainty(b))}`);
const pct = (b: Bracket | null): string => (b === null ? '—' : `${(b.value * 100).toFixed(2)}% (${(b.lower * 100).toFixed(2)}–${(b.upper * 100).toFixed(2)}%)`);

/** A plain-text summary of a run, rendered only from its journal. */
export function renderSummary(j: Journal): string {
  const m = j.measurement;
  const speed = j.environment.speed;
  // On a sped-up simulated region, durations read in AWS time first, wall time after.
  const time = (b: Bracket | null): string => {
    if (b === null || speed === 1) return fmt(b);
    return `${fmt({ value: b.value * speed, lower: b.lower * speed, upper: b.upper * speed })} AWS-equivalent (${fmt(b)} wall at ${speed}×)`;
  };
  const gray = grayFailureText(j);
  const lines = [
    `verdict: ${j.verdict.status.toUpperCase()} — ${j.verdict.reason}`,
    ...outstandingLines(j),
    ...(gray === undefined ? [] : [gray]),
    `experiment: ${j.experiment.name} (${j.environment.type}, ${j.environment.region})  run: ${j.runId}  took ${formatDuration(j.durationMs)}`,
    ...(j.guards.length === 0 ? [] : [`guards: ${j.guards.map((g) => `${g.guard} ${g.status === 'passed' ? 'ok' : 'REFUSED'}`).join(', ')}`]),
    `time to impact:   ${m.impactAt === null ? 'no impact observed' : time(m.timeToImpact)}`,
    `time to recovery: ${m.injectedAt === null ? '—' : m.recovered ? time(m.timeToRecovery) : 'not recovered'}`,
    ...errorLines(m, time),
  ];
  for (const p of j.probes) {
    const pm = m.probes[p.name];
    if (pm === undefined) continue;
    const lat = (l: { p50: number; p95: number; p99: number } | null): string =>
      l === null ? '—' : `p50 ${formatDuration(l.p50)} p95 ${formatDuration(l.p95)} p99 ${formatDuration(l.p99)}`;
    lines.push(
      `probe ${p.name} (${p.probe}${p.from === undefined ? '' : ` from ${p.from}`}): ${pm.samples} ${p.steps === undefined ? 'samples' : 'journeys'}, ${pm.failedSamples} failed, ${pm.fastSamples} fast; latency before ${lat(pm.latency.before)}; during ${lat(pm.latency.during)}; after ${lat(pm.latency.after)}`,
    );
  }
  for (const s of journeySummaries(j)) lines.push(`journey ${s.probe}: ${s.steps.join(' → ')}; failed journeys: ${failureText(s)}`);
  if (j.objectives.length === 0 && m.injectedAt === null) lines.push('objectives: not evaluated (nothing was injected)');
  const injectedAt = m.injectedAt;
  for (const p of j.probes) {
    const pm = m.probes[p.name];
    if (pm === undefined || injectedAt === null) continue;
    for (const [changes, what, noun] of [
      [pm.valueChanges, 'changed', 'value changes'],
      [pm.endpointChanges, 'moved', 'address changes'],
    ] as const) {
      const since = changes.filter((c) => c.at.upper >= injectedAt.lower);
      for (const c of since.slice(0, SHOWN_CHANGES)) {
        const after = { value: c.at.value - injectedAt.value, lower: Math.max(0, c.at.lower - injectedAt.upper), upper: c.at.upper - injectedAt.lower };
        lines.push(`probe ${p.name} ${what} from ${String(c.from) || '(none)'} to ${String(c.to) || '(none)'} ${time(after)} after the injection`);
      }
      // A summary that silently drops changes reads as if there were no more.
      if (since.length > SHOWN_CHANGES) lines.push(`probe ${p.name}: … and ${since.length - SHOWN_CHANGES} more ${noun} (see the journal)`);
    }
  }
  for (const p of j.probes) if (p.report !== undefined) lines.push(`probe ${p.name} after the run: ${p.report.error ?? p.report.summary}`);
  for (const o of j.objectives)
    lines.push(`objective ${o.objective}: ${o.status === 'not-evaluated' ? 'not evaluated (aborted)' : o.status.toUpperCase()} — ${o.detail}`);
  for (const s of j.stopConditions)
    if (s.trippedAt !== null) lines.push(`stop condition ${s.name} tripped at ${formatDuration(s.trippedAt)}: ${s.detail ?? ''}`);
  for (const a of j.activities) {
    if (a.status === 'failed') lines.push(`${a.kind} ${a.name} (${a.action}) failed: ${a.error?.message ?? ''}`);
    if (a.effect !== undefined) lines.push(`fault ${a.name}: ${effectText(a.effect)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A gray failure, when the run shows one: users missed their objectives while every probe of AWS's own view (a
 * target's health, the group's instances, a health check: the `aws.*` probes) stayed in tolerance from the injection
 * on. Then no health check saw the fault, and nothing AWS does on a failed check (replace, drain, fail over) happened.
 */
export function grayFailureText(j: Journal): string | undefined {
  const status = j.verdict.otherwise?.status ?? j.verdict.status;
  const injected = j.measurement.injectedAt?.value;
  if ((status !== 'failed-objective' && status !== 'not-recovered') || injected === undefined || injected === null) return undefined;
  const aws = j.probes.filter((p) => p.probe.startsWith('aws.'));
  const after = aws.map((p) => ({ name: p.name, samples: decodeSamples(p.samples).filter((s) => s.start >= injected) }));
  if (after.length === 0 || after.some((p) => p.samples.length === 0 || p.samples.some((s) => !s.ok))) return undefined;
  const names = after.map((p) => `${p.name} (${p.samples.length} samples)`).join(', ');
  return `gray failure: users' objectives were missed while AWS's own view stayed healthy from the injection on: ${names} in tolerance throughout. No health check saw it, so nothing was replaced, drained or failed over.`;
}

/** Whether a degradation took effect, in words: who saw it and when, or what was looked at. */
export function effectText(e: NonNullable<Journal['activities'][number]['effect']>): string {
  if (e.seen === null) return `${e.expected}, ${e.detail}`;
  if (!e.seen) return `${e.expected}, not seen: ${e.detail}`;
  return `${e.expected}, seen by ${e.probe ?? 'a probe'} at ${formatDuration(e.at ?? 0)}: ${e.detail}`;
}

/**
 * Right under a `rollback-failed` verdict: each undo left outstanding with what finishing it needs, then what the
 * verdict would otherwise have been.
 */
function outstandingLines(j: Journal): string[] {
  const lines = (j.outstandingUndo ?? []).map(
    (u) =>
      `outstanding undo: ${u.kind} '${u.fault}' (${u.action}) in ${u.region ?? j.environment.region} on ${u.resources.join(', ') || '—'}: ${u.attempts} attempt(s), last: ${u.error.message}`,
  );
  const otherwise = j.verdict.otherwise;
  if (otherwise !== undefined) lines.push(`otherwise: ${otherwise.status.toUpperCase()} — ${otherwise.reason}`);
  return lines;
}

/**
 * Downtime and error rate, naming the probes each covers: what users met (request probes) apart from how far
 * resources strayed (AWS-state probes). A journal from before the split has one figure over the measured probes.
 */
function errorLines(m: Journal['measurement'], time: (b: Bracket | null) => string): string[] {
  if (m.requests === undefined && m.resourceState === undefined) return [`downtime:         ${time(m.downtime)}`, `error rate:       ${pct(m.errorRate)}`];
  const lines: string[] = [];
  const r = m.requests;
  if (r !== null && r !== undefined) {
    lines.push(`downtime:         ${time(r.downtime)} on requests (${r.probes.join(', ')})`);
    lines.push(
      `error rate:       ${pct(r.errorRate)} of the fault window on requests (${r.probes.join(', ')}); ${r.failedSamples} of ${r.samples} samples failed`,
    );
  } else lines.push('error rate:       — (no request probe: http, tcp, dns or sql)');
  const s = m.resourceState;
  if (s !== null && s !== undefined)
    lines.push(`resource state:   out of tolerance ${pct(s.errorRate)} of the fault window, ${time(s.downtime)} (${s.probes.join(', ')})`);
  return lines;
}
