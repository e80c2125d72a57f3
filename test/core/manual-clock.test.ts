import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockTimeout } from '../../src/core/clock.js';
import { ManualClock } from '../../src/core/manual-clock.js';

describe('ManualClock', () => {
  it('fires each sleep at its own instant, in order, only when time is advanced', async () => {
    const clock = new ManualClock(100);
    const fired: [string, number][] = [];
    void clock.sleep(50).then(() => fired.push(['b', clock.now()]));
    void clock.sleep(20).then(() => fired.push(['a', clock.now()]));
    await clock.advance(10);
    assert.deepEqual(fired, []);
    assert.equal(clock.now(), 110);
    await clock.advance(100);
    assert.deepEqual(fired, [
      ['a', 120],
      ['b', 150],
    ]);
    assert.equal(clock.now(), 210);
    assert.equal(clock.toEpochMs(210) - clock.toEpochMs(110), 100);
  });

  it('rejects an aborted sleep with the signal’s reason and forgets it', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const sleeping = clock.sleep(1_000, abort.signal);
    abort.abort(new Error('stopped'));
    await assert.rejects(sleeping, /stopped/);
    assert.equal(clock.pending, 0);
  });

  it('runs work whose every wait is on the clock to its end, jumping over idle time', async () => {
    const clock = new ManualClock();
    const work = async (): Promise<number> => {
      for (let i = 0; i < 3; i++) await clock.sleep(60_000);
      return clock.now();
    };
    assert.equal(await clock.run(work()), 180_000);
  });

  it('gives timeouts that expire on the clock, and drops them when cancelled', async () => {
    const clock = new ManualClock();
    const signal = clockTimeout(clock, 300);
    await clock.advance(299);
    assert.equal(signal.aborted, false);
    await clock.advance(1);
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).name, 'TimeoutError');
    const cancel = new AbortController();
    clockTimeout(clock, 300, cancel.signal);
    cancel.abort();
    await clock.advance(0);
    assert.equal(clock.pending, 0);
  });
});
