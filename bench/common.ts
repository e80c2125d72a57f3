/**
 * Shared helpers of the benchmarks: where results go, summary statistics, formatting, and the standalone runner.
 * Benchmarks are not tests: a missed target prints MISS and never changes the exit code; only an error does.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { ProbeSampler } from '../src/engine/sampler.js';
import type { ActivityContext, AnyProbeDefinition, ProbeDefinition, ProbeSession } from '../src/registry/types.js';

/** Repository root (benchmarks run from dist/bench/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Raw results, one JSON file per benchmark (git-ignored). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export type Status = 'PASS' | 'MISS' | 'INFO';

/** One line of the summary table printed by run-all. */
export interface SummaryRow {
  metric: string;
  value: string;
  target: string;
  status: Status;
}

/** What every benchmark's `main` resolves to. */
export interface BenchOutcome {
  name: string;
  rows: SummaryRow[];
  resultFile: string;
}

export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Percentile by linear interpolation between closest ranks (p in [0, 100]) of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (rank - lo);
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] ?? NaN,
    mean,
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function passMiss(ok: boolean): Status {
  return ok ? 'PASS' : 'MISS';
}

/** `12,345` */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

/** Milliseconds with a fixed number of decimals. */
export function ms(n: number, digits = 1): string {
  return Number.isFinite(n) ? `${n.toFixed(digits)} ms` : String(n);
}

export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function sleep(msToWait: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msToWait));
}

/** Integer from the environment (for shortening or lengthening a benchmark), or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

/** Facts about the machine, stored with every result so numbers can be compared across runs. */
export function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    loadavg: loadavg(),
  };
}

/** Writes `bench/results/<name>.json` and returns its path. */
export async function writeResult(name: string, data: Record<string, unknown>): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const doc = { benchmark: name, finishedAt: new Date().toISOString(), machine: machine(), ...data };
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}`);
}

/** Whether the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(metaUrl);
}

/**
 * Runs a benchmark's `main` as a script: exit 1 on an error, 0 otherwise (misses included). If a handle is left
 * open after `main` resolves, says so and exits anyway after 5 s, so a leak shows without hanging the run.
 */
export function runStandalone(main: () => Promise<unknown>): void {
  main().then(
    () => {
      process.exitCode = 0;
      setTimeout(() => {
        console.warn('warning: handles were still open 5 s after the benchmark finished; exiting');
        process.exit(0);
      }, 5_000).unref();
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}

/**
 * Runs `dist/bench/<script>` in a fresh Node process (`--expose-gc`, so it measures its own RSS after a collection)
 * and gives the JSON objects it printed, one per stdout line; rejects when it exits non-zero.
 */
export function benchChild(script: string, args: readonly string[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(ROOT, 'dist', 'bench', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code ?? 'by signal'}`));
      resolve(
        out
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as unknown),
      );
    });
  });
}

/**
 * The context a probe session is opened with outside a run (probes of the network need no AWS: the client factory
 * points at a closed port), on the wall clock, stopped by `signal`.
 */
export function probeContext(runId: string, signal: AbortSignal): ActivityContext {
  return {
    runId,
    signal,
    clock: systemClock,
    logger: silentLogger,
    aws: new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
    speed: 1,
    recordCall: () => undefined,
  };
}

/** Samplers running back to back, as a probe's counts of good and failed samples show them; `stop` ends them. */
export interface RunningSamplers {
  ok(): number;
  failed(): number;
  stop(): Promise<void>;
}

/**
 * gameday's probe path under load: `n` continuous samplers (no interval) over sessions of `definition` with `args`,
 * as the runner builds them, counting the samples in and out of the probe's default tolerance.
 */
export function startProbeSamplers<A, T>(definition: ProbeDefinition<A, T>, args: A, n: number, runId: string): RunningSamplers {
  let ok = 0;
  let failed = 0;
  const life = new AbortController();
  const ctx = probeContext(runId, life.signal);
  const tolerance = definition.defaultTolerance;
  const sessions: ProbeSession[] = [];
  const samplers: ProbeSampler[] = [];
  for (let i = 0; i < n; i++) {
    const session = definition.open(args, ctx, tolerance);
    sessions.push(session);
    samplers.push(
      new ProbeSampler({
        name: `${definition.id}-${i + 1}`,
        definition: definition as AnyProbeDefinition,
        session,
        tolerance,
        intervalMs: 0,
        fastIntervalMs: 0,
        settleMs: 0,
        clock: systemClock,
        onSample: (_sampler, sample) => {
          if (sample.ok) ok++;
          else failed++;
        },
      }),
    );
  }
  for (const s of samplers) s.start();
  return {
    ok: () => ok,
    failed: () => failed,
    stop: async () => {
      await Promise.all(samplers.map((s) => s.stop()));
      await Promise.all(sessions.map((s) => s.close()));
      life.abort();
    },
  };
}
