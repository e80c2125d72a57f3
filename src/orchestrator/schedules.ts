import { createHash, randomInt } from 'node:crypto';
import { defaultRepeatStrategy, Queue, Worker, type Job } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import { z } from 'zod';
import { exitCodeFor } from '../engine/journal.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { systemClock, type Clock } from '../core/clock.js';
import { cronProblem } from './cron-pattern.js';
import type { Keys } from './keys.js';
import { runFilesSchema, type RunJob } from './run-job.js';
import type { RunQueue } from './run-queue.js';

/** One experiment of a game day, carried with its text and the files of its world so that any worker can run it. */
const gameDayExperimentSchema = z.object({
  file: z.string().min(1),
  text: z.string(),
  experiment: z.string(),
  topology: z.string().optional(),
  files: runFilesSchema.optional(),
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
  /** Paused: it does not fire until resumed; `next` is null meanwhile. */
  paused: boolean;
}

/** A paused schedule as kept: what `add` needs to register it again on resume. */
const pausedSpecSchema = gameDaySchema.extend({ cron: z.string(), tz: z.string() });

/** How a game day ended, as its job's return value; while it runs, its progress holds the runs it submitted so far. */
const gameDayOutcomeSchema = z.object({ runIds: z.array(z.string()) });
export type GameDayOutcome = z.infer<typeof gameDayOutcomeSchema>;

const KEEP_JOBS = { age: 7 * 24 * 3_600, count: 1_000 };
const POLL_MS = 500;
/** How long a game day outlives a worker that stopped renewing its lock, by default (BullMQ's own default). */
const DEFAULT_LEASE_MS = 30_000;
/** How many times one game day is resumed after losing its worker before it is failed. */
const MAX_RESUMPTIONS = 3;

/** Game days on a schedule: one BullMQ job scheduler per schedule on the `gamedays` queue. */
export class Schedules {
  readonly #queue: Queue<GameDay>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#queue = new Queue<GameDay>(keys.gamedays, { connection: redis, prefix: keys.prefix });
    // Without a listener BullMQ prints each connection error with its stack; they surface as failed commands, and the
    // connection's watcher (a worker's) tells a lost Redis once.
    this.#queue.on('error', () => undefined);
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
    // Declaring a schedule again replaces it, paused or not: the new declaration fires.
    await this.redis.hdel(this.keys.pausedSchedules, spec.schedule);
    await this.#queue.upsertJobScheduler(
      spec.schedule,
      { pattern: spec.cron, tz },
      { name: 'gameday', data, opts: { removeOnComplete: KEEP_JOBS, removeOnFail: KEEP_JOBS } },
    );
  }

  /** Every schedule, the one firing soonest first, then the paused ones by name. */
  async list(): Promise<ScheduleInfo[]> {
    const [schedulers, paused] = await Promise.all([this.#queue.getJobSchedulers(0, -1, true), this.#paused()]);
    const active = schedulers.map((s): ScheduleInfo => {
      const day = gameDaySchema.safeParse(s.template?.data);
      return {
        name: s.key,
        cron: s.pattern ?? `every ${String(s.every)}ms`,
        tz: s.tz ?? 'UTC',
        next: s.next ?? null,
        parallel: day.success && day.data.parallel,
        jitterMs: day.success ? day.data.jitterMs : 0,
        experiments: day.success ? day.data.experiments.map((e) => e.experiment) : [],
        paused: false,
      };
    });
    const held = [...paused.values()]
      .sort((a, b) => a.schedule.localeCompare(b.schedule))
      .map(
        (p): ScheduleInfo => ({
          name: p.schedule,
          cron: p.cron,
          tz: p.tz,
          next: null,
          parallel: p.parallel,
          jitterMs: p.jitterMs,
          experiments: p.experiments.map((e) => e.experiment),
          paused: true,
        }),
      );
    return [...active, ...held];
  }

  /** Each schedule's game day (its experiments with their texts and sim options), paused ones included, by name. */
  async gameDays(): Promise<Map<string, GameDay>> {
    const [schedulers, paused] = await Promise.all([this.#queue.getJobSchedulers(0, -1, true), this.#paused()]);
    const out = new Map<string, GameDay>();
    for (const s of schedulers) {
      const day = gameDaySchema.safeParse(s.template?.data);
      if (day.success) out.set(s.key, day.data);
    }
    for (const [name, p] of paused) out.set(name, gameDaySchema.parse(p));
    return out;
  }

  /**
   * Pauses a schedule: its job scheduler is removed (so no worker can fire it) and its declaration kept for `resume`.
   * Pausing a paused schedule changes nothing; an unknown name fails in one sentence.
   */
  async pause(name: string): Promise<ScheduleInfo> {
    const scheduler = await this.#queue.getJobScheduler(name);
    if (scheduler === undefined) {
      const already = (await this.list()).find((s) => s.name === name && s.paused);
      if (already !== undefined) return already;
      throw unknownSchedule(name);
    }
    const day = gameDaySchema.parse(scheduler.template?.data);
    const spec = pausedSpecSchema.parse({ ...day, cron: scheduler.pattern, tz: scheduler.tz ?? 'UTC' });
    // Kept before the scheduler goes: a crash in between leaves it both active and kept, never lost.
    await this.redis.hset(this.keys.pausedSchedules, name, JSON.stringify(spec));
    await this.#queue.removeJobScheduler(name);
    return this.#info(name);
  }

  /** Resumes a paused schedule: it fires again at its next cron time. Resuming an active one changes nothing. */
  async resume(name: string): Promise<ScheduleInfo> {
    const spec = (await this.#paused()).get(name);
    if (spec === undefined) {
      if ((await this.#queue.getJobScheduler(name)) !== undefined) return this.#info(name);
      throw unknownSchedule(name);
    }
    await this.add({ ...spec, cron: spec.cron, tz: spec.tz });
    return this.#info(name);
  }

  async #info(name: string): Promise<ScheduleInfo> {
    const info = (await this.list()).find((s) => s.name === name);
    if (info === undefined) throw unknownSchedule(name);
    return info;
  }

  async #paused(): Promise<Map<string, z.infer<typeof pausedSpecSchema>>> {
    const raw = await this.redis.hgetall(this.keys.pausedSchedules);
    const out = new Map<string, z.infer<typeof pausedSpecSchema>>();
    for (const [name, text] of Object.entries(raw)) {
      const spec = pausedSpecSchema.safeParse(JSON.parse(text));
      if (spec.success) out.set(name, spec.data);
    }
    return out;
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
    const wasPaused = (await this.redis.hdel(this.keys.pausedSchedules, name)) > 0;
    if (!(await this.#queue.removeJobScheduler(name)) && !wasPaused) throw unknownSchedule(name);
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

export interface GameDayWorkerOptions {
  redis: RedisClient;
  keys: Keys;
  /** Where the game day's runs are submitted. */
  runs: RunQueue;
  /** Told one line per game day that fires or ends. */
  log?(line: string): void;
  /** Picks the jitter delay in [0, max). @defaultValue a uniform random integer */
  jitter?(maxMs: number): number;
  /** Paces the jitter and the wait between a sequence's runs. @defaultValue the system clock */
  clock?: Clock;
  /**
   * How long a game day outlives a worker that died (its lock's duration, and how often locks are checked); then another
   * worker resumes it. @defaultValue 30000
   */
  leaseMs?: number;
  /** Takes the errors of its BullMQ connections; returns whether it accounted for one (see `RunWorkerOptions`). */
  redisErrors?(error: unknown): boolean;
}

/**
 * Fires game days: after a random delay within the schedule's jitter, each experiment is submitted as an ordinary
 * run, all at once (parallel) or each when the previous one finished (sequence, whatever its verdict). A run that
 * cannot start (halted, a freeze window) is recorded as refused, with the reason, and the game day goes on. A game day
 * whose worker died is resumed by another one, which submits only the runs not yet submitted.
 */
export class GameDayWorker {
  readonly #o: GameDayWorkerOptions;
  readonly #stop = new AbortController();
  #worker: Worker<GameDay, GameDayOutcome> | undefined;
  #connection: RedisClient | undefined;

  constructor(options: GameDayWorkerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#connection = this.#o.redis.duplicate();
    this.#worker = new Worker<GameDay, GameDayOutcome>(this.#o.keys.gamedays, (job) => this.#fire(job), {
      connection: this.#connection,
      prefix: this.#o.keys.prefix,
      concurrency: 16,
      // A game day whose worker died is fired again once its lock expires, and resumes where it was (`#fire`). A live
      // worker renews the lock every half lease; one that has not for a whole lease is taken to be dead.
      lockDuration: this.#o.leaseMs ?? DEFAULT_LEASE_MS,
      stalledInterval: this.#o.leaseMs ?? DEFAULT_LEASE_MS,
      maxStalledCount: MAX_RESUMPTIONS,
    });
    this.#worker.on('error', (error) => {
      if (this.#o.redisErrors?.(error) !== true) this.#o.log?.(`game day worker error: ${error.message}`);
    });
    await this.#worker.waitUntilReady();
  }

  /** Stops the game days in progress (runs already submitted go on) and disconnects. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#worker?.close();
    await this.#connection?.quit().catch(() => this.#connection?.disconnect());
  }

  /** Closes without waiting for Redis (a game day in progress is not fired again; see `maxStalledCount`). */
  async forceClose(): Promise<void> {
    this.#stop.abort();
    await this.#worker?.close(true).catch(() => undefined);
    this.#connection?.disconnect();
  }

  async #fire(bullJob: Job<GameDay, GameDayOutcome>): Promise<GameDayOutcome> {
    const day = gameDaySchema.parse(bullJob.data);
    const runIds = day.experiments.map((_, i) => gameDayRunId(bullJob, i));
    // Fired again by BullMQ's stall detection: the worker that fired it died midway. The runs it submitted (ids derived
    // from the job, so a submission is found whether or not its progress was written) are not submitted again, and the
    // jitter was waited once already.
    const resumed = bullJob.stalledCounter > 0;
    const taken = resumed ? await this.#submitted(runIds) : 0;
    const delay = resumed || day.jitterMs === 0 ? 0 : (this.#o.jitter ?? randomInt)(day.jitterMs);
    const how = `${day.experiments.length} experiment(s), ${day.parallel ? 'in parallel' : 'in sequence'}`;
    this.#o.log?.(
      resumed
        ? `game day ${day.schedule} resumed after its worker was lost (${how}; ${taken} already submitted)`
        : `game day ${day.schedule} fired (${how}${delay === 0 ? '' : `, starting in ${Math.round(delay / 1000)}s`})`,
    );
    await this.#sleep(delay);
    const submitted: string[] = [];
    const progress = async (runId: string): Promise<void> => {
      submitted.push(runId);
      // Only the dashboard reads this progress: losing one update must not stop the game day.
      await bullJob.updateProgress({ runIds: submitted }).catch(() => undefined);
    };
    for (const [i, e] of day.experiments.entries()) {
      const runId = runIds[i] ?? gameDayRunId(bullJob, i);
      await this.#submit(e, runId);
      await progress(runId);
      // In a sequence, each run waits for the one before it, whatever its verdict; after a resumption, the last run the
      // lost worker submitted is waited for here before the rest are submitted.
      if (!day.parallel) await this.#finished(runId);
    }
    this.#o.log?.(`game day ${day.schedule} ${day.parallel ? 'submitted' : 'ran'} ${submitted.join(', ')}`);
    return { runIds: submitted };
  }

  /** How many of a game day's runs are already in the run store (submitted before its worker was lost). */
  async #submitted(runIds: readonly string[]): Promise<number> {
    const found = await Promise.all(runIds.map((id) => this.#o.runs.store.get(id)));
    return found.filter((s) => s !== undefined).length;
  }

  /**
   * Submits one experiment of a game day as run `runId`, unless a worker already took it (a game day resumed). Submitting
   * again a run that is only queued is harmless: its record is the same, and BullMQ adds no second job of one id.
   */
  async #submit(e: GameDayExperiment, runId: string): Promise<void> {
    const runs = this.#o.runs;
    const existing = await runs.store.get(runId);
    if (existing !== undefined && existing.state !== 'queued') return;
    const job: RunJob = { runId, ...e, waitForLocks: false, submittedAt: existing?.submittedAt ?? Date.now() };
    try {
      await runs.submit(job);
    } catch (error) {
      if (!(error instanceof GamedayError) || (error.code !== ErrorCode.Halted && error.code !== ErrorCode.Frozen)) throw error;
      await runs.store.create(job);
      await runs.store.finish(job.runId, { verdict: 'aborted', reason: `refused: ${error.message.replace(/\.$/, '')}`, exitCode: exitCodeFor('aborted') });
    }
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

/**
 * The id of a game day's `index`-th run, derived from the game day's job: a game day fired again after its worker died
 * finds the runs it submitted by these ids, and BullMQ, which adds no second job of one id, submits none twice.
 */
export function gameDayRunId(bullJob: Pick<Job, 'id' | 'timestamp' | 'delay'>, index: number): string {
  const at = new Date(bullJob.timestamp + (bullJob.delay ?? 0))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const day = createHash('sha256')
    .update(bullJob.id ?? '')
    .digest('hex')
    .slice(0, 6);
  return `gd-${at}-${day}-${index + 1}`;
}

function unknownSchedule(name: string): GamedayError {
  return new GamedayError(ErrorCode.UnknownSchedule, `No schedule '${name}' is known to this queue; 'gameday schedule list' shows them.`, {
    exitCode: ExitCode.InvalidInput,
  });
}

function invalid(message: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });
}
