import type { Clock } from '../core/clock.js';
import { formatDuration } from '../experiment/duration.js';
import type { StopConditionSpec } from '../experiment/schema.js';
import { latencyBetween } from './measurement.js';
import type { Sample } from './sampler.js';
import { RunStop } from './run/run-stop.js';
import type { AlarmStateReader } from '../probes/aws/cloudwatch-alarms.js';

/** A stop condition being watched, and whether it tripped. */
export interface StopConditionState {
  name: string;
  spec: StopConditionSpec;
  trippedAt: number | null;
  detail?: string;
}

/** The condition in words, for the verdict's reason and the report. */
export function describeCondition(s: StopConditionSpec): string {
  if (s.alarm !== undefined) return `CloudWatch alarm ${s.alarm} in ALARM`;
  if (s.failingFor !== undefined) return `${s.probe} failing for ${formatDuration(s.failingFor)}`;
  if (s.errorRateAbove !== undefined) return `${s.probe} error rate above ${(s.errorRateAbove * 100).toFixed(1)}% over ${formatDuration(s.window)}`;
  return `${s.probe} p99 latency above ${formatDuration(s.p99LatencyAbove ?? 0)} over ${formatDuration(s.window)}`;
}

/** Index of the first sample that ends at or after `t` (samples are in time order). */
function firstEndingAfter(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as Sample).end < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Evaluates a condition at `now` over the probe's samples since `since` (the start of the method phase).
 * `failingSince` is when the probe's current failing streak began (the sampler tracks it), or `null` when it is ok.
 * Only the window is read, so a long run does not make each evaluation slower. Returns why it trips, or `null`.
 */
export function evaluateStopCondition(
  s: StopConditionSpec,
  samples: readonly Sample[],
  since: number,
  now: number,
  failingSince: number | null,
): string | null {
  if (s.failingFor !== undefined) {
    if (failingSince === null) return null;
    const from = Math.max(since, failingSince);
    return now - from >= s.failingFor ? `${s.probe} has been failing for ${formatDuration(now - from)}` : null;
  }
  if (now - since < s.window) return null;
  const from = now - s.window;
  const first = firstEndingAfter(samples, from);
  if (s.errorRateAbove !== undefined) {
    let failing = 0;
    for (let i = Math.max(0, first - 1); i < samples.length; i++) {
      const cur = samples[i] as Sample;
      const next = samples[i + 1];
      const a = Math.max(from, cur.start);
      const b = Math.min(now, next === undefined ? now : next.start);
      if (!cur.ok && b > a) failing += b - a;
    }
    const rate = failing / s.window;
    return rate > s.errorRateAbove ? `${s.probe} was out of tolerance ${(rate * 100).toFixed(1)}% of the last ${formatDuration(s.window)}` : null;
  }
  const lat = latencyBetween(samples.slice(first), from, now);
  if (lat === null || s.p99LatencyAbove === undefined) return null;
  return lat.p99 > s.p99LatencyAbove ? `${s.probe} p99 latency was ${formatDuration(lat.p99)} over the last ${formatDuration(s.window)}` : null;
}

/** What a watch needs from its run: the conditions it marks, the clock it polls on, where alarms are read, whom to tell. */
export interface StopConditionWatchOptions {
  conditions: StopConditionState[];
  clock: Clock;
  alarms: AlarmStateReader;
  /** Called once per condition that trips, after it is marked tripped; the run aborts with `stop`. */
  onTrip(condition: StopConditionState, why: string, stop: RunStop): void;
  /** Called when the alarms cannot be read while watched: the run stops with `stop`. */
  onFailure(stop: RunStop): void;
}

/**
 * Watches a run's stop conditions from the injection until the rollbacks start: probe conditions on each new sample,
 * alarm conditions by polling their reader.
 */
export class StopConditionWatch {
  readonly #o: StopConditionWatchOptions;
  readonly #alarmConditions: StopConditionState[];

  constructor(options: StopConditionWatchOptions) {
    this.#o = options;
    this.#alarmConditions = options.conditions.filter((sc) => sc.spec.alarm !== undefined);
  }

  /** Evaluates the conditions on `probe` after a sample that ended at `now`, over samples since `since`. */
  onSample(probe: string, samples: readonly Sample[], since: number, now: number, failingSince: number | null): void {
    for (const sc of this.#o.conditions) {
      if (sc.trippedAt !== null || sc.spec.probe !== probe) continue;
      const why = evaluateStopCondition(sc.spec, samples, since, now, failingSince);
      if (why !== null) this.#trip(sc, now, why);
    }
  }

  /** The first alarm condition in ALARM now, with CloudWatch's reason; undefined when none is. */
  async firstInAlarm(signal: AbortSignal): Promise<{ sc: StopConditionState; why: string } | undefined> {
    if (this.#alarmConditions.length === 0) return undefined;
    const states = await this.#o.alarms.read(
      this.#alarmConditions.map((sc) => sc.spec.alarm ?? ''),
      signal,
    );
    for (const sc of this.#alarmConditions) {
      const alarm = states.get(sc.spec.alarm ?? '');
      if (alarm === undefined)
        throw new RunStop('errored', `stop condition '${sc.name}' watches CloudWatch alarm ${sc.spec.alarm ?? ''}, which does not exist`);
      if (alarm.state === 'ALARM') return { sc, why: `alarm ${sc.spec.alarm ?? ''} is in ALARM (${alarm.reason ?? 'no reason given'})` };
    }
    return undefined;
  }

  /** Reads the alarms every poll interval until `over()` or `signal` aborts; one in ALARM trips its condition. */
  watchAlarms(signal: AbortSignal, over: () => boolean): void {
    if (this.#alarmConditions.length === 0) return;
    const every = Math.min(...this.#alarmConditions.map((sc) => sc.spec.pollInterval));
    const poll = async (): Promise<void> => {
      while (!over() && !signal.aborted) {
        try {
          await this.#o.clock.sleep(every, signal);
        } catch {
          return;
        }
        if (over()) return;
        let hit: Awaited<ReturnType<StopConditionWatch['firstInAlarm']>>;
        try {
          hit = await this.firstInAlarm(signal);
        } catch (error) {
          // An unreadable alarm is an unwatched stop condition: stop rather than carry on blind.
          this.#o.onFailure(
            error instanceof RunStop
              ? error
              : new RunStop('errored', `the stop condition alarms could not be read: ${error instanceof Error ? error.message : String(error)}`),
          );
          return;
        }
        if (hit === undefined) continue;
        this.#trip(hit.sc, this.#o.clock.now(), hit.why);
        return;
      }
    };
    void poll();
  }

  #trip(sc: StopConditionState, at: number, why: string): void {
    sc.trippedAt = at;
    sc.detail = why;
    this.#o.onTrip(sc, why, new RunStop('aborted', `stop condition '${sc.name}' (${describeCondition(sc.spec)}) tripped: ${why}`));
  }
}
