import { GamedayError, ErrorCode } from '../../errors/gameday-error.js';
import { defaultFastInterval, ProbeSampler, type Sample } from '../sampler.js';
import type { RunContext } from './context.js';

/** Opens every probe's session and starts its sampler; each sample is reported, checked against the stop conditions and wakes the waits. */
export function startProbes(ctx: RunContext): void {
  const { record, env } = ctx;
  for (const p of ctx.schedule.probes) {
    const definition = ctx.options.registry.probe(p.probe);
    if (definition === undefined) throw new GamedayError(ErrorCode.Internal, `Probe '${p.probe}' is not registered.`);
    const tolerance = p.tolerance ?? definition.defaultTolerance;
    const aws = p.region === undefined ? env.aws : env.aws.inRegion(p.region);
    const session = definition.open(p.args, { ...env, aws, signal: ctx.signal, recordCall: () => undefined }, tolerance);
    const sampler = new ProbeSampler({
      name: p.name,
      definition,
      session,
      tolerance,
      intervalMs: p.interval,
      fastIntervalMs: p.fastInterval ?? defaultFastInterval(p.interval),
      settleMs: 5 * p.interval,
      clock: ctx.clock,
      onSample: (s, sample) => onSample(ctx, s, sample),
    });
    record.samplers.push({ spec: p, sampler, session, tolerance });
  }
  for (const s of record.samplers) s.sampler.start();
}

function onSample(ctx: RunContext, sampler: ProbeSampler, sample: Sample): void {
  ctx.notify('sample', sampler.name, sample);
  const previous = sampler.samples[sampler.samples.length - 2];
  if (previous === undefined || previous.ok !== sample.ok) ctx.notify('probeState', sampler.name, sample.ok, sample.reason, sample.end - ctx.origin);
  if (!ctx.rollbackStarted && sample.end >= ctx.methodStart)
    ctx.stopConditions.onSample(sampler.name, sampler.samples, ctx.methodStart, sample.end, sampler.failingSince);
  ctx.wake();
}

/** Stops sampling, collects the reports of probes that look back (a write ledger reading its rows), closes the sessions. */
export async function stopProbes(ctx: RunContext): Promise<void> {
  const { record } = ctx;
  await Promise.all(record.samplers.map((s) => s.sampler.stop()));
  await Promise.all(
    record.samplers.map(async (s) => {
      if (s.session.finish === undefined || record.injectedAt === null) return;
      try {
        s.report = await s.session.finish(ctx.rollbackSignal());
      } catch (error) {
        s.report = { summary: 'no report', error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  await Promise.all(record.samplers.map((s) => s.session.close().catch(() => undefined)));
}
