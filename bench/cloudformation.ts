/**
 * The reference architecture from CloudFormation next to the same architecture as a sim topology, in one run,
 * alternating: the time to load (parse, evaluate intrinsics, translate) each, and the time from starting a region of
 * each to its being ready (every group in service, every target healthy) at speed 60. The stack is larger than the
 * topology (it adds a Multi-AZ database, Route 53 health checks and an alarm, and a 120 s health-check grace period),
 * so the boot ratio measures the stack, not the loader.
 */
import { join } from 'node:path';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';
import { distribution, envInt, heading, isMain, ROOT, runStandalone, writeResult, type BenchOutcome, type Distribution } from './common.js';

const FILES = {
  cloudformation: join(ROOT, 'infra', 'reference-architecture.yaml'),
  topology: join(ROOT, 'experiments', 'topologies', 'reference.yaml'),
} as const;
type Kind = keyof typeof FILES;

export async function main(): Promise<BenchOutcome> {
  heading('CloudFormation: the reference stack as a sim topology');
  const loads = { cloudformation: [] as number[], topology: [] as number[] };
  const boots = { cloudformation: [] as number[], topology: [] as number[] };
  const loadsN = envInt('BENCH_CFN_LOADS', 30);
  for (let i = 0; i < loadsN; i++) {
    for (const kind of Object.keys(FILES) as Kind[]) {
      const t = performance.now();
      await loadTopology(FILES[kind]);
      loads[kind].push(performance.now() - t);
    }
  }
  for (let i = 0; i < envInt('BENCH_CFN_BOOTS', 3); i++) {
    for (const kind of Object.keys(FILES) as Kind[]) {
      const topology = await loadTopology(FILES[kind]);
      const t = performance.now();
      const region = await SimRegion.start({ topology, speed: 60 });
      try {
        await region.world.ready(60_000);
        boots[kind].push(performance.now() - t);
      } finally {
        await region.stop();
      }
    }
  }
  const d = (v: number[]): Distribution => distribution(v);
  const line = (what: string, a: Distribution, b: Distribution): string =>
    `  ${what}: CloudFormation p50 ${a.p50.toFixed(1)} ms, topology YAML p50 ${b.p50.toFixed(1)} ms, ratio ${(a.p50 / b.p50).toFixed(2)}`;
  console.log(line(`load (${loadsN} each)`, d(loads.cloudformation), d(loads.topology)));
  console.log(line(`boot to ready at 60× (${boots.topology.length} each)`, d(boots.cloudformation), d(boots.topology)));
  const resultFile = await writeResult('cloudformation', { loads, boots });
  return {
    name: 'cloudformation',
    resultFile,
    rows: [
      {
        metric: 'load: CloudFormation / topology p50',
        value: `${d(loads.cloudformation).p50.toFixed(1)} / ${d(loads.topology).p50.toFixed(1)} ms`,
        target: 'info',
        status: 'INFO',
      },
      {
        metric: 'boot to ready: CloudFormation / topology',
        value: `${d(boots.cloudformation).p50.toFixed(0)} / ${d(boots.topology).p50.toFixed(0)} ms`,
        target: 'info',
        status: 'INFO',
      },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
