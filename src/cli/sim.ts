import { formatDuration } from '../experiment/duration.js';
import type { GlobalOptions } from './output.js';
import { speedFromEnvironment, startSimRegion } from './sim-host.js';

/** `gameday sim`: runs a simulated region until interrupted, printing its endpoint and outputs. */
export async function simCommand(
  globals: GlobalOptions,
  options: { topology?: string; speed?: number; seed?: number; port: number; parameter?: string[]; stackName?: string; fidelity?: boolean },
): Promise<number> {
  if (options.fidelity === true) {
    const { fidelityMarkdown } = await import('../sim/fidelity/markdown.js');
    process.stdout.write(fidelityMarkdown());
    return 0;
  }
  const started = performance.now();
  const region = await startSimRegion(options.topology, options.speed ?? speedFromEnvironment() ?? 1, options.port, {
    parameters: options.parameter,
    stackName: options.stackName,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  // Listening before the ready line: a Ctrl-C right after it must stop the region, not kill the process.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const outputs = region.outputs();
  // What a CloudFormation topology says that the region does not honour.
  const notes = region.worlds.flatMap((w) => w.topology.stack?.notes ?? []);
  const regions = region.worlds.map((w) => ({ name: w.topology.region, zones: w.zones, home: w === region.world }));
  if (globals.json) {
    process.stdout.write(
      `${JSON.stringify({ endpoint: region.endpoint, speed: region.speed, seed: region.world.durations.seed, regions, outputs, ...(notes.length > 0 ? { notes } : {}) })}\n`,
    );
  } else {
    if (notes.length > 0) process.stderr.write(`${notes.map((n) => `note: ${n}`).join('\n')}\n`);
    const lines = [
      `${regions.length > 1 ? `simulated world of ${regions.length} Regions (${regions.map((r) => r.name).join(', ')})` : `simulated region ${outputs['region.name'] ?? ''}`} ready in ${formatDuration(performance.now() - started)} at ${region.endpoint} (speed ${region.speed}×, seed ${region.world.durations.seed})`,
      // Every Region answers at the one endpoint: a client picks one by the Region it signs for.
      ...(regions.length > 1 ? regions.map((r) => `  region ${r.name}${r.home ? ' (home: Route 53, IAM, STS)' : ''}: zones ${r.zones.join(', ')}`) : []),
      ...Object.entries(outputs).map(([k, v]) => `  \${sim:${k}} = ${v}`),
      `point any AWS SDK or CLI at it: AWS_ENDPOINT_URL=${region.endpoint} (any credentials)`,
      `ground truth: ${region.endpoint}/_sim/events    requests: ${region.endpoint}/_sim/requests`,
      'Ctrl-C stops it.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  await stopped;
  await region.stop();
  return 0;
}
