import { formatDuration } from '../../experiment/duration.js';
import { objectiveProbes } from '../../experiment/objective-probes.js';
import type { RunContext } from './context.js';
import { RunStop } from './run-stop.js';

/**
 * Phase `recovery`: waits until the RTO's probes (the ones the journal measures impact and recovery on) have all
 * been within tolerance for `stableFor`, no sooner than `observeAtLeast` after the last injection, and no later than
 * the recovery timeout after the first. The observation window ends here; faults with a duration end first.
 */
export async function awaitRecovery(ctx: RunContext, durationEnds: readonly Promise<void>[]): Promise<void> {
  const { record, clock } = ctx;
  const e = ctx.schedule;
  ctx.phase('recovery');
  const injected = record.injectedAt;
  const measured = objectiveProbes(e, ctx.options.registry).rto;
  const probesOfInterest = record.samplers.filter((s) => measured.includes(s.spec.name));
  const earliest = (record.lastInjectionAt ?? clock.now()) + e.recovery.observeAtLeast;
  const recovered = await ctx.until(
    () => {
      const now = clock.now();
      if (now < earliest || injected === null) return false;
      let start = injected.upper;
      for (const s of probesOfInterest) {
        const since = s.sampler.okSince;
        if (since === null) return false;
        start = Math.max(start, since.upper);
      }
      return now - start >= e.recovery.stableFor;
    },
    (injected?.lower ?? clock.now()) + e.recovery.timeout,
    ctx.signal,
  );
  record.windowEnd = clock.now();
  await Promise.all(durationEnds);
  if (!recovered) throw new RunStop('not-recovered', `the steady state did not return within the recovery timeout (${formatDuration(e.recovery.timeout)})`);
  ctx.notify('recovered', record.windowEnd - ctx.origin);
}
