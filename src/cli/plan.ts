import { randomInt } from 'node:crypto';
import type { AwsClientFactory } from '../aws/client-factory.js';
import { systemClock, withClockTimeout } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { ExitCode } from '../errors/gameday-error.js';
import { newRunId } from '../engine/runner.js';
import { checkText, effectCheck } from '../engine/effects.js';
import { wallSchedule, speedOf } from '../engine/time-scale.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { Registry } from '../registry/registry.js';
import type { CallRecord } from '../registry/types.js';
import { zoneOf, buildPlan, operatorPolicyFrom, type Plan } from '../safety/plan.js';
import type { GlobalOptions } from './output.js';
import { prepareRun } from './run-setup.js';

export interface PlanCommandOptions {
  /** Plan the run `run --via-fis` would make: the faults as one FIS experiment from a template gameday writes. */
  viaFis?: boolean;
  fisRoleArn?: string;
  seed?: number;
  speed?: number;
  topology?: string;
  profile?: string;
}

/**
 * Resolves an experiment's plan against the live inventory with read-only calls: what each fault would touch, the
 * guards' verdict and the rollbacks prepared. `calls` are the calls made to find it (none of them mutating).
 */
export async function makePlan(loaded: LoadedExperiment, aws: AwsClientFactory, seed: number): Promise<{ plan: Plan; calls: CallRecord[] }> {
  const calls: CallRecord[] = [];
  const e = wallSchedule(loaded.experiment, speedOf(loaded.experiment));
  const plan = await withClockTimeout(systemClock, 120_000, (signal) =>
    buildPlan(
      e,
      defaultRegistry(),
      { runId: 'plan', signal, clock: systemClock, logger: silentLogger, aws, speed: speedOf(e), recordCall: (c) => calls.push(c) },
      seed,
      loaded.raw.faults,
      operatorPolicyFrom(process.env),
    ),
  );
  return { plan, calls };
}

/** The plan as the operator reads it before saying yes. */
export function renderPlan(loaded: LoadedExperiment, plan: Plan, calls: readonly CallRecord[], registry: Registry = defaultRegistry()): string {
  const e = loaded.experiment;
  const lines = [
    `plan: ${e.metadata.name} (${e.environment.type}, ${plan.region}${plan.account === undefined ? '' : `, account ${plan.account}`}), seed ${plan.seed}`,
  ];
  for (const f of plan.faults) {
    const optIn = f.withoutOptIn > 0 ? `, ${f.withoutOptIn} left out without the opt-in tags` : '';
    // What the targets reach (a refreshed group's instances) is listed below them, not counted among the candidates.
    const chosen = f.source === 'targets' ? f.resources.filter((r) => r.type === f.type).length : f.resources.length;
    const what = f.source === 'none' ? 'no AWS resources' : `${chosen} of ${f.candidates} ${f.type} (${f.selection}${optIn})`;
    lines.push(`fault ${f.fault} (${f.action}) in ${f.region}: ${what}`);
    for (const r of f.resources) {
      const tags = Object.entries(r.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      lines.push(`  ${r.type} ${r.id}  ${r.region ?? f.region}${zoneOf(r) === undefined ? '' : ` ${zoneOf(r) ?? ''}`}${tags === '' ? '' : `  [${tags}]`}`);
    }
    for (const line of f.detail ?? []) lines.push(`  ${line}`);
    lines.push(`  undo: ${f.rollback}`);
    const spec = e.faults.find((s) => s.name === f.fault);
    const check = spec === undefined ? undefined : effectCheck(spec, registry.action(spec.action)?.effect?.(spec.args), e, registry);
    if (check !== undefined) lines.push(`  checked: ${checkText(check)}`);
  }
  if (plan.rollbacks.length > 0) lines.push(`explicit rollbacks: ${plan.rollbacks.join(', ')}`);
  lines.push('guards:');
  for (const g of plan.guards) lines.push(`  ${g.status === 'passed' ? 'passed ' : 'REFUSED'} ${g.guard}: ${g.detail}`);
  const mutating = calls.filter((c) => c.mutating).length;
  lines.push(`calls made to plan: ${calls.length}, ${mutating === 0 ? 'none of them mutating' : `${mutating} MUTATING`}`);
  lines.push(plan.refusal === null ? 'verdict: the run may proceed' : `verdict: REFUSED — ${plan.refusal.message}`);
  return `${lines.join('\n')}\n`;
}

/** `gameday plan FILE`: prints what a run would touch and whether the guards allow it; changes nothing. */
export async function planCommand(globals: GlobalOptions, file: string, options: PlanCommandOptions): Promise<number> {
  const runId = `plan-${newRunId().slice(3)}`;
  const world = await prepareRun(file, {
    registry: defaultRegistry(),
    runId,
    ...(options.topology === undefined ? {} : { topology: options.topology }),
    ...(options.speed === undefined ? {} : { speed: options.speed }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.viaFis === true ? { viaFis: { roleArn: options.fisRoleArn } } : {}),
  });
  try {
    const { plan, calls } = await makePlan(world.loaded, world.aws, options.seed ?? randomInt(2 ** 31));
    if (globals.json) {
      const json = {
        experiment: world.loaded.experiment.metadata.name,
        account: plan.account,
        region: plan.region,
        seed: plan.seed,
        faults: plan.faults.map((f) => ({
          ...f,
          resources: f.resources.map((r) => ({ type: r.type, id: r.id, arn: r.arn, region: r.region ?? f.region, zone: zoneOf(r), tags: r.tags })),
        })),
        rollbacks: plan.rollbacks,
        guards: plan.guards,
        refused: plan.refusal?.message ?? null,
        calls: calls.map((c) => ({ service: c.service, operation: c.operation, mutating: c.mutating, ok: c.ok })),
      };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else process.stdout.write(renderPlan(world.loaded, plan, calls));
    return plan.refusal === null ? ExitCode.Passed : ExitCode.Refused;
  } finally {
    await world.close();
  }
}
