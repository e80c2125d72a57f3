import { z } from 'zod';

/**
 * The files a queued run's world is made of, carried in the job so that a worker on any machine runs it without the
 * submitter's file system: the experiment, its topology and every file the topology names, by their paths relative to
 * the folder that holds them all (so the topology's relative references still resolve where a worker writes them).
 */
export const runFilesSchema = z.object({
  /** The experiment's path in `texts`. */
  experiment: z.string().min(1),
  /** The topology's path in `texts`, when the run names one (`--topology` or `environment.topology`). */
  topology: z.string().min(1).optional(),
  /** Each file's text by its relative path, `/`-separated. */
  texts: z.record(z.string(), z.string()),
  /** The submitter's absolute folder the paths are relative to: errors about a carried file name it there. */
  root: z.string(),
});

export type RunFiles = z.output<typeof runFilesSchema>;

/**
 * What a queued run carries: the experiment's text and the files of its world (so a worker on another machine can run
 * it) and the options of `gameday run`. Paths are absolute, as resolved by the submitter.
 */
export const runJobSchema = z.object({
  runId: z.string().min(1),
  /** Absolute path of the experiment file on the submitter's machine; names locations in the journal and in errors. */
  file: z.string().min(1),
  text: z.string(),
  /** Experiment name, for listings. */
  experiment: z.string(),
  /** The submitter's absolute `--topology`; a job without `files` (queued by an older gameday) is run from it. */
  topology: z.string().optional(),
  /** The files of the run's world; absent in jobs queued by an older gameday, which a worker runs by their paths. */
  files: runFilesSchema.optional(),
  speed: z.number().positive().optional(),
  seed: z.number().int().nonnegative().optional(),
  /** Wait for locked resources instead of refusing the run. */
  waitForLocks: z.boolean().default(false),
  submittedAt: z.number(),
});

export type RunJob = z.output<typeof runJobSchema>;
