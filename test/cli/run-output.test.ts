import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { gameday, tempDir, type CliResult } from '../support/cli.js';
import { startWorkload, workloadExperiment } from '../support/workload.js';

describe('what gameday run prints at the end', () => {
  let w: Awaited<ReturnType<typeof startWorkload>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let run: CliResult;
  let journal: Journal;
  const reportDir = (): string => join(tmp.dir, 'reports');
  before(async () => {
    [w, tmp] = await Promise.all([startWorkload(), tempDir()]);
    // Four short outages 1.5 s apart: the probe's answer changes about eight times, more than the summary lists.
    const outages = [0, 1, 2, 3].map(
      (i) => `  - name: outage-${i}
    action: http.request
    startAfter: ${i * 150}s
    args: { url: "${w.control}/outage?for=600ms&mode=error" }`,
    );
    const file = await tmp.write(
      'flapping.yaml',
      workloadExperiment(
        w,
        'flapping',
        `faults:
${outages.join('\n')}
recovery: { stableFor: 100s, timeout: 500m }
objectives: { maxErrorRate: 95% }
`,
      ),
    );
    const journalPath = join(tmp.dir, 'journal.json');
    run = await gameday(['run', file, '--journal', journalPath, '--view', 'plain', '--report', reportDir()], { timeoutMs: 90_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
  });
  after(async () => {
    await Promise.all([w?.close(), tmp?.cleanup()]);
  });

  it('says how many value changes the summary left out, and where to find them', () => {
    const injectedAt = journal.measurement.injectedAt;
    assert.ok(injectedAt !== null);
    const changes = journal.measurement.probes.web?.valueChanges.filter((c) => c.at.upper >= injectedAt.lower) ?? [];
    assert.ok(changes.length > 5, `the outages made only ${changes.length} value changes: ${JSON.stringify(changes)}`);
    assert.equal(run.stdout.match(/^probe web changed from /gm)?.length, 5, run.stdout);
    assert.match(run.stdout, new RegExp(`^probe web: … and ${changes.length - 5} more value changes \\(see the journal\\)$`, 'm'));
  });

  it('--report prints each report it wrote, after the journal line', () => {
    const paths = ['html', 'md', 'junit.xml'].map((ext) => join(reportDir(), `${journal.runId}.${ext}`));
    const tail = run.stdout.trimEnd().split('\n').slice(-4);
    assert.deepEqual(tail, [`journal: ${join(tmp.dir, 'journal.json')}`, ...paths.map((p) => `report: ${p}`)]);
    for (const p of paths) assert.ok(existsSync(p), p);
  });
});
