import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { journalSchema } from '../../src/engine/journal.js';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';

describe('gameday report', () => {
  it('renders a run’s journal as Markdown and JUnit with each objective and hypothesis, the measured value in failures', async () => {
    const tmp = await tempDir();
    try {
      // An RTO nobody meets: the run ends failed-objective with a measured recovery time.
      const text = (await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8')).replace(
        /objectives:\n {2}rto: \S+/,
        'objectives:\n  rto: 1s',
      );
      const file = await tmp.write('strict.yaml', text);
      const journalFile = join(tmp.dir, 'journal.json');
      const run = await gameday(['run', file, '--journal', journalFile, '--view', 'none', '--results', tmp.dir], { timeoutMs: 120_000 });
      assert.equal(run.code, 1, run.stderr);
      const journal = journalSchema.parse(JSON.parse(await readFile(journalFile, 'utf8')));
      assert.equal(journal.verdict.status, 'failed-objective');
      const rto = journal.objectives.find((o) => o.objective === 'rto');
      assert.equal(rto?.status, 'fail');

      const md = await gameday(['report', journalFile, '--format', 'md']);
      assert.equal(md.code, 1, 'a run that did not pass makes the report exit 1');
      assert.match(md.stdout, /^## ❌ terminate-one-web-instance: FAILED-OBJECTIVE/m);
      assert.match(md.stdout, /\| rto \| \*\*FAIL\*\* \| (\d+m)?\d+(\.\d+)?s ±[\d.]+m?s \| 1\.00s \| −/);
      assert.match(md.stdout, /\| site \(http\) \| \d+ \| \d+ \|.*\| held \| held \|/);
      assert.match(md.stdout, /\| fault terminate-one \| aws\.ec2\.terminate-instances \| succeeded \| TerminateInstances/);

      const out = join(tmp.dir, 'reports', 'junit.xml');
      const junit = await gameday(['report', journalFile, '--format', 'junit', '--out', out]);
      assert.equal(junit.code, 1, junit.stderr);
      const xml = await readFile(out, 'utf8');
      assert.equal(XMLValidator.validate(xml), true);
      const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(xml) as {
        testsuites: { testsuite: { '@_tests': string; '@_failures': string; testcase: { '@_name': string; failure?: { '@_message': string } }[] }[] };
      };
      const suite = doc.testsuites.testsuite[0];
      const cases = suite?.testcase ?? [];
      // One per objective, and per probe the steady state before and after.
      assert.equal(cases.length, journal.objectives.length + 2 * journal.probes.length);
      assert.equal(Number(suite?.['@_failures']), 1);
      const failed = cases.find((c) => c['@_name'] === 'objective rto');
      assert.match(failed?.failure?.['@_message'] ?? '', /^rto measured (\d+m)?\d+(\.\d+)?s ±[\d.]+m?s, target 1\.00s \(margin −/);

      // HTML: one self-contained file; Chromium draws the timeline without any network, and keeps a screenshot.
      const html = join(tmp.dir, 'report.html');
      const page = await gameday(['report', journalFile, '--format', 'html', '--out', html]);
      assert.equal(page.code, 1, page.stderr);
      const missing = browserMissing();
      if (missing === undefined) await checkInBrowser(html, journal.probes.length);
      else process.stderr.write(`# skipped the browser check: ${missing}\n`);

      const bad = await tmp.write('not-a-journal.json', '{"hello": 1}');
      const refused = await gameday(['report', bad]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /not-a-journal\.json is not a gameday journal: /);
      assert.doesNotMatch(refused.stderr, /\n\s+at /);
    } finally {
      await tmp.cleanup();
    }
  });
});

/** Opens the report in headless Chromium: the chart is drawn (lanes of samples, a latency line, the markers). */
async function checkInBrowser(file: string, probes: number): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const count = (selector: string): Promise<number> => page.locator(`svg#timeline ${selector}`).count();
    const box = await page.locator('svg#timeline').boundingBox();
    const chart = {
      width: box?.width ?? 0,
      height: box?.height ?? 0,
      samples: await count('rect.ok, svg#timeline rect.bad'),
      failing: await count('rect.bad'),
      lines: await count('polyline.latency'),
      markers: [await count('line.inject'), await count('line.impact'), await count('line.recover')],
      lanes: await count('text.lane'),
      verdict: (await page.locator('#verdict').textContent()) ?? '',
    };
    assert.ok(chart.width > 500 && chart.height > 100, JSON.stringify(chart));
    assert.equal(chart.lanes, probes);
    assert.ok(chart.samples > 20 && chart.failing > 0, JSON.stringify(chart));
    assert.ok(chart.lines >= 1);
    assert.deepEqual(chart.markers, [1, 1, 1]);
    assert.match(chart.verdict, /^FAILED-OBJECTIVE/);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file://')),
      [],
      'no network',
    );
    const artifacts = join(ROOT, 'test-artifacts');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

describe('repeated trials', () => {
  it('runs an experiment N times, waiting for the steady state between trials, and reports recovery statistics and each run’s reports', async () => {
    const tmp = await tempDir();
    try {
      const reports = join(tmp.dir, 'reports');
      const result = await gameday(
        [
          'run',
          join(ROOT, 'experiments', 'terminate-one-instance.yaml'),
          '--trials',
          '3',
          '--speed',
          '40',
          '--report',
          reports,
          '--results',
          tmp.dir,
          '--view',
          'none',
        ],
        { timeoutMs: 300_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const runIds = [...result.stdout.matchAll(/^journal: .*\/(gd-[^/]+)\.json$/gm)].map((m) => m[1] ?? '');
      assert.equal(runIds.length, 3);
      assert.ok(runIds.every((id, i) => id.endsWith(`-t${i + 1}`)));
      assert.match(result.stdout, /## terminate-one-web-instance: 3 trials/);
      assert.match(
        result.stdout,
        /Recovered in 3 of 3 runs\. Time to recovery p50 (\d+m)?[\d.]+m?s, p95 (\d+m)?[\d.]+m?s, max (\d+m)?[\d.]+m?s; the median lies in \[/,
      );
      // Each trial started from a whole fleet: its steady state held before the injection.
      for (const id of runIds) {
        const journal = journalSchema.parse(JSON.parse(await readFile(join(tmp.dir, `${id}.json`), 'utf8')));
        assert.equal(journal.verdict.status, 'passed');
        assert.match(await readFile(join(reports, `${id}.html`), 'utf8'), /<svg id="timeline"/);
        assert.match(await readFile(join(reports, `${id}.md`), 'utf8'), /^## ✅ terminate-one-web-instance: PASSED/);
        assert.equal(XMLValidator.validate(await readFile(join(reports, `${id}.junit.xml`), 'utf8')), true);
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
