import { z } from 'zod';

/**
 * What a queued run carries: the experiment's text (so a worker on another machine can run it) and the options of
 * `gameday run`. Paths are absolute, as resolved by the submitter.
 */
export const runJobSchema = z.object({
  runId: z.string().min(1),
  /** Absolute path of the experiment file; names locations and anchors a relative `environment.topology`. */
  file: z.string().min(1),
  text: z.string(),
  /** Experiment name, for listings. */
  experiment: z.string(),
  topology: z.string().optional(),
  speed: z.number().positive().optional(),
  seed: z.number().int().nonnegative().optional(),
  /** Wait for locked resources instead of refusing the run. */
  waitForLocks: z.boolean().default(false),
  submittedAt: z.number(),
});

export type RunJob = z.output<typeof runJobSchema>;
