import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Journal } from '../../src/engine/journal.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { ResourceLockedError, ResourceLocks } from '../../src/orchestrator/resource-locks.js';
import { gameday } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import {
  redisForSuite,
  experimentAgainst,
  lingering,
  queueEnv,
  slowGroupTopology,
  startWorker,
  submitDetached,
  waitForRecoveryPhase,
  waitForStatus,
} from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { waitFor } from '../support/sim.js';

const SPEED = 40;
/**
 * Every instance of the group, stopped or not (by default only running instances are candidates), with the
 * experiment's own guards (at most 67% of a group, never its last healthy instance) widened to allow it.
 */
const everyInstance = (text: string): string =>
  text
    .replace('selection: PERCENT(50)', 'selection: ALL\n      filters: [{ path: State.Name, values: [running, stopping, stopped] }]')
    .replace('maxGroupPercent: 67', 'maxGroupPercent: 100\n  allowLastHealthy: true');

describe('resource locks', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = redisForSuite();

  it('a lease is refused while held, names its holder, is freed only by its holder, and expires when the holder is gone', async () => {
    const client = new Redis(suite.redis().url);
    try {
      const keys = new Keys(suite.redis().prefix());
      const locks = new ResourceLocks(client, keys, 1_000);
      const signal = new AbortController().signal;
      const onLost = (): void => assert.fail('the lease was lost');
      const a = await locks.acquire('run-a', 'sim', ['i-1', 'i-2'], { wait: false, signal, onLost });
      await assert.rejects(
        locks.acquire('run-b', 'sim', ['i-3', 'i-2'], { wait: false, signal, onLost }),
        (e: unknown) => e instanceof ResourceLockedError && e.resource === 'i-2' && e.holder === 'run-a',
      );
      // All or none: the refused run kept nothing.
      assert.equal(await client.exists(keys.lock('sim', 'i-3')), 0);
      // Renewed past its first lease: still run-a's once Redis's own clock is past the expiry it was set with.
      const redisNow = async (): Promise<number> => {
        const [seconds, micros] = await client.time();
        return Number(seconds) * 1_000 + Number(micros) / 1_000;
      };
      const firstExpiry = (await redisNow()) + (await client.pttl(keys.lock('sim', 'i-1')));
      await waitFor('the lease to outlive its first expiry', async () => (await redisNow()) > firstExpiry, { timeoutMs: 5_000, intervalMs: 50 });
      assert.equal(await client.get(keys.lock('sim', 'i-1')), 'run-a');
      await a.release();
      assert.equal(await client.exists(keys.lock('sim', 'i-1')), 0);

      // A holder that died leaves its key to expire; a release by someone else never frees it.
      await client.set(keys.lock('sim', 'i-9'), 'dead-run', 'PX', 800);
      const other = await locks.acquire('run-c', 'sim', ['i-8'], { wait: false, signal, onLost });
      await other.release();
      assert.equal(await client.get(keys.lock('sim', 'i-9')), 'dead-run');
      await assert.rejects(locks.acquire('run-d', 'sim', ['i-9'], { wait: false, signal, onLost }), /locked by run dead-run/);
      const d = await waitFor(
        "the dead holder's lease to expire",
        () => locks.acquire('run-d', 'sim', ['i-9'], { wait: false, signal, onLost }).catch(() => undefined),
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      await d.release();
    } finally {
      client.disconnect();
    }
  });

  it('renews a lease on the clock it is given, a third of the lease apart, and reports a lease it could not keep', async () => {
    const client = new Redis(suite.redis().url);
    try {
      const keys = new Keys(suite.redis().prefix());
      const clock = new ManualClock();
      // A lease far longer than the test, so only the renewals the clock drives can move its expiry.
      const locks = new ResourceLocks(client, keys, 600_000, clock);
      const lost: string[] = [];
      const lease = await locks.acquire('run-a', 'sim', ['i-1', 'i-2'], { wait: false, signal: new AbortController().signal, onLost: (r) => lost.push(r) });
      const key = keys.lock('sim', 'i-1');
      await client.pexpire(key, 5_000);
      await clock.advance(199_999);
      assert.ok((await client.pttl(key)) <= 5_000, 'not renewed before a third of the lease');
      await clock.advance(1);
      await waitFor('the renewal at a third of the lease', async () => (await client.pttl(key)) > 5_000, { timeoutMs: 5_000, intervalMs: 20 });
      assert.deepEqual(lost, []);

      // Another holder took it over (the lease had lapsed): the next renewal tells the run, naming the resource.
      await client.set(key, 'run-b');
      await clock.advance(200_000);
      await waitFor('the lost lease to be reported', () => lost.length > 0, { timeoutMs: 5_000, intervalMs: 20 });
      assert.deepEqual(lost, ['i-1']);
      assert.equal(await client.get(key), 'run-b');

      await lease.release();
      assert.equal(clock.pending, 0, 'released: no renewal left on the clock');
      assert.equal(await client.get(key), 'run-b', 'a release never frees a lock another run holds');
      assert.equal(await client.exists(keys.lock('sim', 'i-2')), 0);
    } finally {
      client.disconnect();
    }
  });

  describe('between queued runs', () => {
    let sim: Daemon & { endpoint: string };
    before(async () => {
      sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(suite.tmp()) });
    });
    after(async () => {
      await sim?.stop();
    });

    it('refuses a run whose targets another run holds, naming it; a run that waits starts once they are released', async () => {
      const env = queueEnv(suite.redis());
      const worker = await startWorker(env, join(suite.tmp().dir, 'results'), { concurrency: 3 });
      try {
        const holder = await submitDetached(
          env,
          await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) => lingering(everyInstance(t))),
        );
        await waitForRecoveryPhase(env, holder);

        const short = await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', sim.endpoint, SPEED, everyInstance);
        const refused = await gameday(['run', short, '--queue', '--view', 'none'], { env: { ...env } });
        assert.equal(refused.code, 3, refused.stdout + refused.stderr);
        assert.match(refused.stdout, new RegExp(`^verdict: ABORTED — refused: i-[0-9a-f]+ is locked by run ${holder}$`, 'm'));

        const waiter = await submitDetached(env, short, ['--wait-for-locks']);
        await waitForStatus(env, waiter, 'to be waiting for the locks', (s) => s.state === 'running' && s.phase === 'resolve-targets');
        const aborted = await gameday(['abort', holder], { env: { ...env } });
        assert.match(aborted.stdout, /is aborting; its worker runs the rollbacks/);
        const first = await waitForStatus(env, holder, 'to be aborted', (s) => s.state === 'finished');
        assert.equal(first.verdict, 'aborted');
        assert.equal(first.reason, 'the run was aborted by the operator (gameday abort)');
        const second = await waitForStatus(env, waiter, 'to finish', (s) => s.state === 'finished', 90_000);
        assert.equal(second.verdict, 'passed', second.reason);

        // The waiting run injected only after the holder's rollback had restarted the instances.
        const journal = async (id: string): Promise<Journal> => JSON.parse(await readFile(join(suite.tmp().dir, 'results', `${id}.json`), 'utf8')) as Journal;
        const [a, b] = [await journal(holder), await journal(waiter)];
        const at = (j: Journal, kind: string, edge: 'startedAt' | 'endedAt'): number =>
          j.startedAtEpochMs + (j.activities.find((x) => x.kind === kind)?.[edge] ?? NaN);
        assert.ok(at(b, 'fault', 'startedAt') > at(a, 'auto-rollback', 'endedAt'), 'the second run injected after the first was undone');
      } finally {
        await worker.stop();
      }
    });
  });
});
