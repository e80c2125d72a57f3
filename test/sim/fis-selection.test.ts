import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fisSelectionCount, readFisSelection, selectFisTargets, type FisSelection } from '../../src/sim/world/fis-selection.js';
import { isoDurationMs } from '../../src/sim/iso-duration.js';

/** A reproducible stand-in for Math.random. */
function sequence(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 16_807) % 2_147_483_647;
    return (x - 1) / 2_147_483_646;
  };
}

const read = (mode: string): FisSelection => {
  const s = readFisSelection(mode);
  assert.ok(s !== undefined, mode);
  return s;
};

describe('the simulated FIS selects targets as the FIS User Guide documents', () => {
  it('PERCENT(n) rounds down: 50% of five instances is two', () => {
    assert.equal(fisSelectionCount(read('PERCENT(50)'), 5), 2);
    assert.equal(fisSelectionCount(read('PERCENT(30)'), 4), 1);
    assert.equal(fisSelectionCount(read('PERCENT(100)'), 4), 4);
  });

  it('PERCENT(n) below one resource selects none: 5% of four instances (and the experiment then fails)', () => {
    assert.equal(fisSelectionCount(read('PERCENT(5)'), 4), 0);
    assert.deepEqual(selectFisTargets(read('PERCENT(5)'), ['a', 'b', 'c', 'd']), []);
  });

  it('COUNT(n) takes n at random, and the whole pool when it holds fewer', () => {
    assert.equal(fisSelectionCount(read('COUNT(2)'), 5), 2);
    assert.deepEqual(selectFisTargets(read('COUNT(10)'), ['a', 'b', 'c']), ['a', 'b', 'c']);
  });

  it('ALL takes every identified resource', () => {
    assert.deepEqual(selectFisTargets(read('ALL'), ['a', 'b', 'c']), ['a', 'b', 'c']);
  });

  it('draws distinct members of the pool, and different draws spread over it', () => {
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const picked = selectFisTargets(read('PERCENT(50)'), pool, sequence(seed));
      assert.equal(picked.length, 3);
      assert.equal(new Set(picked).size, 3);
      for (const p of picked) assert.ok(pool.includes(p));
      for (const p of picked) seen.add(p);
    }
    assert.equal(seen.size, pool.length);
  });

  it('refuses what CreateExperimentTemplate refuses', () => {
    for (const bad of ['all', 'COUNT(0)', 'COUNT(1.5)', 'PERCENT(0)', 'PERCENT(150)', 'COUNT()', 'SOME(1)', ' ALL'])
      assert.equal(readFisSelection(bad), undefined, bad);
  });
});

describe('the simulated FIS reads ISO 8601 durations', () => {
  it('days and time parts, fractions of seconds', () => {
    assert.equal(isoDurationMs('PT5M'), 300_000);
    assert.equal(isoDurationMs('PT1H30M'), 5_400_000);
    assert.equal(isoDurationMs('PT0.5S'), 500);
    assert.equal(isoDurationMs('P1D'), 86_400_000);
  });

  it('refuses what is not a fixed-length ISO 8601 duration', () => {
    for (const bad of [undefined, '', 'P', 'PT', '5m', 'P1M', 'P1W', 'P1Y', 'PT5']) assert.equal(isoDurationMs(bad), undefined, String(bad));
  });
});
