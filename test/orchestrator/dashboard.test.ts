import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { gameday, ROOT } from '../support/cli.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import {
  cronAt,
  experimentAgainst,
  listRuns,
  queueEnv,
  type QueueEnv,
  runStatus,
  simQueueForSuite,
  startWorker,
  submitDetached,
  waitForFinishedRuns,
} from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { waitFor, waitReady } from '../support/sim.js';

const SPEED = 40;

describe('gameday dashboard', { skip: SKIP_WITHOUT_REDIS || browserMissing() }, () => {
  const suite = simQueueForSuite(SPEED);

  /** A worker on a fresh queue and a browser for one test; `dashboard()` starts `gameday dashboard` and gives its URL. All stop after `body`. */
  async function withQueue(
    body: (w: {
      env: QueueEnv;
      tmp: ReturnType<typeof suite.tmp>;
      sim: ReturnType<typeof suite.sim>;
      browser: Browser;
      dashboard(): Promise<string>;
    }) => Promise<void>,
  ): Promise<void> {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    // The tests share one region: the fleet an earlier test stopped must be whole (every target healthy) again before
    // another run checks its steady state.
    await waitReady(sim.endpoint, 60_000);
    const env = queueEnv(redis);
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    let daemon: Daemon | undefined;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const dashboard = async (): Promise<string> => {
      daemon = await startDaemon(['--json', 'dashboard', '--port', '0'], { ...env });
      return (JSON.parse(daemon.ready) as { url: string }).url;
    };
    try {
      await body({ env, tmp, sim, browser, dashboard });
    } finally {
      await browser.close();
      await daemon?.stop();
      await worker.stop();
    }
  }

  it('shows a queued run with its verdict and recovery time, links its report, and lists schedules and freeze windows', () =>
    withQueue(async ({ env, tmp, sim, browser, dashboard }) => {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
      const ran = await gameday(['--json', 'run', file, '--queue', '--view', 'none', '--results', join(tmp.dir, 'local')], { env: { ...env } });
      assert.equal(ran.code, 0, ran.stderr);
      const journal = JSON.parse(ran.stdout) as { runId: string; measurement: { recovered: boolean } };
      assert.equal(journal.measurement.recovered, true);
      assert.equal((await gameday(['schedule', 'add', 'weekly', '--cron', '0 10 * * TUE', '--tz', 'Europe/Berlin', file], { env: { ...env } })).code, 0);
      assert.equal(
        (await gameday(['freeze', 'add', 'xmas', '--from', '2099-12-20T00:00Z', '--to', '2099-12-27T00:00Z', '--reason', 'holidays'], { env: { ...env } }))
          .code,
        0,
      );

      const url = await dashboard();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(url);
      const row = page.locator(`#runs tr[data-run="${journal.runId}"]`);
      assert.equal(await row.count(), 1, 'the run is listed');
      assert.equal(await row.locator('.verdict').textContent(), 'passed');
      assert.match((await row.locator('.recovery').textContent()) ?? '', /^\d[\d.]*(ms|s|m)\S* ±\S+$/);
      assert.match((await page.locator('#halt').textContent()) ?? '', /not halted/);
      assert.match((await page.locator('#schedules').textContent()) ?? '', /weekly.*0 10 \* \* TUE.*Europe\/Berlin.*sequence.*stop-half-web-fleet/);
      assert.match((await page.locator('#freeze').textContent()) ?? '', /xmas.*upcoming.*holidays/);
      assert.equal(await page.locator('#freeze time').first().getAttribute('title'), '2099-12-20T00:00:00Z');

      await row.locator('a.report').click();
      await page.waitForSelector('svg#timeline');
      assert.match((await page.locator('#verdict').textContent()) ?? '', /^PASSED/);
      assert.ok((await page.locator('svg#timeline rect.ok').count()) > 5, 'the timeline has its samples');
      assert.equal(await page.locator('svg#timeline line.inject').count(), 1);
      const artifacts = join(ROOT, 'test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'dashboard-report.png'), fullPage: true });

      // Halting shows on the page.
      assert.equal((await gameday(['halt', '--reason', 'incident 7'], { env: { ...env } })).code, 0);
      await page.goto(url);
      assert.match((await page.locator('#halt').textContent()) ?? '', /^HALTED since .+: incident 7$/);
      await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    }));
  it('shows a running run’s probes as their states change, run ids on one line, and times in the viewer’s zone with UTC on hover', () =>
    withQueue(async ({ env, tmp, sim, browser, dashboard }) => {
      // Stopped for 8 AWS minutes (12 s here): the load balancer's healthy targets drop to one, then come back. The run
      // must stay stable for 10 AWS minutes (15 s here) before it ends, so the recovered state is on the page long
      // enough to be read between two reloads, however loaded the machine.
      const targets =
        'probes:\n  - name: targets\n    probe: aws.elbv2.healthy-targets\n    args: { targetGroupName: web-tg }\n    tolerance: { atLeast: 3 }\n    interval: 5s\n';
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED, (t) =>
        t
          .replace('duration: 2m', 'duration: 8m')
          .replace('stableFor: 30s', 'stableFor: 10m')
          .replace('timeout: 20m', 'timeout: 40m')
          .replace('probes:\n', targets),
      );
      const runId = await submitDetached(env, file);
      const url = await dashboard();
      // A narrow window in India (UTC+5:30): long cells would wrap, and local time differs from UTC by a half hour.
      const context = await browser.newContext({ viewport: { width: 760, height: 900 }, timezoneId: 'Asia/Kolkata', locale: 'en-US' });
      const page = await context.newPage();
      const probe = (name: string) => page.locator(`#runs tr[data-run="${runId}"] li.probe[data-probe="${name}"]`);
      let last = '';
      const seen = (name: string, state: string, value: RegExp): Promise<string> =>
        waitFor(
          `probe ${name} ${state} (${String(value)}) on the dashboard`,
          async () => {
            await page.goto(url);
            last = (await page.locator('#runs').textContent()) ?? '';
            if ((await probe(name).count()) === 0) return undefined;
            const [cls, text] = [(await probe(name).getAttribute('class')) ?? '', (await probe(name).textContent()) ?? ''];
            return cls.split(' ').includes(state) && value.test(text) ? text : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 150 },
        ).catch((error: unknown) => {
          throw new Error(`${error instanceof Error ? error.message : String(error)}; the runs table last read: ${last}`);
        });
      assert.match(await seen('targets', 'failing', /last value 1\b/), /^targets: failing \(last value 1, \d+ms\)$/);
      assert.match((await probe('site').textContent()) ?? '', /^site: (ok|failing) \(/);
      const artifacts = join(ROOT, 'test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'dashboard-running.png'), fullPage: true });

      // The run id stays on one line, however narrow the window.
      const lines = await page.locator(`#runs tr[data-run="${runId}"] td.run-id code`).evaluate((code) => code.getClientRects().length);
      assert.equal(lines, 1, 'the run id is on one line');
      // Its start reads in the viewer's zone; the title gives the UTC instant.
      const started = (await runStatus(env, runId)).startedAt ?? NaN;
      const utc = new Date(started).toISOString().replace(/\.\d+Z$/, 'Z');
      const cell = page.locator(`#runs tr[data-run="${runId}"] td.started time`);
      assert.equal(await cell.getAttribute('title'), utc);
      const kolkata = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        new Date(started),
      );
      const shown = (await cell.textContent()) ?? '';
      assert.ok(shown.includes(kolkata) && shown.includes('GMT+5:30'), `'${shown}' is ${utc} in Kolkata (${kolkata})`);

      assert.match(await seen('targets', 'ok', /last value 3\b/), /^targets: ok \(last value 3, \d+ms\)$/);
      await waitFor('the run to finish', async () => (await runStatus(env, runId)).state === 'finished', { timeoutMs: 120_000, intervalMs: 250 });
      await context.close();
    }));

  it('links each schedule to the runs its game days started', () =>
    withQueue(async ({ env, tmp, sim, browser, dashboard }) => {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
      // A run of its own, not started by the schedule, which the schedule's page must leave out.
      const own = await submitDetached(env, file);
      await waitForFinishedRuns(env, 1);
      const at = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000);
      assert.equal((await gameday(['schedule', 'add', 'nightly', '--cron', cronAt(at, 'UTC'), file], { env: { ...env } })).code, 0);
      const runs = await waitForFinishedRuns(env, 2);
      const fired = runs.find((r) => r.runId !== own)?.runId ?? '';
      assert.notEqual(fired, '');

      const url = await dashboard();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(url);
      const link = page.locator('#schedules tr', { hasText: 'nightly' }).locator('a.schedule-runs');
      assert.equal(await link.textContent(), '1 run');
      await link.click();
      await page.waitForSelector('h1:has-text("Runs of schedule nightly")');
      assert.deepEqual(await page.locator('#runs tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run'))), [fired]);
      assert.equal(await page.locator(`#runs tr[data-run="${fired}"] a.report`).count(), 1, 'the run links its report');
      const artifacts = join(ROOT, 'test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'dashboard-schedule-runs.png'), fullPage: true });
      assert.equal((await listRuns(env)).length, 2);
      const unknown = await page.goto(new URL('/schedules/nope', url).toString());
      assert.equal(unknown?.status(), 404);
      assert.equal((await gameday(['schedule', 'remove', 'nightly'], { env: { ...env } })).code, 0);
    }));
});
