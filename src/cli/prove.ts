import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Finding, Proof } from '../audit/finding.js';
import type { Journal } from '../engine/journal.js';
import { newRunId, runExperiment } from '../engine/runner.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { writeJournalFile } from '../report/journal-file.js';
import { headlineMeasures, objectiveValues } from '../report/markdown.js';
import { operatorPolicyFrom } from '../safety/plan.js';
import { prepareRun } from './run-setup.js';

/** The file name of the twin topology, beside which every experiment is written: their `environment.topology`. */
export const TWIN_FILE = 'twin.yaml';

export interface ProveOptions {
  /** The twin topology, YAML text, as `--write-experiments` writes it. */
  twin: string;
  /** Directory of the journals. */
  results: string;
  /** Speed of each run's simulated region; the experiment's (or $GAMEDAY_SPEED) when not given. */
  speed?: number | undefined;
  /** One line per run started and ended. */
  progress?(line: string): void;
  signal?: AbortSignal | undefined;
}

/**
 * Runs every finding's experiment on the twin, one after another, each on a fresh simulated region in this process
 * (as `gameday run` does), so no run sees what another did to the twin. A finding is `confirmed` when its run broke
 * the hypothesis, `refuted` when the architecture held, `error` when the run said nothing about the finding.
 */
export async function proveFindings(findings: readonly Finding[], options: ProveOptions): Promise<Proof[]> {
  const provable = findings.filter((f) => f.experiment !== undefined);
  await mkdir(options.results, { recursive: true });
  const proofs: Proof[] = [];
  for (const [i, finding] of provable.entries()) {
    if (options.signal?.aborted === true) break;
    options.progress?.(`prove ${i + 1}/${provable.length}: ${finding.rule} (${finding.experiment?.file})…`);
    const proof = await proveOne(finding, options);
    options.progress?.(`prove ${i + 1}/${provable.length}: ${finding.rule}: ${proof.outcome}${proof.verdict === undefined ? '' : ` (${proof.verdict})`}`);
    proofs.push(proof);
  }
  return proofs;
}

async function proveOne(finding: Finding, options: ProveOptions): Promise<Proof> {
  const started = performance.now();
  const base = { rule: finding.rule, evidence: finding.evidence };
  const dir = await mkdtemp(join(tmpdir(), 'gameday-prove-'));
  try {
    const experiment = finding.experiment;
    if (experiment === undefined) throw new Error(`${finding.rule} has no experiment`); // filtered out by the caller
    await writeFile(join(dir, TWIN_FILE), options.twin);
    const file = join(dir, experiment.file);
    await writeFile(file, experiment.yaml);
    const registry = defaultRegistry();
    const runId = newRunId();
    const world = await prepareRun(file, { registry, runId, ...(options.speed === undefined ? {} : { speed: options.speed }) });
    let journal: Journal;
    try {
      journal = await runExperiment(world.loaded, {
        registry,
        aws: world.aws,
        runId,
        operator: operatorPolicyFrom(process.env),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      await world.close();
    }
    const path = join(options.results, `${runId}.json`);
    await writeJournalFile(path, journal);
    const wallMs = performance.now() - started;
    const outcome = outcomeOf(journal);
    return {
      ...base,
      outcome,
      verdict: journal.verdict.status,
      measurements: journalMeasurements(journal),
      journal: path,
      ...(outcome === 'error' ? { error: journal.verdict.reason } : {}),
      wallMs,
    };
  } catch (error) {
    // An experiment the twin cannot run (invalid, refused before it started) proves nothing either way.
    return { ...base, outcome: 'error', measurements: [], error: error instanceof Error ? error.message : String(error), wallMs: performance.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What a verdict says about the finding. A broken objective or a system that did not recover confirms it, and so does
 * a stop condition tripped after the injection: a stop condition is the steady state declared broken (for the zone-loss
 * proof, the account's own HealthyHostCount alarm, whose threshold is the need under test). A run that never injected
 * (the twin was not steady to begin with), was aborted otherwise (operator, kill switch) or errored says nothing about it.
 */
export function outcomeOf(journal: Journal): Proof['outcome'] {
  switch (journal.verdict.status) {
    case 'passed':
      return 'refuted';
    case 'failed-objective':
    case 'not-recovered':
      return 'confirmed';
    case 'not-steady':
      return journal.measurement.injectedAt === null ? 'error' : 'confirmed';
    case 'aborted':
      return journal.measurement.injectedAt !== null && journal.stopConditions.some((c) => c.trippedAt !== null) ? 'confirmed' : 'error';
    default:
      return 'error';
  }
}

/** The journal's headline numbers in AWS time, as the run's own reports word them, and every objective's result. */
export function journalMeasurements(j: Journal): Proof['measurements'] {
  const rows: [string, string][] = [
    ...headlineMeasures(j),
    ...j.objectives.map((o): [string, string] => {
      const v = objectiveValues(o);
      return [`objective ${o.objective}`, `${o.status}: measured ${v.measured}, target ${v.target}`];
    }),
  ];
  return rows.map(([name, value]) => ({ name, value }));
}
