import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { ScheduleInfo } from '../../src/orchestrator/schedules.js';
import { gameday } from '../support/cli.js';
import { cronAt, experimentAgainst, queueEnv, simQueueForSuite, startWorker, waitForFinishedRuns } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';

// The README's examples run stop-half-fleet at 100×; nothing here compares clocks finer than a run's start and end.
const SPEED = 100;
const TZ = 'Europe/Berlin';

describe('gameday schedule', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = simQueueForSuite(SPEED);

  it('fires a game day of two experiments in sequence at its time in its time zone, and remove stops it', async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    const env = queueEnv(redis);
    const first = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
    const second = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) =>
      t.replace('name: stop-half-web-fleet', 'name: stop-half-again'),
    );
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    try {
      // A clock time in Berlin 20 s from now (time for `schedule add` and then both listings, side by side, on a busy
      // machine): it fires within the test only if the time zone is honoured.
      const at = new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000);
      const cron = cronAt(at, TZ);
      const added = await gameday(['schedule', 'add', 'weekly', '--cron', cron, '--tz', TZ, '--jitter', '1s', first, second], { env: { ...env } });
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout, `schedule weekly: 2 experiment(s) in sequence, next game day ${at.toISOString()}\n`);

      const [listed, text] = await Promise.all([
        gameday(['--json', 'schedule', 'list'], { env: { ...env } }),
        gameday(['schedule', 'list'], { env: { ...env } }),
      ]);
      const schedules = (JSON.parse(listed.stdout) as { schedules: ScheduleInfo[] }).schedules;
      assert.deepEqual(schedules, [
        {
          name: 'weekly',
          cron,
          tz: TZ,
          next: at.getTime(),
          parallel: false,
          jitterMs: 1_000,
          experiments: ['stop-half-web-fleet', 'stop-half-again'],
          paused: false,
        },
      ]);
      assert.equal(text.stdout, `weekly  "${cron}" ${TZ}  next ${at.toISOString()} (+ up to 1.00s)  sequence: stop-half-web-fleet, stop-half-again\n`);

      const runs = await waitForFinishedRuns(env, 2);
      const [one, two] = [...runs].reverse();
      assert.ok(one !== undefined && two !== undefined);
      assert.deepEqual([one.experiment, two.experiment], ['stop-half-web-fleet', 'stop-half-again']);
      assert.deepEqual([one.verdict, two.verdict], ['passed', 'passed'], `${one.reason ?? ''} / ${two.reason ?? ''}`);
      assert.ok(one.submittedAt >= at.getTime(), 'the game day waited for its time');
      // In sequence: the second run was enqueued only once the first had ended.
      assert.ok(one.endedAt !== undefined && two.submittedAt >= one.endedAt, `second submitted ${two.submittedAt}, first ended ${String(one.endedAt)}`);
      assert.match(worker.stderr(), /game day weekly fired \(2 experiment\(s\), in sequence/);

      const removed = await gameday(['schedule', 'remove', 'weekly'], { env: { ...env } });
      assert.equal(removed.stdout, 'schedule weekly removed\n');
      assert.equal((await gameday(['schedule', 'list'], { env: { ...env } })).stdout, 'no schedules on this queue\n');
      // Nothing is left to fire: no scheduler and no delayed game day (tomorrow's firing went with it).
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const gamedays = new Queue('gamedays', { connection, prefix: env.GAMEDAY_PREFIX });
      try {
        assert.equal(await gamedays.getJobSchedulersCount(), 0);
        assert.equal(await gamedays.getDelayedCount(), 0);
      } finally {
        await gamedays.close();
        connection.disconnect();
      }
    } finally {
      await worker.stop();
    }
  });

  it('with --parallel submits every experiment of the game day at once', async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    const env = queueEnv(redis);
    const first = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
    const second = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) =>
      t.replace('name: stop-half-web-fleet', 'name: stop-half-again'),
    );
    const worker = await startWorker(env, join(tmp.dir, 'parallel'), { concurrency: 2 });
    try {
      const at = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000);
      const added = await gameday(['schedule', 'add', 'together', '--cron', cronAt(at, 'UTC'), '--parallel', first, second], { env: { ...env } });
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /^schedule together: 2 experiment\(s\) in parallel, next game day /);
      const runs = await waitForFinishedRuns(env, 2);
      assert.deepEqual(runs.map((r) => r.experiment).sort(), ['stop-half-again', 'stop-half-web-fleet']);
      // Both were submitted before either ended (the two share instances, so the second may be refused by their locks).
      const firstEnd = Math.min(...runs.map((r) => r.endedAt ?? Infinity));
      assert.ok(
        runs.every((r) => r.submittedAt < firstEnd),
        JSON.stringify(runs.map((r) => [r.submittedAt, r.endedAt, r.verdict, r.reason])),
      );
      assert.ok(
        runs.some((r) => r.verdict === 'passed'),
        JSON.stringify(runs.map((r) => [r.verdict, r.reason])),
      );
      assert.equal((await gameday(['schedule', 'remove', 'together'], { env: { ...env } })).code, 0);
    } finally {
      await worker.stop();
    }
  });

  it('validates every experiment and the pattern when a schedule is added, storing nothing for bad input', async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    const env = queueEnv(redis);
    const good = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
    const bad = await tmp.write('bad.yaml', 'apiVersion: gameday/v1\nmetadata: { name: broken }\nfaults: []\n');
    const cases: [string[], RegExp][] = [
      [['--cron', '0 10 * * TUE', good, bad], /^error: .*bad\.yaml/m],
      [['--cron', '0 10 * * TUE', good, join(tmp.dir, 'missing.yaml')], /^error: Cannot read experiment file .*missing\.yaml: no such file\.\n$/],
      // A wrong value is named with its field and what the field accepts, not with the cron parser's words.
      [['--cron', '0 3 * * sda', good], /^error: schedule "broken": cron "0 3 \* \* sda": day of week "sda" is not a number 0-7 or MON-SUN\.\n$/],
      [['--cron', '0 10 * * TUESDAY', good], /^error: schedule "broken": cron "0 10 \* \* TUESDAY": day of week "TUESDAY" is not a number 0-7 or MON-SUN\.\n$/],
      [['--cron', '0 24 * * *', good], /^error: schedule "broken": cron "0 24 \* \* \*": hour "24" is not a number 0-23\.\n$/],
      [['--cron', '0 3 * JANUARY *', good], /^error: schedule "broken": cron "0 3 \* JANUARY \*": month "JANUARY" is not a number 1-12 or JAN-DEC\.\n$/],
      [['--cron', '0 3 * *', good], /^error: schedule "broken": cron "0 3 \* \*": it has 4 fields; give five/],
      [['--cron', '0 0 15W * *', good], /^error: '0 0 15W \* \*' is not a cron pattern \(.*\); five fields/],
      [['--cron', '0 10 * * TUE', '--tz', 'Europe/Berln', good], /^error: 'Europe\/Berln' is not a time zone \(use an IANA name such as Europe\/Berlin\)\.\n$/],
      [['--cron', '0 10 * * TUE', '--jitter', 'soon', good], /--jitter needs a duration/],
    ];
    for (const [args, message] of cases) {
      const result = await gameday(['schedule', 'add', 'broken', ...args], { env: { ...env } });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.equal((await gameday(['schedule', 'list'], { env: { ...env } })).stdout, 'no schedules on this queue\n');
    // A duration option takes ISO 8601 as FIS writes it, as the experiment format does.
    const iso = await gameday(['schedule', 'add', 'nightly', '--cron', '0 3 * * *', '--jitter', 'PT10M', good], { env: { ...env } });
    assert.equal(iso.code, 0, iso.stderr);
    assert.match((await gameday(['schedule', 'list'], { env: { ...env } })).stdout, /^nightly {2}"0 3 \* \* \*" UTC {2}next \S+ \(\+ up to 10m00s\)/);
    assert.equal((await gameday(['schedule', 'remove', 'nightly'], { env: { ...env } })).code, 0);
    const unknown = await gameday(['schedule', 'remove', 'nope'], { env: { ...env } });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, "error: No schedule 'nope' is known to this queue; 'gameday schedule list' shows them.\n");
  });
});
