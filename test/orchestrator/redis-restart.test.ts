import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Journal } from '../../src/engine/journal.js';
import { tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import { experimentAgainst, queueEnv, slowGroupTopology, startWorker, submitDetached, waitForRecoveryPhase, waitForStatus } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS, startRedis } from '../support/redis.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

const SPEED = 40;

describe('a Redis restart in the middle of a run', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ec2: EC2Client;
  before(async () => {
    tmp = await tempDir();
    await mkdir(join(tmp.dir, 'redis'));
    redis = await startRedis({ dir: join(tmp.dir, 'redis') });
    sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(tmp) });
    ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  });
  after(async () => {
    ec2?.destroy();
    await Promise.all([redis?.stop(), sim?.stop()]);
    await tmp?.cleanup();
  });

  it('lets the run complete (or end errored with its rollbacks done), and the worker goes on', async () => {
    const env = queueEnv(redis);
    const results = join(tmp.dir, 'results');
    const worker = await startWorker(env, results);
    try {
      // Stopped instances for a while (the fault's duration), so there is something to undo across the restart.
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) =>
        t.replace('observeAtLeast: 2m', 'observeAtLeast: 4m').replace('duration: 2m', 'duration: 3m'),
      );
      const runId = await submitDetached(env, file);
      await waitForRecoveryPhase(env, runId);
      await redis.restart();
      const done = await waitForStatus(env, runId, 'to finish', (s) => s.state === 'finished', 180_000);
      assert.ok(done.verdict === 'passed' || done.verdict === 'errored', `${done.verdict ?? ''}: ${done.reason ?? ''}`);
      const journal = JSON.parse(await readFile(join(results, `${runId}.json`), 'utf8')) as Journal;
      assert.equal(journal.verdict.status, done.verdict);
      // The stop was undone either way: by its duration or by the rollbacks. None of its instances is left stopped.
      const stopped = journal.targets.find((t) => t.fault === 'stop-half')?.selected.map((s) => s.id) ?? [];
      assert.ok(stopped.length > 0);
      const states = await waitFor(
        'the stopped instances to run again',
        async () => {
          const all = new Map((await allInstances(ec2)).map((i) => [i.InstanceId, i.State?.Name]));
          return stopped.every((id) => all.get(id) === 'running') ? all : undefined;
        },
        { timeoutMs: 60_000 },
      );
      assert.ok(states.size > 0);
      // The worker survived the restart and takes the next run.
      assert.equal(worker.child.exitCode, null, worker.stderr());
      const next = await submitDetached(env, await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED));
      const second = await waitForStatus(env, next, 'to finish', (s) => s.state === 'finished', 180_000);
      assert.equal(second.verdict, 'passed', second.reason);
    } finally {
      await worker.stop();
    }
  });
});
