import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Clock } from '../../src/core/clock.js';
import { GamedayError } from '../../src/errors/gameday-error.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { holdAlive, type OwnershipLoss } from '../../src/orchestrator/run-undo.js';
import { runJobSchema, type RunJob } from '../../src/orchestrator/run-job.js';
import { RunStore } from '../../src/orchestrator/run-store.js';
import { OwnershipLostError, UndoLog } from '../../src/orchestrator/undo-log.js';
import { redisForSuite } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';

const LEASE_MS = 3_000;

const job = (runId: string): RunJob =>
  runJobSchema.parse({ runId, experiment: 'stop-half-web-fleet', file: '/experiments/stop-half-fleet.yaml', text: '', submittedAt: Date.now() });

/**
 * A clock that only moves when told and never fires its timers: a holder on it renews only when the test asks
 * (`confirm`), as a process whose event loop is blocked would.
 */
function stalledClock(): Clock & { pass(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    epochMs: () => 1_767_225_600_000 + now,
    toEpochMs: (monotonic) => 1_767_225_600_000 + monotonic,
    // Time passes only through `pass`: a sleep ends when it is cancelled (a renewal's answer limit never runs out).
    sleep: (_ms, signal) => new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
    every: () => () => undefined,
    pass: (ms) => {
      now += ms;
    },
  };
}

const step = {
  fault: 'stop-half',
  action: 'aws.ec2.stop-instances',
  args: {},
  targets: [{ type: 'aws:ec2:instance', id: 'i-1', tags: {}, attributes: {} }],
  region: 'us-east-1',
  undoable: true,
};

describe("a run's ownership (its alive key)", { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = redisForSuite();

  it("records a run's end only for its owner: a worker that lost the run is refused and changes nothing", async () => {
    const client = new Redis(suite.redis().url);
    try {
      const keys = new Keys(suite.redis().prefix());
      const store = new RunStore(client, keys);
      await store.create(job('run-1'));
      await store.update('run-1', { state: 'recovering', worker: 'worker-b' });
      await client.set(keys.alive('run-1'), 'worker-b', 'PX', 60_000);

      await assert.rejects(
        store.finish('run-1', { verdict: 'passed', reason: 'the steady state held', exitCode: 0 }, 'worker-a'),
        (e: unknown) => e instanceof GamedayError && e.message === 'The end of run run-1 was not recorded: worker-a no longer owns it (worker-b does).',
      );
      assert.equal((await store.get('run-1'))?.state, 'recovering');
      assert.equal(await client.exists(keys.journal('run-1')), 0);

      await store.finish('run-1', { verdict: 'aborted', reason: 'worker lost: …', exitCode: 3 }, 'worker-b');
      assert.equal((await store.get('run-1'))?.verdict, 'aborted');
      // Its alive key gone (its owner finished and let go), the run's worker is its owner; a late one still is not.
      await client.del(keys.alive('run-1'));
      await assert.rejects(
        store.finish('run-1', { verdict: 'passed', reason: 'late', exitCode: 0 }, 'worker-a'),
        /worker-a no longer owns it \(worker-b does\)/,
      );
      const end = await store.get('run-1');
      assert.equal(end?.verdict, 'aborted');
      assert.equal(end?.reason, 'worker lost: …');
    } finally {
      client.disconnect();
    }
  });

  it("writes a fault's undo only for the holder of the run's alive key", async () => {
    const client = new Redis(suite.redis().url);
    try {
      const keys = new Keys(suite.redis().prefix());
      const undo = new UndoLog(client, keys);
      await client.set(keys.alive('run-2'), 'worker-b', 'PX', 60_000);
      await assert.rejects(undo.beforeMutation('run-2', step, 'worker-a'), (e: unknown) => e instanceof OwnershipLostError && e.verdict === 'aborted');
      assert.deepEqual(await undo.steps('run-2'), []);
      await undo.beforeMutation('run-2', step, 'worker-b');
      await assert.rejects(undo.afterRollback('run-2', 'stop-half', true, 'worker-a'), OwnershipLostError);
      assert.equal((await undo.steps('run-2'))[0]?.state, 'injecting');
    } finally {
      client.disconnect();
    }
  });

  it('a holder that did not renew for longer than the lease doubts it owns the run, and learns it lost it to whoever holds the key', async () => {
    const client = new Redis(suite.redis().url);
    const clock = stalledClock();
    const losses: OwnershipLoss[] = [];
    const keys = new Keys(suite.redis().prefix());
    const lease = holdAlive(client, keys, 'run-3', 'worker-a', LEASE_MS, clock, (loss) => losses.push(loss));
    try {
      assert.equal(await lease.confirm(), true);
      assert.equal(await client.get(keys.alive('run-3')), 'worker-a');
      // A stall: no renewal for longer than the lease, on the clock. Until a renewal answers, it is not the owner.
      clock.pass(LEASE_MS + 500);
      assert.equal(lease.owns(), false);
      // Meanwhile its key lapsed and another worker took the run over.
      await client.set(keys.alive('run-3'), 'worker-b', 'PX', 60_000);
      assert.equal(await lease.confirm(), false);
      assert.equal(losses.length, 1);
      assert.equal(losses[0]?.to, 'worker-b');
      assert.ok((losses[0]?.unrenewedMs ?? 0) > LEASE_MS, String(losses[0]?.unrenewedMs));
      // Lost for good, and its release leaves the new owner's key alone.
      await lease.stop();
      assert.equal(await client.get(keys.alive('run-3')), 'worker-b');
    } finally {
      await lease.stop();
      client.disconnect();
    }
  });

  it('a stall with nobody taking the key over: a lapsed key is not taken back, so the run counts as lost', async () => {
    const client = new Redis(suite.redis().url);
    const clock = stalledClock();
    const losses: OwnershipLoss[] = [];
    const keys = new Keys(suite.redis().prefix());
    const lease = holdAlive(client, keys, 'run-4', 'worker-a', LEASE_MS, clock, (loss) => losses.push(loss));
    try {
      assert.equal(await lease.confirm(), true);
      await client.del(keys.alive('run-4'));
      // Gone within the lease (Redis lost it): taken back, nobody could have claimed it meanwhile.
      assert.equal(await lease.confirm(), true);
      assert.equal(await client.get(keys.alive('run-4')), 'worker-a');
      clock.pass(LEASE_MS + 1);
      await client.del(keys.alive('run-4'));
      assert.equal(await lease.confirm(), false);
      assert.equal(losses[0]?.to, undefined);
      assert.equal(await client.exists(keys.alive('run-4')), 0);
    } finally {
      await lease.stop();
      client.disconnect();
    }
  });
});
