import { preloadServiceClients } from '../aws/sdk.js';
import { ExitCode, GamedayError } from '../errors/gameday-error.js';
import { formatDuration } from '../experiment/duration.js';
import { durabilityFigures } from '../orchestrator/durable-writes.js';
import { RedisHealth } from '../orchestrator/redis-health.js';
import type { RunJob } from '../orchestrator/run-job.js';
import { RunWorker } from '../orchestrator/run-worker.js';
import type { RunWorld } from '../orchestrator/run-world.js';
import { GameDayWorker } from '../orchestrator/schedules.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { GlobalOptions } from './output.js';
import { openQueue, type QueueOptions } from './queue-connection.js';
import { materializeRunFiles, removeOrphanedRunFiles } from './run-files.js';
import { prepareRun } from './run-setup.js';
import type { Registry } from '../registry/registry.js';

export interface WorkerCommandOptions extends QueueOptions {
  concurrency: number;
  results: string;
  /** Milliseconds a run outlives a worker that stopped answering. */
  lease: number;
  /** Milliseconds the worker takes, after SIGTERM or SIGINT, to roll back its runs and close before it exits anyway. */
  grace: number;
}

/** The worker's exit code when its grace ran out with runs whose rollbacks had not run (named on stderr). */
export const EXIT_RUNS_UNFINISHED = ExitCode.Error;

/**
 * `gameday worker`: runs queued experiments, and fires the game days of schedules, until SIGINT or SIGTERM. A signal
 * aborts the runs in progress (rollbacks run) and waits for them and for Redis up to the grace; then it closes by
 * force and exits, 0 when every run had rolled back, `EXIT_RUNS_UNFINISHED` (naming them) otherwise. A second signal
 * exits at once. While the worker runs, a lost Redis is told in one line per change of state.
 */
export async function workerCommand(globals: GlobalOptions, options: WorkerCommandOptions): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const health = new RedisHealth({ log, debug: globals.debug });
  const connection = await openQueue(options, health);
  const registry = defaultRegistry();
  const redisErrors = (error: unknown): boolean => health.report(error);
  const worker = new RunWorker({
    redis: connection.redis,
    keys: connection.keys,
    registry,
    resultsDir: options.results,
    concurrency: options.concurrency,
    leaseMs: options.lease,
    prepare: (job, existing) => prepareQueuedRun(job, existing, registry),
    log,
    redisErrors,
  });
  const gameDays = new GameDayWorker({ redis: connection.redis, keys: connection.keys, runs: connection.queue, log, leaseMs: options.lease, redisErrors });
  // What workers killed on this machine left of their runs' files: nothing else removes it.
  await removeOrphanedRunFiles();
  // Before the first run, not during it: a lazy import that blocks longer than the lease loses the worker its run.
  await preloadServiceClients();
  await worker.start();
  await gameDays.start();
  // Listening before the ready line: a Ctrl-C right after it must roll back, not kill the process.
  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const ready = { worker: worker.id, queue: `${connection.keys.prefix}:${connection.keys.queue}`, concurrency: options.concurrency };
  process.stdout.write(
    globals.json
      ? `${JSON.stringify(ready)}\n`
      : `worker ${ready.worker} ready on queue ${ready.queue} (concurrency ${ready.concurrency}); Ctrl-C stops it after rolling back\n`,
  );
  const signal = await stopping;
  const unfinishedLine = (): string => {
    const runs = worker.unfinishedRuns();
    return runs.length === 0 ? '' : `; runs left unfinished: ${runs.join(', ')} (once their leases lapse, another worker undoes what they injected)`;
  };
  // A second signal: the operator will not wait.
  const now = (second: NodeJS.Signals): void => {
    process.stderr.write(`${second} again: exiting now${unfinishedLine()}\n`);
    process.exit(worker.unfinishedRuns().length === 0 ? 0 : EXIT_RUNS_UNFINISHED);
  };
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  const running = worker.unfinishedRuns();
  process.stderr.write(
    `${signal}: ${running.length === 0 ? 'no run in progress' : `aborting ${running.join(', ')}; rollbacks are running`}; exiting within ${formatDuration(options.grace)}\n`,
  );
  // Wall-clock on purpose: the grace is this real process's time to exit, not a wait of gameday's run time.
  // The last part of the grace is kept for closing by force, so the process is gone within the grace itself.
  const forceMs = Math.min(2_000, options.grace / 4);
  const deadline = Date.now() + options.grace - forceMs;
  const within = <T>(work: Promise<T>, ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, ms));
      }),
    ]).finally(() => clearTimeout(timer));
  };
  worker.abortRuns(`the worker was stopped (${signal})`);
  // The rollbacks first: they reach AWS, not Redis, so they end even while Redis is lost.
  await within(worker.idle(), deadline - Date.now());
  const closed = await within(
    (async () => {
      await Promise.all([gameDays.close(), worker.close(`the worker was stopped (${signal})`)]);
      await connection.close();
    })(),
    deadline - Date.now(),
  );
  health.close();
  // Through Sentinels only (elsewhere nothing waits for replicas): what the failovers it lived through cost.
  const durable = durabilityFigures(connection.redis);
  if (durable.confirmed + durable.unconfirmed > 0)
    log(
      `durable writes: ${durable.confirmed} confirmed, ${durable.redone} made again after a failover or reconnection, ${durable.unconfirmed} left unconfirmed by the replicas`,
    );
  const unfinished = worker.unfinishedRuns();
  if (!closed) {
    process.stderr.write(
      `the grace of ${formatDuration(options.grace)} ran out${health.lost ? ` with Redis lost (${health.reason})` : ''}: closing by force${unfinishedLine()}\n`,
    );
    await within(Promise.all([worker.forceClose(), gameDays.forceClose()]), forceMs);
    connection.redis.disconnect();
  }
  const code = unfinished.length === 0 ? 0 : EXIT_RUNS_UNFINISHED;
  // Every connection is closed or dropped; a keep-alive socket left in a pool, or a Redis command still queued, must
  // not keep the process up.
  setTimeout(() => process.exit(code), closed ? 1_000 : 0).unref();
  return code;
}

/**
 * Readies a queued run's world on this worker. A job that carries its files is prepared from a private copy of them
 * (removed when the world is closed, or at once if preparing fails), so the submitter's paths need not exist here; its
 * errors still name the submitter's paths. A run taken over from a lost worker reads no topology (its region already
 * runs), and a job queued by an older gameday carries no files: both are prepared by path, as before.
 */
async function prepareQueuedRun(job: RunJob, existing: { simOutputs?: Record<string, string> }, registry: Registry): Promise<RunWorld> {
  const options = {
    registry,
    text: job.text,
    runId: job.runId,
    ...(job.speed === undefined ? {} : { speed: job.speed }),
    ...existing,
  };
  if (existing.simOutputs !== undefined) {
    // A takeover: what the lost worker wrote of the run's files, if it ran on this machine, goes now.
    await removeOrphanedRunFiles();
    return prepareRun(job.file, { ...options, ...(job.topology === undefined ? {} : { topology: job.topology }) });
  }
  if (job.files === undefined) return prepareRun(job.file, { ...options, ...(job.topology === undefined ? {} : { topology: job.topology }) });
  const files = await materializeRunFiles(job.files, job.runId);
  try {
    // `job.file` still names the experiment: its locations and messages are the submitter's. The topology is passed
    // explicitly, so nothing is resolved against the submitter's folder.
    const world = await prepareRun(job.file, { ...options, ...(files.topology === undefined ? {} : { topology: files.topology }) });
    return {
      ...world,
      close: async () => {
        try {
          await world.close();
        } finally {
          await files.remove();
        }
      },
    };
  } catch (error) {
    await files.remove();
    if (!(error instanceof GamedayError)) throw error;
    throw new GamedayError(error.code, files.submitterPaths(error.message), { exitCode: error.exitCode, cause: error });
  }
}
