import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { checkRedis } from '../../src/cli/doctor-checks.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { connectRedis, type RedisClient } from '../../src/orchestrator/redis-connection.js';
import { ResourceLockedError, ResourceLocks } from '../../src/orchestrator/resource-locks.js';
import { UndoLog } from '../../src/orchestrator/undo-log.js';
import { gameday, tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import { experimentAgainst, slowGroupTopology, startWorker, submitDetached, waitForStatus, type QueueEnv } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS, startCluster, type TestCluster } from '../support/redis.js';

const SPEED = 40;

describe('a queue on Redis Cluster', { skip: SKIP_WITHOUT_REDIS }, () => {
  let cluster: TestCluster;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let redis: RedisClient;
  before(async () => {
    tmp = await tempDir();
    [cluster, sim] = await Promise.all([startCluster(), slowGroupTopology(tmp).then((topology) => startSimProcess({ speed: SPEED, topology }))]);
    redis = await connectRedis(cluster.url);
  });
  after(async () => {
    redis?.disconnect();
    await Promise.all([cluster?.stop(), sim?.stop()]);
    await tmp?.cleanup();
  });

  it('connects as a cluster, and keeps locks and the undo log (MULTI) of a hash-tagged prefix in one slot', async () => {
    assert.ok(redis instanceof Cluster);
    const keys = new Keys('{gdtest-locks}');
    const locks = new ResourceLocks(redis, keys, 5_000);
    const signal = new AbortController().signal;
    const lease = await locks.acquire('run-a', 'sim', ['i-1', 'i-2', 'i-3'], { wait: false, signal, onLost: () => undefined });
    await assert.rejects(
      locks.acquire('run-b', 'sim', ['i-3'], { wait: false, signal, onLost: () => undefined }),
      (error: unknown) => error instanceof ResourceLockedError && error.message === 'i-3 is locked by run run-a',
    );
    await lease.release();
    const again = await locks.acquire('run-b', 'sim', ['i-3'], { wait: false, signal, onLost: () => undefined });
    await again.release();

    const undo = new UndoLog(redis, keys);
    const step = { fault: 'stop', action: 'aws.ec2.stop-instances', args: {}, targets: [], region: 'us-east-1', undoable: true };
    await undo.beforeMutation('run-a', step);
    await undo.afterMutation('run-a', 'stop', { args: {}, result: { output: { stopped: ['i-1'] } } });
    assert.deepEqual(
      (await undo.steps('run-a')).map((s) => [s.fault, s.state]),
      [['stop', 'landed']],
    );
  });

  it('refuses a prefix without a hash tag in one sentence', async () => {
    const result = await gameday(['list'], { env: { REDIS_URL: cluster.url, GAMEDAY_PREFIX: 'plain' } });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `error: The key prefix 'plain' has no hash tag, which a Redis Cluster (${cluster.url}) needs to keep the queue's keys in one slot: use e.g. '{plain}'.\n`,
    );
  });

  it('runs a queued experiment to its verdict, and halts: a run submitted while halted is refused', async () => {
    const env: QueueEnv = { REDIS_URL: cluster.url, GAMEDAY_PREFIX: `{gdtest-${Math.random().toString(36).slice(2, 8)}}` };
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    try {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
      const runId = await submitDetached(env, file);
      const done = await waitForStatus(env, runId, 'to finish', (s) => s.state === 'finished', 180_000);
      assert.equal(done.verdict, 'passed', `${done.reason ?? ''}\n${worker.stderr()}`);

      const halt = await gameday(['halt', '--reason', 'cluster test'], { env: { ...env } });
      assert.equal(halt.code, 0, halt.stderr);
      const refused = await gameday(['run', file, '--queue'], { env: { ...env } });
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /^error: gameday is halted since \S+ \(cluster test\); no run starts until 'gameday resume'\.\n$/);
      assert.equal((await gameday(['resume'], { env: { ...env } })).code, 0);
      assert.doesNotMatch(worker.stderr(), /^\s+at /m);
    } finally {
      await worker.stop('SIGTERM');
    }
  });

  it("is reported by gameday doctor: the cluster's primaries, each checked for persistence and eviction", async () => {
    const checks = Object.fromEntries((await checkRedis(cluster.url)).map((r) => [r.check, r]));
    const primaries = cluster.ports.map((p) => `127.0.0.1:${p}`);
    assert.equal(checks['redis topology']?.status, 'ok');
    const listed = /^a cluster of 3 primaries \((.*)\) and 0 replica\(s\): a primary lost loses its slots until it is back$/.exec(
      checks['redis topology']?.detail ?? '',
    );
    assert.ok(listed !== null, checks['redis topology']?.detail);
    assert.deepEqual(listed[1]?.split(', ').sort(), [...primaries].sort());
    assert.equal(checks['redis eviction']?.detail, 'maxmemory-policy noeviction (on all 3 primaries)');
    assert.equal(checks['redis persistence']?.status, 'warn');
  });

  it('uses {gameday} as the default prefix on a cluster', async () => {
    // An empty GAMEDAY_PREFIX is no prefix (as an empty REDIS_URL is no URL): the default applies.
    const worker = await startWorker({ REDIS_URL: cluster.url, GAMEDAY_PREFIX: '' }, join(tmp.dir, 'results'));
    try {
      assert.match(worker.ready, / on queue \{gameday\}:runs /);
    } finally {
      await worker.stop('SIGTERM');
    }
  });
});
