import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openQueue } from '../../src/cli/queue-connection.js';
import type { RunQueue } from '../../src/orchestrator/run-queue.js';
import type { RunStatus } from '../../src/orchestrator/run-store.js';
import { ROOT, gameday, tempDir } from './cli.js';
import { startDaemon, startSimProcess, type Daemon } from './daemon.js';
import { after, before } from 'node:test';
import { startRedis, type TestRedis } from './redis.js';
import { waitFor } from './sim.js';

type SimDaemon = Awaited<ReturnType<typeof startSimProcess>>;

/** What the queue commands of one test see: its own Redis and its own key prefix. */
export interface QueueEnv {
  REDIS_URL: string;
  GAMEDAY_PREFIX: string;
}

export function queueEnv(redis: TestRedis): QueueEnv {
  return { REDIS_URL: redis.url, GAMEDAY_PREFIX: redis.prefix() };
}

/** `gameday worker` on the test's queue; resolves once it is taking runs. */
export function startWorker(env: QueueEnv, results: string, options: { concurrency?: number; lease?: string } = {}): Promise<Daemon> {
  return startDaemon(['worker', '--results', results, '--concurrency', String(options.concurrency ?? 1), '--lease', options.lease ?? '3s'], { ...env });
}

/** `gameday status RUN --json`. */
export async function runStatus(env: QueueEnv, runId: string): Promise<RunStatus> {
  const result = await gameday(['--json', 'status', runId], { env: { ...env } });
  if (result.code !== 0) throw new Error(`gameday status ${runId} exited ${String(result.code)}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { run: RunStatus }).run;
}

/**
 * The run's stored status as `gameday status RUN --json` reads it (the same `RunQueue.status`), read in this process: a
 * poll that started a CLI process every 100 ms kept a core of the shared test machine busy for the whole wait. Each
 * look opens its own connection, so a poll rides out a Redis restart or a Sentinel failover as the CLI does.
 */
async function stored<T>(env: QueueEnv, read: (queue: RunQueue) => Promise<T>): Promise<T> {
  const connection = await openQueue({ redis: env.REDIS_URL, prefix: env.GAMEDAY_PREFIX });
  try {
    return await read(connection.queue);
  } finally {
    await connection.close();
  }
}

const storedStatus = (env: QueueEnv, runId: string): Promise<RunStatus> => stored(env, (q) => q.status(runId));

/** The runs as `gameday list --json` lists them (the same `RunStore.list`), read in this process for polling. */
export const storedRuns = (env: QueueEnv): Promise<RunStatus[]> => stored(env, (q) => q.store.list(20));

/** Polls the run's status (what `gameday status` shows) until it satisfies `check`. */
export function waitForStatus(env: QueueEnv, runId: string, what: string, check: (s: RunStatus) => boolean, timeoutMs = 60_000): Promise<RunStatus> {
  return waitFor(
    `run ${runId} ${what}`,
    async () => {
      const s = await storedStatus(env, runId);
      return check(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Waits until the run has injected and is in its recovery phase; fails with its verdict if it ended before. */
export async function waitForRecoveryPhase(env: QueueEnv, runId: string): Promise<void> {
  const s = await waitForStatus(env, runId, 'to reach its recovery phase', (x) => x.phase === 'recovery' || x.state === 'finished', 120_000);
  if (s.state === 'finished') throw new Error(`run ${runId} ended before its recovery phase: ${s.verdict ?? ''} — ${s.reason ?? ''}`);
}

/** `gameday run FILE --detach`: the run id. */
export async function submitDetached(env: QueueEnv, file: string, extra: readonly string[] = []): Promise<string> {
  const result = await gameday(['run', file, '--detach', ...extra], { env: { ...env } });
  if (result.code !== 0) throw new Error(`gameday run --detach exited ${String(result.code)}: ${result.stderr}`);
  return result.stdout.trim();
}

/** One of experiments/ pointed at a running simulated region, at `speed`, with `edit` applied to its text. */
export async function experimentAgainst(
  tmp: Awaited<ReturnType<typeof tempDir>>,
  name: string,
  endpoint: string,
  speed: number,
  edit: (text: string) => string = (t) => t,
): Promise<string> {
  let text = (await readFile(join(ROOT, 'experiments', name), 'utf8')).replace(/^ {2}speed: \d+$/m, `  speed: ${speed}\n  endpoint: ${endpoint}`);
  if (!text.includes(`endpoint: ${endpoint}`)) throw new Error(`${name} has no environment.speed line to replace`);
  if (/^steadyState:/m.test(text)) throw new Error(`${name} has its own steadyState block`);
  // Probes start on a worker that may share the machine with other tests: give the first samples time.
  text += '\nsteadyState:\n  timeout: 10m\n';
  return tmp.write(`${name.replace(/\.yaml$/, '')}-${Math.random().toString(36).slice(2, 8)}.yaml`, edit(text));
}

/** The reference topology whose group does not replace stopped instances within a test (its health checks are hours apart). */
export async function slowGroupTopology(tmp: Awaited<ReturnType<typeof tempDir>>): Promise<string> {
  const reference = await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8');
  if (/^timings:/m.test(reference)) throw new Error('reference.yaml declares timings: merge asgHealthCheckPeriod into them');
  return tmp.write('slow-group.yaml', `${reference}\ntimings: { asgHealthCheckPeriod: 10h }\n`);
}

/** Keeps an experiment in its recovery phase for a long while (60 AWS minutes), so it can be aborted or killed there. */
export const lingering = (text: string): string =>
  text
    .replace(/observeAtLeast: \d+m/, 'observeAtLeast: 60m')
    .replace(/timeout: \d+m/, 'timeout: 120m')
    .replace('duration: 2m', 'duration: 60m');

/** Starts a Redis and a temporary folder before the suite that calls it, and removes both after it. */
export function redisForSuite(): { redis(): TestRedis; tmp(): Awaited<ReturnType<typeof tempDir>> } {
  let redis: TestRedis | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
  });
  after(async () => {
    await Promise.all([redis?.stop(), tmp?.cleanup()]);
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('redisForSuite() is used before its suite started');
    return value;
  };
  return { redis: () => ready(redis), tmp: () => ready(tmp) };
}

/** `gameday list --json`: the runs, newest first. */
export async function listRuns(env: QueueEnv): Promise<RunStatus[]> {
  const result = await gameday(['--json', 'list'], { env: { ...env } });
  if (result.code !== 0) throw new Error(`gameday list exited ${String(result.code)}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { runs: RunStatus[] }).runs;
}

/** Waits until the queue holds exactly `count` runs and all of them finished (a game day's runs); newest first. */
export function waitForFinishedRuns(env: QueueEnv, count: number, timeoutMs = 240_000): Promise<RunStatus[]> {
  return waitFor(
    `${count} runs to finish`,
    async () => {
      const runs = await storedRuns(env);
      return runs.length === count && runs.every((r) => r.state === 'finished') && runs;
    },
    { timeoutMs, intervalMs: 500 },
  ).then(() => listRuns(env));
}

/**
 * A six-field cron pattern (seconds first) that fires once a day, at `at` as a clock in `tz` reads it: a schedule that
 * fires once within a test, and only when its time zone is honoured.
 */
export function cronAt(at: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${Number(parts.second)} ${Number(parts.minute)} ${Number(parts.hour)} * * *`;
}

/**
 * Before the suite that calls it: a Redis, a temporary folder, and `gameday sim` in its own process at `speed` on the
 * reference topology whose group does not replace stopped instances within a test; all stopped after the suite.
 */
export function simQueueForSuite(speed: number): { redis(): TestRedis; tmp(): Awaited<ReturnType<typeof tempDir>>; sim(): SimDaemon } {
  const suite = redisForSuite();
  let sim: SimDaemon | undefined;
  before(async () => {
    sim = await startSimProcess({ speed, topology: await slowGroupTopology(suite.tmp()) });
  });
  after(async () => {
    await sim?.stop();
  });
  return {
    ...suite,
    sim: () => {
      if (sim === undefined) throw new Error('simQueueForSuite() is used before its suite started');
      return sim;
    },
  };
}
