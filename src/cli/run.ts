import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import type { SimRegion } from '../sim/server.js';
import { placeholderSimOutputs, remoteSimOutputs, startSimRegion } from './sim-host.js';
import { performance } from 'node:perf_hooks';
import { runExperiment } from '../engine/runner.js';
import { loadExperimentFile } from '../experiment/load.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { renderSummary } from '../report/summary.js';
import { plainView, ttyView, type LiveView } from './live-view.js';
import type { GlobalOptions } from './output.js';

export interface RunCommandOptions {
  results: string;
  journal?: string;
  seed?: number;
  view: 'auto' | 'tty' | 'plain' | 'none';
  /** Overrides environment.speed of a sim experiment. */
  speed?: number;
  /** Overrides environment.topology of a sim experiment. */
  topology?: string;
}

/** `gameday run FILE`: validates, runs in this process, writes the journal, exits with the verdict's code. */
export async function runCommand(globals: GlobalOptions, file: string, options: RunCommandOptions): Promise<number> {
  const registry = defaultRegistry();
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
      if (kindOfView(options, globals) !== 'none') process.stderr.write(`starting the simulated region (speed ${speed}×)…\n`);
      region = await startSimRegion(topology, speed);
      outputs = region.outputs();
    } else outputs = await remoteSimOutputs(environment.endpoint);
    const endpoint = outputs['region.endpoint'] ?? environment.endpoint ?? '';
    loaded = await loadExperimentFile(file, { registry, simOutputs: async () => outputs });
    aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, process.env, { endpoint, region: outputs['region.name'] ?? 'us-east-1' }));
  }
  if (options.speed !== undefined) loaded.experiment.environment.speed = options.speed;
  const origin = performance.now();
  const kind = kindOfView(options, globals);
  const view: LiveView | undefined =
    kind === 'tty'
      ? ttyView(process.stderr, origin, loaded.experiment.metadata.name, loaded.experiment.probes.map((p) => p.name))
      : kind === 'plain'
        ? plainView(process.stderr, origin)
        : undefined;

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: aborting; rollbacks are running (press Ctrl-C again to exit without them)\n`);
      abort.abort();
    } else {
      process.stderr.write(`${signal}: exiting before rollbacks finished; check the resources named in the journal\n`);
      process.exit(3);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const journal = await runExperiment(loaded, {
      registry,
      ...(aws === undefined ? {} : { aws }),
      signal: abort.signal,
      ...(view === undefined ? {} : { listener: view }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    view?.close();
    const path = options.journal ?? join(options.results, `${journal.runId}.json`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(journal, null, 2)}\n`);
    if (globals.json) process.stdout.write(`${JSON.stringify({ runId: journal.runId, journal: path, verdict: journal.verdict, measurement: journal.measurement, objectives: journal.objectives })}\n`);
    else process.stdout.write(`${renderSummary(journal)}journal: ${path}\n`);
    return journal.verdict.exitCode;
  } finally {
    view?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await aws?.destroy();
    await region?.stop();
  }
}

function kindOfView(options: RunCommandOptions, globals: GlobalOptions): 'tty' | 'plain' | 'none' {
  if (options.view !== 'auto') return options.view;
  return globals.json ? 'none' : process.stderr.isTTY ? 'tty' : 'plain';
}
