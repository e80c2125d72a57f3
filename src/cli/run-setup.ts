import { dirname, resolve } from 'node:path';
import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { loadExperimentFile, loadExperimentText, type LoadedExperiment, type LoadOptions } from '../experiment/load.js';
import type { RunWorld } from '../orchestrator/run-world.js';
import type { Registry } from '../registry/registry.js';
import { permissionsFor } from '../safety/iam-policy.js';
import type { SimRegion } from '../sim/server.js';
import { placeholderSimOutputs, remoteSim, remoteSimOutputs, speedFromEnvironment, startSimRegion } from './sim-host.js';
import { delegateToFis, exportContext } from './via-fis.js';

export interface PrepareOptions {
  registry: Registry;
  /** The file's text when it was read elsewhere (a queued run); read from `file` otherwise. */
  text?: string;
  /** Overrides environment.topology of a sim experiment. */
  topology?: string;
  /** Overrides environment.speed of a sim experiment. */
  speed?: number;
  /** Seed of the simulated region started here (overrides environment.seed). */
  seed?: number;
  /** Outputs of a simulated region that already runs (a run taken over from a lost worker): none is started. */
  simOutputs?: Record<string, string>;
  /** Told before a simulated region is started in this process. */
  notice?(line: string): void;
  /** The run's id: an assumed role's session is named after it. */
  runId?: string;
  /** Runs the faults through AWS FIS, from a template written of them (`run --via-fis`), with this role if given. */
  viaFis?: { roleArn?: string | undefined };
  /** Overrides environment.profile of an aws experiment (`--profile`). */
  profile?: string;
}

/**
 * `${sim:…}` values to validate against: the running region's outputs when the experiment names one, placeholders of
 * its topology otherwise (its region starts only once the experiment is valid).
 */
export function worldOutputs(topology: string | undefined, endpoint: string | undefined): Promise<Record<string, string>> {
  return endpoint === undefined ? placeholderSimOutputs(topology) : remoteSimOutputs(endpoint);
}

/**
 * Validates an experiment, then readies its world: the simulated region named by `environment.endpoint`, a new one
 * in this process for a sim experiment without one, or the AWS target its environment names.
 */
export async function prepareRun(file: string, options: PrepareOptions): Promise<RunWorld> {
  const load = (o: LoadOptions): Promise<LoadedExperiment> =>
    options.text === undefined ? loadExperimentFile(file, o) : loadExperimentText(options.text, file, o);
  const registry = options.registry;
  let simOutputs = options.simOutputs;
  let validatedWith: Record<string, string> | undefined;
  const viaFis = (l: LoadedExperiment, outputs: Record<string, string> | undefined): LoadedExperiment =>
    options.viaFis === undefined ? l : delegateToFis(l, registry, exportContext(l, outputs, options.viaFis));
  // Converted once before any region starts, so an experiment FIS cannot express is refused with nothing started.
  let loaded = viaFis(
    await load({ registry, simOutputs: async (t, endpoint) => (validatedWith = simOutputs ?? (await worldOutputs(options.topology ?? t, endpoint))) }),
    validatedWith,
  );
  const environment = loaded.experiment.environment;
  if (options.profile !== undefined) {
    if (environment.type !== 'aws') {
      throw new GamedayError(
        ErrorCode.InvalidArgument,
        `--profile names credentials of a live account, but ${file} runs on ${environment.type} (environment.type); leave --profile out.`,
        { exitCode: ExitCode.InvalidInput },
      );
    }
    environment.profile = options.profile;
  }
  let region: SimRegion | undefined;
  let speed = options.speed;
  let aws: AwsClientFactory;
  if (environment.type === 'sim' && simOutputs === undefined && !needsRegion(loaded, registry, options)) {
    // Nothing would call it: a region started anyway costs its boot time and fails nothing it could tell.
    options.notice?.('no AWS call and no ${sim:…} value in this experiment: no simulated region is started');
    aws = new AwsClientFactory(awsTargetFor(environment, process.env, undefined, options.runId));
  } else if (environment.type === 'sim') {
    // The simulated region is the default world: started here unless the experiment names a running one.
    if (simOutputs === undefined) {
      if (environment.endpoint === undefined) {
        // GAMEDAY_SPEED speeds up regions started here only: one running elsewhere has its own speed, and an
        // experiment without a region keeps the wall-clock times it names.
        speed ??= speedFromEnvironment();
        const topology = options.topology ?? (environment.topology === undefined ? undefined : resolve(dirname(file), environment.topology));
        const regionSpeed = speed ?? environment.speed;
        options.notice?.(`starting the simulated region (speed ${regionSpeed}×)…`);
        const seed = options.seed ?? environment.seed;
        region = await startSimRegion(topology, regionSpeed, 0, seed === undefined ? {} : { seed });
        simOutputs = region.outputs();
      } else {
        const remote = await remoteSim(environment.endpoint);
        simOutputs = remote.outputs;
        speed = followRegionSpeed(file, loaded, environment.endpoint, remote.speed, options);
      }
      const outputs = simOutputs;
      loaded = viaFis(await load({ registry, simOutputs: async () => outputs }), outputs);
    }
    const endpoint = simOutputs['region.endpoint'] ?? environment.endpoint ?? '';
    const simRegion = simOutputs['region.name'];
    // The simulated region refuses calls signed for another region, as AWS does: say so before the first call.
    if (environment.region !== undefined && simRegion !== undefined && environment.region !== simRegion) {
      await region?.stop();
      throw new GamedayError(
        ErrorCode.InvalidArgument,
        `${file} runs in ${environment.region} (environment.region), but the simulated region${environment.endpoint === undefined ? '' : ` at ${environment.endpoint}`} is ${simRegion}; drop environment.region or give the topology that region.`,
        { exitCode: ExitCode.InvalidInput },
      );
    }
    aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, process.env, { endpoint, region: simRegion ?? 'us-east-1' }, options.runId));
  } else aws = new AwsClientFactory(awsTargetFor(environment, process.env, undefined, options.runId));
  if (speed !== undefined) loaded.experiment.environment.speed = speed;
  // The journal names the seed the region drew its durations from, so the run can be replayed.
  const regionSeed = simOutputs?.['region.seed'];
  if (regionSeed !== undefined && /^\d+$/.test(regionSeed)) loaded.experiment.environment.seed = Number(regionSeed);
  const started = region;
  return {
    loaded,
    aws,
    ...(simOutputs === undefined ? {} : { simOutputs }),
    close: async () => {
      await aws.destroy();
      await started?.stop();
    },
  };
}

/**
 * Whether a sim experiment needs its region: a step or probe that declares AWS permissions, an alarm stop condition,
 * a `${sim:…}` value, or faults delegated to FIS.
 */
function needsRegion(loaded: LoadedExperiment, registry: Registry, options: PrepareOptions): boolean {
  const e = loaded.experiment;
  const steps = [...e.faults.map((f) => f.action), ...e.rollbacks.map((r) => r.action), ...e.probes.map((p) => p.probe)];
  return (
    loaded.refersToSim || options.viaFis !== undefined || e.stopConditions.some((s) => s.alarm !== undefined) || permissionsFor(registry, steps).length > 0
  );
}

/**
 * The speed of a run on a region that already runs: its own. Schedules and AWS-equivalent times are only true at the
 * region's real speed, so a different one pinned by the experiment or `--speed` is refused before anything runs.
 */
function followRegionSpeed(file: string, loaded: LoadedExperiment, endpoint: string, regionSpeed: number, options: PrepareOptions): number {
  const written = loaded.raw.environment?.speed;
  const pinned =
    options.speed !== undefined
      ? { speed: options.speed, by: `--speed ${options.speed}`, fix: 'leave out --speed' }
      : typeof written === 'number'
        ? { speed: written, by: `${file} pins environment.speed: ${written}`, fix: 'remove environment.speed' }
        : undefined;
  if (pinned !== undefined && pinned.speed !== regionSpeed) {
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `${pinned.by}, but the simulated region at ${endpoint} runs at ${regionSpeed}×: ${pinned.fix} (the run then uses the region's speed) or restart the region with gameday sim --speed ${pinned.speed}.`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  if (pinned === undefined) options.notice?.(`simulated region at ${endpoint} runs at ${regionSpeed}×: using its speed`);
  return regionSpeed;
}
