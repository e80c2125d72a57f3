import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { TIMING_TABLE, type SimTimings, type TimingKey } from './timing-table.js';

export { ALB_HEALTH_CHECK, AWS_TIMINGS, TIMING_KEYS, TIMING_TABLE, type SimTimings, type TimingKey } from './timing-table.js';

/**
 * The durations of one region: each occurrence of a timing drawn from its distribution (see `timing-table.ts`), from
 * the region's seed. The n-th draw of a timing depends only on the seed, the timing and n, so a seed replays the
 * durations of a run even when events interleave differently. A topology's figure scales the documented range with it;
 * `jitter: false` makes every draw the figure.
 */
export class Durations {
  readonly seed: number;
  readonly jitter: boolean;
  readonly #figures: SimTimings;
  readonly #drawn = new Map<string, number>();

  constructor(figures: SimTimings, options: { seed: number; jitter?: boolean }) {
    this.#figures = figures;
    this.seed = options.seed >>> 0;
    this.jitter = options.jitter ?? true;
  }

  /** The figure (mode) of a timing, AWS ms. */
  figure(key: TimingKey): number {
    return this.#figures[key];
  }

  /** The next duration of `key`, AWS ms. `stream` separates independent sequences of one timing (e.g. per launch template). */
  draw(key: TimingKey, stream = ''): number {
    const figure = this.#figures[key];
    const entry = TIMING_TABLE[key];
    if (!this.jitter || entry.min === entry.max || entry.figure === 0) return figure;
    const scale = figure / entry.figure;
    const id = `${key}/${stream}`;
    const n = this.#drawn.get(id) ?? 0;
    this.#drawn.set(id, n + 1);
    const u = uniformFloat64(xoroshiro128plus(hash32(`${this.seed}:${id}:${n}`)));
    return Math.round(triangular(u, entry.min * scale, figure, entry.max * scale));
  }

  /** Draws a duration around an explicit figure (a launch template's boot time), with `key`'s relative range. */
  drawAround(key: TimingKey, figure: number, stream = ''): number {
    const entry = TIMING_TABLE[key];
    const base = this.draw(key, stream);
    return Math.round((base * figure) / Math.max(1, this.#figures[key] || entry.figure));
  }
}

/** Inverse CDF of the triangular distribution over [a, b] with mode c, at u ∈ [0, 1). */
export function triangular(u: number, a: number, c: number, b: number): number {
  if (b <= a) return c;
  const mode = Math.min(b, Math.max(a, c));
  const split = (mode - a) / (b - a);
  return u < split ? a + Math.sqrt(u * (b - a) * (mode - a)) : b - Math.sqrt((1 - u) * (b - a) * (b - mode));
}

/** FNV-1a, 32 bits: a stable seed for one draw. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Runs the region's timers at `speed` times AWS speed. Every timer is tracked so the region stops cleanly.
 */
export class SimScheduler {
  readonly speed: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`The simulation speed must be a positive number, got ${speed}.`);
    this.speed = speed;
  }

  /** Wall milliseconds that `awsMs` of AWS time take at this speed. */
  wall(awsMs: number): number {
    return awsMs / this.speed;
  }

  /** Runs `fn` after `awsMs` of AWS time. */
  after(awsMs: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.#stopped) return undefined;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, this.wall(awsMs));
    this.#timers.add(timer);
    return timer;
  }

  /** Runs `fn` every `awsMs` of AWS time until cancelled or stopped. */
  every(awsMs: number, fn: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      timer = this.after(awsMs, () => {
        fn();
        tick();
      });
    };
    tick();
    return () => {
      if (timer !== undefined) this.cancel(timer);
    };
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
