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
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
