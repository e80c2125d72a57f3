import type { Experiment } from '../experiment/schema.js';

/** How many times faster than AWS the experiment's world runs: the simulated region's speed, 1 elsewhere. */
export function speedOf(e: Experiment): number {
  return e.environment.type === 'sim' ? e.environment.speed : 1;
}

/**
 * The experiment's schedule in wall time. Durations in an experiment are AWS time, so one file means the same
 * against AWS and against a simulated region running `speed` times faster; this divides the schedule (probe
 * intervals, offsets, windows, timeouts) by the speed. Arguments of actions and probes (network timeouts) are real
 * time and stay as written.
 */
export function wallSchedule(e: Experiment, speed: number): Experiment {
  if (speed === 1) return e;
  const w = (ms: number): number => ms / speed;
  const opt = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : w(ms));
  return {
    ...e,
    steadyState: { ...e.steadyState, timeout: w(e.steadyState.timeout) },
    probes: e.probes.map((p) => ({ ...p, interval: w(p.interval), fastInterval: opt(p.fastInterval) })),
    faults: e.faults.map((f) => ({
      ...f,
      startAfter: w(f.startAfter),
      duration: opt(f.duration),
      // A latency is wall time at any speed (a probe times what the sim adds unscaled); only the window is AWS time.
      ...(f.verify === undefined || f.verify === false ? {} : { verify: { ...f.verify, within: opt(f.verify.within) } }),
    })),
    recovery: { stableFor: w(e.recovery.stableFor), timeout: w(e.recovery.timeout), observeAtLeast: w(e.recovery.observeAtLeast) },
    stopConditions: e.stopConditions.map((s) => ({ ...s, window: w(s.window), failingFor: opt(s.failingFor), pollInterval: w(s.pollInterval) })),
  };
}
