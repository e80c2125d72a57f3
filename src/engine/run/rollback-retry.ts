import { isRetryable } from '../../errors/action-error.js';
import type { ActivityOutcome } from '../activity.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { RollbackRetryOptions } from './options.js';

export const DEFAULT_ROLLBACK_RETRY: Required<RollbackRetryOptions> = { initialDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0.5 };

/** The wait after `failures` failed attempts: `initialDelayMs` doubled per further failure, capped, less its jitter. */
export function backoffDelay(failures: number, options: RollbackRetryOptions = {}, random: () => number = Math.random): number {
  const o = { ...DEFAULT_ROLLBACK_RETRY, ...options };
  const full = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.max(0, failures - 1));
  const jitter = Math.min(1, Math.max(0, o.jitter));
  return full * (1 - jitter * random());
}

/** The last attempt's outcome, its record holding every attempt's calls and their count. */
export interface RetriedOutcome extends ActivityOutcome {
  attempts: number;
  /** When the last attempt started, in ms since the run started (like the record's `startedAt`, the first's). */
  lastAttemptAt: number | null;
}

/** What retrying needs of a run (a `RunContext` has it all) or of an undo finished later (`replayUndo`). */
export interface RetryEnv {
  clock: Clock;
  logger: Logger;
  /** The step's deadline, from its first attempt. @defaultValue 300000 */
  timeoutMs?: number | undefined;
  retry?: RollbackRetryOptions | undefined;
  /** The step's limit: aborted at its deadline (or when the run is closed). */
  limit(): AbortSignal;
}

/**
 * Runs one rollback step (`attempt`, given the step's limit signal) until it succeeds, fails with an error that
 * cannot pass (`isRetryable`: a validation error, AccessDenied, a missing resource fail the same way every time), or
 * the next attempt would start after the step's deadline. Waits go through the run's clock.
 */
export async function retryRollback(env: RetryEnv, name: string, attempt: (signal: AbortSignal) => Promise<ActivityOutcome>): Promise<RetriedOutcome> {
  const { clock } = env;
  const deadline = clock.now() + (env.timeoutMs ?? 300_000);
  const signal = env.limit();
  const calls: ActivityOutcome['record']['calls'] = [];
  let first: ActivityOutcome | undefined;
  let attempts = 0;
  for (;;) {
    attempts++;
    const outcome = await attempt(signal);
    first ??= outcome;
    calls.push(...outcome.record.calls);
    const done = (): RetriedOutcome => ({
      ...outcome,
      attempts,
      lastAttemptAt: outcome.record.startedAt,
      record: { ...outcome.record, startedAt: first?.record.startedAt ?? outcome.record.startedAt, calls, ...(attempts > 1 ? { attempts } : {}) },
    });
    if (outcome.result !== null || !isRetryable(outcome.error) || signal.aborted) return done();
    const delay = backoffDelay(attempts, env.retry);
    if (clock.now() + delay >= deadline) return done();
    env.logger.warn(
      `rollback '${name}' failed (attempt ${attempts}): ${outcome.record.error?.message ?? 'unknown error'}; trying again in ${Math.round(delay)} ms`,
    );
    try {
      await clock.sleep(delay, signal);
    } catch {
      return done();
    }
  }
}
