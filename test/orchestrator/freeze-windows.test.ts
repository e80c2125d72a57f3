import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { gameday } from '../support/cli.js';
import { cronAt, experimentAgainst, storedRuns, queueEnv, simQueueForSuite, startWorker, submitDetached, waitForStatus } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

// The README's examples run stop-half-fleet at 100×; nothing here compares clocks.
const SPEED = 100;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('gameday freeze', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = simQueueForSuite(SPEED);

  it('refuses every run that would start inside a window, naming it, without touching anything; runs outside it run', async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const env = queueEnv(redis);
    const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
    // Queued before the window is declared, taken by a worker inside it.
    const queued = await submitDetached(env, file);
    const from = Date.now() - 60_000;
    const to = Date.now() + 3_600_000;
    const add = await gameday(['freeze', 'add', 'release-42', '--from', iso(from), '--to', iso(to), '--reason', 'release 4.2'], { env: { ...env } });
    assert.equal(add.code, 0, add.stderr);
    const window = `the freeze window 'release-42' (${iso(from)} to ${iso(to)}, release 4.2) is in effect; no experiment starts inside it`;
    const [list, refused] = await Promise.all([gameday(['freeze', 'list'], { env: { ...env } }), gameday(['run', file, '--queue'], { env: { ...env } })]);
    assert.equal(list.stdout, `release-42  ${iso(from)} to ${iso(to)}  IN EFFECT  release 4.2\n`);

    assert.equal(refused.code, 3);
    assert.equal(refused.stderr, `error: ${window}.\n`);

    const before = await allInstances(ec2);
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    try {
      const done = await waitForStatus(env, queued, 'to be refused', (s) => s.state === 'finished');
      assert.equal(done.verdict, 'aborted');
      assert.equal(done.reason, `refused: ${window}`);
      assert.equal(done.journalPath, undefined, 'nothing ran');

      // A game day firing inside the window: its run is recorded as refused, naming the window.
      const at = new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000);
      const added = await gameday(['schedule', 'add', 'daily', '--cron', cronAt(at, 'UTC'), file], { env: { ...env } });
      assert.equal(added.code, 0, added.stderr);
      const fired = await waitFor('the game day to fire', async () => (await storedRuns(env)).find((r) => r.runId !== queued), {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      assert.equal(fired.state, 'finished');
      assert.equal(fired.verdict, 'aborted');
      assert.equal(fired.reason, `refused: ${window}`);
      assert.equal((await gameday(['schedule', 'remove', 'daily'], { env: { ...env } })).code, 0);

      const after = await allInstances(ec2);
      assert.deepEqual(
        after.map((i) => [i.InstanceId, i.State?.Name]),
        before.map((i) => [i.InstanceId, i.State?.Name]),
        'no instance was touched',
      );

      // Once the window is gone (and with one declared for later) runs start again.
      assert.equal((await gameday(['freeze', 'remove', 'release-42'], { env: { ...env } })).stdout, 'freeze window release-42 removed\n');
      const later = Date.now() + 86_400_000;
      assert.equal((await gameday(['freeze', 'add', 'tomorrow', '--from', iso(later), '--to', iso(later + 3_600_000)], { env: { ...env } })).code, 0);
      const ran = await gameday(['run', file, '--queue', '--view', 'none'], { env: { ...env } });
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(ran.stdout, /^verdict: PASSED/);
    } finally {
      ec2.destroy();
      await worker.stop();
    }
  });

  it('says in one sentence what is wrong with a window', async () => {
    const env = queueEnv(suite.redis());
    const cases: [string[], string][] = [
      [
        ['add', 'w', '--from', '2026-12-24', '--to', '2026-12-25T00:00Z'],
        "error: --from needs an ISO 8601 instant with a time zone, such as 2026-12-24T00:00Z or 2026-12-24T08:00+01:00, not '2026-12-24'.\n",
      ],
      [
        ['add', 'w', '--from', '2026-12-25T00:00Z', '--to', '2026-12-24T00:00Z'],
        "error: The freeze window 'w' must end after it starts (--to 2026-12-24T00:00:00.000Z is not after --from 2026-12-25T00:00:00.000Z).\n",
      ],
      [['remove', 'w'], "error: No freeze window 'w' is declared on this queue; 'gameday freeze list' shows them.\n"],
    ];
    // Each refused command is its own process and stores nothing, so they run side by side.
    const [ended, bad, ...results] = await Promise.all(
      [
        // A window that already ended (a wrong year, say) is refused rather than stored as one that freezes nothing.
        ['add', 'w', '--from', '2025-12-01T08:00Z', '--to', '2025-12-01T18:00Z'],
        ['add', 'w', '--from', 'now', '--to', 'tomorrow'],
        ...cases.map(([args]) => args),
      ].map((args) => gameday(['freeze', ...args], { env: { ...env } })),
    );
    assert.ok(ended !== undefined && bad !== undefined);
    for (const [i, [, message]] of cases.entries()) {
      const result = results[i];
      assert.equal(result?.code, 2, result?.stderr);
      assert.equal(result?.stderr, message);
    }
    assert.equal(ended.code, 2, ended.stderr);
    assert.match(
      ended.stderr,
      /^error: The freeze window 'w' has already ended \(--to 2025-12-01T18:00:00\.000Z is before now, \d{4}-[\d-]+T[\d:.]+Z\), so it would freeze nothing\.\n$/,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /^error: --to needs an ISO 8601 instant with a time zone \(2026-12-24T00:00Z\) or a duration after --from \(10h, P14D\): 'tomorrow' is neither/,
    );
    assert.equal((await gameday(['freeze', 'list'], { env: { ...env } })).stdout, 'no freeze windows on this queue\n');
  });

  it('takes --from now and --to as a duration after --from, as the README example does', async () => {
    const env = queueEnv(suite.redis());
    const before = Date.now();
    const add = await gameday(['freeze', 'add', 'now-10h', '--from', 'now', '--to', '10h', '--json'], { env: { ...env } });
    assert.equal(add.code, 0, add.stderr);
    const { window } = JSON.parse(add.stdout) as { window: { from: number; to: number } };
    assert.ok(window.from >= before && window.from <= Date.now(), `from ${window.from} is when the command ran`);
    assert.equal(window.to - window.from, 10 * 3_600_000);
    assert.equal((await gameday(['freeze', 'remove', 'now-10h'], { env: { ...env } })).code, 0);
  });
});
