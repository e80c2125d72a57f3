/**
 * Recovery-time measurement error: how far gameday's measured instants are from the truth, end to end.
 *
 * Each run starts a real `Workload` (HTTP server) and its control endpoint in this process, builds an experiment
 * as YAML text (one http probe on /health every 1 s; one `http.request` fault calling
 * `/outage?for=<D>&mode=refuse`, with D drawn from 2–4 s with a random sub-second part; recovery stableFor 2 s),
 * parses it with `parseExperiment` and runs it with `runExperiment` and the default registry, as `gameday run` does.
 * The truth is the workload's own record of when it stopped and started serving (performance.now() instants,
 * the same monotonic clock as the run), converted to journal time:
 *   truth_rel = (performance.timeOrigin + at) − journal.startedAtEpochMs.
 * Compared: measured recovery instant vs the true up instant; measured time to recovery vs the true outage length
 * (up − down); measured impact instant vs the true down instant; and whether each truth lies inside the bracket
 * [lower, upper] the journal reports. Target: absolute error ≤ 50 ms.
 */
import { performance } from 'node:perf_hooks';
import type { Journal } from '../src/engine/journal.js';
import { runExperiment } from '../src/engine/runner.js';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { awsTargetFor } from '../src/aws/target.js';
import { parseExperiment } from '../src/experiment/load.js';
import { defaultRegistry } from '../src/registry/default-registry.js';
import { serveWorkloadControl, Workload } from '../src/sim/workload.js';
import {
  distribution,
  envInt,
  heading,
  isMain,
  ms,
  pad,
  padStart,
  passMiss,
  runStandalone,
  writeResult,
  type BenchOutcome,
  type Distribution,
  type SummaryRow,
} from './common.js';
import { seededRandom } from '../src/experiment/selection.js';

const NAME = 'measurement-error';
const TARGET_MS = 50;

type Quantity = 'recoveredAt' | 'timeToRecovery' | 'impactAt';
const QUANTITIES: readonly Quantity[] = ['recoveredAt', 'timeToRecovery', 'impactAt'];
const LABEL: Record<Quantity, string> = {
  recoveredAt: 'recovery instant',
  timeToRecovery: 'time to recovery',
  impactAt: 'impact instant',
};

interface Comparison {
  truth: number;
  measured: number | null;
  lower: number | null;
  upper: number | null;
  /** measured − truth (ms); null when nothing was measured. */
  error: number | null;
  inBracket: boolean;
}

export interface RunResult {
  run: number;
  outage: string;
  outageMs: number;
  verdict: string;
  reason: string;
  durationMs: number;
  samples: number;
  fastSamples: number;
  comparisons: Record<Quantity, Comparison>;
}

function experimentText(url: string, control: string, outage: string): string {
  return `apiVersion: gameday/v1
metadata:
  name: bench-measurement-error
steadyState: { samples: 2 }
probes:
  - name: web
    probe: http
    args:
      url: "${url}/health"
    interval: 1s
faults:
  - name: outage
    action: http.request
    args:
      url: "${control}/outage?for=${outage}&mode=refuse"
      expectStatus: [200]
recovery: { stableFor: 2s, timeout: 30s }
`;
}

function compare(truth: number, b: { value: number; lower: number; upper: number } | null): Comparison {
  if (b === null) return { truth, measured: null, lower: null, upper: null, error: null, inBracket: false };
  return { truth, measured: b.value, lower: b.lower, upper: b.upper, error: b.value - truth, inBracket: b.lower <= truth && truth <= b.upper };
}

async function runOnce(run: number, outageMs: number): Promise<RunResult> {
  const registry = defaultRegistry();
  const workload = await new Workload({ name: 'bench-web' }).start();
  const control = await serveWorkloadControl(workload);
  const outage = `${(outageMs / 1_000).toFixed(2)}s`;
  const started = performance.now();
  let journal: Journal;
  try {
    const loaded = parseExperiment(experimentText(workload.url, control.url, outage), 'bench/measurement-error.yaml', { registry, env: {} });
    // The run makes no AWS call; the engine is still given its clients, as every caller gives them.
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, process.env));
    try {
      journal = await runExperiment(loaded, { registry, aws });
    } finally {
      await aws.destroy();
    }
  } finally {
    await control.close();
    await workload.close();
  }
  const durationMs = performance.now() - started;
  const down = workload.transitions.findLast((t) => !t.up);
  const up = workload.transitions.findLast((t) => t.up);
  if (down === undefined || up === undefined || up.at <= down.at) {
    throw new Error(
      `run ${run}: the workload did not go down and come back (transitions ${JSON.stringify(workload.transitions)}); verdict ${journal.verdict.status}: ${journal.verdict.reason}`,
    );
  }
  const rel = (at: number): number => performance.timeOrigin + at - journal.startedAtEpochMs;
  const trueDown = rel(down.at);
  const trueUp = rel(up.at);
  const m = journal.measurement;
  const probe = journal.probes[0];
  return {
    run,
    outage,
    outageMs,
    verdict: journal.verdict.status,
    reason: journal.verdict.reason,
    durationMs,
    samples: probe?.samples.count ?? 0,
    fastSamples: m.probes['web']?.fastSamples ?? 0,
    comparisons: {
      recoveredAt: compare(trueUp, m.recoveredAt),
      timeToRecovery: compare(trueUp - trueDown, m.timeToRecovery),
      impactAt: compare(trueDown, m.impactAt),
    },
  };
}

function fmtSigned(n: number | null): string {
  if (n === null) return 'n/a';
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

export async function main(): Promise<BenchOutcome> {
  const runs = envInt('BENCH_RUNS', 20);
  const seed = envInt('BENCH_SEED', Date.now() % 1_000_000);
  const random = seededRandom(seed);
  heading(`measurement error (${runs} runs of a real outage of 2–4 s, probe interval 1 s, seed ${seed})`);
  console.log(
    `  ${pad('run', 4)}${pad('outage', 8)}${pad('verdict', 15)}${padStart('recovery err', 13)}${padStart('TTR err', 10)}${padStart('impact err', 12)}  in bracket (rec/ttr/imp)  bracket width (rec)`,
  );
  const results: RunResult[] = [];
  for (let i = 1; i <= runs; i++) {
    // 2.00 s … 3.99 s in 10 ms steps: the outage ends at a random phase of the probe's fast sampling.
    const outageMs = 2_000 + Math.floor(random() * 200) * 10;
    const r = await runOnce(i, outageMs);
    results.push(r);
    const c = r.comparisons;
    const width = c.recoveredAt.upper === null || c.recoveredAt.lower === null ? NaN : c.recoveredAt.upper - c.recoveredAt.lower;
    console.log(
      `  ${pad(String(i), 4)}${pad(r.outage, 8)}${pad(r.verdict, 15)}${padStart(fmtSigned(c.recoveredAt.error), 13)}${padStart(fmtSigned(c.timeToRecovery.error), 10)}` +
        `${padStart(fmtSigned(c.impactAt.error), 12)}  ${pad(QUANTITIES.map((q) => (c[q].inBracket ? 'yes' : 'NO')).join('/'), 25)}${ms(width)}`,
    );
  }

  const stats = Object.fromEntries(
    QUANTITIES.map((q) => {
      const errors = results.map((r) => r.comparisons[q].error).filter((e): e is number => e !== null);
      const widths = results
        .map((r) => r.comparisons[q])
        .filter((c) => c.upper !== null && c.lower !== null)
        .map((c) => (c.upper ?? 0) - (c.lower ?? 0));
      return [
        q,
        {
          measuredRuns: errors.length,
          absError: distribution(errors.map(Math.abs)),
          signedError: distribution(errors),
          bracketWidth: distribution(widths),
          inBracket: results.filter((r) => r.comparisons[q].inBracket).length,
        },
      ];
    }),
  ) as Record<Quantity, { measuredRuns: number; absError: Distribution; signedError: Distribution; bracketWidth: Distribution; inBracket: number }>;

  const rows: SummaryRow[] = [];
  console.log(`\n  absolute error over ${runs} runs (ms)            min      p50      p95      max    bias(mean)  in bracket   bracket width p50`);
  for (const q of QUANTITIES) {
    const s = stats[q];
    const a = s.absError;
    const ok = s.measuredRuns === runs && a.max <= TARGET_MS;
    console.log(
      `  ${pad(LABEL[q], 44)}${padStart(a.min.toFixed(1), 6)}${padStart(a.p50.toFixed(1), 9)}${padStart(a.p95.toFixed(1), 9)}${padStart(a.max.toFixed(1), 9)}` +
        `${padStart(fmtSigned(s.signedError.mean), 12)}${padStart(`${s.inBracket}/${runs}`, 12)}${padStart(s.bracketWidth.p50.toFixed(1), 18)}   ${passMiss(ok)} (max ≤ ${TARGET_MS} ms)`,
    );
    rows.push(
      {
        metric: `${LABEL[q]}: |error| p50 / p95 / max`,
        value: `${a.p50.toFixed(1)} / ${a.p95.toFixed(1)} / ${a.max.toFixed(1)} ms`,
        target: `≤ ${TARGET_MS} ms`,
        status: passMiss(ok),
      },
      {
        metric: `${LABEL[q]}: truth within bracket`,
        value: `${s.inBracket}/${runs} (${((s.inBracket / runs) * 100).toFixed(0)}%)`,
        target: 'all',
        status: 'INFO',
      },
    );
  }
  const verdicts: Record<string, number> = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  console.log(
    `  verdicts: ${Object.entries(verdicts)
      .map(([v, n]) => `${v} ×${n}`)
      .join(', ')}; mean run length ${(results.reduce((s, r) => s + r.durationMs, 0) / runs / 1_000).toFixed(1)} s`,
  );

  const resultFile = await writeResult(NAME, {
    config: { runs, seed, probeInterval: '1s', outage: '2.00s–3.99s', stableFor: '2s', targetMs: TARGET_MS, errorSign: 'measured − truth, ms' },
    stats,
    verdicts,
    runs: results,
  });
  console.log(`  raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
