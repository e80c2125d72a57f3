import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { niceStep, niceTicks, timeAxis } from '../../src/report/axis.js';

const round = (step: number): boolean => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9);
};

describe('timeline axis', () => {
  it('steps by 1, 2 or 5 × 10^n, at most the asked number of intervals, and ends on the first tick past the data', () => {
    assert.deepEqual(niceTicks(287.7), [0, 50, 100, 150, 200, 250, 300]);
    assert.deepEqual(niceTicks(13), [0, 2, 4, 6, 8, 10, 12, 14]);
    assert.deepEqual(niceTicks(10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(niceTicks(0.3), [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    assert.deepEqual(niceTicks(4_100, 5), [0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    for (const span of [0.7, 1, 3.3, 9.99, 47, 101, 999, 12_345, 7e6]) {
      for (const maxTicks of [4, 6, 10]) {
        const step = niceStep(span, maxTicks);
        const ticks = niceTicks(span, maxTicks);
        assert.ok(round(step), `step ${step} of ${span} is round`);
        assert.ok(ticks.length - 1 <= maxTicks, `${ticks.length - 1} intervals for ${span} (at most ${maxTicks})`);
        assert.ok((ticks.at(-1) ?? 0) >= span && (ticks.at(-2) ?? 0) < span, `${JSON.stringify(ticks)} ends on the first tick past ${span}`);
      }
    }
  });

  it('reads in the unit that keeps the numbers short', () => {
    assert.deepEqual(
      [800, 45_000, 290_000, 1_200_000, 2 * 3_600_000, 30 * 3_600_000].map((ms) => timeAxis(ms).unit),
      ['ms', 's', 's', 'min', 'min', 'h'],
    );
    const axis = timeAxis(287_700);
    assert.deepEqual(axis.ticks, [0, 50, 100, 150, 200, 250, 300]);
    assert.equal(axis.endMs, 300_000);
  });
});
