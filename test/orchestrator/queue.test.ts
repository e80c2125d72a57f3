import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { connectRedis } from '../../src/orchestrator/redis-connection.js';
import type { RunJob } from '../../src/orchestrator/run-job.js';
import { RunQueue } from '../../src/orchestrator/run-queue.js';
import { gameday, tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import { experimentAgainst, queueEnv, runStatus, slowGroupTopology, startWorker, waitForStatus } from '../support/queue.js';
import { startRedis, type TestRedis, SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { waitFor } from '../support/sim.js';

describe('gameday run --queue and gameday worker', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
    // Stopped instances stay stopped until the run starts them again: on a loaded machine the group would otherwise
    // replace them before the fault could see them stop.
    sim = await startSimProcess({ speed: 40, topology: await slowGroupTopology(tmp) });
  });
  after(async () => {
    await Promise.all([redis?.stop(), sim?.stop(), tmp?.cleanup()]);
  });

  it('runs a queued experiment on a worker, follows it live and prints the same summary and exit code as a run here', async () => {
    const env = queueEnv(redis);
    const worker = await startWorker(env, join(tmp.dir, 'worker-results'));
    try {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, 40);
      const result = await gameday(['run', file, '--queue', '--view', 'plain', '--results', join(tmp.dir, 'local')], { env: { ...env } });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      // The live lines come from the worker's run, in order.
      assert.match(result.stderr, /queued as gd-/);
      assert.match(
        result.stderr,
        /phase resolve-targets[\s\S]*phase method[\s\S]*fault stop-half \(aws\.ec2\.stop-instances\) started[\s\S]*fault stop-half succeeded[\s\S]*fault-end stop-half succeeded/,
      );
      assert.match(result.stdout, /^verdict: PASSED — /);
      const runId = /run: (gd-\S+)/.exec(result.stdout)?.[1] ?? '';
      const localPath = /journal: (.+)$/m.exec(result.stdout)?.[1] ?? '';
      assert.equal(localPath, join(tmp.dir, 'local', `${runId}.json`));
      const local = JSON.parse(await readFile(localPath, 'utf8')) as Journal;
      const onWorker = JSON.parse(await readFile(join(tmp.dir, 'worker-results', `${runId}.json`), 'utf8')) as Journal;
      assert.deepEqual(local, onWorker);
      assert.equal(local.verdict.status, 'passed');
      assert.ok(local.activities.some((a) => a.kind === 'fault-end' && a.status === 'succeeded'));

      const status = await runStatus(env, runId);
      assert.equal(status.state, 'finished');
      assert.equal(status.verdict, 'passed');
      const list = await gameday(['list'], { env: { ...env } });
      assert.match(list.stdout, new RegExp(`^${runId}\\s+finished\\s+passed\\s+stop-half-web-fleet`, 'm'));
    } finally {
      await worker.stop();
    }
  });

  it('with --detach prints only the run id; the journal is kept in Redis for status', async () => {
    const env = queueEnv(redis);
    const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, 40);
    const submitted = await gameday(['submit', file, '--detach'], { env: { ...env } });
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.match(submitted.stdout, /^gd-\d{8}T\d{6}Z-[0-9a-f]{6}\n$/);
    const runId = submitted.stdout.trim();
    assert.equal((await runStatus(env, runId)).state, 'queued');
    const worker = await startWorker(env, join(tmp.dir, 'detached'));
    try {
      const done = await waitForStatus(env, runId, 'to finish', (s) => s.state === 'finished', 90_000);
      assert.equal(done.verdict, 'passed');
      assert.equal(done.journalPath, join(tmp.dir, 'detached', `${runId}.json`));
    } finally {
      await worker.stop();
    }
  });

  it('a follower is told when the worker itself fails on a run, instead of waiting forever', async () => {
    const env = queueEnv(redis);
    const worker = await startWorker(env, join(tmp.dir, 'failing'));
    const client = await connectRedis(redis.url);
    const queue = new RunQueue(client, new Keys(env.GAMEDAY_PREFIX));
    try {
      // A job no worker of this version can read (as from another version of gameday).
      const job = {
        runId: 'gd-unreadable',
        file: '/nowhere.yaml',
        text: 42,
        experiment: 'x',
        waitForLocks: false,
        submittedAt: Date.now(),
      } as unknown as RunJob;
      const followed = await queue.follow(job.runId, {});
      await queue.submit(job);
      const status = await followed.finished;
      await followed.stop();
      assert.equal(status.verdict, 'errored');
      assert.match(status.reason ?? '', /^the worker failed: /);
      const listed = await waitFor('the failed run to be listed as errored', async () =>
        (await gameday(['list'], { env: { ...env } })).stdout.match(/^gd-unreadable\s+finished\s+errored\s/m),
      );
      assert.ok(listed);
    } finally {
      await queue.close();
      client.disconnect();
      await worker.stop();
    }
  });

  it('says in one sentence when Redis cannot be reached, without a stack trace', async () => {
    const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, 40);
    for (const args of [['run', file, '--queue'], ['worker'], ['status'], ['list'], ['halt']]) {
      const result = await gameday(args, { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, 'error: Cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1.\n');
    }
  });

  it('refuses an unknown run id in one sentence', async () => {
    const env = queueEnv(redis);
    const result = await gameday(['abort', 'gd-nope'], { env: { ...env } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: No run 'gd-nope' is known to this queue/);
  });
});
