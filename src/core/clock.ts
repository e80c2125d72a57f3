import { performance } from 'node:perf_hooks';

/**
 * The one source of time. `now()` is monotonic milliseconds (never jumps with wall-clock changes);
 * `epochMs()` is wall time, used only to label records. Tests inject their own.
 */
export interface Clock {
  now(): number;
  epochMs(): number;
  /** Wall-clock epoch ms of a monotonic instant. */
  toEpochMs(monotonic: number): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` every `ms` (first at `ms` from now) until the returned cancel function is called or `signal` aborts.
   * A repeating timer never keeps the process alive on its own: what it serves (a connection, a run) does that.
   */
  every(ms: number, fn: () => void, signal?: AbortSignal): () => void;
}

/** Refuses a period that would spin: a caller's mistake, not an operator's, so a plain RangeError. */
export function checkPeriod(ms: number): void {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`A repeating timer needs a period above 0 ms, not ${ms}.`);
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => performance.timeOrigin + performance.now(),
  toEpochMs: (monotonic) => performance.timeOrigin + monotonic,
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  every: (ms, fn, signal) => {
    checkPeriod(ms);
    if (signal?.aborted === true) return () => undefined;
    const cancel = (): void => {
      clearInterval(timer);
      signal?.removeEventListener('abort', cancel);
    };
    const timer = setInterval(fn, ms);
    timer.unref();
    signal?.addEventListener('abort', cancel, { once: true });
    return cancel;
  },
};

/**
 * A signal that aborts after `ms` on `clock`, so limits (a rollback's) follow the same time as the rest of the run;
 * `AbortSignal.timeout` would tick on the wall clock even under a test's virtual one. Aborting `cancel` drops the
 * timer (a pending one would keep the process alive).
 */
export function clockTimeout(clock: Clock, ms: number, cancel?: AbortSignal): AbortSignal {
  const timeout = new AbortController();
  clock.sleep(ms, cancel === undefined ? timeout.signal : AbortSignal.any([timeout.signal, cancel])).then(
    () => timeout.abort(new DOMException(`The operation timed out after ${ms}ms.`, 'TimeoutError')),
    () => undefined,
  );
  return timeout.signal;
}

/** Runs `work` under a limit of `ms` on `clock` (see `clockTimeout`); the limit is dropped once `work` settles. */
export async function withClockTimeout<T>(clock: Clock, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const settled = new AbortController();
  try {
    return await work(clockTimeout(clock, ms, settled.signal));
  } finally {
    settled.abort();
  }
}
