import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Journal } from '../../src/engine/journal.js';
import { gameday, tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import {
  experimentAgainst,
  lingering,
  queueEnv,
  slowGroupTopology,
  startWorker,
  submitDetached,
  waitForRecoveryPhase,
  waitForStatus,
} from '../support/queue.js';
import { startRedis, type TestRedis, SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

// Fast enough for the last run to pass quickly; slow enough that a lingering run stays in its recovery phase for a wall
// minute (60 AWS minutes), time to read its live status and halt it on a busy machine.
const SPEED = 60;

describe('gameday halt and gameday resume', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ec2: EC2Client;
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
    sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(tmp) });
    ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  });
  after(async () => {
    ec2?.destroy();
    await Promise.all([redis?.stop(), sim?.stop(), tmp?.cleanup()]);
  });

  it('aborts a running experiment (its rollbacks run), refuses runs while halted, and runs again after resume', async () => {
    const env = queueEnv(redis);
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    try {
      const runId = await submitDetached(env, await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, lingering));
      await waitForRecoveryPhase(env, runId);
      const stopped = (await allInstances(ec2)).filter((i) => i.State?.Name === 'stopping' || i.State?.Name === 'stopped').map((i) => i.InstanceId);
      assert.ok(stopped.length > 0, 'the fault stopped instances');

      // While it runs, status shows its phase and each probe's live state. Stopped instances may fail a request or two
      // before the load balancer's checks notice them, so the failed count is whatever it is; the samples are counted.
      const live = await waitFor('live probe metrics in gameday status', async () => {
        const out = (await gameday(['status', runId], { env: { ...env } })).stdout;
        return /^ {2}probe site: (ok|failing: .+) \([1-9]\d* samples, \d+ failed/m.test(out) && out;
      });
      assert.match(live, /^state: running, phase recovery, worker /m);

      const halted = await gameday(['halt', '--reason', 'incident INC-42'], { env: { ...env } });
      assert.equal(halted.code, 0, halted.stderr);
      assert.match(halted.stdout, /^halted: 1 running run\(s\) are aborting/);
      const done = await waitForStatus(env, runId, 'to be aborted', (s) => s.state === 'finished');
      assert.equal(done.verdict, 'aborted');
      assert.equal(done.reason, 'gameday was halted: incident INC-42');
      const journal = JSON.parse(await readFile(join(tmp.dir, 'results', `${runId}.json`), 'utf8')) as Journal;
      // A halted run judged no objective: its RTO is not evaluated, not failed.
      assert.deepEqual(
        journal.objectives.map((o) => [o.objective, o.status]),
        [['rto', 'not-evaluated']],
      );
      const undo = journal.activities.find((a) => a.kind === 'auto-rollback');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      const states = new Map((await allInstances(ec2)).map((i) => [i.InstanceId, i.State?.Name]));
      for (const id of stopped) assert.equal(states.get(id), 'running', `${String(id)} runs again`);

      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
      const [refused, status] = await Promise.all([gameday(['run', file, '--queue'], { env: { ...env } }), gameday(['status', runId], { env: { ...env } })]);
      assert.equal(refused.code, 3);
      assert.match(refused.stderr, /^error: gameday is halted since \S+ \(incident INC-42\); no run starts until 'gameday resume'\.\n$/);
      assert.match(status.stdout, /^gameday is HALTED since \S+: incident INC-42$/m);

      const resumed = await gameday(['resume'], { env: { ...env } });
      assert.equal(resumed.stdout, 'resumed: runs start again\n');
      const again = await gameday(['run', file, '--queue', '--view', 'none'], { env: { ...env } });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /^verdict: PASSED/);
    } finally {
      await worker.stop();
    }
  });

  it('a run queued before the halt is refused by the worker that takes it, without touching anything', async () => {
    const env = queueEnv(redis);
    const runId = await submitDetached(env, await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED));
    assert.equal((await gameday(['halt', '--reason', 'maintenance'], { env: { ...env } })).code, 0);
    const before = await allInstances(ec2);
    const worker = await startWorker(env, join(tmp.dir, 'refused'));
    try {
      const done = await waitForStatus(env, runId, 'to be refused', (s) => s.state === 'finished');
      assert.equal(done.verdict, 'aborted');
      assert.equal(done.reason, "refused: gameday is halted (maintenance); 'gameday resume' lifts it");
      assert.deepEqual(
        (await allInstances(ec2)).map((i) => [i.InstanceId, i.State?.Name]),
        before.map((i) => [i.InstanceId, i.State?.Name]),
      );
    } finally {
      await gameday(['resume'], { env: { ...env } });
      await worker.stop();
    }
  });
});
