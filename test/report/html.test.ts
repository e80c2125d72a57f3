import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';

const SPEED = 40;

/** Runs stop-half-fleet on the simulated region at SPEED with `edit` applied; returns the journal's path. */
async function run(tmp: Awaited<ReturnType<typeof tempDir>>, name: string, edit: (text: string) => string): Promise<string> {
  const text = (await readFile(join(ROOT, 'experiments', 'stop-half-fleet.yaml'), 'utf8')).replace(/^ {2}speed: \d+$/m, `  speed: ${SPEED}`);
  const file = await tmp.write(`${name}.yaml`, edit(text));
  const journal = join(tmp.dir, `${name}.json`);
  const result = await gameday(['run', file, '--journal', journal, '--view', 'none', '--results', tmp.dir], { timeoutMs: 120_000 });
  assert.ok(result.code === 0 || result.code === 3, `${name}: exit ${String(result.code)}\n${result.stderr}`);
  return journal;
}

const read = async (file: string): Promise<Journal> => journalSchema.parse(JSON.parse(await readFile(file, 'utf8')));

/** Every text of the timeline with its box, as the browser laid it out. */
async function texts(page: Page): Promise<{ text: string; cls: string; x: number; y: number; right: number; bottom: number }[]> {
  return page.locator('svg#timeline text').evaluateAll((nodes) =>
    nodes.map((n) => {
      const r = n.getBoundingClientRect();
      return { text: (n.firstChild?.textContent ?? '').trim(), cls: n.getAttribute('class') ?? '', x: r.left, y: r.top, right: r.right, bottom: r.bottom };
    }),
  );
}

/** The axis as the reader sees it: each tick's number and its x, to place a time by interpolation. */
async function axisScale(page: Page): Promise<(value: number) => number> {
  const ticks = await page
    .locator('svg#timeline text.tick')
    .evaluateAll((nodes) => nodes.map((n) => ({ v: Number(n.textContent), x: Number(n.getAttribute('x')) })));
  const first = ticks[0];
  const last = ticks.at(-1);
  assert.ok(first !== undefined && last !== undefined && last.v > first.v);
  return (v) => first.x + ((v - first.v) / (last.v - first.v)) * (last.x - first.x);
}

describe('HTML report timeline', { skip: browserMissing() }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let passed: string;
  let aborted: string;
  let again: string;
  before(async () => {
    tmp = await tempDir();
    // A reachable RTO (its deadline falls inside the run), and a run that a stop condition aborts, so that it rolls back.
    passed = await run(tmp, 'passed', (t) => t.replace(/rto: \S+/, 'rto: 1m'));
    aborted = await run(tmp, 'aborted', (t) => `${t}stopConditions:\n  - { name: fleet-shrank, probe: capacity, failingFor: 5s }\n`);
    again = await run(tmp, 'again', (t) => t.replace(/rto: \S+/, 'rto: 1m'));
  });
  after(() => tmp.cleanup());

  for (const which of ['passed', 'aborted'] as const) {
    it(`${which} run: has a legend, no label overlaps another or leaves the chart, the axis is round and in AWS time, and the marks sit at their times`, async () => {
      const file = which === 'passed' ? passed : aborted;
      const journal = await read(file);
      const html = join(tmp.dir, `${which}.html`);
      const report = await gameday(['report', file, '--format', 'html', '--out', html]);
      assert.equal(report.code, which === 'passed' ? 0 : 1, report.stderr);
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(`file://${html}`);
        await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: join(ROOT, 'test-artifacts', `report-timeline-${which}.png`), fullPage: true });
        const svg = await page.locator('svg#timeline').boundingBox();
        assert.ok(svg !== null);
        const all = await texts(page);
        const legend = await page.locator('svg#timeline #legend .legend-text').allTextContents();
        for (const item of ['sample in tolerance', 'sample out of tolerance', 'fault active', 'injection', 'RTO deadline'])
          assert.ok(legend.includes(item), `legend has '${item}': ${JSON.stringify(legend)}`);
        if (which === 'aborted') assert.ok(legend.includes('rollback'), JSON.stringify(legend));
        const labels = all.filter((t) => t.cls.includes('label'));
        const expected = which === 'passed' ? ['injection', 'impact', 'recovered', 'RTO deadline'] : ['injection', 'impact', 'rollback'];
        for (const l of expected)
          assert.ok(
            labels.some((t) => t.text.startsWith(l)),
            `label '${l}' among ${JSON.stringify(labels.map((t) => t.text))}`,
          );
        for (const t of all) {
          assert.ok(
            t.x >= svg.x - 0.5 && t.right <= svg.x + svg.width + 0.5 && t.y >= svg.y - 0.5 && t.bottom <= svg.y + svg.height + 0.5,
            `'${t.text}' stays inside the chart: ${JSON.stringify({ t, svg })}`,
          );
        }
        for (const [i, a] of all.entries()) {
          for (const b of all.slice(i + 1)) {
            const overlap = a.x < b.right - 0.5 && b.x < a.right - 0.5 && a.y < b.bottom - 0.5 && b.y < a.bottom - 0.5;
            assert.ok(!overlap, `'${a.text}' and '${b.text}' overlap: ${JSON.stringify([a, b])}`);
          }
        }

        // The axis reads in AWS time, in round steps.
        const axisLabel = (await page.locator('svg#timeline text.axis-label').textContent()) ?? '';
        assert.match(axisLabel, /^AWS time since the run started, (s|min)\b.*40× faster/);
        const ticks = (await page.locator('svg#timeline text.tick').allTextContents()).map(Number);
        const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
        assert.ok([1, 2, 5].includes(step / 10 ** Math.floor(Math.log10(step))), `round step ${step}: ${JSON.stringify(ticks)}`);
        const unit = axisLabel.includes(', min') ? 60_000 : 1_000;
        const scale = await axisScale(page);
        const at = (wallMs: number): number => scale((wallMs * SPEED) / unit);
        const near = (actual: number, wanted: number, what: string): void =>
          assert.ok(Math.abs(actual - wanted) < 1.5, `${what} at x ${actual}, expected ${wanted}`);

        // The fault's active window runs from its injection to its end (its duration, or its rollback when aborted).
        const fault = page.locator('svg#timeline rect.fault[data-fault="stop-half"]');
        const start = journal.activities.find((a) => a.kind === 'fault')?.startedAt ?? NaN;
        const ender = journal.activities.find((a) => a.kind === (which === 'passed' ? 'fault-end' : 'auto-rollback'));
        const end = ender?.endedAt ?? NaN;
        near(Number(await fault.getAttribute('x')), at(start), 'fault start');
        near(Number(await fault.getAttribute('x')) + Number(await fault.getAttribute('width')), at(end), 'fault end');
        assert.match((await fault.locator('title').textContent()) ?? '', /^stop-half active from \S+ AWS time to \S+ AWS time/);
        // Sample tooltips read in the axis' time base.
        assert.match((await page.locator('svg#timeline rect.ok title').first().textContent()) ?? '', /^\S+ AWS time: in tolerance/);

        if (which === 'passed') {
          const injected = journal.measurement.injectedAt?.value ?? NaN;
          near(Number(await page.locator('svg#timeline > line.rto').getAttribute('x1')), at(injected + 60_000 / SPEED), 'RTO deadline');
        } else {
          // The band starts with the rollback phase, which begins a moment before its first undo call on a busy host.
          const phase = journal.phases.find((p) => p.name === 'rollback')?.startedAt ?? Infinity;
          const undos = journal.activities.filter((a) => a.kind === 'auto-rollback' || a.kind === 'rollback').map((a) => a.startedAt ?? Infinity);
          near(Number(await page.locator('svg#timeline > rect.rollback').getAttribute('x')), at(Math.min(phase, ...undos)), 'rollback');
        }

        // The actions table names the instances each call hit.
        const stop = journal.activities.find((a) => a.kind === 'fault')?.calls.find((c) => c.operation === 'StopInstances');
        const ids = (stop?.request.InstanceIds as string[] | undefined) ?? [];
        assert.ok(ids.length > 0);
        const row = page.locator('#actions tr', { hasText: 'ec2:StopInstances' });
        assert.deepEqual(await row.locator('td.resources code').allTextContents(), ids);
      } finally {
        await browser.close();
      }
    });
  }
  it('several journals make one page: the runs side by side, oldest first, and their recovery-time trend as a chart', async () => {
    const journals = await Promise.all([passed, aborted, again].map(read));
    const html = join(tmp.dir, 'runs.html');
    // Given newest first: the page orders them by start.
    const report = await gameday(['report', again, aborted, passed, '--format', 'html', '--out', html]);
    assert.equal(report.code, 1, `one run did not pass: ${report.stderr}`);
    const compared = join(tmp.dir, 'compare.html');
    assert.equal((await gameday(['report', passed, again, aborted, '--compare', '--format', 'html', '--out', compared])).code, 1);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      for (const file of [html, compared]) {
        await page.goto(`file://${file}`);
        const section = page.locator('section.experiment[data-experiment="stop-half-web-fleet"]');
        assert.equal(await section.count(), 1);
        assert.deepEqual(
          await section.locator('table.side-by-side th[data-run]').evaluateAll((ths) => ths.map((t) => t.getAttribute('data-run'))),
          journals.map((j) => j.runId),
        );
        const verdicts = await section.locator('table.side-by-side tr[data-row="verdict"] td').allTextContents();
        assert.deepEqual(verdicts, ['PASSED', 'ABORTED', 'PASSED']);
        const recovery = await section.locator('table.side-by-side tr[data-row="time to recovery"] td').allTextContents();
        assert.equal(recovery[1], 'not recovered');
        assert.match(recovery[0] ?? '', /^\d[\d.]*s ±/);

        // The trend: a point per recovered run at its recovery time on the axis, a cross for the run that did not recover.
        const chart = section.locator('svg.trend');
        const points = await chart
          .locator('circle.recovered')
          .evaluateAll((cs) => cs.map((c) => ({ run: c.getAttribute('data-run'), y: Number(c.getAttribute('cy')) })));
        assert.deepEqual(
          points.map((p) => p.run),
          [journals[0]?.runId, journals[2]?.runId],
        );
        assert.equal(await chart.locator('path.not-recovered').getAttribute('data-run'), journals[1]?.runId);
        const ticks = await chart.locator('text.ytick').evaluateAll((ts) => ts.map((t) => ({ v: Number(t.textContent), y: Number(t.getAttribute('y')) })));
        const [first, last] = [ticks[0], ticks.at(-1)];
        assert.ok(first !== undefined && last !== undefined);
        const unit = (await chart.getAttribute('data-unit')) === 'min' ? 60_000 : 1_000;
        for (const [k, j] of [journals[0], journals[2]].entries()) {
          const ms = (j?.measurement.timeToRecovery?.value ?? NaN) * SPEED;
          const wanted = first.y + ((ms / unit - first.v) / (last.v - first.v)) * (last.y - first.y);
          assert.ok(Math.abs((points[k]?.y ?? NaN) - wanted) < 1.5, `run ${k} at y ${points[k]?.y}, expected ${wanted}`);
        }
        assert.match((await chart.locator('text.axis-label').allTextContents()).join(' '), /time to recovery, (s|min) \(AWS time\)/);
        assert.match((await section.locator('p.stats').textContent()) ?? '', /^Recovered in 2 of 3 runs\. Time to recovery p50 /);
      }
      await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.goto(`file://${html}`);
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'report-runs.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
