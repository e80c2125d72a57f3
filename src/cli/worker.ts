import { RunWorker } from '../orchestrator/run-worker.js';
import { GameDayWorker } from '../orchestrator/schedules.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { GlobalOptions } from './output.js';
import { openQueue, type QueueOptions } from './queue-connection.js';
import { prepareRun } from './run-setup.js';

export interface WorkerCommandOptions extends QueueOptions {
  concurrency: number;
  results: string;
  /** Milliseconds a run outlives a worker that stopped answering. */
  lease: number;
}

/**
 * `gameday worker`: runs queued experiments, and fires the game days of schedules, until SIGINT or SIGTERM, which abort
 * the runs in progress (rollbacks run).
 */
export async function workerCommand(globals: GlobalOptions, options: WorkerCommandOptions): Promise<number> {
  const connection = await openQueue(options);
  const registry = defaultRegistry();
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const worker = new RunWorker({
    redis: connection.redis,
    keys: connection.keys,
    registry,
    resultsDir: options.results,
    concurrency: options.concurrency,
    leaseMs: options.lease,
    prepare: (job, existing) =>
      prepareRun(job.file, {
        registry,
        text: job.text,
        runId: job.runId,
        ...(job.topology === undefined ? {} : { topology: job.topology }),
        ...(job.speed === undefined ? {} : { speed: job.speed }),
        ...existing,
      }),
    log,
  });
  const gameDays = new GameDayWorker({ redis: connection.redis, keys: connection.keys, runs: connection.queue, log });
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
  process.stderr.write(`${signal}: aborting the runs in progress; rollbacks are running\n`);
  await Promise.all([gameDays.close(), worker.close(`the worker was stopped (${signal})`)]);
  await connection.close();
  // Every run has ended and every connection is closed; a keep-alive socket left in a pool must not keep it up.
  // Wall-clock on purpose: a grace period for this real process to exit, not a wait of gameday's run time.
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}
