import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { runAndInterrupt, tempDir } from '../support/cli.js';
import { startWorkload } from '../support/workload.js';

describe('gameday run and Ctrl-C', () => {
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

  it('aborts on SIGINT, runs the rollbacks, writes the journal and exits 3', async () => {
    const file = await tmp.write(
      'outage.yaml',
      `apiVersion: gameday/v1
metadata: { name: sigint }
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
rollbacks:
  - name: restore
    action: http.request
    args: { url: "${w.control}/up" }
`,
    );
    const journalPath = join(tmp.dir, 'journal.json');
    // Interrupt once the outage is visible, as an operator watching the live view would.
    const { code, stdout, stderr } = await runAndInterrupt(file, journalPath, 'probe web failing');
    assert.equal(code, 3, stderr);
    assert.match(stderr, /SIGINT: aborting; rollbacks are running/);
    assert.match(stderr, /rollback restore succeeded/);
    assert.doesNotMatch(stderr, /\n\s+at /);
    assert.match(stdout, /verdict: ABORTED — the run was aborted by the operator/);
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
    assert.equal(journal.verdict.status, 'aborted');
    assert.deepEqual(
      journal.activities.map((a) => [a.kind, a.name, a.status]),
      [
        ['fault', 'outage', 'succeeded'],
        ['rollback', 'restore', 'succeeded'],
      ],
    );
    assert.equal(w.workload.isUp, true);
  });
});
