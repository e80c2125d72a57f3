import type { AwsClientFactory } from '../aws/client-factory.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { RunJob } from './run-job.js';

/**
 * An experiment loaded against the world it runs in, with that world's AWS clients: what a run in the CLI's process
 * and a worker's run both start from.
 */
export interface RunWorld {
  loaded: LoadedExperiment;
  aws: AwsClientFactory;
  /** Values of `${sim:…}` the experiment was loaded with, when it runs on a simulated region. */
  simOutputs?: Record<string, string>;
  /** Destroys the clients and stops the simulated region this process started, if any. */
  close(): Promise<void>;
}

/**
 * Validates a queued run's experiment and readies its world. Given `simOutputs`, the simulated region already runs
 * there (a run taken over from a lost worker) and none is started.
 */
export type PrepareWorld = (job: RunJob, existing: { simOutputs?: Record<string, string> }) => Promise<RunWorld>;
