import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { type CliResult, gameday, ROOT } from '../support/cli.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import {
  cronAt,
  experimentAgainst,
  lingering,
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
const TOKEN = 'correct-horse-battery-staple';

/** The first six hex digits of the token's SHA-256, as the audit trail names a token's holder. */
const TOKEN_ID = /token:[0-9a-f]{6}/;

/**
 * One region, one Redis, one worker and one browser for every test, with two dashboards on the same queue: `open`, as
 * `gameday dashboard` runs on a laptop (no token), and `guarded`, which asks for a token and offers experiments to run.
 * The worker takes one run at a time and the runs share the region's fleet, so the tests are ordered to keep it busy:
 * the tests that need no run of their own go on while the first run finishes, and the ones that halt gameday come last,
 * when nothing runs.
 */

/**
 * Opens `to` in `page`. The dashboard reloads itself (every 5 s, and after an action): a navigation that its own reload
 * interrupted (net::ERR_ABORTED, or Playwright's "interrupted by another navigation") is made again.
 */
async function visit(page: Page, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(to);
      return;
    } catch (e) {
      if (attempt >= 3 || !/net::ERR_ABORTED|is interrupted by another navigation/.test(String(e))) throw e;
    }
  }
}

describe('gameday dashboard', { skip: SKIP_WITHOUT_REDIS || browserMissing() }, () => {
  let env: QueueEnv;
  let worker: Daemon;
  let open: Daemon;
  let guarded: Daemon;
  /** The open dashboard's URL. */
  let openUrl: string;
  /** The guarded dashboard's URL. */
  let url: string;
  let browser: Browser;
  /** A page of the guarded dashboard signed in as alice, shared by the tests after the log-in one. */
  let page: Page;
  /** The experiment offered to run now, under the guarded dashboard's --experiments directory. */
  let offered: string;
  /** The plain experiment (stop half the fleet for two minutes), beside the offered one. */
  let plain: string;
  /** The first run, `gameday run --queue` until it ends, and its id once the queue lists it. */
  let firstRun: Promise<CliResult>;
  let firstId: string;
  const artifacts = join(ROOT, 'test-artifacts');

  // Declared before the suite's own hooks: the worker and the dashboards stop while Redis is still there.
  after(async () => {
    await browser?.close();
    await Promise.all([open?.stop(), guarded?.stop(), worker?.stop()]);
  });
  const suite = simQueueForSuite(SPEED);

  before(async () => {
    const [redis, tmp, sim] = [suite.redis(), suite.tmp(), suite.sim()];
    env = queueEnv(redis);
    plain = await experimentAgainst(tmp, 'stop-half-fleet.yaml', sim.endpoint, SPEED);
    // Only files under this directory may be run from the page; the experiment beside it (in tmp) may not.
    const dir = join(tmp.dir, 'offered');
    await mkdir(dir);
    offered = 'stop-half-fleet.yaml';
    await writeFile(join(dir, offered), await readFile(plain, 'utf8'));
    const { chromium } = await import('playwright-core');
    [worker, open, guarded, browser] = await Promise.all([
      startWorker(env, join(tmp.dir, 'results')),
      startDaemon(['--json', 'dashboard', '--port', '0'], { ...env }),
      startDaemon(['--json', 'dashboard', '--port', '0', '--experiments', dir], { ...env, GAMEDAY_DASHBOARD_TOKEN: TOKEN }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
      waitReady(sim.endpoint, 60_000),
      mkdir(artifacts, { recursive: true }),
    ]);
    openUrl = (JSON.parse(open.ready) as { url: string }).url;
    url = (JSON.parse(guarded.ready) as { url: string }).url;
  });

  /** The newest audit trail row's cells (when, who, action, target, detail, result), once it is `action`. */
  const newestAudit = (action: string): Promise<string[]> =>
    waitFor(
      `an audit trail row '${action}' on top`,
      async () => {
        await visit(page, url);
        const cells = await page.locator('#audit tr:nth-child(2) td').allTextContents();
        return cells[2] === action ? cells : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );

  it('shows a running run’s probes as their states change, run ids on one line, and times in the viewer’s zone with UTC on hover', async () => {
    // Stopped for 8 AWS minutes (12 s here): the load balancer's healthy targets drop to one, then come back. The run
    // must stay stable for 10 AWS minutes (15 s here) before it ends, so the recovered state is on the page long
    // enough to be read between two reloads, however loaded the machine. Its recovery takes longer than the
    // experiment's own 8-minute objective, which this one relaxes so that it passes.
    const targets =
      'probes:\n  - name: targets\n    probe: aws.elbv2.healthy-targets\n    args: { targetGroupName: web-tg }\n    tolerance: { atLeast: 3 }\n    interval: 5s\n';
    const file = await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, (t) =>
      t
        .replace('duration: 2m', 'duration: 8m')
        .replace('stableFor: 30s', 'stableFor: 10m')
        .replace('timeout: 20m', 'timeout: 40m')
        .replace('rto: 8m', 'rto: 30m')
        .replace('probes:\n', targets),
    );
    // Submitted as a user waiting for its journal would; the test after the next ones reads its verdict.
    firstRun = gameday(['--json', 'run', file, '--queue', '--view', 'none', '--results', join(suite.tmp().dir, 'local')], {
      env: { ...env },
      timeoutMs: 240_000,
    });
    const [queued] = await waitFor(
      'the run to be queued',
      async () => {
        const runs = await listRuns(env);
        return runs.length === 1 && runs;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    firstId = queued?.runId ?? '';
    const runId = firstId;
    // A schedule whose game day fires while this run goes on: its run waits for the worker behind this one (the test
    // 'links each schedule…' reads it).
    const at = new Date(Math.ceil((Date.now() + 15_000) / 1000) * 1000);
    assert.equal((await gameday(['schedule', 'add', 'nightly', '--cron', cronAt(at, 'UTC'), plain], { env: { ...env } })).code, 0);

    // A narrow window in India (UTC+5:30): long cells would wrap, and local time differs from UTC by a half hour.
    const context = await browser.newContext({ viewport: { width: 760, height: 900 }, timezoneId: 'Asia/Kolkata', locale: 'en-US' });
    const viewer = await context.newPage();
    const probe = (name: string) => viewer.locator(`#runs tr[data-run="${runId}"] li.probe[data-probe="${name}"]`);
    let last = '';
    const seen = (name: string, state: string, value: RegExp): Promise<string> =>
      waitFor(
        `probe ${name} ${state} (${String(value)}) on the dashboard`,
        async () => {
          await visit(viewer, openUrl);
          last = (await viewer.locator('#runs').textContent()) ?? '';
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
    await viewer.screenshot({ path: join(artifacts, 'dashboard-running.png'), fullPage: true });

    // The run id stays on one line, however narrow the window.
    const lines = await viewer.locator(`#runs tr[data-run="${runId}"] td.run-id code`).evaluate((code) => code.getClientRects().length);
    assert.equal(lines, 1, 'the run id is on one line');
    // Its start reads in the viewer's zone; the title gives the UTC instant.
    const started = (await runStatus(env, runId)).startedAt ?? NaN;
    const utc = new Date(started).toISOString().replace(/\.\d+Z$/, 'Z');
    const cell = viewer.locator(`#runs tr[data-run="${runId}"] td.started time`);
    assert.equal(await cell.getAttribute('title'), utc);
    const kolkata = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
      new Date(started),
    );
    const shown = (await cell.textContent()) ?? '';
    assert.ok(shown.includes(kolkata) && shown.includes('GMT+5:30'), `'${shown}' is ${utc} in Kolkata (${kolkata})`);

    assert.match(await seen('targets', 'ok', /last value 3\b/), /^targets: ok \(last value 3, \d+ms\)$/);
    await context.close();
  });

  it('refuses to listen on 0.0.0.0 without a token, in one sentence', async () => {
    const r = await gameday(['dashboard', '--host', '0.0.0.0', '--port', '0'], { env: { ...env } });
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^error: The dashboard will not listen on 0\.0\.0\.0, which other machines reach, without a token .+\.$/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('asks for the token, refuses a wrong one and requests without it, and signs in with the right one', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    const first = await page.goto(url);
    assert.equal(first?.status(), 401);
    assert.equal(await page.locator('form#login input[name=token]').count(), 1, 'the log-in page asks for the token');
    assert.equal(await page.locator('#runs').count(), 0, 'nothing of the dashboard shows before log-in');
    assert.equal((await fetch(new URL('/api/state', url))).status, 401, 'the API answers 401 without a session');

    await page.fill('input[name=token]', 'not-the-token');
    await page.fill('input[name=name]', 'mallory');
    await page.click('form#login button');
    await page.waitForSelector('#login-problem');
    assert.match((await page.locator('#login-problem').textContent()) ?? '', /not this dashboard’s token/);
    assert.deepEqual(await context.cookies(), [], 'a wrong token gets no session');
    assert.equal((await page.goto(url))?.status(), 401, 'still signed out');

    await page.fill('input[name=token]', TOKEN);
    await page.fill('input[name=name]', 'alice');
    await page.click('form#login button');
    await page.waitForSelector('#runs, p#runs');
    assert.match((await page.locator('#who').textContent()) ?? '', /Signed in as alice \(token:[0-9a-f]{6}\)/);
    const [cookie] = await context.cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');

    // The session and even the page's CSRF token do not let another origin change anything.
    const csrf = (await page.locator('meta[name=csrf]').getAttribute('content')) ?? '';
    const forged = await fetch(new URL('/api/halt', url), {
      method: 'POST',
      headers: { cookie: `${cookie?.name}=${cookie?.value}`, origin: 'http://evil.example', 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ reason: 'forged' }),
    });
    assert.equal(forged.status, 403);
    assert.match(((await forged.json()) as { error: string }).error, /Origin http:\/\/evil\.example is not the dashboard's own/);
    // Nor does a same-origin request without the page's CSRF token.
    const noCsrf = await fetch(new URL('/api/halt', url), {
      method: 'POST',
      headers: { cookie: `${cookie?.name}=${cookie?.value}`, origin: url.replace(/\/$/, ''), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'forged' }),
    });
    assert.equal(noCsrf.status, 403);
    assert.match((await page.locator('#halt').textContent()) ?? '', /not halted/);
  });

  it('pauses and resumes a schedule, which `schedule list` shows', async () => {
    const file = join(suite.tmp().dir, 'offered', offered);
    assert.equal((await gameday(['schedule', 'add', 'weekly', '--cron', '0 10 * * TUE', file], { env: { ...env } })).code, 0);
    await visit(page, url);
    const row = page.locator('#schedules tr', { hasText: 'weekly' });
    await row.locator('form[data-action=schedule-pause] button').click();
    await waitFor('the schedule to show paused', async () => ((await row.locator('.paused').textContent()) === 'paused' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    assert.equal((await newestAudit('schedule-pause'))[5], 'paused');
    const listed = await gameday(['schedule', 'list'], { env: { ...env } });
    assert.match(listed.stdout, /^weekly {2}"0 10 \* \* TUE" UTC {2}next never \(paused\)/m);

    await visit(page, url);
    await row.locator('form[data-action=schedule-resume] button').click();
    await waitFor('the schedule to show its next game day', async () => ((await row.locator('time').count()) === 1 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    assert.match((await newestAudit('schedule-resume'))[5] ?? '', /^active, next \d{4}-\d\d-\d\dT10:00:00\.000Z$/);
    const again = await gameday(['--json', 'schedule', 'list'], { env: { ...env } });
    const weekly = (JSON.parse(again.stdout) as { schedules: { name: string; paused: boolean; next: number }[] }).schedules.find((s) => s.name === 'weekly');
    assert.equal(weekly?.paused, false);
    assert.equal(new Date(weekly?.next ?? 0).getUTCDay(), 2, 'it fires on a Tuesday again');
    assert.equal((await gameday(['schedule', 'remove', 'weekly'], { env: { ...env } })).code, 0);
  });

  it('shows a queued run with its verdict and recovery time, links its report, and lists schedules and freeze windows', async () => {
    const file = join(suite.tmp().dir, 'offered', offered);
    const [added, frozen] = await Promise.all([
      gameday(['schedule', 'add', 'weekly', '--cron', '0 10 * * TUE', '--tz', 'Europe/Berlin', file], { env: { ...env } }),
      gameday(['freeze', 'add', 'xmas', '--from', '2099-12-20T00:00Z', '--to', '2099-12-27T00:00Z', '--reason', 'holidays'], { env: { ...env } }),
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(frozen.code, 0, frozen.stderr);
    const ran = await firstRun;
    assert.equal(ran.code, 0, ran.stderr);
    const journal = JSON.parse(ran.stdout) as { runId: string; measurement: { recovered: boolean } };
    assert.equal(journal.runId, firstId);
    assert.equal(journal.measurement.recovered, true);

    const viewer = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await visit(viewer, openUrl);
    const row = viewer.locator(`#runs tr[data-run="${journal.runId}"]`);
    assert.equal(await row.count(), 1, 'the run is listed');
    assert.equal(await row.locator('.verdict').textContent(), 'passed');
    assert.match((await row.locator('.recovery').textContent()) ?? '', /^\d[\d.]*(ms|s|m)\S* ±\S+$/);
    assert.match((await viewer.locator('#halt').textContent()) ?? '', /not halted/);
    assert.match((await viewer.locator('#schedules').textContent()) ?? '', /weekly.*0 10 \* \* TUE.*Europe\/Berlin.*sequence.*stop-half-web-fleet/);
    assert.match((await viewer.locator('#freeze').textContent()) ?? '', /xmas.*upcoming.*holidays/);
    assert.equal(await viewer.locator('#freeze time').first().getAttribute('title'), '2099-12-20T00:00:00Z');

    await row.locator('a.report').click();
    await viewer.waitForSelector('svg#timeline');
    assert.match((await viewer.locator('#verdict').textContent()) ?? '', /^PASSED/);
    assert.ok((await viewer.locator('svg#timeline rect.ok').count()) > 5, 'the timeline has its samples');
    assert.equal(await viewer.locator('svg#timeline line.inject').count(), 1);
    await viewer.screenshot({ path: join(artifacts, 'dashboard-report.png'), fullPage: true });
    await viewer.close();
    // The run form offers schedules' experiments too: the test of running one now expects only the offered file.
    assert.equal((await gameday(['schedule', 'remove', 'weekly'], { env: { ...env } })).code, 0);
  });

  it('links each schedule to the runs its game days started', async () => {
    // The queue holds the first run, not started by the schedule, which the schedule's page must leave out, and the
    // one the schedule 'nightly' (added during the first test) fired.
    const runs = await waitForFinishedRuns(env, 2);
    const fired = runs.find((r) => r.runId !== firstId)?.runId ?? '';
    assert.notEqual(fired, '');

    const viewer = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await visit(viewer, openUrl);
    const link = viewer.locator('#schedules tr', { hasText: 'nightly' }).locator('a.schedule-runs');
    assert.equal(await link.textContent(), '1 run');
    await link.click();
    await viewer.waitForSelector('h1:has-text("Runs of schedule nightly")');
    assert.deepEqual(await viewer.locator('#runs tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run'))), [fired]);
    assert.equal(await viewer.locator(`#runs tr[data-run="${fired}"] a.report`).count(), 1, 'the run links its report');
    await viewer.screenshot({ path: join(artifacts, 'dashboard-schedule-runs.png'), fullPage: true });
    assert.equal((await listRuns(env)).length, 2);
    const unknown = await viewer.goto(new URL('/schedules/nope', openUrl).toString());
    assert.equal(unknown?.status(), 404);
    assert.equal((await gameday(['schedule', 'remove', 'nightly'], { env: { ...env } })).code, 0);
    await viewer.close();
  });

  it('runs an experiment now, whose live view updates without a reload and then shows its report', async () => {
    await visit(page, url);
    const options = await page.locator('form[data-action=run] option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.deepEqual(options, [`file:${offered}`], 'only the file under --experiments is offered');
    // A file outside the directory is refused even when asked for by name.
    const csrf = (await page.locator('meta[name=csrf]').getAttribute('content')) ?? '';
    const outside = await page.evaluate(
      async ([token]) => {
        const r = await fetch('/api/run', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token ?? '' },
          body: JSON.stringify({ experiment: 'file:../stop-half-fleet.yaml' }),
        });
        return { status: r.status, body: (await r.json()) as { error: string } };
      },
      [csrf],
    );
    assert.equal(outside.status, 400);
    assert.match(outside.body.error, /is not one of the experiments this dashboard offers to run/);

    await page.selectOption('form[data-action=run] select', `file:${offered}`);
    await page.click('form[data-action=run] button');
    await page.waitForURL(/\/runs\/[^/]+$/);
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
    // A mark on this document: if the page reloaded, it would be gone.
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    const samples = (): Promise<number> =>
      page
        .locator('#probes tr[data-probe=site] td.samples')
        .textContent()
        .then((t) => Number(t ?? 'NaN'));
    const firstSamples = await waitFor('the site probe’s samples on the live view', async () => ((await samples()) > 0 ? samples() : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const firstEvents = await page.locator('#timeline li').count();
    await waitFor('more samples', async () => (await samples()) > firstSamples, { timeoutMs: 30_000, intervalMs: 100 });
    await waitFor('the timeline to gain an event', async () => (await page.locator('#timeline li').count()) > firstEvents, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    assert.equal(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument), true, 'the live view did not reload');
    assert.ok(
      (await page.locator('#timeline li.phase').allTextContents()).some((t) => t.endsWith('phase steady-state-before')),
      'the timeline names the phases',
    );

    // When the run ends the page shows its report.
    await page.waitForURL(/\/runs\/[^/]+\/report$/, { timeout: 120_000 });
    assert.match((await page.locator('#verdict').textContent()) ?? '', /^PASSED/);
    assert.equal((await runStatus(env, runId)).verdict, 'passed');
    const ran = await newestAudit('run');
    assert.equal(ran[3], offered);
    assert.equal(ran[5], `${runId} queued`);

    // The experiment's page has the run on its recovery-time trend.
    await visit(page, url);
    await page.locator(`#runs tr[data-run="${runId}"] a.experiment`).click();
    await page.waitForSelector('svg.trend');
    assert.equal(await page.locator(`svg.trend circle.recovered[data-run="${runId}"]`).count(), 1);
  });

  it('aborts a running run from its live view; its rollbacks run and the report says so', async () => {
    const file = await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', suite.sim().endpoint, SPEED, lingering);
    const runId = await submitDetached(env, file);
    await visit(page, new URL(`/runs/${runId}`, url).toString());
    await waitFor('the run to reach its recovery phase on the live view', async () => /recovery/.test((await page.locator('#run-state').textContent()) ?? ''), {
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    await page.click('form[data-action=abort] button');
    await page.waitForURL(/\/runs\/[^/]+\/report$/, { timeout: 90_000 });
    assert.match((await page.locator('#verdict').textContent()) ?? '', /^ABORTED/);
    const aborted = await newestAudit('abort');
    assert.equal(aborted[3], runId);
    assert.equal(aborted[5], 'aborting');
    assert.match(aborted[1] ?? '', TOKEN_ID);
  });

  it('halts and resumes from the page, with who did it on the audit trail, beside the CLI’s own, which the open dashboard shows', async () => {
    await visit(page, url);
    await page.fill('form[data-action=halt] input[name=reason]', 'incident 7');
    await page.click('form[data-action=halt] button');
    await page.waitForSelector('#halt.halted');
    assert.match((await page.locator('#halt').textContent()) ?? '', /^HALTED since .+: incident 7 \(by alice \(token:[0-9a-f]{6}\)\)$/);
    const halted = await newestAudit('halt');
    assert.match(halted[1] ?? '', /^alice \(token:[0-9a-f]{6}\)$/);
    assert.equal(halted[4], 'incident 7');
    assert.equal(halted[5], 'halted');
    // gameday itself is halted: a run submitted now is refused.
    const refused = await gameday(['run', join(suite.tmp().dir, 'offered', offered), '--detach'], { env: { ...env } });
    assert.equal(refused.code, 3, refused.stderr);

    await page.click('form[data-action=resume] button');
    await page.waitForSelector('#halt.running');
    assert.match((await newestAudit('resume'))[1] ?? '', TOKEN_ID);

    // The CLI's halt is on the same trail, as $USER@host, and the open dashboard shows it.
    assert.equal((await gameday(['halt', '--reason', 'from the terminal'], { env: { ...env } })).code, 0);
    const cli = await newestAudit('halt');
    assert.match(cli[1] ?? '', new RegExp(`@${hostname().replace(/[.]/g, '\\.')}$`));
    assert.equal(cli[4], 'from the terminal');
    const plainPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await visit(plainPage, openUrl);
    assert.match((await plainPage.locator('#halt').textContent()) ?? '', /^HALTED since .+: from the terminal$/);
    await plainPage.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    await plainPage.close();
    assert.equal((await gameday(['resume'], { env: { ...env } })).code, 0);
    assert.equal((await newestAudit('resume'))[5], 'resumed');
  });
});
