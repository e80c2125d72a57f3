import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockTimeout, systemClock, withClockTimeout } from '../../src/core/clock.js';
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

  it('limits work with withClockTimeout: aborted at the limit on the clock, dropped once the work settles', async () => {
    const clock = new ManualClock();
    let seen: AbortSignal | undefined;
    const slow = withClockTimeout(clock, 500, (signal) => {
      seen = signal;
      return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    const timedOut = assert.rejects(slow, { name: 'TimeoutError' });
    await clock.advance(499);
    assert.equal(seen?.aborted, false);
    await clock.advance(1);
    await timedOut;
    assert.equal(await withClockTimeout(clock, 500, async () => 'done'), 'done');
    await clock.advance(0);
    assert.equal(clock.pending, 0);
  });

  it('fires a repeating timer at exact multiples of its period, each tick at its own instant', async () => {
    const clock = new ManualClock(1_000);
    const ticks: number[] = [];
    const cancel = clock.every(250, () => ticks.push(clock.now()));
    await clock.advance(249);
    assert.deepEqual(ticks, []);
    await clock.advance(1);
    assert.deepEqual(ticks, [1_250]);
    await clock.advance(800);
    assert.deepEqual(ticks, [1_250, 1_500, 1_750, 2_000]);
    // A sleep due between two ticks wakes between them.
    const order: string[] = [];
    const tick = clock.every(100, () => order.push(`tick ${clock.now()}`));
    void clock.sleep(150).then(() => order.push(`sleep ${clock.now()}`));
    await clock.advance(200);
    assert.deepEqual(order, ['tick 2150', 'sleep 2200', 'tick 2250']);
    tick();
    cancel();
  });

  it('stops a repeating timer when it is cancelled, also from inside its own tick', async () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    const cancel = clock.every(100, () => ticks.push(clock.now()));
    await clock.advance(200);
    cancel();
    assert.equal(clock.pending, 0);
    await clock.advance(1_000);
    assert.deepEqual(ticks, [100, 200]);

    let n = 0;
    const stop: () => void = clock.every(10, () => {
      n++;
      if (n === 3) stop();
    });
    await clock.advance(100);
    assert.equal(n, 3);
    assert.equal(clock.pending, 0);
  });

  it('stops a repeating timer when its signal aborts, and never starts one on an aborted signal', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const ticks: number[] = [];
    clock.every(100, () => ticks.push(clock.now()), abort.signal);
    await clock.advance(150);
    abort.abort();
    await clock.advance(1_000);
    assert.deepEqual(ticks, [100]);
    assert.equal(clock.pending, 0);
    clock.every(100, () => assert.fail('ticked on an aborted signal'), abort.signal);
    assert.equal(clock.pending, 0);
    await clock.advance(1_000);
  });

  it('refuses a period that would spin', () => {
    const clock = new ManualClock();
    assert.throws(() => clock.every(0, () => undefined), /period above 0 ms, not 0/);
    assert.throws(() => systemClock.every(Number.NaN, () => undefined), /period above 0 ms, not NaN/);
  });

  it('ticks a repeating timer on the system clock until cancelled or aborted', async () => {
    /** Starts a 5 ms timer and resolves, with its ticks and its cancel function, once it has ticked three times. */
    const threeTicks = (signal?: AbortSignal): Promise<{ ticks: number[]; cancel: () => void }> =>
      new Promise((resolve) => {
        const ticks: number[] = [];
        const cancel = systemClock.every(
          5,
          () => {
            ticks.push(systemClock.now());
            if (ticks.length === 3) resolve({ ticks, cancel });
          },
          signal,
        );
      });
    // A repeating timer does not keep the process alive by itself; this pending sleep stands in for what it would serve.
    const keepAlive = new AbortController();
    void systemClock.sleep(60_000, keepAlive.signal).catch(() => undefined);
    try {
      const first = await threeTicks();
      first.cancel();
      // Two periods, not a spin. Not 10 ms: Node schedules each repeat from the event loop's cached time, so after a
      // late tick (a loaded machine) the next can come sooner than 5 ms of performance.now() later.
      assert.ok((first.ticks[2] ?? 0) - (first.ticks[0] ?? 0) >= 5, `ticks ${first.ticks.join(', ')} are 5 ms apart`);
      const abort = new AbortController();
      const second = await threeTicks(abort.signal);
      abort.abort();
      // While a third timer ticks three times, the cancelled and the aborted ones stay silent.
      (await threeTicks()).cancel();
      assert.equal(first.ticks.length, 3);
      assert.equal(second.ticks.length, 3);
    } finally {
      keepAlive.abort();
    }
  });
});
