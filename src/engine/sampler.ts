import type { Clock } from '../core/clock.js';
import type { AnyProbeDefinition, ProbeObservation, ProbeSession } from '../registry/types.js';
import { bracket, type Bracket } from './bracket.js';

/** One probe sample, timed on the monotonic clock. */
export interface Sample {
  /** When the request started and ended (ms, monotonic). The observed state held at some instant in between. */
  start: number;
  end: number;
  ok: boolean;
  value?: string | number | boolean | undefined;
  latencyMs?: number | undefined;
  /** The address that served it, when the probe resolves names itself. */
  endpoint?: string | undefined;
  /** Why the sample is out of tolerance. */
  reason?: string | undefined;
  /** What the probe said beyond its value (see `ProbeObservation.detail`). */
  detail?: string | undefined;
  /** Whether this sample was taken at the fast rate. */
  fast: boolean;
}

/** Fast interval used when a probe declares none: a fortieth of its interval, at least 10ms. */
export function defaultFastInterval(intervalMs: number): number {
  return Math.max(10, intervalMs / 40);
}

export interface SamplerOptions {
  name: string;
  definition: AnyProbeDefinition;
  session: ProbeSession;
  tolerance: unknown;
  intervalMs: number;
  fastIntervalMs: number;
  /** How long to stay at the fast rate after a state change, so flapping is bracketed tightly too. */
  settleMs: number;
  clock: Clock;
  onSample: (sampler: ProbeSampler, sample: Sample) => void;
}

/**
 * Samples one probe on its own schedule until stopped. Adaptive: at the steady-state interval while nothing changes,
 * at the fast interval while the probe is out of tolerance, for a while after any change, and while boosted
 * (the engine boosts right after an injection, when a change is expected). Brackets around changes shrink to the
 * fast interval without raising the steady-state rate.
 */
export class ProbeSampler {
  readonly name: string;
  readonly samples: Sample[] = [];
  readonly #o: SamplerOptions;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #fastUntil = -Infinity;
  #boostUntil = -Infinity;
  /** Bracket of the transition that started the current ok streak; `null` while failing or before any sample. */
  #okSince: Bracket | null = null;
  #wake: AbortController | undefined;
  #failingSince: number | null = null;

  constructor(options: SamplerOptions) {
    this.#o = options;
    this.name = options.name;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /**
   * Samples at the fast rate until `until` (monotonic ms) or the next state change, whichever comes first.
   * Cuts short a steady-state wait in progress, so the first fast sample follows at once.
   */
  boost(until: number): void {
    this.#boostUntil = Math.max(this.#boostUntil, until);
    this.#wake?.abort();
  }

  get last(): Sample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Start of the current failing streak (the first failing sample's start), or `null` when the probe is ok. */
  get failingSince(): number | null {
    return this.#failingSince;
  }

  /** Start of the current ok streak (bracketed), or `null` when the probe is failing or has not sampled yet. */
  get okSince(): Bracket | null {
    return this.#okSince;
  }

  async #run(): Promise<void> {
    const { clock, session, definition, tolerance } = this.#o;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const start = clock.now();
      const fast = this.#isFast(start);
      let observation: ProbeObservation;
      try {
        observation = await session.sample(signal);
      } catch (error) {
        observation = { error: error instanceof Error ? error.message : String(error) };
      }
      if (signal.aborted) break;
      const end = clock.now();
      const reason = definition.check(observation, tolerance);
      const sample: Sample = { start, end, ok: reason === null, value: observation.value, latencyMs: observation.latencyMs, fast };
      if (observation.endpoint !== undefined) sample.endpoint = observation.endpoint;
      if (reason !== null) sample.reason = reason;
      if (observation.detail !== undefined) sample.detail = observation.detail;
      this.#record(sample);
      while (!signal.aborted) {
        const next = start + (this.#isFast(clock.now()) ? this.#o.fastIntervalMs : this.#o.intervalMs);
        const wait = next - clock.now();
        if (wait <= 0) break;
        this.#wake = new AbortController();
        try {
          await clock.sleep(wait, AbortSignal.any([signal, this.#wake.signal]));
          break;
        } catch {
          // Woken by a boost (recompute the next instant) or stopped (the outer loop ends).
        }
      }
    }
  }

  #isFast(now: number): boolean {
    const last = this.last;
    return (last !== undefined && !last.ok) || now < this.#fastUntil || now < this.#boostUntil;
  }

  #record(sample: Sample): void {
    const previous = this.last;
    this.samples.push(sample);
    if (sample.ok) this.#failingSince = null;
    else if (previous === undefined || previous.ok) this.#failingSince = sample.start;
    if (previous === undefined) {
      this.#okSince = sample.ok ? bracket(sample.start, sample.start) : null;
    } else if (previous.ok !== sample.ok) {
      this.#fastUntil = sample.end + this.#o.settleMs;
      this.#boostUntil = -Infinity;
      this.#okSince = sample.ok ? bracket(previous.start, sample.end) : null;
    }
    this.#o.onSample(this, sample);
  }
}
