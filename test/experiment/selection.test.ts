import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applySelection, parseSelection, seededRandom, selectionSize } from '../../src/experiment/selection.js';

describe('selection modes', () => {
  it('parses ALL, COUNT(n) and PERCENT(n)', () => {
    assert.deepEqual(parseSelection('ALL'), { ok: true, value: { mode: 'ALL' } });
    assert.deepEqual(parseSelection('COUNT(2)'), { ok: true, value: { mode: 'COUNT', count: 2 } });
    assert.deepEqual(parseSelection('PERCENT(33.3)'), { ok: true, value: { mode: 'PERCENT', percent: 33.3 } });
  });

  it('refuses negative counts, zero, fractions and percentages over 100', () => {
    assert.match((parseSelection('COUNT(-1)') as { reason: string }).reason, /at least 1/);
    assert.match((parseSelection('COUNT(0)') as { reason: string }).reason, /at least 1/);
    assert.match((parseSelection('COUNT(1.5)') as { reason: string }).reason, /whole number/);
    assert.match((parseSelection('PERCENT(150)') as { reason: string }).reason, /at most 100/);
    assert.match((parseSelection('SOME(3)') as { reason: string }).reason, /not a selection mode/);
  });

  it('never picks more than asked or than exist, and picks reproducibly from a seed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer(),
        (n, count, percent, seed) => {
          const items = Array.from({ length: n }, (_, i) => `i-${i}`);
          for (const mode of [{ mode: 'ALL' as const }, { mode: 'COUNT' as const, count }, { mode: 'PERCENT' as const, percent }]) {
            const a = applySelection(mode, items, seededRandom(seed));
            const b = applySelection(mode, items, seededRandom(seed));
            if (a.length !== selectionSize(mode, n) || a.length > n) return false;
            if (new Set(a).size !== a.length || !a.every((x) => items.includes(x))) return false;
            if (JSON.stringify(a) !== JSON.stringify(b)) return false;
            if (mode.mode === 'PERCENT' && n > 0 && a.length < 1) return false;
          }
          return true;
        },
      ),
    );
  });
});
