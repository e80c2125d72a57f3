import type { ActivityContext, AnyProbeDefinition } from '../../src/registry/types.js';

/** Opens a probe with its parsed arguments and tolerance, takes one sample, closes it: the sample and its verdict. */
export async function sampleOnce(definition: AnyProbeDefinition, ctx: ActivityContext, args: Record<string, unknown>, tolerance?: Record<string, unknown>) {
  const t: unknown = definition.tolerance.parse(tolerance ?? definition.defaultTolerance);
  const session = definition.open(definition.args.parse(args), ctx, t);
  try {
    const o = await session.sample(ctx.signal);
    return { ...o, verdict: definition.check(o, t) };
  } finally {
    await session.close();
  }
}
