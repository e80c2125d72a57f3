import { checkPeriod, type Clock } from './clock.js';

interface Timer {
  at: number;
  seq: number;
  fire(): void;
}

/** Lets pending promise callbacks and I/O completions run before time moves on. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A virtual clock for tests: time stands still until the test moves it, and every sleep due by then fires in order
 * of its instant. Assertions on timing become exact instead of wall-clock brackets.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #epoch: number;
  readonly #timers: Timer[] = [];
  #seq = 0;

  /** @param start - the monotonic instant time starts at. @param epochMs - the wall-clock time of that instant. */
  constructor(start = 0, epochMs = 1_767_225_600_000) {
    this.#now = start;
    this.#epoch = epochMs - start;
  }

  now(): number {
    return this.#now;
  }

  epochMs(): number {
    return this.#epoch + this.#now;
  }

  toEpochMs(monotonic: number): number {
    return this.#epoch + monotonic;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  every(ms: number, fn: () => void, signal?: AbortSignal): () => void {
    checkPeriod(ms);
    let timer: Timer | undefined;
    const cancel = (): void => {
      if (timer !== undefined) {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
        timer = undefined;
      }
      signal?.removeEventListener('abort', cancel);
    };
    if (signal?.aborted === true) return cancel;
    // Each tick is due one period after the previous tick's instant, not after whenever it ran: no drift.
    const schedule = (at: number): void => {
      const next: Timer = {
        at,
        seq: this.#seq++,
        fire: () => {
          schedule(at + ms);
          fn();
        },
      };
      timer = next;
      this.#timers.push(next);
    };
    schedule(this.#now + ms);
    signal?.addEventListener('abort', cancel, { once: true });
    return cancel;
  }

  /** Sleeps and repeating timers not yet due. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing each sleep at its own instant and letting what it wakes run before the next. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    for (let next = this.#next(); next !== undefined && next.at <= until; next = this.#next()) {
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.fire();
      await settle();
    }
    this.#now = Math.max(this.#now, until);
    await settle();
  }

  /**
   * Runs `work` to completion, jumping time to the next sleep whenever nothing else is left to do. For code whose
   * every wait is a sleep on this clock (no real I/O in flight); `limitMs` of virtual time stops a run that never ends.
   */
  async run<T>(work: Promise<T>, limitMs = 24 * 3_600_000): Promise<T> {
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    const end = this.#now + limitMs;
    await settle();
    while (!done) {
      const next = this.#next();
      // A test's own failure (ManualClock serves only tests), so a plain Error rather than a GamedayError.
      if (next === undefined || next.at > end)
        throw new Error(`The work did not finish within ${limitMs}ms of virtual time (${this.#timers.length} sleeps pending).`);
      await this.advance(next.at - this.#now);
    }
    return result;
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
