/**
 * Fidelity of the simulated region's recoveries: for each fault, at least 10 runs of a gameday experiment through the
 * engine (`runExperiment`, as `gameday run` does), each on a fresh region with its own timing seed, and the recovery
 * time the journal reports (`measurement.timeToRecovery`, AWS time = wall × speed), as p50 and p95 next to the range
 * AWS documents for the same fault. A run on the sim must never recover faster than AWS documents: where AWS gives a
 * lower bound, the shortest run is checked against it. Each fault also lists the rows of the timing table
 * (`src/sim/timing-table.ts`) its recovery depends on, and which of them AWS does not document ('assumed').
 *
 * Each run of terminate-one, reboot, stop-half and the AZ outage gets a fresh region with its own seed; the RDS
 * failovers spread their runs over two seeded regions (a region with a database takes tens of seconds to start), each
 * run there drawing the next occurrence of every timing. Several regions run in one process at once
 * (`BENCH_FIDELITY_PARALLEL`, default 3), each on its own ports; runs per fault `BENCH_FIDELITY_RUNS` (default 10;
 * `BENCH_FIDELITY_FAULTS=reboot,rds-failover` runs only those),
 * speed `BENCH_FIDELITY_SPEED` (default 50), first seed `BENCH_SEED` (printed, so a run can be replayed).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { runExperiment } from '../src/engine/runner.js';
import { parseExperiment } from '../src/experiment/load.js';
import { defaultRegistry } from '../src/registry/default-registry.js';
import { SimRegion } from '../src/sim/server.js';
import { TIMING_TABLE, type TimingKey } from '../src/sim/timing-table.js';
import { loadTopology } from '../src/sim/topology.js';
import {
  percentile,
  envInt,
  heading,
  isMain,
  pad,
  padStart,
  passMiss,
  ROOT,
  runStandalone,
  writeResult,
  type BenchOutcome,
  type SummaryRow,
} from './common.js';

const NAME = 'fidelity';
const S = 1_000;

const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / S).toFixed(0)} s` : 'n/a');

/** What AWS documents for a fault's recovery. */
interface AwsRange {
  /** As AWS words it. */
  text: string;
  /** The shortest recovery AWS documents (AWS ms), when it gives one: no run on the sim may be shorter. */
  floorMs?: number;
  source: string;
}

interface FaultCase {
  name: string;
  /** The experiment under `experiments/`, or its text when no ready experiment states the fault. */
  experiment: { file: string } | { name: string; text: string };
  /** Under `experiments/topologies/`; the reference architecture when absent. */
  topology?: string;
  aws: AwsRange;
  /** The table rows this recovery depends on. */
  timings: readonly TimingKey[];
  /** The configured values it also depends on (documented defaults, applied exactly). */
  configured: string;
  /**
   * Regions the runs are spread over, each with its own seed (default: a fresh region per run). A region with a
   * database starts in tens of seconds (embedded PostgreSQL), so its runs share a few; each run on one region draws
   * the next occurrence of every timing, so the draws still differ.
   */
  regions?: number;
  /** Changes the experiment's text before a run on `region` (which may have run it before). */
  edit?: (text: string, region: SimRegion) => string;
  /** A fault whose experiment is still being built: its runs failing reads "not available yet", not an error. */
  pending?: boolean;
}

const LAUNCH: AwsRange = {
  text: 'launch: "a few minutes"',
  floorMs: 60 * S,
  source: TIMING_TABLE.instanceBoot.source,
};

/** Reboots one web instance; the site and the targets are measured as in terminate-one-instance.yaml. */
const REBOOT_EXPERIMENT = `apiVersion: gameday/v1
metadata:
  name: bench-reboot-one
environment:
  type: sim
probes:
  - name: site
    probe: http
    args: { url: "\${sim:alb.web-alb.url}/health", timeout: 2s }
    tolerance: { status: 200 }
    interval: 5s
  - name: targets
    probe: aws.elbv2.healthy-targets
    args: { targetGroupArn: "\${sim:tg.web-tg.arn}" }
    tolerance: { atLeast: 3 }
    interval: 5s
faults:
  - name: reboot-one
    action: aws.ec2.reboot-instances
    targets:
      tags: { "aws:autoscaling:groupName": web-asg }
      selection: COUNT(1)
safety:
  requireTags: { "gameday:allowed": "true" }
  maxTargets: 1
recovery:
  stableFor: 30s
  timeout: 30m
`;

const ALB_CHECKS = 'ALB health checks (30 s, healthy after 5, unhealthy after 2)';

const CASES: readonly FaultCase[] = [
  {
    name: 'terminate-one',
    experiment: { file: 'terminate-one-instance.yaml' },
    aws: LAUNCH,
    timings: ['asgHealthCheckPeriod', 'instanceShuttingDown', 'instancePending', 'instanceBoot'],
    configured: ALB_CHECKS,
  },
  {
    name: 'reboot',
    experiment: { name: 'reboot-one.yaml', text: REBOOT_EXPERIMENT },
    aws: { text: 'reboot: "a few minutes"', floorMs: 60 * S, source: TIMING_TABLE.instanceReboot.source },
    timings: ['instanceReboot'],
    configured: ALB_CHECKS,
  },
  {
    name: 'stop-half',
    experiment: { file: 'stop-half-fleet.yaml' },
    // What the site's users see ends when the load balancer stops routing to the stopped targets, for which AWS
    // publishes no figure; the replacements' launch ("a few minutes") is not part of it.
    aws: { text: 'no figure for the site (launch: "a few minutes")', source: TIMING_TABLE.instanceBoot.source },
    timings: ['instanceStopping', 'asgHealthCheckPeriod', 'instanceShuttingDown', 'instancePending', 'instanceBoot'],
    configured: `${ALB_CHECKS}; the fault's 2 min and observeAtLeast 2 min`,
  },
  {
    name: 'az-power-interruption',
    // The native AZ power interruption: the zone's instances stopped, its subnets cut, the group kept out of it, and
    // the database left to fail over by itself.
    experiment: { file: 'az-power-interruption.yaml' },
    topology: 'web-and-database.yaml',
    regions: 2,
    // The zone that goes dark is the one the orders database's primary is in now: after a run it has failed over.
    edit: (text, region) => text.replaceAll('us-east-1a', region.world.databases.get('orders-db')?.zone ?? 'us-east-1a'),
    aws: { text: 'launch "a few minutes"; DB failover 60–120 s', floorMs: 60 * S, source: TIMING_TABLE.dbFailover.source },
    timings: ['instanceStopping', 'asgHealthCheckPeriod', 'instancePending', 'instanceBoot', 'elbNodeDnsRemoval', 'dbFailover'],
    configured: `${ALB_CHECKS}; RDS endpoint DNS TTL 5 s; ALB DNS TTL 60 s`,
  },
  {
    name: 'rds-failover',
    experiment: { file: 'rds-failover.yaml' },
    topology: 'web-and-database.yaml',
    aws: { text: 'failover 60–120 s', floorMs: 60 * S, source: TIMING_TABLE.dbFailover.source },
    timings: ['dbFailover'],
    configured: 'RDS endpoint DNS TTL 5 s',
    regions: 2,
  },
  {
    name: 'rds-cluster-failover',
    experiment: { file: 'rds-cluster-failover.yaml' },
    topology: 'web-and-database.yaml',
    aws: { text: 'failover "typically under 35 seconds" (no lower bound)', source: TIMING_TABLE.dbClusterFailover.source },
    timings: ['dbClusterFailover'],
    configured: 'cluster endpoint DNS TTL 5 s',
    regions: 2,
  },
];

export interface FidelityRun {
  fault: string;
  /** The region's timing seed. */
  seed: number;
  /** Which run on that region (each draws the next occurrence of every timing). */
  run: number;
  verdict: string;
  reason: string;
  /** Whether a fault was injected: a run that never got that far (its steady state did not hold) measures nothing. */
  injected: boolean;
  /** Time to recovery as the journal reports it, in AWS ms (wall × speed); null when none was measured. */
  recoveryAws: number | null;
  /** The uncertainty of that figure: the bracket's width, AWS ms. */
  bracketAws: number | null;
  /** Wall ms of the run (the first on a region includes starting it). */
  wallMs: number;
  error?: string;
}

async function experimentText(c: FaultCase): Promise<{ file: string; text: string }> {
  if ('text' in c.experiment) return { file: join(ROOT, 'bench', c.experiment.name), text: c.experiment.text };
  const file = join(ROOT, 'experiments', c.experiment.file);
  await access(file);
  return { file, text: await readFile(file, 'utf8') };
}

/** One run of the case's experiment on a ready region, as `gameday run` does on a region that already runs. */
async function runOn(
  c: FaultCase,
  region: SimRegion,
  aws: AwsClientFactory,
  seed: number,
  speed: number,
): Promise<Omit<FidelityRun, 'fault' | 'seed' | 'run' | 'wallMs'>> {
  const { file, text } = await experimentText(c);
  const registry = defaultRegistry();
  const loaded = parseExperiment(c.edit?.(text, region) ?? text, file, { registry, env: {}, simOutputs: region.outputs() });
  // The run follows the region's speed.
  loaded.experiment.environment.speed = speed;
  const journal = await runExperiment(loaded, { registry, aws, seed });
  const ttr = journal.measurement.timeToRecovery;
  return {
    verdict: journal.verdict.status,
    reason: journal.verdict.reason,
    injected: journal.measurement.injectedAt !== null,
    // A run whose steady state did not return within its timeout did not recover, whatever window it saw before.
    recoveryAws: ttr === null || !journal.measurement.recovered ? null : ttr.value * speed,
    bracketAws: ttr === null ? null : (ttr.upper - ttr.lower) * speed,
  };
}

/**
 * Starts a region seeded with `seed` and runs the case on it until `count` runs injected their fault (at most twice
 * that many attempts: on a loaded machine a run can miss its steady state before anything is injected), waiting for
 * the region to be whole between runs.
 */
async function runsOnRegion(c: FaultCase, seed: number, count: number, speed: number): Promise<FidelityRun[]> {
  const out: FidelityRun[] = [];
  let region: SimRegion | undefined;
  let aws: AwsClientFactory | undefined;
  let started = performance.now();
  try {
    const topology = await loadTopology(c.topology === undefined ? undefined : join(ROOT, 'experiments', 'topologies', c.topology));
    region = await SimRegion.start({ topology, speed, seed });
    aws = new AwsClientFactory({
      kind: 'sim',
      region: topology.region,
      endpoint: region.endpoint,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'bench' },
    });
    for (let i = 0; out.filter((r) => r.injected).length < count && i < 2 * count; i++) {
      await region.world.ready(120_000);
      const r: FidelityRun = { fault: c.name, seed, run: i + 1, ...(await runOn(c, region, aws, seed + i, speed)), wallMs: performance.now() - started };
      out.push(r);
      console.log(
        `  … ${pad(c.name, 23)}seed ${seed} run ${r.run}: ${r.verdict}, recovery ${r.recoveryAws === null ? 'none' : seconds(r.recoveryAws)} (${(r.wallMs / S).toFixed(0)} s wall)`,
      );
      started = performance.now();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    out.push({
      fault: c.name,
      seed,
      run: out.length + 1,
      verdict: 'errored',
      reason: message,
      injected: false,
      recoveryAws: null,
      bracketAws: null,
      wallMs: performance.now() - started,
      error: message,
    });
  } finally {
    await aws?.destroy();
    await region?.stop();
  }
  return out;
}

/** Runs `jobs` with at most `parallel` at once, in order of start. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (job !== undefined) results[i] = await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return results;
}

/**
 * Regions with a database run one at a time, beside the others: two regions of one topology serve their databases
 * on the same loopback address and port, so they cannot run at once.
 */
async function lanes<T>(jobs: readonly { heavy: boolean; run: () => Promise<T> }[], parallel: number): Promise<T[]> {
  const heavy = jobs.filter((j) => j.heavy).map((j) => j.run);
  const light = jobs.filter((j) => !j.heavy).map((j) => j.run);
  const [h, l] = await Promise.all([pool(heavy, 1), pool(light, Math.max(1, parallel - (heavy.length > 0 ? 1 : 0)))]);
  return [...h, ...l];
}

/**
 * Recovery percentiles over the runs that injected their fault, a run that did not recover within its timeout
 * counting as longer than any that did (Infinity): leaving it out would flatter the sim.
 */
function recoveryStats(runs: readonly FidelityRun[]): { n: number; recovered: number; min: number; p50: number; p95: number; max: number } {
  const sorted = runs.filter((r) => r.injected).map((r) => r.recoveryAws ?? Infinity);
  sorted.sort((a, b) => a - b);
  const at = (p: number): number => {
    const hi = sorted[Math.ceil((p / 100) * (sorted.length - 1))];
    return hi === Infinity ? Infinity : percentile(sorted, p);
  };
  const finite = sorted.filter(Number.isFinite);
  return { n: sorted.length, recovered: finite.length, min: sorted[0] ?? NaN, p50: at(50), p95: at(95), max: sorted[sorted.length - 1] ?? NaN };
}

/** AWS seconds; a run that never recovered reads 'never'. */
const awsSeconds = (ms: number): string => (ms === Infinity ? 'never' : seconds(ms));

function assumedOf(c: FaultCase): TimingKey[] {
  return c.timings.filter((k) => TIMING_TABLE[k].source === 'assumed');
}

export async function main(): Promise<BenchOutcome> {
  const runs = envInt('BENCH_FIDELITY_RUNS', 10);
  const speed = envInt('BENCH_FIDELITY_SPEED', 50);
  const parallel = envInt('BENCH_FIDELITY_PARALLEL', 3);
  const firstSeed = envInt('BENCH_SEED', Date.now() % 1_000_000);
  heading(`fidelity: recovery on the sim vs AWS (${runs} seeded runs per fault, speed ${speed}, ${parallel} regions at once, seeds ${firstSeed}…)`);
  const started = performance.now();
  // BENCH_FIDELITY_FAULTS=a,b runs only those faults (names as in the table).
  const only = (process.env.BENCH_FIDELITY_FAULTS ?? '').split(',').filter((f) => f !== '');
  const unknown = only.find((f) => !CASES.some((c) => c.name === f));
  if (unknown !== undefined) throw new Error(`BENCH_FIDELITY_FAULTS names '${unknown}'; the faults are ${CASES.map((c) => c.name).join(', ')}.`);
  const selected = CASES.filter((c) => only.length === 0 || only.includes(c.name));
  const jobs = selected.flatMap((c) => {
    const regions = Math.min(runs, c.regions ?? runs);
    return Array.from({ length: regions }, (_, i) => ({
      heavy: c.topology !== undefined,
      run: () => runsOnRegion(c, firstSeed + i * 1_000, Math.floor(runs / regions) + (i < runs % regions ? 1 : 0), speed),
    }));
  });
  const all = (await lanes(jobs, parallel)).flat().sort((a, b) => CASES.findIndex((c) => c.name === a.fault) - CASES.findIndex((c) => c.name === b.fault));

  const widths = { fault: 23, n: 7, p50: 8, p95: 8, min: 8, aws: 48 };
  console.log(
    `  ${pad('fault', widths.fault)}${pad('runs', widths.n)}${padStart('p50', widths.p50)}${padStart('p95', widths.p95)}${padStart('min', widths.min)}  ${pad('AWS documents', widths.aws)}status`,
  );
  const rows: SummaryRow[] = [];
  const cases = selected.map((c) => {
    const mine = all.filter((r) => r.fault === c.name);
    const d = recoveryStats(mine);
    const assumed = assumedOf(c);
    const verdicts: Record<string, number> = {};
    for (const r of mine) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
    const available = !(c.pending === true && d.n === 0);
    const floorOk = c.aws.floorMs === undefined ? null : d.n > 0 && d.min >= c.aws.floorMs;
    const status = !available ? 'INFO' : floorOk === null ? 'INFO' : passMiss(floorOk);
    const shown = available
      ? `${pad(`${d.n}/${mine.length}`, widths.n)}${padStart(awsSeconds(d.p50), widths.p50)}${padStart(awsSeconds(d.p95), widths.p95)}${padStart(awsSeconds(d.min), widths.min)}`
      : pad('not available yet', widths.n + widths.p50 + widths.p95 + widths.min);
    console.log(`  ${pad(c.name, widths.fault)}${shown}  ${pad(c.aws.text, widths.aws)}${status}`);
    console.log(`  ${' '.repeat(widths.fault)}depends on ${c.timings.join(', ')}; ${c.configured}`);
    console.log(`  ${' '.repeat(widths.fault)}assumed (AWS publishes no figure): ${assumed.length === 0 ? 'none' : assumed.join(', ')}`);
    console.log(
      `  ${' '.repeat(widths.fault)}verdicts ${Object.entries(verdicts)
        .map(([v, n]) => `${v} ×${n}`)
        .join(', ')}`,
    );
    for (const r of mine.filter((x) => x.error !== undefined || x.recoveryAws === null).slice(0, 2))
      console.log(`  ${' '.repeat(widths.fault)}seed ${r.seed} run ${r.run}: ${r.verdict}: ${r.reason}`);
    rows.push({
      metric: `${c.name}: recovery p50 / p95 (AWS)`,
      value: available ? `${awsSeconds(d.p50)} / ${awsSeconds(d.p95)} (${d.recovered}/${d.n} recovered)` : 'not available yet',
      target: c.aws.floorMs === undefined ? 'info' : `min ≥ ${seconds(c.aws.floorMs)}`,
      status,
    });
    return { fault: c.name, aws: c.aws, timings: c.timings, assumed, configured: c.configured, available, recoveryAws: d, verdicts, floorOk };
  });
  const wall = (performance.now() - started) / S;
  console.log(
    `  ${all.length} runs in ${wall.toFixed(0)} s wall. runs: injected / attempted (an attempt whose steady state did not hold injects nothing and is retried);`,
  );
  console.log(`  recovery: the journal's time to recovery (injection → first stable window), AWS time; 'never': not within the experiment's timeout`);

  const resultFile = await writeResult(NAME, { config: { runs, speed, parallel, firstSeed, wallSeconds: wall }, cases, runs: all });
  console.log(`  raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
