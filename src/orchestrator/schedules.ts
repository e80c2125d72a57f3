import { randomInt } from 'node:crypto';
import { defaultRepeatStrategy, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { newRunId } from '../engine/runner.js';
import { exitCodeFor } from '../engine/journal.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { systemClock, type Clock } from '../core/clock.js';
import { cronProblem } from './cron-pattern.js';
import type { Keys } from './keys.js';
import type { RunJob } from './run-job.js';
import type { RunQueue } from './run-queue.js';

/** One experiment of a game day, carried with its text so that any worker can run it. */
const gameDayExperimentSchema = z.object({
  file: z.string().min(1),
  text: z.string(),
  experiment: z.string(),
  topology: z.string().optional(),
  speed: z.number().positive().optional(),
});

/** What a game day job carries: its experiments, how they run, and how long it may wait before it starts. */
export const gameDaySchema = z.object({
  schedule: z.string(),
  experiments: z.array(gameDayExperimentSchema).min(1),
  parallel: z.boolean(),
  jitterMs: z.number().int().nonnegative(),
});

export type GameDay = z.infer<typeof gameDaySchema>;
export type GameDayExperiment = z.infer<typeof gameDayExperimentSchema>;

/** A schedule as `schedule add` declares it. */
export interface ScheduleSpec extends GameDay {
  /** Cron pattern (five fields, or six with seconds first). */
  cron: string;
  /** IANA time zone of the pattern. @defaultValue UTC */
  tz?: string;
}

/** A schedule as `schedule list` and the dashboard show it. */
export interface ScheduleInfo {
  name: string;
  cron: string;
  tz: string;
  /** When it fires next (epoch ms), before the jitter. */
  next: number | null;
  parallel: boolean;
  jitterMs: number;
  experiments: string[];
}

/** How a game day ended, as its job's return value; while it runs, its progress holds the runs it submitted so far. */
const gameDayOutcomeSchema = z.object({ runIds: z.array(z.string()) });
export type GameDayOutcome = z.infer<typeof gameDayOutcomeSchema>;

const KEEP_JOBS = { age: 7 * 24 * 3_600, count: 1_000 };
const POLL_MS = 500;

/** Game days on a schedule: one BullMQ job scheduler per schedule on the `gamedays` queue. */
export class Schedules {
  readonly #queue: Queue<GameDay>;

  constructor(redis: Redis, keys: Keys) {
    this.#queue = new Queue<GameDay>(keys.gamedays, { connection: redis, prefix: keys.prefix });
  }

  /** Registers (or replaces) a schedule; fails in one sentence on a bad name, time zone or cron pattern, storing nothing. */
  async add(spec: ScheduleSpec): Promise<void> {
    if (!/^[\w.-]+$/.test(spec.schedule)) throw invalid(`A schedule's name may only hold letters, digits, '.', '_' and '-', not '${spec.schedule}'.`);
    const tz = spec.tz ?? 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw invalid(`'${tz}' is not a time zone (use an IANA name such as Europe/Berlin).`);
    }
    const problem = cronProblem(spec.cron);
    if (problem !== undefined) throw invalid(`schedule "${spec.schedule}": cron "${spec.cron}": ${problem}.`);
    try {
      // BullMQ's own reading of the pattern, so what is accepted here is what fires.
      defaultRepeatStrategy(Date.now(), { pattern: spec.cron, tz });
    } catch (error) {
      throw invalid(
        `'${spec.cron}' is not a cron pattern (${error instanceof Error ? error.message : String(error)}); five fields, e.g. "0 10 * * TUE", or six with seconds first.`,
      );
    }
    const data = gameDaySchema.parse({ schedule: spec.schedule, experiments: spec.experiments, parallel: spec.parallel, jitterMs: spec.jitterMs });
    await this.#queue.upsertJobScheduler(
      spec.schedule,
      { pattern: spec.cron, tz },
      { name: 'gameday', data, opts: { removeOnComplete: KEEP_JOBS, removeOnFail: KEEP_JOBS } },
    );
  }

  /** Every schedule, the one firing soonest first. */
  async list(): Promise<ScheduleInfo[]> {
    const schedulers = await this.#queue.getJobSchedulers(0, -1, true);
    return schedulers.map((s) => {
      const day = gameDaySchema.safeParse(s.template?.data);
      return {
        name: s.key,
        cron: s.pattern ?? `every ${String(s.every)}ms`,
        tz: s.tz ?? 'UTC',
        next: s.next ?? null,
        parallel: day.success && day.data.parallel,
        jitterMs: day.success ? day.data.jitterMs : 0,
        experiments: day.success ? day.data.experiments.map((e) => e.experiment) : [],
      };
    });
  }

  /**
   * The runs each schedule's game days started, newest game day first, from the game day jobs still kept (a week, or
   * the last thousand); a game day in progress counts the runs it submitted so far.
   */
  async runsBySchedule(): Promise<Map<string, string[]>> {
    const jobs = await this.#queue.getJobs(['active', 'completed', 'failed'], 0, -1);
    const out = new Map<string, string[]>();
    for (const job of [...jobs].sort((a, b) => b.timestamp - a.timestamp)) {
      const day = gameDaySchema.safeParse(job.data);
      const outcome = gameDayOutcomeSchema.safeParse(job.returnvalue ?? job.progress);
      if (!day.success || !outcome.success) continue;
      out.set(day.data.schedule, [...(out.get(day.data.schedule) ?? []), ...outcome.data.runIds]);
    }
    return out;
  }

  /** Removes a schedule (its next firing with it); fails in one sentence for an unknown name. */
  async remove(name: string): Promise<void> {
    if (!(await this.#queue.removeJobScheduler(name))) {
      throw new GamedayError(ErrorCode.UnknownSchedule, `No schedule '${name}' is known to this queue; 'gameday schedule list' shows them.`, {
        exitCode: ExitCode.InvalidInput,
      });
    }
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

export interface GameDayWorkerOptions {
  redis: Redis;
  keys: Keys;
  /** Where the game day's runs are submitted. */
  runs: RunQueue;
  /** Told one line per game day that fires or ends. */
  log?(line: string): void;
  /** Picks the jitter delay in [0, max). @defaultValue a uniform random integer */
  jitter?(maxMs: number): number;
  /** Paces the jitter and the wait between a sequence's runs. @defaultValue the system clock */
  clock?: Clock;
}

/**
 * Fires game days: after a random delay within the schedule's jitter, each experiment is submitted as an ordinary
 * run, all at once (parallel) or each when the previous one finished (sequence, whatever its verdict). A run that
 * cannot start (halted, a freeze window) is recorded as refused, with the reason, and the game day goes on.
 */
export class GameDayWorker {
  readonly #o: GameDayWorkerOptions;
  readonly #stop = new AbortController();
  #worker: Worker<GameDay, GameDayOutcome> | undefined;
  #connection: Redis | undefined;

  constructor(options: GameDayWorkerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#connection = this.#o.redis.duplicate();
    this.#worker = new Worker<GameDay, GameDayOutcome>(this.#o.keys.gamedays, (job) => this.#fire(job), {
      connection: this.#connection,
      prefix: this.#o.keys.prefix,
      concurrency: 16,
      // A game day whose worker died is not fired again: the runs it submitted run anyway.
      maxStalledCount: 0,
    });
    this.#worker.on('error', (error) => this.#o.log?.(`game day worker error: ${error.message}`));
    await this.#worker.waitUntilReady();
  }

  /** Stops the game days in progress (runs already submitted go on) and disconnects. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#worker?.close();
    await this.#connection?.quit().catch(() => this.#connection?.disconnect());
  }

  async #fire(bullJob: Job<GameDay, GameDayOutcome>): Promise<GameDayOutcome> {
    const day = gameDaySchema.parse(bullJob.data);
    const delay = day.jitterMs === 0 ? 0 : (this.#o.jitter ?? randomInt)(day.jitterMs);
    this.#o.log?.(
      `game day ${day.schedule} fired (${day.experiments.length} experiment(s), ${day.parallel ? 'in parallel' : 'in sequence'}${delay === 0 ? '' : `, starting in ${Math.round(delay / 1000)}s`})`,
    );
    await this.#sleep(delay);
    const runIds: string[] = [];
    const submitted = async (runId: string): Promise<void> => {
      runIds.push(runId);
      // Only the dashboard reads this progress: losing one update must not stop the game day.
      await bullJob.updateProgress({ runIds }).catch(() => undefined);
    };
    if (day.parallel) {
      for (const e of day.experiments) await submitted(await this.#submit(e));
    } else {
      for (const e of day.experiments) {
        const runId = await this.#submit(e);
        await submitted(runId);
        await this.#finished(runId);
      }
    }
    this.#o.log?.(`game day ${day.schedule} ${day.parallel ? 'submitted' : 'ran'} ${runIds.join(', ')}`);
    return { runIds };
  }

  async #submit(e: GameDayExperiment): Promise<string> {
    const job: RunJob = { runId: newRunId(), ...e, waitForLocks: false, submittedAt: Date.now() };
    const runs = this.#o.runs;
    try {
      await runs.submit(job);
    } catch (error) {
      if (!(error instanceof GamedayError) || (error.code !== ErrorCode.Halted && error.code !== ErrorCode.Frozen)) throw error;
      await runs.store.create(job);
      await runs.store.finish(job.runId, { verdict: 'aborted', reason: `refused: ${error.message.replace(/\.$/, '')}`, exitCode: exitCodeFor('aborted') });
    }
    return job.runId;
  }

  async #finished(runId: string): Promise<void> {
    while ((await this.#o.runs.store.get(runId))?.state !== 'finished') await this.#sleep(POLL_MS);
  }

  #sleep(ms: number): Promise<void> {
    return (this.#o.clock ?? systemClock).sleep(ms, this.#stop.signal).catch(() => {
      throw new GamedayError(ErrorCode.Aborted, 'the worker was stopped during the game day', { exitCode: ExitCode.Aborted });
    });
  }
}

function invalid(message: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });
}
