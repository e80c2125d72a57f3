import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { checkRedis } from '../../src/cli/doctor-checks.js';
import type { Journal } from '../../src/engine/journal.js';
import { tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import { experimentAgainst, slowGroupTopology, startWorker, submitDetached, waitForRecoveryPhase, waitForStatus, type QueueEnv } from '../support/queue.js';
import { redisCommand, SKIP_WITHOUT_REDIS, startSentinelGroup, type SentinelGroup } from '../support/redis.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

const SPEED = 40;

describe('a queue on Redis Sentinel', { skip: SKIP_WITHOUT_REDIS }, () => {
  let group: SentinelGroup;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ec2: EC2Client;
  before(async () => {
    tmp = await tempDir();
    [group, sim] = await Promise.all([startSentinelGroup(), slowGroupTopology(tmp).then((topology) => startSimProcess({ speed: SPEED, topology }))]);
    ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  });
  after(async () => {
    ec2?.destroy();
    await Promise.all([group?.stop(), sim?.stop()]);
    await tmp?.cleanup();
  });

  it('is reported by gameday doctor: the primary the Sentinels name, and its replica', async () => {
    const topology = (await checkRedis(group.url)).find((r) => r.check === 'redis topology');
    const primary = await group.primaryPort();
    assert.equal(topology?.status, 'ok');
    assert.match(
      topology?.detail ?? '',
      new RegExp(`^primary 127\\.0\\.0\\.1:${primary} of 'mymaster' with 1 replica\\(s\\): 127\\.0\\.0\\.1:\\d+ \\(online\\)$`),
    );
  });

  it('is warned of by gameday doctor while the primary acknowledges writes it cannot replicate (min-replicas-to-write 0)', async () => {
    const primary = await group.primaryPort();
    const acknowledged = async () => (await checkRedis(group.url)).find((r) => r.check === 'redis acknowledged writes');
    const before = await acknowledged();
    assert.equal(before?.status, 'warn');
    assert.match(before?.detail ?? '', /^min-replicas-to-write is 0 on the primary: .*set min-replicas-to-write 1 and min-replicas-max-lag 10$/);
    await redisCommand(primary, 'CONFIG', 'SET', 'min-replicas-to-write', '1');
    try {
      assert.deepEqual(await acknowledged(), {
        check: 'redis acknowledged writes',
        status: 'ok',
        detail: 'the primary refuses writes unless 1 replica(s) lag at most 10s (min-replicas-to-write, min-replicas-max-lag)',
      });
    } finally {
      await redisCommand(primary, 'CONFIG', 'SET', 'min-replicas-to-write', '0');
    }
  });

  it('ends a run with its true verdict and its rollbacks done when the primary fails over mid-run', async () => {
    const env: QueueEnv = { REDIS_URL: group.url, GAMEDAY_PREFIX: group.prefix() };
    const results = join(tmp.dir, 'results');
    // A lease longer than a failover (a second or two here), as in production (30 s by default).
    const worker = await startWorker(env, results, { lease: '10s' });
    try {
      // A stop that lasts (3 AWS minutes), so the failover falls while there is something to undo.
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) =>
        t.replace('observeAtLeast: 2m', 'observeAtLeast: 4m').replace('duration: 2m', 'duration: 3m'),
      );
      const runId = await submitDetached(env, file);
      await waitForRecoveryPhase(env, runId);
      const oldPrimary = await group.primaryPort();
      const newPrimary = await group.failover();
      assert.notEqual(newPrimary, oldPrimary);

      const done = await waitForStatus(env, runId, 'to finish', (s) => s.state === 'finished', 180_000);
      // The run's record, read through the Sentinels from the new primary, is the journal the worker wrote.
      const journal = JSON.parse(await readFile(join(results, `${runId}.json`), 'utf8')) as Journal;
      assert.equal(done.verdict, journal.verdict.status, done.reason);
      assert.equal(done.verdict, 'passed', `${done.reason ?? ''}\n${worker.stderr()}`);
      const stopped = journal.targets.find((t) => t.fault === 'stop-half')?.selected.map((s) => s.id) ?? [];
      assert.ok(stopped.length > 0);
      await waitFor(
        'every instance to run again',
        async () => {
          const all = await allInstances(ec2);
          return all.length > 0 && all.every((i) => i.State?.Name === 'running');
        },
        { timeoutMs: 60_000 },
      );
      assert.doesNotMatch(worker.stderr(), /^\s+at /m, 'no stack trace from the failover');
      assert.equal(worker.child.exitCode, null, 'the worker survived the failover');
    } finally {
      await worker.stop('SIGTERM');
    }
  });
});
