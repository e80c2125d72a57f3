import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/manual-clock.js';
import type { StopConditionSpec } from '../../src/experiment/schema.js';
import type { AlarmState, AlarmStateReader } from '../../src/probes/aws/cloudwatch-alarms.js';
import type { RunStop } from '../../src/engine/run/run-stop.js';
import { StopConditionWatch, type StopConditionState } from '../../src/engine/stop-conditions.js';

const alarm = (name: string, pollInterval: number): StopConditionState => ({
  name,
  spec: { alarm: name, pollInterval, window: 30_000 } as StopConditionSpec,
  trippedAt: null,
});

/** Alarms whose states the test sets; it counts the reads. */
function alarms(states: Map<string, AlarmState>): AlarmStateReader & { reads: number } {
  return {
    reads: 0,
    async read(names) {
      this.reads++;
      return new Map(names.flatMap((n) => (states.has(n) ? [[n, states.get(n) as AlarmState] as const] : [])));
    },
  };
}

describe('StopConditionWatch', () => {
  it('polls alarms at the shortest poll interval and trips the one in ALARM at the poll that sees it', async () => {
    const clock = new ManualClock();
    const states = new Map<string, AlarmState>([
      ['slow', { state: 'OK', reason: undefined }],
      ['fast', { state: 'OK', reason: undefined }],
    ]);
    const reader = alarms(states);
    const trips: { name: string; at: number; stop: RunStop }[] = [];
    const conditions = [alarm('slow', 10_000), alarm('fast', 5_000)];
    const watch = new StopConditionWatch({
      conditions,
      clock,
      alarms: reader,
      onTrip: (sc, _why, stop) => trips.push({ name: sc.name, at: clock.now(), stop }),
      onFailure: () => assert.fail('no failure expected'),
    });
    const run = new AbortController();
    watch.watchAlarms(run.signal, () => false);
    await clock.advance(12_000);
    assert.equal(reader.reads, 2);
    states.set('fast', { state: 'ALARM', reason: 'Threshold Crossed' });
    await clock.advance(3_000);
    assert.equal(trips.length, 1);
    assert.equal(trips[0]?.at, 15_000);
    assert.equal(conditions[1]?.trippedAt, 15_000);
    assert.equal(trips[0]?.stop.verdict, 'aborted');
    assert.match(trips[0]?.stop.reason ?? '', /stop condition 'fast' \(CloudWatch alarm fast in ALARM\) tripped: alarm fast is in ALARM \(Threshold Crossed\)/);
    await clock.advance(60_000);
    assert.equal(reader.reads, 3, 'a tripped watch stops polling');
  });

  it('stops the run as errored when a watched alarm does not exist, and polls nothing once the rollbacks start', async () => {
    const clock = new ManualClock();
    const reader = alarms(new Map());
    const failures: RunStop[] = [];
    const watch = new StopConditionWatch({
      conditions: [alarm('gone', 1_000)],
      clock,
      alarms: reader,
      onTrip: () => assert.fail('no trip expected'),
      onFailure: (stop) => failures.push(stop),
    });
    await assert.rejects(watch.firstInAlarm(new AbortController().signal), /watches CloudWatch alarm gone, which does not exist/);
    let over = false;
    watch.watchAlarms(new AbortController().signal, () => over);
    await clock.advance(1_000);
    assert.equal(failures[0]?.verdict, 'errored');
    const quiet = new StopConditionWatch({
      conditions: [alarm('gone', 1_000)],
      clock,
      alarms: reader,
      onTrip: () => undefined,
      onFailure: () => assert.fail('no failure expected'),
    });
    const before = reader.reads;
    over = false;
    quiet.watchAlarms(new AbortController().signal, () => over);
    over = true;
    await clock.advance(5_000);
    assert.equal(reader.reads, before);
  });
});
