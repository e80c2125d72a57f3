import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { gameday, ROOT } from '../support/cli.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { experimentAgainst, queueEnv, simQueueForSuite, startWorker } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';

const SPEED = 40;

describe('gameday dashboard', { skip: SKIP_WITHOUT_REDIS || browserMissing() }, () => {
  const suite = simQueueForSuite(SPEED);

  it('shows a queued run with its verdict and recovery time, links its report, and lists schedules and freeze windows', async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    const env = queueEnv(redis);
    const worker = await startWorker(env, join(tmp.dir, 'results'));
    let dashboard: Daemon | undefined;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const file = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
      const ran = await gameday(['--json', 'run', file, '--queue', '--view', 'none', '--results', join(tmp.dir, 'local')], { env: { ...env } });
      assert.equal(ran.code, 0, ran.stderr);
      const journal = JSON.parse(ran.stdout) as { runId: string; measurement: { recovered: boolean } };
      assert.equal(journal.measurement.recovered, true);
      assert.equal((await gameday(['schedule', 'add', 'weekly', '--cron', '0 10 * * TUE', '--tz', 'Europe/Berlin', file], { env: { ...env } })).code, 0);
      assert.equal((await gameday(['freeze', 'add', 'xmas', '--from', '2099-12-20T00:00Z', '--to', '2099-12-27T00:00Z', '--reason', 'holidays'], { env: { ...env } })).code, 0);

      dashboard = await startDaemon(['--json', 'dashboard', '--port', '0'], { ...env });
      const url = (JSON.parse(dashboard.ready) as { url: string }).url;
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(url);
      const row = page.locator(`#runs tr[data-run="${journal.runId}"]`);
      assert.equal(await row.count(), 1, 'the run is listed');
      assert.equal(await row.locator('.verdict').textContent(), 'passed');
      assert.match((await row.locator('.recovery').textContent()) ?? '', /^\d[\d.]*(ms|s|m)\S* ±\S+$/);
      assert.match((await page.locator('#halt').textContent()) ?? '', /not halted/);
      assert.match((await page.locator('#schedules').textContent()) ?? '', /weekly.*0 10 \* \* TUE.*Europe\/Berlin.*sequence.*stop-half-web-fleet/);
      assert.match((await page.locator('#freeze').textContent()) ?? '', /xmas.*2099-12-20T00:00:00Z.*upcoming.*holidays/);

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
      assert.match((await page.locator('#halt').textContent()) ?? '', /^HALTED since \S+: incident 7$/);
      await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
      await dashboard?.stop();
      await worker.stop();
    }
  });
});
