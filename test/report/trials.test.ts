import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { renderTrials, trialStats } from '../../src/report/trials.js';

/** The parts of a journal the trials report reads. */
function journal(i: number, ttrMs: number | null, speed = 10): Journal {
  return {
    runId: `gd-${i}`,
    experiment: { file: 'x.yaml', name: 'kill-one', tags: [], spec: {} },
    environment: { type: 'sim', region: 'us-east-1', speed },
    startedAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
    startedAtEpochMs: 1_700_000_000_000 + i * 60_000,
    verdict: { status: ttrMs === null ? 'not-recovered' : 'passed', reason: '', exitCode: 0 },
    measurement: {
      recovered: ttrMs !== null,
      timeToRecovery: ttrMs === null ? null : { value: ttrMs / speed, lower: ttrMs / speed - 1, upper: ttrMs / speed + 1 },
      downtime: { value: 100, lower: 90, upper: 110 },
    },
    probes: [],
  } as unknown as Journal;
}

describe('repeated trials', () => {
  it('gives p50, p95 and max of the recovery times in AWS time, and a sign-test interval for the median', () => {
    const times = [30_000, 31_000, 29_000, 35_000, 28_000, 40_000, 33_000, 32_000, 30_500, 29_500];
    const stats = trialStats([...times.map((ms, i) => journal(i, ms)), journal(99, null)]);
    assert.equal(stats.runs, 11);
    assert.equal(stats.recovered, 10);
    assert.equal(stats.p50, 30_500);
    assert.equal(stats.p95, 40_000);
    assert.equal(stats.max, 40_000);
    // n = 10: [x(2), x(9)] covers the median with 1 − 2·P(Bin(10, ½) ≤ 1) = 97.85%.
    assert.deepEqual(stats.medianInterval, { lower: 29_000, upper: 35_000, level: 1 - (2 * 11) / 1024 });
    // Too few runs for 95%: the whole range, with its real level.
    const few = trialStats([1, 2, 3].map((k) => journal(k, k * 1_000)));
    assert.deepEqual(few.medianInterval, { lower: 1_000, upper: 3_000, level: 0.75 });
  });

  it('compares stored runs in time order with the change of recovery time from the run before', () => {
    const text = renderTrials([journal(2, 40_000), journal(1, 30_000), journal(3, null)], { compare: true });
    const rows = text.split('\n').filter((l) => l.startsWith('| 1') || l.startsWith('| 2') || l.startsWith('| 3'));
    assert.equal(rows.length, 3);
    assert.match(rows[0] ?? '', /`gd-1` .* \| passed \| 30.0s \| — \|/);
    assert.match(rows[1] ?? '', /`gd-2` .* \| passed \| 40.0s \| \+10.0s \|/);
    assert.match(rows[2] ?? '', /`gd-3` .* \| not-recovered \| not recovered \| — \|/);
    assert.match(
      text,
      /Recovered in 2 of 3 runs\. Time to recovery p50 30\.0s, p95 40\.0s, max 40\.0s; the median lies in \[30\.0s, 40\.0s\] with 50\.0% confidence \(order statistics, too few runs for 95%\)\./,
    );
  });
});
