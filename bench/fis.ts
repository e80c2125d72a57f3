/**
 * The same AZ power interruption, native and through FIS, side by side on one topology (web-and-database, speed 30),
 * alternating runs: what gameday measures for each (verdict, time to recovery, lost writes), and the injection lag,
 * from gameday's injection instant to the region's first instance leaving `running` (ground truth), and the width
 * of the injection bracket. The native fault lands in its own API call; through FIS, the experiment initiates first
 * (about 2 s of AWS time), so gameday brackets the start of FIS's first fault action between its polls and takes
 * FIS's own start time inside that bracket, rather than the StartExperiment call.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runExperiment } from '../src/engine/runner.js';
import { parseExperiment } from '../src/experiment/load.js';
import { defaultRegistry } from '../src/registry/default-registry.js';
import { distribution, envInt, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';
import { events, onRegion } from './data-tier.js';

const SPEED = 30;

interface Run {
  mode: 'native' | 'fis';
  verdict: string;
  /** Time to recovery in AWS-equivalent ms (wall × speed). */
  rtoAws: number | null;
  lostWrites: number | null;
  /** Wall ms from gameday's injection instant to the first instance leaving `running`. */
  injectionLag: number | null;
  /** Wall ms between the bounds of the injection instant. */
  injectionWidth: number | null;
  /** Whether the truth lies within those bounds. */
  inBracket: boolean;
}

async function runOnce(mode: Run['mode']): Promise<Run> {
  const file = join(ROOT, 'experiments', mode === 'native' ? 'az-outage.yaml' : 'fis-az-power-interruption.yaml');
  const registry = defaultRegistry();
  return onRegion('web-and-database.yaml', SPEED, async (region, aws) => {
    const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
    const journal = await runExperiment(loaded, { registry, aws });
    const m = journal.measurement;
    const left = (await events(region, 0)).find((e) => e.kind === 'instance-state' && e.from === 'running' && e.epochMs > journal.startedAtEpochMs);
    const injected = m.injectedAt === null ? null : journal.startedAtEpochMs + m.injectedAt.value;
    return {
      mode,
      verdict: journal.verdict.status,
      rtoAws: m.timeToRecovery === null ? null : m.timeToRecovery.value * SPEED,
      lostWrites: journal.probes.find((p) => p.name === 'ledger')?.report?.lostWrites?.count ?? null,
      injectionLag: left === undefined || injected === null ? null : left.epochMs - injected,
      injectionWidth: m.injectedAt === null ? null : m.injectedAt.upper - m.injectedAt.lower,
      // The truth is recorded a moment after the call that caused it: allow a millisecond.
      inBracket:
        left !== undefined &&
        m.injectedAt !== null &&
        left.epochMs >= journal.startedAtEpochMs + m.injectedAt.lower - 1 &&
        left.epochMs <= journal.startedAtEpochMs + m.injectedAt.upper + 1,
    };
  });
}

export async function main(): Promise<BenchOutcome> {
  heading('FIS: the AZ power interruption, native and through FIS');
  const n = envInt('BENCH_FIS_RUNS', 3);
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) for (const mode of ['native', 'fis'] as const) runs.push(await runOnce(mode));
  const rows = (['native', 'fis'] as const).map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    const rto = distribution(mine.flatMap((r) => (r.rtoAws === null ? [] : [r.rtoAws])));
    const lag = distribution(mine.flatMap((r) => (r.injectionLag === null ? [] : [r.injectionLag])));
    const passed = mine.filter((r) => r.verdict === 'passed').length;
    const lost = mine.map((r) => r.lostWrites ?? '?').join(',');
    const width = distribution(mine.flatMap((r) => (r.injectionWidth === null ? [] : [r.injectionWidth])));
    const inBracket = mine.filter((r) => r.inBracket).length;
    console.log(
      `  ${mode.padEnd(6)} ${passed}/${mine.length} passed; RTO (AWS time) p50 ${(rto.p50 / 1_000).toFixed(1)} s, max ${(rto.max / 1_000).toFixed(1)} s; lost writes ${lost}; injection lag p50 ${ms(lag.p50)} max ${ms(lag.max)} wall (${((lag.p50 * SPEED) / 1_000).toFixed(2)} s AWS); injection bracket width p50 ${ms(width.p50)}, truth inside ${inBracket}/${mine.length}`,
    );
    return { mode, passed, rto, lag, lost, inBracket };
  });
  const resultFile = await writeResult('fis', { speed: SPEED, runs });
  return {
    name: 'fis',
    resultFile,
    rows: rows.flatMap((r) => [
      {
        metric: `${r.mode}: passed, RTO p50 (AWS time)`,
        value: `${r.passed}/${n}, ${(r.rto.p50 / 1_000).toFixed(1)} s`,
        target: 'info',
        status: 'INFO' as const,
      },
      { metric: `${r.mode}: injection lag p50 (wall)`, value: `${r.lag.p50.toFixed(1)} ms`, target: 'info', status: 'INFO' as const },
      { metric: `${r.mode}: truth inside injection bracket`, value: `${r.inBracket}/${n}`, target: 'all', status: passMiss(r.inBracket === n) },
    ]),
  };
}

if (isMain(import.meta.url)) runStandalone(main);
