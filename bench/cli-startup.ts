/**
 * CLI start-up: wall time of `node bin/gameday.js validate experiments/local-http-outage.yaml`, spawned from the
 * repository root as a user would run it (2 warm-ups, then 15 timed runs), next to `node -e ''` in the same run as
 * the floor that node itself costs. The two commands alternate so load on the shared machine hits both alike.
 * Time is measured from spawn to the child's exit ('close'), on the monotonic clock. Target: under 0.5 s (p50).
 * Needs the bundled CLI (dist/cli/, made by `npm run build`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  distribution,
  envInt,
  heading,
  isMain,
  pad,
  passMiss,
  ROOT,
  runStandalone,
  writeResult,
  type BenchOutcome,
  type Distribution,
  type SummaryRow,
} from './common.js';

const NAME = 'cli-startup';
const TARGET_MS = 500;

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function timeCommand(args: readonly string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      resolve({ ms, code, stdout, stderr });
    });
  });
}

export async function main(): Promise<BenchOutcome> {
  const warmups = envInt('BENCH_CLI_WARMUPS', 2);
  const runs = envInt('BENCH_CLI_RUNS', 15);
  const file = 'experiments/local-http-outage.yaml';
  const gameday = [join('bin', 'gameday.js'), 'validate', file];
  const baseline = ['-e', ''];
  heading(`CLI start-up (${runs} runs after ${warmups} warm-ups, alternating with node -e '')`);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'gameday.js'))) throw new Error('dist/cli/gameday.js is missing: run `npm run build` first (it bundles the CLI).');

  const times = { gameday: [] as number[], baseline: [] as number[] };
  let failure: Timed | null = null;
  let output = '';
  for (let i = 0; i < warmups + runs; i++) {
    const b = await timeCommand(baseline);
    const g = await timeCommand(gameday);
    if (g.code !== 0) failure ??= g;
    output = g.stdout.trim();
    if (i < warmups) continue;
    times.baseline.push(b.ms);
    times.gameday.push(g.ms);
  }
  if (failure !== null) throw new Error(`gameday validate exited with ${String(failure.code)}: ${failure.stderr.trim() || failure.stdout.trim()}`);

  const g = distribution(times.gameday);
  const b = distribution(times.baseline);
  const line = (label: string, d: Distribution): string =>
    `  ${pad(label, 66)} min ${d.min.toFixed(0).padStart(4)} ms   p50 ${d.p50.toFixed(0).padStart(4)} ms   max ${d.max.toFixed(0).padStart(4)} ms`;
  console.log(`  output: ${output}`);
  console.log(line(`node bin/gameday.js validate ${file}`, g));
  console.log(line(`node -e '' (baseline)`, b));
  console.log(`  gameday's own share (p50 − baseline p50): ${(g.p50 - b.p50).toFixed(0)} ms`);
  const ok = g.p50 < TARGET_MS;
  console.log(
    `  ${passMiss(ok)}  p50 < ${TARGET_MS} ms: ${g.p50.toFixed(0)} ms (max ${g.max.toFixed(0)} ms${g.max < TARGET_MS ? ', also under' : ', over'} the target)`,
  );

  const rows: SummaryRow[] = [
    {
      metric: 'validate: min / p50 / max',
      value: `${g.min.toFixed(0)} / ${g.p50.toFixed(0)} / ${g.max.toFixed(0)} ms`,
      target: `p50 < ${TARGET_MS} ms`,
      status: passMiss(ok),
    },
    { metric: "node -e '': min / p50 / max", value: `${b.min.toFixed(0)} / ${b.p50.toFixed(0)} / ${b.max.toFixed(0)} ms`, target: 'baseline', status: 'INFO' },
  ];
  const resultFile = await writeResult(NAME, {
    config: { warmups, runs, command: `node ${gameday.join(' ')}`, baseline: "node -e ''", targetMs: TARGET_MS, cwd: ROOT },
    gameday: { ...g, runsMs: times.gameday },
    baseline: { ...b, runsMs: times.baseline },
  });
  console.log(`  raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
