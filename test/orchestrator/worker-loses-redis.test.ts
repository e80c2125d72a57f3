import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { tempDir } from '../support/cli.js';
import { experimentAgainst, lingering, queueEnv, runStatus, slowGroupTopology, submitDetached, waitForRecoveryPhase } from '../support/queue.js';
import { startDaemon, startSimProcess, type Daemon } from '../support/daemon.js';
import { SKIP_WITHOUT_REDIS, startRedis } from '../support/redis.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

/** 'still running' after `ms`, on a timer that does not keep the test process alive once the worker has exited. */
const stillRunningAfter = (ms: number): Promise<'still running'> => sleep(ms, 'still running' as const, { ref: false });

const GRACE_MS = 5_000;
const SPEED = 40;

/** The lines a worker printed on stderr that mention Redis's state. */
const stateLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /redis (lost|back|still lost)/.test(l));

describe('a worker that loses Redis', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let sim: Daemon & { endpoint: string };
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
    sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(tmp) });
  });
  after(async () => {
    await Promise.all([redis?.stop(), sim?.stop()]);
    await tmp?.cleanup();
  });

  it('says once that Redis is lost and once that it is back, and exits on SIGTERM within its grace while Redis is down', async () => {
    const env = queueEnv(redis);
    const worker = await startDaemon(['worker', '--results', join(tmp.dir, 'results'), '--lease', '3s', '--grace', `${GRACE_MS / 1_000}s`], { ...env });
    const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
    try {
      await redis.stop();
      await waitFor('the worker to say Redis is lost', () => stateLines(worker.stderr()).some((l) => l.includes('redis lost')), { timeoutMs: 20_000 });
      // No condition marks "the flood did not come": give the connections several reconnection attempts (their
      // backoff is 200 ms to 2 s) to print what they would, then count.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const whileLost = worker.stderr();
      assert.deepEqual(
        stateLines(whileLost).map((l) => l.replace(/^\S+ /, '').replace(/\(.*\)/, '(…)')),
        ['redis lost (…); retrying'],
        whileLost,
      );
      assert.ok(whileLost.split('\n').filter((l) => l.trim() !== '').length <= 3, `a handful of lines, not a flood:\n${whileLost}`);
      assert.doesNotMatch(whileLost, /^\s+at /m, 'no stack trace');
      assert.match(whileLost, /ECONNREFUSED/, 'the reason names what failed');

      await redis.start();
      await waitFor('the worker to say Redis is back', () => /redis back after \d/.test(worker.stderr()), { timeoutMs: 30_000 });
      assert.equal(worker.child.exitCode, null, 'the worker is still up');

      // Lost again, and stopped: it must exit within its grace whatever Redis does.
      await redis.stop();
      await waitFor('the worker to say Redis is lost again', () => stateLines(worker.stderr()).filter((l) => l.includes('redis lost')).length === 2, {
        timeoutMs: 20_000,
      });
      worker.child.kill('SIGTERM');
      const code = await Promise.race([exited, stillRunningAfter(GRACE_MS + 10_000)]);
      assert.equal(code, 0, `it exits, and with 0 since no run was left unfinished:\n${worker.stderr()}`);
      assert.match(worker.stderr(), /SIGTERM: no run in progress; exiting within 5\.00s/);
      assert.doesNotMatch(worker.stderr(), /^\s+at /m, 'no stack trace');
    } finally {
      await worker.stop('SIGKILL');
      await redis.start();
    }
  });

  it('rolls back a run in progress through AWS when stopped while Redis is down, says once that its undo log could not be written, and exits', async () => {
    const env = queueEnv(redis);
    const grace = 20_000;
    const worker = await startDaemon(['worker', '--results', join(tmp.dir, 'results'), '--lease', '3s', '--grace', '20s'], { ...env });
    const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    try {
      // Stopped instances for an AWS hour: only the rollback starts them again within the test.
      const runId = await submitDetached(env, await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, lingering));
      await waitForRecoveryPhase(env, runId);
      assert.ok(
        (await allInstances(ec2)).some((i) => i.State?.Name === 'stopping' || i.State?.Name === 'stopped'),
        `the fault landed: ${JSON.stringify(await runStatus(env, runId))}`,
      );
      await redis.stop();
      await waitFor('the worker to say Redis is lost', () => worker.stderr().includes('redis lost'), { timeoutMs: 20_000 });
      worker.child.kill('SIGTERM');
      const code = await Promise.race([exited, stillRunningAfter(grace + 10_000)]);
      const stderr = worker.stderr();
      assert.equal(code, 0, `it exits, with 0: the run's rollbacks ran:\n${stderr}`);
      assert.match(stderr, new RegExp(`SIGTERM: aborting ${runId}; rollbacks are running; exiting within 20\\.0s`));
      const unwritten = stderr.split('\n').filter((l) => l.includes('its undo log could not be written'));
      assert.equal(unwritten.length, 1, stderr);
      assert.match(
        unwritten[0] ?? '',
        new RegExp(
          `run ${runId}: its undo log could not be written \\(Redis did not answer within 5s\\); its rollback still runs in this process, but if this worker dies a worker taking the run over cannot see what was injected since$`,
        ),
      );
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
      const instances = await allInstances(ec2);
      assert.ok(
        instances.every((i) => i.State?.Name === 'running' || i.State?.Name === 'pending'),
        `the rollback started every stopped instance: ${instances.map((i) => `${i.InstanceId ?? ''}=${i.State?.Name ?? ''}`).join(', ')}`,
      );
    } finally {
      ec2.destroy();
      await worker.stop('SIGKILL');
      await redis.start();
    }
  });
});
