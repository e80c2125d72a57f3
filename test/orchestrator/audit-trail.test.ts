import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AuditTrail } from '../../src/orchestrator/audit-trail.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { Schedules, type ScheduleSpec } from '../../src/orchestrator/schedules.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../support/redis.js';

const spec = (name: string): ScheduleSpec => ({
  schedule: name,
  cron: '0 10 * * TUE',
  tz: 'Europe/Berlin',
  parallel: false,
  jitterMs: 0,
  experiments: [{ file: '/x/a.yaml', text: 'kind: a', experiment: 'a' }],
});

describe('audit trail and paused schedules', { skip: SKIP_WITHOUT_REDIS }, () => {
  let server: TestRedis;
  let redis: Redis;
  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it('keeps who did what, newest first, with the detail only where there is one', async () => {
    const trail = new AuditTrail(redis, new Keys(server.prefix()));
    await trail.record({ who: 'alice@host', action: 'halt', target: '', detail: 'incident 7', result: 'halted' });
    await trail.record({ who: 'token:abc123', action: 'abort', target: 'run-1', result: 'refused: no such run' });
    const entries = await trail.list();
    assert.deepEqual(
      entries.map(({ id: _, at: __, ...e }) => e),
      [
        { who: 'token:abc123', action: 'abort', target: 'run-1', result: 'refused: no such run' },
        { who: 'alice@host', action: 'halt', target: '', detail: 'incident 7', result: 'halted' },
      ],
    );
    assert.ok((entries[0]?.at ?? 0) >= (entries[1]?.at ?? Infinity));
    assert.equal((await trail.list(1)).length, 1);
  });

  it('pauses a schedule (no job scheduler left to fire it), resumes it with its declaration, and refuses an unknown one', async () => {
    const keys = new Keys(server.prefix());
    const schedules = new Schedules(redis, keys);
    try {
      await schedules.add(spec('weekly'));
      const paused = await schedules.pause('weekly');
      assert.deepEqual(
        { paused: paused.paused, next: paused.next, cron: paused.cron, tz: paused.tz, experiments: paused.experiments },
        { paused: true, next: null, cron: '0 10 * * TUE', tz: 'Europe/Berlin', experiments: ['a'] },
      );
      const queue = new Queue(keys.gamedays, { connection: redis, prefix: keys.prefix });
      assert.deepEqual(await queue.getJobSchedulers(), [], 'nothing is left to fire');
      await queue.close();
      assert.equal((await schedules.pause('weekly')).paused, true, 'pausing again changes nothing');
      assert.equal((await schedules.gameDays()).get('weekly')?.experiments[0]?.text, 'kind: a', 'the paused one can still be run now');

      const resumed = await schedules.resume('weekly');
      assert.equal(resumed.paused, false);
      assert.equal(new Date(resumed.next ?? 0).getUTCDay(), 2, 'it fires on a Tuesday again');
      assert.equal((await schedules.list()).length, 1);

      await schedules.pause('weekly');
      await schedules.remove('weekly');
      assert.deepEqual(await schedules.list(), [], 'a paused schedule can be removed');
      await assert.rejects(schedules.pause('nope'), { message: "No schedule 'nope' is known to this queue; 'gameday schedule list' shows them." });
      await assert.rejects(schedules.resume('nope'), { code: 'GD_UNKNOWN_SCHEDULE' });
    } finally {
      await schedules.close();
    }
  });
});
