import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newRunId, runExperiment } from '../engine/runner.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { renderSummary } from '../report/summary.js';
import { plainView, ttyView, type LiveView } from './live-view.js';
import type { GlobalOptions } from './output.js';
import { openWorld } from './world.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import type { AuditEntry } from '../aws/audit.js';
import { makePlan, renderPlan } from './plan.js';
import { operatorPolicyFrom, type Plan } from '../safety/plan.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { createInterface } from 'node:readline/promises';
import { randomInt } from 'node:crypto';

export interface RunCommandOptions {
  results: string;
  journal?: string;
  seed?: number;
  view: 'auto' | 'tty' | 'plain' | 'none';
  /** Overrides environment.speed of a sim experiment. */
  speed?: number;
  /** Overrides environment.topology of a sim experiment. */
  topology?: string;
  /** aws: run the plan without asking. */
  yes?: boolean;
  /** Append-only audit log of every AWS call; default `<results>/audit.log`. */
  auditLog?: string;
}

/** `gameday run FILE`: validates, runs in this process, writes the journal, exits with the verdict's code. */
export async function runCommand(globals: GlobalOptions, file: string, options: RunCommandOptions): Promise<number> {
  const registry = defaultRegistry();
  const runId = newRunId();
  const world = await openWorld(file, registry, {
    runId,
    topology: options.topology,
    speed: options.speed,
    onStart: (speed) => {
      if (kindOfView(options, globals) !== 'none') process.stderr.write(`starting the simulated region (speed ${speed}×)…\n`);
    },
  });
  const { loaded, aws } = world;
  let audit: AuditLog;
  try {
    audit = await openAuditLog(options.auditLog ?? join(options.results, 'audit.log'));
  } catch (error) {
    await world.close();
    throw error;
  }
  // Against a live account the operator sees exactly what will be touched, and says yes, before anything runs.
  let plan: Plan | undefined;
  if (loaded.experiment.environment.type === 'aws') {
    try {
      plan = await confirmPlan(loaded, options, runId, (entry) => audit.write(runId, entry));
    } catch (error) {
      await world.close();
      await audit.close();
      throw error;
    }
  }
  const origin = performance.now();
  const kind = kindOfView(options, globals);
  const view: LiveView | undefined =
    kind === 'tty'
      ? ttyView(process.stderr, origin, loaded.experiment.metadata.name, loaded.experiment.probes.map((p) => p.name))
      : kind === 'plain'
        ? plainView(process.stderr, origin)
        : undefined;

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: aborting; rollbacks are running (press Ctrl-C again to exit without them)\n`);
      abort.abort();
    } else {
      process.stderr.write(`${signal}: exiting before rollbacks finished; check the resources named in the journal\n`);
      process.exit(3);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const journal = await runExperiment(loaded, {
      registry,
      runId,
      onAwsCall: (entry) => audit.write(runId, entry),
      ...(aws === undefined ? {} : { aws }),
      signal: abort.signal,
      ...(view === undefined ? {} : { listener: view }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(plan === undefined ? {} : { plan }),
      operator: operatorPolicyFrom(process.env),
    });
    view?.close();
    const path = options.journal ?? join(options.results, `${journal.runId}.json`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(journal, null, 2)}\n`);
    if (globals.json) process.stdout.write(`${JSON.stringify({ runId: journal.runId, journal: path, verdict: journal.verdict, measurement: journal.measurement, objectives: journal.objectives })}\n`);
    else process.stdout.write(`${renderSummary(journal)}journal: ${path}\n`);
    return journal.verdict.exitCode;
  } finally {
    view?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await world.close();
    await audit.close();
  }
}

function kindOfView(options: RunCommandOptions, globals: GlobalOptions): 'tty' | 'plain' | 'none' {
  if (options.view !== 'auto') return options.view;
  return globals.json ? 'none' : process.stderr.isTTY ? 'tty' : 'plain';
}

/** Shows the plan of a run against AWS and asks for a yes on a terminal; without one, `--yes` is required. */
async function confirmPlan(loaded: LoadedExperiment, options: RunCommandOptions, runId: string, onCall: (entry: AuditEntry) => void): Promise<Plan> {
  const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, process.env, undefined, runId));
  aws.onCall(onCall);
  try {
    const { plan, calls } = await makePlan(loaded, aws, options.seed ?? randomInt(2 ** 31));
    process.stderr.write(renderPlan(loaded, plan, calls));
    if (plan.refusal !== null || options.yes === true) return plan;
    if (process.stdin.isTTY !== true) {
      throw new GamedayError(ErrorCode.InvalidArgument, 'A run against aws changes a live account and there is no terminal to confirm on: review the plan above (gameday plan) and add --yes.', { exitCode: ExitCode.InvalidInput });
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Run this plan against account ${plan.account ?? '?'} in ${plan.region}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new GamedayError(ErrorCode.Aborted, 'Not confirmed: nothing was run.', { exitCode: ExitCode.Aborted });
    return plan;
  } finally {
    await aws.destroy();
  }
}
