import { formatDuration } from '../experiment/duration.js';
import { requestProbes } from '../experiment/objective-probes.js';
import type { Experiment, FaultSpec } from '../experiment/schema.js';
import type { Registry } from '../registry/registry.js';
import type { ActivityRecord } from './journal.js';
import type { ExpectedEffect } from '../registry/types.js';
import type { Sample } from './sampler.js';

/**
 * Whether a degradation took effect. A latency, loss or blackhole fault lands by the APIs' account once Systems
 * Manager runs its document, yet may touch nothing users do: a source that resolves to no dependency, a port nobody
 * uses, instances no request reaches. A run of such a fault measures an unharmed system and would pass. So a probe on
 * the degraded path must see it while it is in place: two of its samples (its only one, if it took one) failed, or
 * slower than its steady-state median by the effect's margin. Otherwise the verdict is invalid-fault. Two, because one
 * slow sample may be gameday's own doing: the injection's work (loading an SDK client, say) can stall the process
 * that times the probes.
 */
/** Samples of one probe that must see a fault for it to count as seen (fewer if the probe took fewer while it was in place). */
export const SEEN_BY_SAMPLES = 2;
export interface EffectCheck {
  fault: string;
  effect: ExpectedEffect;
  /** A sample this much slower than its probe's steady-state median sees the fault (wall ms); none: only failures do. */
  slowerByMs: number | undefined;
  /** The probes that may see it; each one's samples before the method are its baseline. */
  probes: string[];
  /** How long after it landed a probe must have seen it (wall ms); none: the whole time it is in place. */
  within: number | undefined;
}

/** What the check found, as the journal keeps it on the fault's activity. */
export interface EffectFinding {
  /** The effect in words. */
  expected: string;
  /** Whether a probe saw it; null when it could not be checked (no probe times requests). */
  seen: boolean | null;
  /** The probe that saw it first. */
  probe?: string;
  /** When that sample started (monotonic ms). */
  at?: number;
  /** What was seen, or why nothing was: in words. */
  detail: string;
}

/**
 * The check a fault gets, if any: the action's default unless the fault turns it off (`verify: false`) or asks for
 * one (`verify: {...}`). `e` is the wall-clock schedule.
 */
export function effectCheck(fault: FaultSpec, effect: ExpectedEffect | undefined, e: Experiment, registry: Registry): EffectCheck | undefined {
  const verify = fault.verify;
  if (verify === false) return undefined;
  if (verify === undefined && effect?.checkedByDefault !== true) return undefined;
  const expected = effect ?? { text: `${fault.action} on its targets`, checkedByDefault: false };
  return {
    fault: fault.name,
    effect: expected,
    slowerByMs: verify?.slowerBy ?? expected.slowerByMs,
    probes: verify?.probes ?? requestProbes(e, registry),
    within: verify?.within,
  };
}

/** What a check asks of the probes, for the plan ("200 ms added: 2 samples of orders failed or 100 ms slower…"). */
export function checkText(c: EffectCheck): string {
  if (c.probes.length === 0) return `${c.effect.text}: no probe of the experiment times requests, so no check`;
  const slower = c.slowerByMs === undefined ? '' : ` or ${Math.round(c.slowerByMs)} ms slower than its steady state`;
  const within = c.within === undefined ? 'while it is in place' : `within ${formatDuration(c.within)} of landing`;
  return `${c.effect.text}; ${SEEN_BY_SAMPLES} samples of ${c.probes.join(' or ')} failed${slower} ${within}, else the run is invalid-fault`;
}

/** The median latency of a probe's steady state: its samples before the method, but the first (a warm-up). */
function baselineMedian(samples: readonly Sample[], methodStart: number): number | undefined {
  const latencies = samples
    .filter((s, i) => i > 0 && s.end <= methodStart && s.ok && s.latencyMs !== undefined)
    .map((s) => s.latencyMs as number)
    .sort((a, b) => a - b);
  if (latencies.length === 0) return undefined;
  return latencies[Math.floor((latencies.length - 1) / 2)];
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const samplesText = (n: number): string => `${n} sample${n === 1 ? '' : 's'}`;

/**
 * Judges a check over the samples that started while the fault was in place: from `from` (the start of its first
 * mutating call) until `to` (its undo, the end of the window, or `within` after it landed). `speed` turns the
 * window's wall time into AWS time for the words.
 */
export function judgeEffect(
  check: EffectCheck,
  probes: ReadonlyMap<string, readonly Sample[]>,
  window: { methodStart: number; from: number; to: number; speed: number },
): EffectFinding {
  const expected = check.effect.text;
  if (check.probes.length === 0) return { expected, seen: null, detail: 'not checked: no probe of the experiment times requests' };
  const to = check.within === undefined ? window.to : Math.min(window.to, window.from + check.within);
  const looked: string[] = [];
  for (const name of check.probes) {
    const samples = probes.get(name) ?? [];
    const base = baselineMedian(samples, window.methodStart);
    const threshold = check.slowerByMs === undefined ? undefined : (base ?? 0) + check.slowerByMs;
    const during = samples.filter((s) => s.start >= window.from && s.start < to);
    const steady = base === undefined ? 'no steady-state latency' : `steady state ${ms(base)}`;
    const saw = during.filter((s) => !s.ok || (threshold !== undefined && s.latencyMs !== undefined && s.latencyMs >= threshold));
    const need = Math.min(SEEN_BY_SAMPLES, during.length);
    const first = saw[0];
    if (first !== undefined && saw.length >= need) {
      const failed = saw.filter((s) => !s.ok);
      const slow = saw.filter((s) => s.ok);
      const what = [
        ...(failed.length === 0 ? [] : [`${failed.length} failed (${failed[0]?.reason ?? 'out of tolerance'})`]),
        ...(slow.length === 0 ? [] : [`${slow.length} took ${ms(Math.min(...slow.map((s) => s.latencyMs ?? 0)))} or more`]),
      ];
      return { expected, seen: true, probe: name, at: first.start, detail: `${name}: of ${samplesText(during.length)}, ${what.join(' and ')} (${steady})` };
    }
    const slowest = Math.max(0, ...during.map((s) => s.latencyMs ?? 0));
    const some = saw.length === 0 ? 'none failed' : `only ${saw.length} failed or slow`;
    looked.push(during.length === 0 ? `${name} took no sample` : `${name}: ${samplesText(during.length)}, ${some}, the slowest ${ms(slowest)} (${steady})`);
  }
  const wanted = `${SEEN_BY_SAMPLES} samples of one probe failed${check.slowerByMs === undefined ? '' : ` or ${ms(check.slowerByMs)} slower than its steady state`}`;
  return {
    expected,
    seen: false,
    detail: `in the ${formatDuration(Math.max(0, to - window.from) * window.speed)} it was checked, no probe saw it (${wanted}): ${looked.join('; ')}`,
  };
}

/** The effect check of every fault of a run that landed and has one, by fault name. */
export function faultEffects(
  run: {
    schedule: Experiment;
    origin: number;
    speed: number;
    windowEnd: number | null;
    phases: readonly { name: string; startedAt: number }[];
    activities: readonly ActivityRecord[];
    samples: ReadonlyMap<string, readonly Sample[]>;
  },
  registry: Registry,
): Map<string, EffectFinding> {
  const found = new Map<string, EffectFinding>();
  const methodStart = run.phases.find((p) => p.name === 'method')?.startedAt;
  if (methodStart === undefined) return found;
  // A fault never undone was in place until the window ended, or, without one, until the last sample.
  const lastSample = Math.max(methodStart, ...[...run.samples.values()].map((s) => s.at(-1)?.end ?? 0));
  for (const fault of run.schedule.faults) {
    const injected = run.activities.find((a) => a.kind === 'fault' && a.name === fault.name && a.status === 'succeeded');
    if (injected === undefined) continue;
    const check = effectCheck(fault, registry.action(fault.action)?.effect?.(fault.args), run.schedule, registry);
    if (check === undefined) continue;
    const landedAt = injected.calls.find((c) => c.mutating)?.startedAt ?? injected.startedAt ?? 0;
    const undone = run.activities.find((a) => (a.kind === 'fault-end' || a.kind === 'auto-rollback') && a.name === fault.name);
    const to = undone?.startedAt != null ? run.origin + undone.startedAt : (run.windowEnd ?? lastSample);
    found.set(fault.name, judgeEffect(check, run.samples, { methodStart, from: run.origin + landedAt, to, speed: run.speed }));
  }
  return found;
}
