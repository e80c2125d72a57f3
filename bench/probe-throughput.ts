/**
 * Probe throughput on loopback: how many HTTP probes per second gameday's probe path sustains, next to the ceiling
 * of a bare undici loop against the same server.
 *
 * The target is a `Workload` in a child process (bench/target-server.ts), so it does not compete with the
 * measuring process's event loop (on a 2-core machine each side gets about one core). Contenders, with the same N
 * concurrent keep-alive connections each:
 *   raw     — N `undici.Client`s, each `request({ path: '/health', method: 'GET' })` then `body.dump()` in a tight loop;
 *   gameday — N `ProbeSampler`s over `httpProbe.open(...)` sessions, intervalMs 0 and fastIntervalMs 0 (continuous
 *             sampling), the probe's default tolerance, the system clock; samples counted in `onSample`.
 * Each measurement: a fresh contender, a warm-up, then a fixed wall-clock window; only samples completed within
 * the window count. Rounds alternate the order of the contenders (raw first, then gameday first, …) so drift in
 * the shared machine's load does not favour either. Reported: the median probes/s over the rounds, gameday/raw
 * as the median of the per-round ratios (each round pairs both contenders back to back), plus client CPU time per
 * probe (steadier than rates on a loaded machine), event-loop utilisation and the server's CPU.
 * Targets (from the issue): gameday ≥ 5,000 probes/s and ≥ 0.7 × raw.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { httpProbe } from '../src/probes/net/http.js';
import type { TargetReady, TargetStats } from './target-server.js';
import {
  envInt,
  heading,
  int,
  isMain,
  median,
  pad,
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

const NAME = 'probe-throughput';
const TARGET_RATE = 5_000;
const TARGET_RATIO = 0.7;

type Kind = 'raw' | 'gameday';

/** A contender while it runs: counters of completed probes, and how to stop it. */
interface Running {
  ok(): number;
  failed(): number;
  stop(): Promise<void>;
}

export interface Measurement {
  kind: Kind;
  n: number;
  round: number;
  windowMs: number;
  ok: number;
  failed: number;
  /** Successful probes per second within the window. */
  rate: number;
  /** CPU time of the measuring process per successful probe (user + system, µs). */
  clientCpuUsPerProbe: number;
  /** Event-loop utilisation of the measuring process during the window (0..1). */
  clientElu: number;
  /** Requests the server counted per second over (about) the same window. */
  serverRate: number;
  /** CPU use of the server process over (about) the same window, as a share of one core. */
  serverCpu: number;
}

/** The target server in its child process. */
class Target {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #queue: string[] = [];
  readonly #waiters: { resolve(line: string): void; reject(error: Error): void }[] = [];
  #exited: Error | null = null;
  readonly #exit: Promise<void>;

  private constructor(child: ChildProcessByStdio<Writable, Readable, null>) {
    this.#child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#queue.push(line);
      else waiter.resolve(line);
    });
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exited = new Error(`the target server exited (code ${String(code)}, signal ${String(signal)})`);
        for (const w of this.#waiters.splice(0)) w.reject(this.#exited);
        resolve();
      });
    });
  }

  static async start(): Promise<{ target: Target; ready: TargetReady }> {
    const script = fileURLToPath(new URL('./target-server.js', import.meta.url));
    const target = new Target(spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const message: unknown = JSON.parse(await target.#next(15_000));
    if (!isReady(message)) throw new Error(`unexpected first line from the target server: ${JSON.stringify(message)}`);
    return { target, ready: message };
  }

  async stats(): Promise<TargetStats> {
    this.#child.stdin.write('stats\n');
    const message: unknown = JSON.parse(await this.#next(10_000));
    if (!isStats(message)) throw new Error(`unexpected answer from the target server: ${JSON.stringify(message)}`);
    return message;
  }

  async stop(): Promise<void> {
    if (this.#exited === null) {
      this.#child.stdin.end();
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
      await this.#exit;
      clearTimeout(timer);
    }
  }

  #next(timeoutMs: number): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exited !== null) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (line: string): void => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error: Error): void => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new Error(`the target server did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}

function isReady(m: unknown): m is TargetReady {
  const r = m as Partial<TargetReady> | null;
  return typeof r === 'object' && r !== null && r.type === 'ready' && typeof r.port === 'number' && typeof r.url === 'string';
}

function isStats(m: unknown): m is TargetStats {
  const r = m as Partial<TargetStats> | null;
  return typeof r === 'object' && r !== null && r.type === 'stats' && typeof r.requests === 'number' && typeof r.cpuUserUs === 'number';
}

/** The ceiling: N keep-alive undici clients in tight request/dump loops. */
function startRaw(url: string, n: number): Running {
  let ok = 0;
  let failed = 0;
  let stopped = false;
  const clients = Array.from({ length: n }, () => new Client(url));
  const loops = clients.map(async (client) => {
    while (!stopped) {
      try {
        const res = await client.request({ path: '/health', method: 'GET' });
        await res.body.dump();
        if (res.statusCode === 200) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  });
  return {
    ok: () => ok,
    failed: () => failed,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** gameday's probe path: N continuous samplers over http probe sessions, as the runner builds them. */
function startGameday(url: string, n: number): Running {
  return startProbeSamplers(httpProbe, httpProbe.args.parse({ url: `${url}/health` }), n, 'bench-probe-throughput');
}

async function measureOnce(target: Target, url: string, kind: Kind, n: number, round: number, warmupMs: number, windowMs: number): Promise<Measurement> {
  const running = kind === 'raw' ? startRaw(url, n) : startGameday(url, n);
  try {
    await sleep(warmupMs);
    const ok0 = running.ok();
    const failed0 = running.failed();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const s0 = await target.stats();
    const s0At = performance.now();
    await sleep(Math.max(0, windowMs - (s0At - t0)));
    const ok1 = running.ok();
    const failed1 = running.failed();
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const s1 = await target.stats();
    const s1At = performance.now();
    const elapsed = t1 - t0;
    const count = ok1 - ok0;
    const serverElapsed = s1At - s0At;
    return {
      kind,
      n,
      round,
      windowMs: elapsed,
      ok: count,
      failed: failed1 - failed0,
      rate: (count * 1_000) / elapsed,
      clientCpuUsPerProbe: count === 0 ? NaN : (cpu.user + cpu.system) / count,
      clientElu: elu.utilization,
      serverRate: ((s1.requests - s0.requests) * 1_000) / serverElapsed,
      serverCpu: (s1.cpuUserUs + s1.cpuSystemUs - s0.cpuUserUs - s0.cpuSystemUs) / 1_000 / serverElapsed,
    };
  } finally {
    await running.stop();
  }
}

function describe(m: Measurement): string {
  return (
    `  round ${m.round}  N=${padStart(String(m.n), 2)}  ${pad(m.kind, 8)}${padStart(int(m.rate), 7)} probes/s` +
    `  (${int(m.ok)} in ${(m.windowMs / 1_000).toFixed(2)} s, ${m.failed} failed)` +
    `  client ${m.clientCpuUsPerProbe.toFixed(1)} µs CPU/probe, ELU ${m.clientElu.toFixed(2)}` +
    `  server ${int(m.serverRate)} req/s, CPU ${(m.serverCpu * 100).toFixed(0)}%`
  );
}

export async function main(): Promise<BenchOutcome> {
  const rounds = envInt('BENCH_ROUNDS', 3);
  const windowMs = envInt('BENCH_WINDOW_MS', 3_000);
  const warmupMs = envInt('BENCH_WARMUP_MS', 500);
  const ns = (process.env['BENCH_NS'] ?? '16,1')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  heading(`probe throughput (loopback HTTP, ${rounds} rounds × ${windowMs / 1_000} s per contender, N = ${ns.join(', ')})`);
  const { target, ready } = await Target.start();
  const url = ready.url;
  console.log(`  target: Workload in child process ${ready.pid} at ${url}/health`);
  const measurements: Measurement[] = [];
  try {
    // Untimed warm-up of both code paths (JIT, connection setup) before anything is recorded.
    for (const kind of ['raw', 'gameday'] as const) await measureOnce(target, url, kind, 16, 0, 200, 800);
    for (let round = 1; round <= rounds; round++) {
      const order: Kind[] = round % 2 === 1 ? ['raw', 'gameday'] : ['gameday', 'raw'];
      for (const n of ns) {
        for (const kind of order) {
          const m = await measureOnce(target, url, kind, n, round, warmupMs, windowMs);
          measurements.push(m);
          console.log(describe(m));
        }
      }
    }
  } finally {
    await target.stop();
  }

  const rows: SummaryRow[] = [];
  const perN = ns.map((n) => {
    const of = (kind: Kind): Measurement[] => measurements.filter((m) => m.n === n && m.kind === kind);
    const raw = of('raw');
    const gd = of('gameday');
    const rawRate = median(raw.map((m) => m.rate));
    const gdRate = median(gd.map((m) => m.rate));
    // Each round measures both contenders back to back, so the per-round ratio cancels most of the drift in the
    // shared machine's load; their median is the reported ratio.
    const paired = raw.map((r) => (gd.find((g) => g.round === r.round)?.rate ?? NaN) / r.rate);
    const ratio = median(paired);
    return {
      n,
      rawProbesPerSec: rawRate,
      gamedayProbesPerSec: gdRate,
      ratio,
      pairedRatios: paired,
      ratioOfMedians: gdRate / rawRate,
      rawCpuUsPerProbe: median(raw.map((m) => m.clientCpuUsPerProbe)),
      gamedayCpuUsPerProbe: median(gd.map((m) => m.clientCpuUsPerProbe)),
      failed: { raw: raw.reduce((s, m) => s + m.failed, 0), gameday: gd.reduce((s, m) => s + m.failed, 0) },
      rateTarget: gdRate >= TARGET_RATE,
      ratioTarget: ratio >= TARGET_RATIO,
    };
  });

  console.log('\n  medians over rounds (rates, CPU per probe) and the median per-round ratio:');
  for (const r of perN) {
    console.log(
      `  N=${padStart(String(r.n), 2)}  raw ${padStart(int(r.rawProbesPerSec), 7)} probes/s (${r.rawCpuUsPerProbe.toFixed(1)} µs CPU/probe)` +
        `   gameday ${padStart(int(r.gamedayProbesPerSec), 7)} probes/s (${r.gamedayCpuUsPerProbe.toFixed(1)} µs CPU/probe)` +
        `   gameday/raw ${r.ratio.toFixed(3)} (median of rounds ${r.pairedRatios.map((x) => x.toFixed(3)).join(', ')}; ratio of medians ${r.ratioOfMedians.toFixed(3)})`,
    );
    console.log(`         ${passMiss(r.rateTarget)}  gameday ≥ ${int(TARGET_RATE)} probes/s: ${int(r.gamedayProbesPerSec)}`);
    console.log(`         ${passMiss(r.ratioTarget)}  gameday/raw ≥ ${TARGET_RATIO}: ${r.ratio.toFixed(3)}`);
    if (r.failed.raw + r.failed.gameday > 0) console.log(`         note: failed probes within the windows: raw ${r.failed.raw}, gameday ${r.failed.gameday}`);
    rows.push(
      { metric: `N=${r.n} raw undici loop`, value: `${int(r.rawProbesPerSec)} probes/s`, target: 'ceiling', status: 'INFO' },
      {
        metric: `N=${r.n} gameday sampler`,
        value: `${int(r.gamedayProbesPerSec)} probes/s`,
        target: `≥ ${int(TARGET_RATE)}/s`,
        status: passMiss(r.rateTarget),
      },
      { metric: `N=${r.n} gameday/raw`, value: r.ratio.toFixed(3), target: `≥ ${TARGET_RATIO}`, status: passMiss(r.ratioTarget) },
    );
  }

  const resultFile = await writeResult(NAME, {
    config: { rounds, windowMs, warmupMs, ns, targetRate: TARGET_RATE, targetRatio: TARGET_RATIO, server: 'Workload in a child process' },
    summary: perN,
    measurements,
  });
  console.log(`  raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
