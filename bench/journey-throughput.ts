/**
 * Journey throughput on loopback: how many user journeys per second one gameday process sustains with http.journey
 * probes, each journey a POST /orders that captures the new order's id and a GET /orders/<id> that reads it back.
 *
 * The target is an order service in a child process (bench/orders-server-child.ts), so it does not compete with the
 * measuring process's event loop. N continuous `ProbeSampler`s (intervalMs 0 and fastIntervalMs 0) over
 * `httpJourneyProbe.open(...)` sessions, as the runner builds them, each with its own keep-alive connection; journeys
 * are counted in `onSample`. Each measurement: fresh samplers, a warm-up, then a fixed wall-clock window; only
 * journeys completed within the window count. Reported: the median journeys/s over the rounds, client CPU time per
 * journey, event-loop utilisation and the server's CPU. The target is 2,000 journeys/s at N = 16 (4,000 requests/s,
 * 0.8 × probe-throughput's 5,000 single probes/s): a journey's own work (captures, substitution) must not cost more
 * than a fifth of its requests' throughput.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { httpJourneyProbe } from '../src/probes/net/http-journey.js';
import type { TargetReady, TargetStats } from './target-server.js';
import {
  envInt,
  heading,
  int,
  isMain,
  median,
  padStart,
  passMiss,
  runStandalone,
  sleep,
  writeResult,
  type BenchOutcome,
  type SummaryRow,
  startProbeSamplers,
  type RunningSamplers,
} from './common.js';

const NAME = 'journey-throughput';
const TARGET_JOURNEYS = 2_000;
const TARGET_N = 16;

interface Measurement {
  n: number;
  round: number;
  windowMs: number;
  ok: number;
  failed: number;
  journeysPerSec: number;
  clientCpuUsPerJourney: number;
  clientElu: number;
  serverRequestsPerSec: number;
  serverCpu: number;
}

/** The order service in its child process: its first line, its stats on request, and how to stop it. */
async function startTarget(): Promise<{ ready: TargetReady; stats(): Promise<TargetStats>; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./orders-server-child.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const line = await lines.next();
    if (line.done === true) throw new Error('the order service exited');
    return JSON.parse(line.value);
  };
  const ready = (await next()) as TargetReady;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready,
    stats: async () => {
      child.stdin.write('stats\n');
      return (await next()) as TargetStats;
    },
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function startJourneys(url: string, n: number): RunningSamplers {
  const args = httpJourneyProbe.args.parse({
    steps: [
      { method: 'POST', url: `${url}/orders`, body: '{"item":"x"}', expect: 201, capture: { id: '$.id' } },
      { method: 'GET', url: `${url}/orders/\${id}`, expect: 200 },
    ],
    limit: '1s',
  });
  return startProbeSamplers(httpJourneyProbe, args, n, 'bench-journey-throughput');
}

async function measureOnce(
  target: Awaited<ReturnType<typeof startTarget>>,
  n: number,
  round: number,
  warmupMs: number,
  windowMs: number,
): Promise<Measurement> {
  const running = startJourneys(target.ready.url, n);
  try {
    await sleep(warmupMs);
    const ok0 = running.ok();
    const failed0 = running.failed();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const s0 = await target.stats();
    const t0 = performance.now();
    await sleep(windowMs);
    const count = running.ok() - ok0;
    const failed = running.failed() - failed0;
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const s1 = await target.stats();
    const serverElapsed = performance.now() - t0;
    return {
      n,
      round,
      windowMs: elapsed,
      ok: count,
      failed,
      journeysPerSec: (count * 1_000) / elapsed,
      clientCpuUsPerJourney: count === 0 ? NaN : (cpu.user + cpu.system) / count,
      clientElu: elu.utilization,
      serverRequestsPerSec: ((s1.requests - s0.requests) * 1_000) / serverElapsed,
      serverCpu: (s1.cpuUserUs + s1.cpuSystemUs - s0.cpuUserUs - s0.cpuSystemUs) / 1_000 / serverElapsed,
    };
  } finally {
    await running.stop();
  }
}

export async function main(): Promise<BenchOutcome> {
  const rounds = envInt('BENCH_ROUNDS', 3);
  const windowMs = envInt('BENCH_WINDOW_MS', 3_000);
  const warmupMs = envInt('BENCH_WARMUP_MS', 500);
  const ns = (process.env['BENCH_NS'] ?? `${TARGET_N},1`)
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  heading(`journey throughput (loopback HTTP, POST then GET per journey, ${rounds} rounds × ${windowMs / 1_000} s, N = ${ns.join(', ')})`);
  const target = await startTarget();
  console.log(`  target: order service in child process ${target.ready.pid} at ${target.ready.url}`);
  const measurements: Measurement[] = [];
  try {
    await measureOnce(target, TARGET_N, 0, 200, 800);
    for (let round = 1; round <= rounds; round++) {
      for (const n of ns) {
        const m = await measureOnce(target, n, round, warmupMs, windowMs);
        measurements.push(m);
        console.log(
          `  round ${m.round}  N=${padStart(String(m.n), 2)}${padStart(int(m.journeysPerSec), 7)} journeys/s  (${int(m.ok)} in ${(m.windowMs / 1_000).toFixed(2)} s, ${m.failed} failed)` +
            `  client ${m.clientCpuUsPerJourney.toFixed(1)} µs CPU/journey, ELU ${m.clientElu.toFixed(2)}  server ${int(m.serverRequestsPerSec)} req/s, CPU ${(m.serverCpu * 100).toFixed(0)}%`,
        );
      }
    }
  } finally {
    await target.stop();
  }
  const rows: SummaryRow[] = [];
  const summary = ns.map((n) => {
    const of = measurements.filter((m) => m.n === n);
    const rate = median(of.map((m) => m.journeysPerSec));
    const failed = of.reduce((s, m) => s + m.failed, 0);
    const cpu = median(of.map((m) => m.clientCpuUsPerJourney));
    const row: SummaryRow =
      n === TARGET_N
        ? {
            metric: `N=${n} journeys (2 requests each)`,
            value: `${int(rate)} journeys/s`,
            target: `≥ ${int(TARGET_JOURNEYS)}/s`,
            status: passMiss(rate >= TARGET_JOURNEYS && failed === 0),
          }
        : { metric: `N=${n} journeys (2 requests each)`, value: `${int(rate)} journeys/s`, target: 'info', status: 'INFO' };
    rows.push(row);
    console.log(`  N=${padStart(String(n), 2)}  median ${int(rate)} journeys/s, ${cpu.toFixed(1)} µs CPU/journey, ${failed} failed  ${row.status}`);
    return { n, journeysPerSec: rate, clientCpuUsPerJourney: cpu, failed };
  });
  const resultFile = await writeResult(NAME, { config: { rounds, windowMs, warmupMs, ns, targetJourneys: TARGET_JOURNEYS }, summary, measurements });
  console.log(`  raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
