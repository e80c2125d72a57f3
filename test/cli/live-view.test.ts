import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { BIN, ROOT, tempDir } from '../support/cli.js';
import { openTerminal, SKIP_WITHOUT_TMUX } from '../support/tmux.js';
import { waitFor } from '../support/sim.js';
import { startWorkload, workloadExperiment } from '../support/workload.js';

/** The first line of every live frame. */
const frameHeader = (name: string): RegExp => new RegExp(`gameday · ${name} · phase`, 'g');

describe('the live view in a real terminal', { skip: SKIP_WITHOUT_TMUX }, () => {
  let w: Awaited<ReturnType<typeof startWorkload>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [w, tmp] = await Promise.all([startWorkload(), tempDir()]);
  });
  after(async () => {
    await Promise.all([w?.close(), tmp?.cleanup()]);
  });

  const experiment = (name: string, fault: string): string =>
    workloadExperiment(
      w,
      name,
      `faults:
  - name: outage
    action: http.request
    args: { url: "${w.control}${fault}" }
recovery: { stableFor: 100s, timeout: 500m }
objectives:
  rto: 50m
  maxErrorRate: 95%
rollbacks:
  - name: restore
    action: http.request
    args: { url: "${w.control}/up" }
`,
    );

  // 160 and 250 as reported; 60 is narrower than a probe's line, which must not wrap onto rows a redraw misses.
  for (const columns of [160, 250, 60]) {
    it(`leaves the whole summary on screen at ${columns} columns: every objective line and the journal line`, async () => {
      const name = `tty-${columns}`;
      const file = await tmp.write(`${name}.yaml`, experiment(name, '/outage?for=1s&mode=refuse'));
      const journalPath = join(tmp.dir, `${name}.json`);
      const terminal = await openTerminal([process.execPath, BIN, 'run', file, '--journal', journalPath], { columns, rows: 50, cwd: ROOT, dir: tmp.dir });
      try {
        const status = await terminal.exited();
        const screen = await terminal.screen();
        assert.equal(status, 0, screen);
        const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
        assert.ok(journal.objectives.length >= 2, JSON.stringify(journal.objectives));
        for (const o of journal.objectives)
          assert.ok(screen.includes(`objective ${o.objective}: ${o.status.toUpperCase()} — `), `objective ${o.objective} missing from the screen:\n${screen}`);
        assert.match(screen, new RegExp(`^journal: ${journalPath}$`, 'm'));
        assert.match(screen, /^verdict: PASSED — /m);
        // The last frame stays above the summary, once: nothing was redrawn over or under it.
        assert.equal(screen.match(frameHeader(name))?.length, 1, screen);
        assert.ok(screen.indexOf('gameday · ') < screen.indexOf('verdict: PASSED'), screen);
      } finally {
        await terminal.close();
      }
    });
  }

  it('after Ctrl-C clears the live frame once: the notice, the rollback and the summary remain, and no stale frame', async () => {
    const name = 'tty-interrupted';
    const file = await tmp.write(`${name}.yaml`, experiment(name, '/down'));
    const journalPath = join(tmp.dir, `${name}.json`);
    const terminal = await openTerminal([process.execPath, BIN, 'run', file, '--journal', journalPath], { columns: 160, rows: 50, cwd: ROOT, dir: tmp.dir });
    try {
      // Interrupt once the outage shows in the live frame, as an operator watching it would.
      await waitFor('the live frame to show the probe failing', async () => /✗ web/.test(await terminal.screen()), { timeoutMs: 60_000, intervalMs: 100 });
      await terminal.keys('C-c');
      const status = await terminal.exited();
      const screen = await terminal.screen();
      assert.equal(status, 3, screen);
      assert.match(screen, /SIGINT: aborting; rollbacks are running/);
      assert.match(screen, /rollback restore succeeded/);
      assert.match(screen, /^verdict: ABORTED — /m);
      assert.match(screen, new RegExp(`^journal: ${journalPath}$`, 'm'));
      assert.equal(screen.match(frameHeader(name)), null, `a live frame was left on screen:\n${screen}`);
      assert.doesNotMatch(screen, /samples\)/, screen);
      assert.equal(w.workload.isUp, true);
    } finally {
      await terminal.close();
      await w.workload.up();
    }
  });
});
