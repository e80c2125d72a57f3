import { Queue, QueueEvents } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import { durableWrite, NotYetDurable } from './durable-writes.js';
import type { RunListener } from '../engine/events.js';
import type { Journal } from '../engine/journal.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { publishControl } from './control-channel.js';
import { FreezeWindows, frozenError } from './freeze-windows.js';
import type { Keys } from './keys.js';
import { KillSwitch, type Halt } from './kill-switch.js';
import { replayEvent, type RunEvent } from './run-events.js';
import type { RunJob } from './run-job.js';
import { RunStore, type RunStatus } from './run-store.js';

/** How many finished jobs BullMQ keeps (journals are kept by the run store). */
const KEEP_JOBS = { age: 7 * 24 * 3_600, count: 1_000 };

/** A run being followed: its events reach the listener until `finished` resolves. */
export interface FollowedRun {
  finished: Promise<RunStatus>;
  stop(): Promise<void>;
}

/** The side of the queue that commands use: submit, follow, status, list, abort, halt and resume. */
export class RunQueue {
  readonly store: RunStore;
  readonly killSwitch: KillSwitch;
  readonly freezeWindows: FreezeWindows;
  readonly #queue: Queue;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** Paces the look at a followed run's stored state. @defaultValue the system clock */
    private readonly clock: Clock = systemClock,
  ) {
    this.store = new RunStore(redis, keys);
    this.killSwitch = new KillSwitch(redis, keys);
    this.freezeWindows = new FreezeWindows(redis, keys);
    this.#queue = new Queue(keys.queue, { connection: redis, prefix: keys.prefix });
    // Without a listener BullMQ prints each connection error with its stack; they surface as failed commands, and the
    // connection's watcher (a worker's) tells a lost Redis once.
    this.#queue.on('error', () => undefined);
  }

  /**
   * Enqueues a run; refused in one sentence while gameday is halted or inside a freeze window. Through Sentinels, the
   * run and its job are confirmed by the primary's replicas before this resolves, so a failover does not lose them.
   */
  async submit(job: RunJob): Promise<void> {
    const halt = await this.killSwitch.state();
    if (halt !== null) throw haltedError(halt);
    const frozen = await this.freezeWindows.active();
    if (frozen !== null) throw frozenError(frozen);
    await this.store.create(job);
    const add = () => this.#queue.add('run', job, { jobId: job.runId, removeOnComplete: KEEP_JOBS, removeOnFail: KEEP_JOBS });
    await durableWrite(this.redis, async (redis) => {
      // BullMQ adds it on the queue's own connection (a job id already there is kept, so adding again is safe); the
      // durable connection then finds it on its primary and writes after it, so a replica that has that write has
      // the job too.
      await add();
      if (redis === this.redis) return;
      const [[, found]] = ((await redis.multi().exists(this.#queue.toKey(job.runId)).set(this.keys.fence, job.runId, 'PX', 60_000).exec()) ?? [[null, 0]]) as [
        [Error | null, number],
      ];
      if (found !== 1) throw new NotYetDurable(`job ${job.runId} is not on this primary yet`);
    });
  }

  /**
   * Follows a run: replays its live events on `listener` and resolves `finished` with its final status. Start
   * following before submitting, so no event is missed.
   */
  async follow(runId: string, listener: RunListener): Promise<FollowedRun> {
    const connection = this.redis.duplicate();
    const events = new QueueEvents(this.keys.queue, { connection, prefix: this.keys.prefix });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    let check: () => void = () => undefined;
    let failed: (reason: string) => void = () => undefined;
    const finished = new Promise<RunStatus>((resolve, reject) => {
      let settled = false;
      // The worker itself failed (not the run): nothing will record a verdict, so the job's failure is the end.
      failed = (reason) => {
        void this.store.get(runId).then((status) => {
          if (settled || status === undefined) return;
          settled = true;
          resolve({ ...status, state: 'finished', verdict: 'errored', reason: `the worker failed: ${reason}`, exitCode: ExitCode.Error });
        });
      };
      check = () => {
        void this.store.get(runId).then(
          (status) => {
            if (settled || status?.state !== 'finished') return;
            settled = true;
            resolve(status);
          },
          (error: unknown) => {
            settled = true;
            const why = error instanceof Error ? error.message : String(error);
            reject(
              error instanceof GamedayError
                ? error
                : new GamedayError(ErrorCode.RedisUnreachable, `The status of run ${runId} could not be read from Redis: ${why.replace(/\.$/, '')}.`, {
                    cause: error,
                  }),
            );
          },
        );
      };
    });
    events.on('progress', ({ jobId, data }) => {
      if (jobId === runId && typeof data === 'object' && data !== null) replayEvent(data as RunEvent, listener);
    });
    events.on('completed', ({ jobId }) => jobId === runId && check());
    events.on('failed', ({ jobId, failedReason }) => jobId === runId && failed(failedReason));
    // Events can be missed (a reconnect); the stored state is the truth, so look at it now and then as well.
    const stopPolling = this.clock.every(2_000, check);
    const stop = async (): Promise<void> => {
      stopPolling();
      await events.close();
      await connection.quit().catch(() => connection.disconnect());
    };
    void finished.finally(stopPolling).catch(() => undefined);
    return { finished, stop };
  }

  /** A run's status; fails in one sentence for a run that is unknown (or expired). */
  async status(runId: string): Promise<RunStatus> {
    const status = await this.store.get(runId);
    if (status === undefined) throw unknownRun(runId);
    return status;
  }

  async journal(runId: string): Promise<Journal | undefined> {
    return this.store.journal(runId);
  }

  /**
   * Aborts a run: one still waiting is taken off the queue; one running is aborted by its worker, whose rollbacks run.
   * Resolves to what happened.
   */
  async abort(runId: string): Promise<'dequeued' | 'aborting' | 'finished'> {
    const status = await this.status(runId);
    if (status.state === 'finished') return 'finished';
    await this.store.update(runId, { abortRequested: true });
    const job = await this.#queue.getJob(runId);
    if (status.state === 'queued' && job !== undefined && (await job.getState()) === 'waiting') {
      await job.remove();
      await this.store.finish(runId, {
        verdict: 'aborted',
        reason: 'the run was aborted by the operator before it started (gameday abort)',
        exitCode: ExitCode.Aborted,
      });
      return 'dequeued';
    }
    await publishControl(this.redis, this.keys, { type: 'abort', runId });
    return 'aborting';
  }

  /** The BullMQ queue, for views that count its jobs. */
  get jobs(): Queue {
    return this.#queue;
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

export function haltedError(halt: Halt): GamedayError {
  return new GamedayError(
    ErrorCode.Halted,
    `gameday is halted since ${new Date(halt.since).toISOString()} (${halt.reason}); no run starts until 'gameday resume'.`,
    { exitCode: ExitCode.Aborted },
  );
}

function unknownRun(runId: string): GamedayError {
  return new GamedayError(ErrorCode.UnknownRun, `No run '${runId}' is known to this queue (it may have expired); 'gameday list' shows the runs.`, {
    exitCode: ExitCode.InvalidInput,
  });
}
