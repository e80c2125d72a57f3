import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Journal } from '../../src/engine/journal.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { RollbackLog } from '../../src/orchestrator/undo-log.js';
import { gameday } from '../support/cli.js';
import {
  experimentAgainst,
  lingering,
  queueEnv,
  runStatus,
  simQueueForSuite,
  startWorker,
  submitDetached,
  waitForRecoveryPhase,
  waitForStatus,
} from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { waitFor, waitReady } from '../support/sim.js';

const SPEED = 40;

/** Every instance of the group, stopped or not, with the experiment's guards widened to allow it: two runs always collide. */
const everyInstance = (text: string): string =>
  text
    .replace('selection: PERCENT(50)', 'selection: ALL\n      filters: [{ path: State.Name, values: [running, stopping, stopped] }]')
    .replace('maxGroupPercent: 67', 'maxGroupPercent: 100\n  allowLastHealthy: true');

/** Adds an explicit rollback that appends a line to `count`, and fails (exit 1) until `flag` exists. */
const withRollback =
  (flag: string, count: string) =>
  (text: string): string =>
    `${text}\nrollbacks:\n  - name: restore-config\n    action: process.exec\n    args: { command: [sh, -c, "test -f ${flag} && echo ran >> ${count}"] }\n`;

/**
 * Adds an explicit rollback that waits until the test creates `gate`, then appends a line to `count`: the test holds
 * an undo open while it looks at what other runs are told.
 */
const withGatedRollback =
  (gate: string, count: string) =>
  (text: string): string =>
    `${text}\nrollbacks:\n  - name: restore-config\n    action: process.exec\n    args: { command: [sh, -c, "while [ ! -f ${gate} ]; do sleep 0.1; done; echo ran >> ${count}"], timeout: 10m }\n`;

const lines = async (path: string): Promise<number> => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;
const journalOf = async (path: string | undefined): Promise<Journal> => JSON.parse(await readFile(path ?? '', 'utf8')) as Journal;

describe('outstanding undo', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = simQueueForSuite(SPEED);

  it("claims a rollback only for the holder of the run's alive key, and never one that is done", async () => {
    const client = new Redis(suite.redis().url);
    try {
      const keys = new Keys(suite.redis().prefix());
      const log = new RollbackLog(client, keys);
      await log.record('run-a', [
        { index: 0, name: 'restore', action: 'process.exec' },
        { index: 1, name: 'notify', action: 'http.request' },
      ]);
      await client.set(keys.alive('run-a'), 'worker-1');
      // Both claim at once: only the holder of the alive key gets it.
      const claims = await Promise.all([log.claim('run-a', 0, 'worker-1'), log.claim('run-a', 0, 'worker-2')]);
      assert.deepEqual(claims, ['claimed', 'not-owner']);
      await log.finished('run-a', 0, { succeeded: true, output: { exitCode: 0, lines: [] } });
      assert.equal(await log.claim('run-a', 0, 'worker-1'), 'done');
      // A rollback running when its worker died is claimed again by whoever holds the run now.
      assert.equal(await log.claim('run-a', 1, 'worker-1'), 'claimed');
      await client.set(keys.alive('run-a'), 'worker-2');
      assert.equal(await log.claim('run-a', 1, 'worker-2'), 'claimed');
      // Recording again (a run taken over) keeps each rollback's state; an empty array in an output stays an array.
      await log.record('run-a', [{ index: 0, name: 'restore', action: 'process.exec' }]);
      const entries = await log.entries('run-a');
      assert.deepEqual(
        entries.map((e) => [e.name, e.state, e.by]),
        [
          ['restore', 'done', 'worker-1'],
          ['notify', 'running', 'worker-2'],
        ],
      );
      assert.deepEqual(entries[0]?.output, { exitCode: 0, lines: [] });
    } finally {
      client.disconnect();
    }
  });

  it("a lost run's resources are refused, naming it, until another worker has undone it, and its rollback runs once", async () => {
    const env = queueEnv(suite.redis());
    const keys = new Keys(env.GAMEDAY_PREFIX);
    const client = new Redis(env.REDIS_URL);
    const tmp = suite.tmp();
    const [gate, count] = [join(tmp.dir, 'lost-gate'), join(tmp.dir, 'lost-count')];
    const first = await startWorker(env, join(tmp.dir, 'lost-first'));
    let second: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const lost = await submitDetached(
        env,
        await experimentAgainst(tmp, 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, (t) => withGatedRollback(gate, count)(lingering(everyInstance(t)))),
      );
      await waitForRecoveryPhase(env, lost);
      const alive = await runStatus(env, lost);
      const refusedAlive = await gameday(['undo', lost], { env: { ...env } });
      assert.equal(refusedAlive.code, 5, refusedAlive.stderr);
      assert.equal(
        refusedAlive.stderr.trim(),
        `error: run ${lost} is running on worker ${alive.worker ?? ''}; 'gameday abort ${lost}' stops it (its worker runs the rollbacks).`,
      );

      await first.stop('SIGKILL');
      // The dead worker's leases lapse: from here nothing but the outstanding markers keeps the instances.
      await waitFor('the lost run to stop looking alive', async () => (await client.exists(keys.alive(lost))) === 0, { timeoutMs: 30_000, intervalMs: 100 });
      const locks = (await runStatus(env, lost)).locks;
      assert.ok(locks !== undefined && locks.ids.length > 0, 'the run recorded the resources it locked');
      second = await startWorker(env, join(tmp.dir, 'lost-second'), { concurrency: 3 });
      // The second worker takes the run over and holds its undo open at the gated rollback.
      await waitFor('the rollback to wait at its gate', async () => (await client.hget(keys.rollbacks(lost), '0000'))?.includes('"running"') === true, {
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      const short = await experimentAgainst(tmp, 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, everyInstance);
      const refused = await gameday(['run', short, '--queue', '--view', 'none'], { env: { ...env } });
      assert.equal(refused.code, 3, refused.stdout + refused.stderr);
      assert.match(refused.stdout, new RegExp(`^verdict: ABORTED — refused: i-[0-9a-f]+ is being undone by run ${lost} \\(its worker was lost\\)$`, 'm'));
      const waiter = await submitDetached(env, short, ['--wait-for-locks']);
      await waitForStatus(env, waiter, 'to be waiting for the locks', (s) => s.state === 'running' && s.phase === 'resolve-targets');
      // The automatic undo (the instances started) ran before the gated rollback: the fleet is whole again before the
      // waiting run gets its locks, so its steady state holds (a fleet still booting would be truly not steady).
      await waitReady(suite.sim().endpoint, 120_000);
      await writeFile(gate, '');
      const undone = await waitForStatus(env, lost, 'to be undone by the second worker', (s) => s.state === 'finished', 120_000);
      assert.match(undone.reason ?? '', /^worker lost: /);
      assert.equal(undone.undo, 'complete');
      const after = await waitForStatus(env, waiter, 'to finish', (s) => s.state === 'finished', 120_000);
      assert.equal(after.verdict, 'passed', after.reason);

      const [a, b] = [await journalOf(undone.journalPath), await journalOf(after.journalPath)];
      const undo = a.activities.find((x) => x.kind === 'auto-rollback' && x.name === 'stop-half');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      assert.equal(a.activities.find((x) => x.kind === 'rollback' && x.name === 'restore-config')?.status, 'succeeded');
      assert.equal(await lines(count), 1, 'the explicit rollback ran exactly once');
      const at = (j: Journal, kind: string, edge: 'startedAt' | 'endedAt'): number =>
        j.startedAtEpochMs + (j.activities.find((x) => x.kind === kind)?.[edge] ?? Number.NaN);
      assert.ok(at(b, 'fault', 'startedAt') > at(a, 'rollback', 'endedAt'), 'the waiting run injected only after the lost run was undone');
      for (const id of locks.ids) assert.equal(await client.exists(keys.undoing(locks.scope, id)), 0, `${id} no longer marked as being undone`);
    } finally {
      client.disconnect();
      await first.stop('SIGKILL');
      await second?.stop();
    }
  });

  it('gameday undo finishes a run whose rollback failed; its resources are refused to other runs until then', async () => {
    const env = queueEnv(suite.redis());
    const keys = new Keys(env.GAMEDAY_PREFIX);
    const client = new Redis(env.REDIS_URL);
    const tmp = suite.tmp();
    const [flag, count] = [join(tmp.dir, 'failed-flag'), join(tmp.dir, 'failed-count')];
    const worker = await startWorker(env, join(tmp.dir, 'failed'));
    try {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, (t) => withRollback(flag, count)(everyInstance(t)));
      const run = await submitDetached(env, file);
      const ended = await waitForStatus(env, run, 'to finish with its rollback failed', (s) => s.state === 'finished', 120_000);
      assert.equal(ended.undo, 'outstanding', `${ended.verdict ?? ''}: ${ended.reason ?? ''}`);
      const before = await journalOf(ended.journalPath);
      assert.equal(before.activities.find((x) => x.kind === 'rollback')?.status, 'failed');

      const short = await experimentAgainst(tmp, 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, everyInstance);
      const refused = await gameday(['run', short, '--queue', '--view', 'none'], { env: { ...env } });
      assert.match(
        refused.stdout,
        new RegExp(`^verdict: ABORTED — refused: i-[0-9a-f]+ is being undone by run ${run} \\(its undo failed; 'gameday undo ${run}' finishes it\\)$`, 'm'),
      );

      // Still failing: exit 7 (rollback-failed), naming what is left.
      const again = await gameday(['undo', run], { env: { ...env } });
      assert.equal(again.code, 7, again.stdout + again.stderr);
      assert.match(
        again.stderr,
        new RegExp(`^error: The undo of run ${run} is still incomplete; still faulted: rollback 'restore-config' \\(process.exec\\); `, 'm'),
      );

      await writeFile(flag, '');
      const done = await gameday(['--json', 'undo', run], { env: { ...env } });
      assert.equal(done.code, 0, done.stdout + done.stderr);
      const result = JSON.parse(done.stdout) as { undone: boolean; faulted: string[]; activities: { kind: string; name: string; status: string }[] };
      assert.equal(result.undone, true);
      assert.deepEqual(result.faulted, []);
      assert.deepEqual(result.activities, [{ kind: 'rollback', name: 'restore-config', action: 'process.exec', status: 'succeeded' }]);
      assert.equal(await lines(count), 1);

      const status = await runStatus(env, run);
      assert.equal(status.undo, 'complete');
      assert.equal(status.verdict, ended.verdict, 'the experiment keeps its verdict');
      assert.match(status.reason ?? '', /; its undo was completed later by gameday undo$/);
      const journal = await journalOf(status.journalPath);
      assert.deepEqual(
        journal.activities.filter((x) => x.kind === 'rollback').map((x) => x.status),
        ['failed', 'failed', 'succeeded'],
        'the journal keeps the failed attempts and appends the one that succeeded',
      );
      for (const id of status.locks?.ids ?? []) assert.equal(await client.exists(keys.undoing(status.locks?.scope ?? '', id)), 0);

      const nothing = await gameday(['undo', run], { env: { ...env } });
      assert.equal(nothing.code, 0, nothing.stderr);
      assert.equal(nothing.stdout.trim(), `run ${run} has nothing left to undo: every fault it injected was undone and every rollback ran`);
    } finally {
      client.disconnect();
      await worker.stop();
    }
  });
});
