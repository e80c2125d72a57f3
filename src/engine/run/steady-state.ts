import { formatDuration } from '../../experiment/duration.js';
import { describeCondition } from '../stop-conditions.js';
import type { Sample } from '../sampler.js';
import type { RunContext } from './context.js';
import { startProbes } from './probes.js';
import { RunStop } from './run-stop.js';

/** How long, in wall time, probes may take to give their first answer before the steady-state timeout starts. */
const PROBE_WARM_UP_MS = 30_000;
/** How much longer, in wall time, the check after rollbacks waits for probes the host slowed to take their samples. */
const SAMPLING_SLACK_MS = 30_000;

/**
 * The slowest probe's answering time over its last `last` samples. The probes' own answers do not count against a
 * steady-state timeout: at a high sim speed an interval is a few wall milliseconds while a query takes what it takes,
 * so `samples` samples are given this much each on top of the timeout.
 */
function answeringMs(ctx: RunContext, last: number): number {
  return Math.max(0, ...ctx.record.samplers.flatMap((s) => s.sampler.samples.slice(-last).map((x) => x.end - x.start)));
}

/**
 * Phase `steady-state-before`: every probe samples until each has the required run of samples within tolerance after
 * its first (warm-up) answer; one
 * out of tolerance, or an alarm stop condition already in ALARM, means the system is not steady and nothing is
 * injected. Alarm polling starts once the state holds.
 */
export async function steadyStateBefore(ctx: RunContext): Promise<void> {
  const { record, clock } = ctx;
  const e = ctx.schedule;
  ctx.phase('steady-state-before');
  startProbes(ctx);
  const need = e.steadyState.samples;
  // Each probe's first answer is its warm-up, recorded but not judged: it pays for loading its client, the first DNS
  // lookup and connection, and on the simulated region a database engine starting at its first client, wall time that
  // a sped-up region turns into minutes (a cold start is not an unsteady system). The `need` answers after it are
  // judged; a system that is really down fails them too.
  const judged = (s: (typeof record.samplers)[number]): typeof s.sampler.samples => s.sampler.samples.slice(1, need + 1);
  const failingEarly = (): (typeof record.samplers)[number] | undefined => record.samplers.find((s) => judged(s).some((x) => !x.ok));
  // The timeout counts from every probe's first answer: loading a probe's client and opening its first connection take
  // wall time that a sped-up region would otherwise turn into minutes of AWS time (a cold start is not an unsteady system).
  await ctx.until(() => record.samplers.every((s) => s.sampler.samples.length > 0), clock.now() + e.steadyState.timeout + PROBE_WARM_UP_MS, ctx.signal);
  const steady = await ctx.until(
    () => record.samplers.every((s) => s.sampler.samples.length >= need + 1) || failingEarly() !== undefined,
    clock.now() + e.steadyState.timeout + need * answeringMs(ctx, 1),
    ctx.signal,
  );
  const failing = failingEarly();
  if (failing !== undefined) {
    const bad = judged(failing).find((x) => !x.ok);
    throw new RunStop('not-steady', `the steady state did not hold before injection: probe '${failing.spec.name}' ${bad?.reason ?? 'failed'}`);
  }
  if (!steady) throw new RunStop('not-steady', `the steady state could not be established within ${formatDuration(e.steadyState.timeout)}`);
  const alarmed = await ctx.stopConditions.firstInAlarm(ctx.signal);
  if (alarmed !== undefined)
    throw new RunStop(
      'not-steady',
      `the steady state did not hold before injection: stop condition '${alarmed.sc.name}' (${describeCondition(alarmed.sc.spec)}): ${alarmed.why}`,
    );
  ctx.stopConditions.watchAlarms(ctx.signal, () => ctx.rollbackStarted);
}

/**
 * Phase `steady-state-after`, once the rollbacks ran: the probes must show the required run of samples within
 * tolerance again. It runs even after an abort; when it does not hold, a run that had passed has not recovered.
 */
export async function steadyStateAfter(ctx: RunContext): Promise<void> {
  const { record, clock } = ctx;
  const e = ctx.schedule;
  ctx.phase('steady-state-after');
  const need = e.steadyState.samples;
  // Only samples that started after the rollbacks judge the system after them: one in flight across their end (a
  // request waiting out a lost packet's retransmission, say) met the fault.
  const phaseStart = clock.now();
  const from = record.samplers.map((s) => s.sampler.samples.length);
  const after = (s: (typeof record.samplers)[number], i: number): Sample[] => s.sampler.samples.slice(from[i]).filter((x) => x.start >= phaseStart);
  const streakOk = (): boolean =>
    record.samplers.every((s, i) => {
      const taken = after(s, i);
      return taken.length >= need && taken.slice(-need).every((x) => x.ok);
    });
  // The check ends at the timeout once every probe has had the chance to show its run of samples. At a high sim speed
  // the timeout is a fraction of a wall second, and a busy machine can take that to run a few probe cycles: the wait
  // then goes on until each probe has taken `need` samples (at most SAMPLING_SLACK_MS of wall time longer), so a slow
  // host is not taken for a system that did not recover. The verdict is still the samples': the last `need` in tolerance.
  const deadline = clock.now() + e.steadyState.timeout + need * answeringMs(ctx, need);
  const sampled = (): boolean => record.samplers.every((s, i) => after(s, i).length >= need);
  // No stop signal: the run's own may be aborted by now, and this check must still happen.
  await ctx.until(() => streakOk() || (clock.now() >= deadline && sampled()), deadline + SAMPLING_SLACK_MS);
  if (streakOk()) return;
  // Which probes did not hold, and how: what an operator reads first.
  const held = record.samplers.flatMap((s, i) => {
    const taken = after(s, i);
    if (taken.length < need) return [`${s.spec.name} took ${taken.length} of ${need} samples`];
    const out = taken.slice(-need).filter((x) => !x.ok);
    return out.length === 0 ? [] : [`${s.spec.name}: ${out.length} of its last ${need} samples out of tolerance (${out[0]?.reason ?? 'failed'})`];
  });
  const reason = `the steady state did not hold after rollbacks within ${formatDuration(e.steadyState.timeout)}: ${held.join('; ')}`;
  ctx.endPhase('failed', reason);
  if (record.verdict === 'passed') {
    record.verdict = 'not-recovered';
    record.reason = reason;
  }
}
