import { formatDuration } from '../experiment/duration.js';
import type { GlobalOptions } from './output.js';
import { startSimRegion } from './sim-host.js';

/** `gameday sim`: runs a simulated region until interrupted, printing its endpoint and outputs. */
export async function simCommand(globals: GlobalOptions, options: { topology?: string; speed: number; port: number }): Promise<number> {
  const started = performance.now();
  const region = await startSimRegion(options.topology, options.speed, options.port);
  const outputs = region.outputs();
  if (globals.json) {
    process.stdout.write(`${JSON.stringify({ endpoint: region.endpoint, speed: region.speed, outputs })}\n`);
  } else {
    const lines = [
      `simulated region ${outputs['region.name'] ?? ''} ready in ${formatDuration(performance.now() - started)} at ${region.endpoint} (speed ${region.speed}×)`,
      ...Object.entries(outputs).map(([k, v]) => `  \${sim:${k}} = ${v}`),
      `point any AWS SDK or CLI at it: AWS_ENDPOINT_URL=${region.endpoint} (any credentials)`,
      `ground truth: ${region.endpoint}/_sim/events    requests: ${region.endpoint}/_sim/requests`,
      'Ctrl-C stops it.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await region.stop();
  return 0;
}
