/**
 * Runs every benchmark in sequence (probe throughput, measurement error, CLI start-up, simulated region, simulated databases, data tier,
 * orchestrator, FIS native vs delegated, CloudFormation vs topology, fidelity of the sim's recoveries, twin and audit, two Regions and latency routing, releases by instance refresh, the self-chaos soak) in this process
 * and prints a compact summary table; `node dist/bench/run-all.js fidelity measurement-error` runs only those sections. `npm run bench` builds and runs this. Misses are reported, never turned into a failing
 * exit code; an error in a benchmark is reported and the others still run (exit code 1 at the end).
 */
import { main as audit } from './audit.js';
import { main as cliStartup } from './cli-startup.js';
import { main as cloudformation } from './cloudformation.js';
import { main as dataTier } from './data-tier.js';
import { main as degradationLatency } from './degradation-latency.js';
import { main as fidelity } from './fidelity.js';
import { main as fis } from './fis.js';
import { main as global } from './global.js';
import { main as journeyThroughput } from './journey-throughput.js';
import { heading, isMain, pad, runStandalone, type BenchOutcome } from './common.js';
import { main as measurementError } from './measurement-error.js';
import { main as orchestrator } from './orchestrator.js';
import { main as probeThroughput } from './probe-throughput.js';
import { main as release } from './release.js';
import { main as simDatabases } from './sim-databases.js';
import { main as simRegion } from './sim-region.js';
import { main as soak } from './soak.js';

const BENCHMARKS: readonly { name: string; main: () => Promise<BenchOutcome> }[] = [
  { name: 'probe-throughput', main: probeThroughput },
  { name: 'journey-throughput', main: journeyThroughput },
  { name: 'measurement-error', main: measurementError },
  { name: 'degradation-latency', main: degradationLatency },
  { name: 'cli-startup', main: cliStartup },
  { name: 'sim-region', main: simRegion },
  { name: 'sim-databases', main: simDatabases },
  { name: 'data-tier', main: dataTier },
  { name: 'orchestrator', main: orchestrator },
  { name: 'fis', main: fis },
  { name: 'cloudformation', main: cloudformation },
  { name: 'fidelity', main: fidelity },
  { name: 'audit', main: audit },
  { name: 'global', main: global },
  { name: 'release', main: release },
  { name: 'soak', main: soak },
];

/** The benchmarks named (all when none is), in the order given; an unknown name is refused before any runs. */
function selected(names: readonly string[]): typeof BENCHMARKS {
  if (names.length === 0) return BENCHMARKS;
  return names.map((name) => {
    const b = BENCHMARKS.find((x) => x.name === name);
    if (b === undefined) throw new Error(`There is no benchmark section '${name}': choose from ${BENCHMARKS.map((x) => x.name).join(', ')}.`);
    return b;
  });
}

export async function main(names: readonly string[] = []): Promise<BenchOutcome[]> {
  const chosen = selected(names);
  const started = Date.now();
  const outcomes: BenchOutcome[] = [];
  const errors: { name: string; error: unknown }[] = [];
  for (const b of chosen) {
    try {
      outcomes.push(await b.main());
    } catch (error) {
      errors.push({ name: b.name, error });
      console.error(`\n${b.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  heading(`summary (${((Date.now() - started) / 1_000).toFixed(0)} s)`);
  // The longest benchmark name and a space: a name never runs into its metric.
  const widths = { bench: Math.max(...BENCHMARKS.map((b) => b.name.length)) + 2, metric: 44, value: 30, target: 14 };
  console.log(`  ${pad('benchmark', widths.bench)}${pad('metric', widths.metric)}${pad('value', widths.value)}${pad('target', widths.target)}status`);
  console.log(`  ${'-'.repeat(widths.bench + widths.metric + widths.value + widths.target + 6)}`);
  for (const o of outcomes) {
    for (const r of o.rows)
      console.log(`  ${pad(o.name, widths.bench)}${pad(r.metric, widths.metric)}${pad(r.value, widths.value)}${pad(r.target, widths.target)}${r.status}`);
  }
  for (const e of errors)
    console.log(`  ${pad(e.name, widths.bench)}${pad('ERROR', widths.metric)}${e.error instanceof Error ? e.error.message : String(e.error)}`);
  const misses = outcomes.flatMap((o) => o.rows).filter((r) => r.status === 'MISS').length;
  console.log(`\n  ${misses === 0 ? 'all targets met' : `${misses} target(s) missed`}; raw results in bench/results/`);
  if (errors.length > 0) throw new Error(`${errors.length} benchmark(s) failed: ${errors.map((e) => e.name).join(', ')}`);
  return outcomes;
}

if (isMain(import.meta.url)) runStandalone(() => main(process.argv.slice(2)));
