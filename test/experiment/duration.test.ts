import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/experiment/duration.js';

describe('parseDuration', () => {
  it('reads single and compound units', () => {
    assert.deepEqual(parseDuration('500ms'), { ok: true, ms: 500 });
    assert.deepEqual(parseDuration('30s'), { ok: true, ms: 30_000 });
    assert.deepEqual(parseDuration('1m30s'), { ok: true, ms: 90_000 });
    assert.deepEqual(parseDuration('1.5m'), { ok: true, ms: 90_000 });
    assert.deepEqual(parseDuration('2 hours'), { ok: true, ms: 7_200_000 });
    assert.deepEqual(parseDuration('5 seconds'), { ok: true, ms: 5_000 });
    assert.deepEqual(parseDuration('0s'), { ok: true, ms: 0 });
  });

  it('refuses unknown units, bare numbers and negatives with a reason', () => {
    const parsecs = parseDuration('5 parsecs');
    assert.equal(parsecs.ok, false);
    assert.match(parsecs.ok ? '' : parsecs.reason, /unknown unit 'parsecs'/);
    assert.equal(parseDuration('5').ok, false);
    assert.equal(parseDuration('').ok, false);
    assert.match((parseDuration('-5s') as { reason: string }).reason, /negative/);
    assert.equal(parseDuration('5s garbage').ok, false);
  });

  it('formats for people', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(5_004), '5.00s');
    assert.equal(formatDuration(125_000), '2m05s');
  });
});
