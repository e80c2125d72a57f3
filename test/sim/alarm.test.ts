import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroundTruth } from '../../src/sim/ground-truth.js';
import { SimScheduler } from '../../src/sim/timing.js';
import { SimAlarm, type AlarmSpec } from '../../src/sim/world/alarm.js';
import { counterMetric, gaugeMetric, GAUGE_SAMPLE_MS, PeriodStatistics } from '../../src/sim/world/metric-period.js';
import { waitFor } from '../support/sim.js';

const spec = (over: Partial<AlarmSpec> = {}): AlarmSpec => ({
  name: 'a',
  namespace: 'AWS/ApplicationELB',
  metricName: 'HTTPCode_ELB_5XX_Count',
  dimensions: [],
  statistic: 'Sum',
  period: 60,
  evaluationPeriods: 1,
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  ...over,
});

describe('CloudWatch period statistics of the simulated region', () => {
  it('gives Sum, Average, Minimum and Maximum of all the samples of a period, and nothing for a period without samples', () => {
    const stats = new PeriodStatistics();
    assert.equal(stats.value('Sum'), undefined, 'an empty period publishes no datapoint');
    for (const v of [3, 1, 2]) stats.add(v);
    assert.deepEqual(
      (['Sum', 'Average', 'Minimum', 'Maximum'] as const).map((s) => stats.value(s)),
      [6, 2, 1, 3],
    );
  });

  it('counts a count metric per period: Sum is the events of the period, Minimum/Maximum/Average are 1, an idle period is missing (ELB "Reporting criteria: There is a nonzero value")', () => {
    let total = 10;
    const metric = counterMetric(60, () => total);
    metric.start(new SimScheduler(1));
    total += 7;
    const busy = metric.closePeriod();
    assert.deepEqual([busy.value('Sum'), busy.value('Average'), busy.value('Minimum'), busy.value('Maximum')], [7, 1, 1, 1]);
    assert.equal(metric.closePeriod().value('Sum'), undefined);
  });

  it('samples a gauge through the period, so Minimum keeps a dip that the last value would hide', async () => {
    const scheduler = new SimScheduler(1_000);
    const values = [3, 3, 1, 3];
    let reads = 0;
    const metric = gaugeMetric(60, () => values[Math.min(reads++, values.length - 1)] ?? 3);
    const stop = metric.start(scheduler);
    try {
      await waitFor('four samples', () => reads >= 4 || undefined, { timeoutMs: 5_000, intervalMs: 1 });
      stop();
      const sampled = reads;
      const period = metric.closePeriod();
      assert.equal(period.sampleCount, sampled);
      assert.equal(period.value('Minimum'), 1);
      assert.equal(period.value('Maximum'), 3);
      assert.ok(GAUGE_SAMPLE_MS < 60_000, 'several samples per standard-resolution period');
    } finally {
      scheduler.stop();
    }
  });
});

describe('SimAlarm evaluation (TreatMissingData missing, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html)', () => {
  it('is INSUFFICIENT_DATA while every datapoint of the range is missing, ALARM when all breach, OK when one does not', () => {
    const truth = new GroundTruth();
    const alarm = new SimAlarm(spec({ evaluationPeriods: 2 }), 'arn', truth);
    alarm.evaluate(undefined);
    assert.equal(alarm.state, 'INSUFFICIENT_DATA');
    assert.match(alarm.reason, /^Insufficient Data: 2 datapoints were unknown\.$/);
    alarm.evaluate(4);
    assert.equal(alarm.state, 'INSUFFICIENT_DATA', 'one breaching datapoint of two, the other missing: the state stays');
    alarm.evaluate(5);
    assert.equal(alarm.state, 'ALARM');
    assert.match(alarm.reason, /Threshold Crossed: 2 datapoints \[4, 5\] were greater than or equal to the threshold \(1\)/);
    alarm.evaluate(0);
    assert.equal(alarm.state, 'OK');
    alarm.evaluate(undefined);
    alarm.evaluate(undefined);
    assert.equal(alarm.state, 'INSUFFICIENT_DATA');
    assert.deepEqual(
      truth.events.map((e) => e.to),
      ['ALARM', 'OK', 'INSUFFICIENT_DATA'],
    );
  });

  it('never gets a datapoint with a 30-s period on a 60-s metric, whatever the metric does (PutMetricAlarm Period: "it does not receive data")', async () => {
    const scheduler = new SimScheduler(1_000);
    const truth = new GroundTruth();
    const alarm = new SimAlarm(spec({ period: 30 }), 'arn', truth);
    let total = 0;
    let reads = 0;
    alarm.start(
      scheduler,
      counterMetric(60, () => {
        reads++;
        total += 100;
        return total;
      }),
    );
    try {
      // Sub-minute alarms are evaluated every 10 s: wait for several evaluations (each sets the reason afresh).
      await waitFor('an evaluation', () => alarm.reason.startsWith('Insufficient Data') || undefined, { timeoutMs: 5_000, intervalMs: 1 });
      await new Promise((r) => scheduler.after(60_000, () => r(undefined)));
      assert.equal(alarm.state, 'INSUFFICIENT_DATA');
      assert.equal(truth.events.length, 0);
      assert.ok(reads <= 1, 'the metric is never read for a datapoint');
    } finally {
      alarm.stop();
      scheduler.stop();
    }
  });

  it('is not settled while the period under way would take it to ALARM, so a region is not ready on a boot-time breach', () => {
    const scheduler = new SimScheduler(1);
    const alarm = new SimAlarm(spec(), 'arn', new GroundTruth());
    let total = 0;
    alarm.start(
      scheduler,
      counterMetric(60, () => total),
    );
    try {
      assert.equal(alarm.settled(), true);
      total += 5;
      assert.equal(alarm.settled(), false, 'five errors so far in this period: it will be in ALARM when the period ends');
      alarm.set('ALARM', 'SetAlarmState');
      assert.equal(alarm.settled(), false);
    } finally {
      alarm.stop();
      scheduler.stop();
    }
  });
});
