import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keys } from '../../src/orchestrator/keys.js';
import { connectRedis } from '../../src/orchestrator/redis-connection.js';
import { RunQueue } from '../../src/orchestrator/run-queue.js';
import { gameday } from '../support/cli.js';
import { queueEnv, type QueueEnv } from '../support/queue.js';
import { startRedis, SKIP_WITHOUT_REDIS, type TestRedis } from '../support/redis.js';

describe('what gameday status and gameday list print', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let env: QueueEnv;
  const finished = 'gd-20261202T101500Z-f1f1f1';
  const running = 'gd-20261202T101600Z-r2r2r2-t2';
  before(async () => {
    redis = await startRedis();
    env = queueEnv(redis);
    // Two runs as a worker records them: one ended 90 s after it started, one still going.
    const client = await connectRedis(redis.url);
    const queue = new RunQueue(client, new Keys(env.GAMEDAY_PREFIX));
    try {
      const now = Date.now();
      for (const runId of [finished, running])
        await queue.store.create({ runId, file: '/x/web.yaml', text: '', experiment: 'web-outage', waitForLocks: false, submittedAt: now - 100_000 });
      await queue.store.update(finished, { state: 'running', phase: 'recovery', startedAt: now - 90_000 });
      await queue.store.finish(finished, { verdict: 'failed-objective', reason: 'rto missed', exitCode: 1 });
      await queue.store.update(running, { state: 'running', phase: 'method', startedAt: now - 5_000 });
    } finally {
      await queue.close();
      client.disconnect();
    }
  });
  after(async () => {
    await redis?.stop();
  });

  it('status of a finished run says how it finished and after how long, not "running for"', async () => {
    const r = await gameday(['status', finished], { env: { ...env } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^finished FAILED-OBJECTIVE after 1m30s$/m);
    assert.doesNotMatch(r.stdout, /running for/);
    const live = await gameday(['status', running], { env: { ...env } });
    assert.match(live.stdout, /^running for: \d/m);
    assert.doesNotMatch(live.stdout, /finished/);
  });

  it('list starts with a header row whose columns line up with the values under them', async () => {
    const r = await gameday(['list'], { env: { ...env } });
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.ok(header !== undefined);
    assert.match(header, /^RUN\s+STATE\s+VERDICT\/PHASE\s+EXPERIMENT$/);
    assert.equal(rows.length, 2, r.stdout);
    const column = (name: string): number => header.indexOf(name);
    for (const [row, state, where] of [
      [rows.find((l) => l.startsWith(finished)), 'finished', 'failed-objective'],
      [rows.find((l) => l.startsWith(running)), 'running', 'method'],
    ] as const) {
      assert.ok(row !== undefined, r.stdout);
      assert.equal(row.indexOf(state), column('STATE'), r.stdout);
      assert.equal(row.indexOf(where), column('VERDICT/PHASE'), r.stdout);
      assert.equal(row.indexOf('web-outage'), column('EXPERIMENT'), r.stdout);
    }
  });
});
