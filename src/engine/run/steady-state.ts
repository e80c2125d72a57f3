import { formatDuration } from '../../experiment/duration.js';
import { describeCondition } from '../stop-conditions.js';
import type { RunContext } from './context.js';
import { startProbes } from './probes.js';
import { RunStop } from './run-stop.js';

/** How long, in wall time, probes may take to give their first answer before the steady-state timeout starts. */
const PROBE_WARM_UP_MS = 30_000;

/**
 * The slowest probe's answering time over its last `last` samples. The probes' own answers do not count against a
 * steady-state timeout: at a high sim speed an interval is a few wall milliseconds while a query takes what it takes,
 * so `samples` samples are given this much each on top of the timeout.
 */
function answeringMs(ctx: RunContext, last: number): number {
  return Math.max(0, ...ctx.record.samplers.flatMap((s) => s.sampler.samples.slice(-last).map((x) => x.end - x.start)));
}

/**
 * Phase `steady-state-before`: every probe samples until each has the required run of samples within tolerance; one
 * out of tolerance, or an alarm stop condition already in ALARM, means the system is not steady and nothing is
 * injected. Alarm polling starts once the state holds.
 */
export async function steadyStateBefore(ctx: RunContext): Promise<void> {
  const { record, clock } = ctx;
  const e = ctx.schedule;
  ctx.phase('steady-state-before');
  startProbes(ctx);
  const need = e.steadyState.samples;
  const failingEarly = (): (typeof record.samplers)[number] | undefined => record.samplers.find((s) => s.sampler.samples.slice(0, need).some((x) => !x.ok));
  // The timeout counts from every probe's first answer: loading a probe's client and opening its first connection take
  // wall time that a sped-up region would otherwise turn into minutes of AWS time (a cold start is not an unsteady system).
  await ctx.until(() => record.samplers.every((s) => s.sampler.samples.length > 0), clock.now() + e.steadyState.timeout + PROBE_WARM_UP_MS, ctx.signal);
  const steady = await ctx.until(
    () => record.samplers.every((s) => s.sampler.samples.length >= need) || failingEarly() !== undefined,
    clock.now() + e.steadyState.timeout + need * answeringMs(ctx, 1),
    ctx.signal,
  );
  const failing = failingEarly();
  if (failing !== undefined) {
    const bad = failing.sampler.samples.find((x) => !x.ok);
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
  const from = record.samplers.map((s) => s.sampler.samples.length);
  const streakOk = (): boolean =>
    record.samplers.every((s, i) => {
      const after = s.sampler.samples.slice(from[i]);
      return after.length >= need && after.slice(-need).every((x) => x.ok);
    });
  // No stop signal: the run's own may be aborted by now, and this check must still happen.
  const held = await ctx.until(streakOk, clock.now() + e.steadyState.timeout + need * answeringMs(ctx, need));
  if (held) return;
  const reason = `the steady state did not hold after rollbacks within ${formatDuration(e.steadyState.timeout)}`;
  ctx.endPhase('failed', reason);
  if (record.verdict === 'passed') {
    record.verdict = 'not-recovered';
    record.reason = reason;
  }
}
