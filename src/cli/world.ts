import { dirname, resolve } from 'node:path';
import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import { loadExperimentFile, type LoadedExperiment } from '../experiment/load.js';
import type { Registry } from '../registry/registry.js';
import type { SimRegion } from '../sim/server.js';
import { placeholderSimOutputs, remoteSimOutputs, startSimRegion } from './sim-host.js';

/** An experiment loaded against the world it runs in: the embedded simulated region if it needs one, and its clients. */
export interface ExperimentWorld {
  loaded: LoadedExperiment;
  /** AWS clients for a simulated region (in-process or running elsewhere); undefined: built from the environment. */
  aws: AwsClientFactory | undefined;
  close(): Promise<void>;
}

/**
 * Validates `file`, then, for a `sim` experiment, starts the embedded simulated region (unless the experiment names a
 * running one) and loads the file again with the region's real outputs. `run` and `plan` share this.
 */
export async function openWorld(
  file: string,
  registry: Registry,
  options: { topology?: string | undefined; speed?: number | undefined; onStart?: (speed: number) => void; runId?: string },
): Promise<ExperimentWorld> {
  let loaded = await loadExperimentFile(file, { registry, simOutputs: (t) => placeholderSimOutputs(options.topology ?? t) });
  const environment = loaded.experiment.environment;
  let region: SimRegion | undefined;
  let aws: AwsClientFactory | undefined;
  if (environment.type === 'sim') {
    // The simulated region is the default world: started here unless the experiment names a running one.
    let outputs: Record<string, string>;
    if (environment.endpoint === undefined) {
      const topology = options.topology ?? (environment.topology === undefined ? undefined : resolve(dirname(file), environment.topology));
      const speed = options.speed ?? environment.speed;
      options.onStart?.(speed);
      region = await startSimRegion(topology, speed);
      outputs = region.outputs();
    } else outputs = await remoteSimOutputs(environment.endpoint);
    const endpoint = outputs['region.endpoint'] ?? environment.endpoint ?? '';
    loaded = await loadExperimentFile(file, { registry, simOutputs: async () => outputs });
    aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, process.env, { endpoint, region: outputs['region.name'] ?? 'us-east-1' }, options.runId));
  }
  if (options.speed !== undefined) loaded.experiment.environment.speed = options.speed;
  return {
    loaded,
    aws,
    close: async () => {
      await aws?.destroy();
      await region?.stop();
    },
  };
}
