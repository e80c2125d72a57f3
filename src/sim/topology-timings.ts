import { z } from 'zod';
import { simDuration } from './duration.js';
import { AWS_TIMINGS, OVERRIDABLE_TIMING_KEYS, type TimingKey } from './timing-table.js';

/**
 * A topology's `timings:` block: a figure for any timing of docs/fidelity.md that is a setting or an assumption (not
 * AWS's fixed behaviour), and whether runs draw around the figures.
 */
export const timings = z
  .strictObject({
    ...(Object.fromEntries(OVERRIDABLE_TIMING_KEYS.map((k) => [k, simDuration().default(AWS_TIMINGS[k])])) as Record<
      TimingKey,
      z.ZodDefault<ReturnType<typeof simDuration>>
    >),
    /** false: every duration is its figure, with no run-to-run spread. */
    jitter: z.boolean().default(true),
  })
  .meta({ description: 'Overrides of the timings of docs/fidelity.md (AWS time, e.g. 90s), and whether runs draw around them.' });
