import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BEHAVIOURS } from '../../src/sim/fidelity/behaviours.js';
import { fidelityMarkdown } from '../../src/sim/fidelity/markdown.js';
import { TIMING_KEYS, TIMING_TABLE } from '../../src/sim/timing-table.js';
import { ROOT } from '../support/cli.js';

describe('docs/fidelity.md', () => {
  it('is current: regenerate with `node bin/gameday.js sim --fidelity > docs/fidelity.md`', () => {
    assert.equal(readFileSync(join(ROOT, 'docs', 'fidelity.md'), 'utf8'), fidelityMarkdown());
  });

  it('gives every timing a source (an AWS documentation page) or says it is assumed, and a figure inside its range', () => {
    for (const key of TIMING_KEYS) {
      const t = TIMING_TABLE[key];
      assert.ok(t.source === 'assumed' || t.source.startsWith('https://docs.aws.amazon.com/'), `${key}: ${t.source}`);
      assert.ok(t.min <= t.figure && t.figure <= t.max, `${key}: ${t.min} ≤ ${t.figure} ≤ ${t.max}`);
      assert.ok(t.basis.length > 20, `${key} says why`);
    }
  });

  it('shows every documented behaviour by a test that cites its source', () => {
    for (const b of BEHAVIOURS) {
      const file = join(ROOT, b.test);
      assert.ok(existsSync(file), `${b.test} (for "${b.behaviour}") exists`);
      if (b.source !== 'assumed') assert.ok(readFileSync(file, 'utf8').includes(b.source), `${b.test} cites ${b.source}`);
    }
  });
});
