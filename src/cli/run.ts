import { systemClock } from '../core/clock.js';
import { join } from 'node:path';
import { prepareRun } from './run-setup.js';
import { newRunId, runExperiment } from '../engine/runner.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { makePlan, renderPlan } from './plan.js';
import { operatorPolicyFrom, type Plan } from '../safety/plan.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { AwsClientFactory } from '../aws/client-factory.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { createInterface } from 'node:readline/promises';
import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { renderHtml } from '../report/html.js';
import { renderJUnit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderTrials } from '../report/trials.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { Journal } from '../engine/journal.js';
import type { LiveView } from './live-view.js';
import { kindOfView, liveViewFor, onInterrupt, reportJournal, type RunOutputOptions } from './run-output.js';
import type { GlobalOptions } from './output.js';

export interface RunCommandOptions extends RunOutputOptions {
  seed?: number;
  /** Overrides environment.speed of a sim experiment. */
  speed?: number;
  /** Overrides environment.topology of a sim experiment. */
  topology?: string;
  /** Enqueue the run for a worker and follow it. */
  queue?: boolean;
  /** Enqueue, print the run id and return. */
  detach?: boolean;
  /** On the queue: wait for locked resources instead of refusing the run. */
  waitForLocks?: boolean;
  redis?: string;
  prefix?: string;
  /** aws: run the plan without asking. */
  yes?: boolean;
  /** Append-only audit log of every AWS call; default `<results>/audit.log`. */
  auditLog?: string;
  /** Also write the HTML, Markdown and JUnit reports of each run into this directory. */
  report?: string;
  /** aws: named profile of the credentials, instead of environment.profile. */
  profile?: string;
  /** Run the experiment this many times, waiting for the steady state between trials, and report the statistics. */
  trials?: number;
  /** Run the faults through AWS FIS, from a template gameday writes of them. */
  viaFis?: boolean;
  /** The FIS service role of that template. */
  fisRoleArn?: string;
  /** Wall-clock deadline of each rollback step, its retries included (a worker has its own). */
  rollbackTimeout?: number;
}

/** `gameday run FILE`: validates, runs in this process (or on the queue), writes the journal, exits with the verdict's code. */
export async function runCommand(globals: GlobalOptions, file: string, options: RunCommandOptions): Promise<number> {
  if (options.queue === true || options.detach === true) {
    if ((options.trials ?? 1) > 1 || options.report !== undefined || options.viaFis === true) {
      throw new GamedayError(
        ErrorCode.InvalidArgument,
        "--trials, --report and --via-fis run in this process: leave out --queue (a queued run's journal can be rendered with gameday report).",
        { exitCode: ExitCode.InvalidInput },
      );
    }
    if (options.profile !== undefined) {
      throw new GamedayError(
        ErrorCode.InvalidArgument,
        '--profile applies to runs in this process: a worker signs with its own credentials (AWS_PROFILE or environment.profile in the experiment).',
        { exitCode: ExitCode.InvalidInput },
      );
    }
    return (await import('./run-queued.js')).runQueued(globals, file, options);
  }
  const registry = defaultRegistry();
  const runId = newRunId();
  const prepared = await prepareRun(file, {
    registry,
    runId,
    ...(options.topology === undefined ? {} : { topology: options.topology }),
    ...(options.speed === undefined ? {} : { speed: options.speed }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.viaFis === true ? { viaFis: { roleArn: options.fisRoleArn } } : {}),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    notice: (line) => {
      if (kindOfView(options, globals) !== 'none') process.stderr.write(`${line}\n`);
    },
  });
  const { loaded, aws } = prepared;
  let audit: AuditLog;
  let plan: Plan | undefined;
  try {
    audit = await openAuditLog(options.auditLog ?? join(options.results, 'audit.log'));
  } catch (error) {
    await prepared.close();
    throw error;
  }
  // Against a live account the operator sees exactly what will be touched, and says yes, before anything runs.
  if (loaded.experiment.environment.type === 'aws') {
    const stopAudit = aws.onCall((entry) => audit.write(runId, entry));
    try {
      plan = await confirmPlan(loaded, aws, options);
    } catch (error) {
      await prepared.close();
      await audit.close();
      throw error;
    } finally {
      stopAudit();
    }
  }
  // One view per trial, closed before its summary is printed: a live frame redrawn after it would erase its end.
  let view: LiveView | undefined;
  const abort = new AbortController();
  const stopListening = onInterrupt(
    () => abort.abort(),
    () => view,
  );
  try {
    const trials = options.trials ?? 1;
    const journals: Journal[] = [];
    let code = 0;
    for (let trial = 1; trial <= trials && !abort.signal.aborted; trial++) {
      const id = trials === 1 ? runId : `${runId}-t${trial}`;
      if (trial > 1) {
        if (kindOfView(options, globals) !== 'none') process.stderr.write(`trial ${trial} of ${trials}: waiting for the steady state…\n`);
        await steadyBetweenTrials(prepared.simOutputs?.['region.endpoint'], abort.signal);
      }
      view = liveViewFor(options, globals, loaded.experiment);
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        runId: id,
        onAwsCall: (entry) => audit.write(id, entry),
        operator: operatorPolicyFrom(process.env),
        // The confirmed plan is the first trial's; later trials plan again (replaced instances are new targets).
        ...(plan === undefined || trial > 1 ? {} : { plan }),
        signal: abort.signal,
        ...(view === undefined ? {} : { listener: view }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.rollbackTimeout === undefined ? {} : { rollbackTimeoutMs: options.rollbackTimeout }),
      });
      journals.push(journal);
      view?.close();
      const reports = options.report === undefined ? [] : await writeReports(options.report, journal);
      code = Math.max(code, await reportJournal(journal, options, globals, reports));
    }
    if (trials > 1 && !globals.json) process.stdout.write(`\n${renderTrials(journals)}`);
    return code;
  } finally {
    view?.close();
    stopListening();
    await prepared.close();
    await audit.close();
  }
}

/** Shows the plan of a run against AWS and asks for a yes on a terminal; without one, `--yes` is required. */
async function confirmPlan(loaded: LoadedExperiment, aws: AwsClientFactory, options: RunCommandOptions): Promise<Plan> {
  const { plan, calls } = await makePlan(loaded, aws, options.seed ?? randomInt(2 ** 31));
  process.stderr.write(renderPlan(loaded, plan, calls));
  if (plan.refusal !== null || options.yes === true) return plan;
  if (process.stdin.isTTY !== true) {
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      'A run against aws changes a live account and there is no terminal to confirm on: review the plan above (gameday plan) and add --yes.',
      { exitCode: ExitCode.InvalidInput },
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Run this plan against account ${plan.account ?? '?'} in ${plan.region}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new GamedayError(ErrorCode.Aborted, 'Not confirmed: nothing was run.', { exitCode: ExitCode.Aborted });
  return plan;
}

/** Between trials: a simulated region is waited for until it is whole again; elsewhere the next steady-state check decides. */
async function steadyBetweenTrials(endpoint: string | undefined, signal: AbortSignal): Promise<void> {
  if (endpoint === undefined) return;
  const deadline = systemClock.now() + 600_000;
  while (!signal.aborted && systemClock.now() < deadline) {
    const health = (await (await fetch(`${endpoint}/_sim/health`, { signal })).json()) as { ready: boolean };
    if (health.ready) return;
    // An abort ends the wait here; the loop's condition then ends the function as before.
    await systemClock.sleep(200, signal).catch(() => undefined);
  }
}

/** The run's HTML, Markdown and JUnit reports, next to each other in `dir`; returns their paths. */
async function writeReports(dir: string, journal: Journal): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const reports: [string, string][] = [
    [join(dir, `${journal.runId}.html`), renderHtml(journal)],
    [join(dir, `${journal.runId}.md`), renderMarkdown(journal)],
    [join(dir, `${journal.runId}.junit.xml`), renderJUnit([journal])],
  ];
  for (const [path, text] of reports) await writeFile(path, text);
  return reports.map(([path]) => path);
}
