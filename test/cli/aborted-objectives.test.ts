import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { journalSchema } from '../../src/engine/journal.js';
import { browserMissing, CHROMIUM } from '../support/browser.js';
import { gameday, runAndInterrupt, tempDir } from '../support/cli.js';
import { startWorkload } from '../support/workload.js';

describe('objectives of a run the operator aborted', () => {
  let w: Awaited<ReturnType<typeof startWorkload>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    w = await startWorkload();
    tmp = await tempDir();
  });
  after(async () => {
    await w.close();
    await tmp.cleanup();
  });

  it('are not evaluated (aborted), not failed, in the summary, Markdown, JUnit (skipped) and HTML', async () => {
    const file = await tmp.write(
      'outage.yaml',
      `apiVersion: gameday/v1
metadata: { name: aborted-objectives }
# The workload is local; a fast simulated region only shortens the start.
environment: { speed: 50 }
steadyState: { samples: 1 }
probes:
  - name: web
    probe: http
    args: { url: "${w.workload.url}/health" }
faults:
  - name: outage
    action: http.request
    args: { url: "${w.control}/down" }
recovery: { stableFor: 1s, timeout: 5m }
objectives:
  rto: 10s
  maxErrorRate: 5%
rollbacks:
  - name: restore
    action: http.request
    args: { url: "${w.control}/up" }
`,
    );
    const journalPath = join(tmp.dir, 'journal.json');
    // Ctrl-C once the outage is visible, before the site could recover: the RTO was never given its chance.
    const { code, stdout, stderr } = await runAndInterrupt(file, journalPath, 'probe web failing');
    assert.equal(code, 3, stderr);
    assert.match(stdout, /^objective rto: not evaluated \(aborted\) — /m);
    assert.match(stdout, /^objective maxErrorRate: not evaluated \(aborted\) — /m);
    assert.doesNotMatch(stdout, /FAIL/);

    const journal = journalSchema.parse(JSON.parse(await readFile(journalPath, 'utf8')));
    assert.equal(journal.verdict.status, 'aborted');
    assert.deepEqual(
      journal.objectives.map((o) => [o.objective, o.status]),
      [
        ['rto', 'not-evaluated'],
        ['maxErrorRate', 'not-evaluated'],
      ],
    );

    const md = await gameday(['report', journalPath, '--format', 'md']);
    assert.match(md.stdout, /^\| rto \| not evaluated \(aborted\) \| — \| 10\.0s \| — \|$/m);

    const junit = await gameday(['report', journalPath, '--format', 'junit']);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(junit.stdout) as {
      testsuites: { testsuite: { testcase: { '@_name': string; failure?: unknown; skipped?: { '@_message': string } }[] }[] };
    };
    const cases = doc.testsuites.testsuite[0]?.testcase ?? [];
    for (const name of ['objective rto', 'objective maxErrorRate']) {
      const c = cases.find((x) => x['@_name'] === name);
      assert.equal(c?.failure, undefined, `${name} is not a failure`);
      assert.match(c?.skipped?.['@_message'] ?? '', /^not evaluated \(aborted\)/);
    }

    const missing = browserMissing();
    if (missing !== undefined) return;
    const html = join(tmp.dir, 'report.html');
    await gameday(['report', journalPath, '--format', 'html', '--out', html]);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${html}`);
      const rows = await page.locator('#objectives tr').allInnerTexts();
      assert.ok(
        rows.some((r) => /^rto\tnot evaluated \(aborted\)/.test(r)),
        rows.join('\n'),
      );
      assert.ok(!rows.some((r) => /FAIL/.test(r)), rows.join('\n'));
    } finally {
      await browser.close();
    }
  });

  it('refuses a latency objective over a probe that times no request, naming file, line and column', async () => {
    const file = await tmp.write(
      'latency-on-state.yaml',
      `apiVersion: gameday/v1
metadata: { name: latency-on-state }
probes:
  - name: web
    probe: http
    args: { url: "${w.workload.url}/health" }
  - name: capacity
    probe: aws.asg.in-service
    args: { autoScalingGroupName: web-asg }
faults:
  - name: outage
    action: http.request
    args: { url: "${w.control}/down" }
objectives:
  maxP99Latency: { max: 500ms, probes: [web, capacity] }
`,
    );
    const result = await gameday(['validate', file]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^error: ${file.replace(/[.\\/]/g, '\\$&')}:15:46 at objectives\\.maxP99Latency\\.probes\\[1\\]: probe 'capacity' \\(aws\\.asg\\.in-service\\) times no request`,
        'm',
      ),
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
