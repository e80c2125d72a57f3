import { toFisTemplate, type ExportContext, type Unexpressed } from '../actions/fis/convert.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { Registry } from '../registry/registry.js';

export const invalid = (message: string): GamedayError => new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });

/**
 * Where a template goes: the region and account of the experiment's world (a simulated region's own), and the FIS
 * service role from `--role-arn`, `environment.fisRoleArn` or, on a simulated region, a role named for it.
 */
export function exportContext(
  loaded: LoadedExperiment,
  outputs: Record<string, string> | undefined,
  options: { roleArn?: string | undefined; account?: string | undefined },
): ExportContext {
  const env = loaded.experiment.environment;
  if (options.account !== undefined && !/^\d{12}$/.test(options.account))
    throw invalid(`--account must be a 12-digit AWS account id, not '${options.account}'.`);
  const region = outputs?.['region.name'] ?? env.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const account = options.account ?? outputs?.['region.accountId'] ?? (env.allowedAccountIds.length === 1 ? env.allowedAccountIds[0] : undefined);
  const roleArn = options.roleArn ?? env.fisRoleArn ?? (env.type === 'sim' && account !== undefined ? `arn:aws:iam::${account}:role/gameday-fis` : undefined);
  if (roleArn === undefined)
    throw invalid('An FIS template needs the FIS service role: pass --role-arn or set environment.fisRoleArn (infra/iam/fis-service-role.yaml creates one).');
  return { region, account, roleArn };
}

/** The experiment's faults as an FIS template; a fault that needs an ARN gameday cannot build is one sentence. */
export function templateOf(loaded: LoadedExperiment, ctx: ExportContext): ReturnType<typeof toFisTemplate> {
  try {
    return toFisTemplate(loaded.experiment, ctx);
  } catch (error) {
    throw invalid(`${loaded.file}: ${(error as Error).message}`);
  }
}

/**
 * `run --via-fis`: the experiment's faults become one FIS experiment, from a template gameday writes of them (created
 * for the run, deleted after it); probes, objectives and gameday's own stop conditions stay. Refused, naming them,
 * when a fault cannot be expressed in FIS.
 */
export function delegateToFis(loaded: LoadedExperiment, registry: Registry, ctx: ExportContext): LoadedExperiment {
  const converted = templateOf(loaded, ctx);
  // Probe stop conditions and safety guards are not lost: gameday keeps watching the ones and checks its plan against the others.
  const blocking = converted.unexpressed.filter((u: Unexpressed) => u.keptByGameday !== true);
  if (blocking.length > 0)
    throw invalid(`${loaded.file} cannot run through FIS: ${blocking.map((u) => `${u.what} is not expressible (${u.reason})`).join('; ')}.`);
  const definition = registry.action('aws.fis.experiment');
  // Invariant, never seen by a user: the default registry, the only one the CLI runs with, holds it.
  if (definition === undefined) throw new Error('aws.fis.experiment is not registered.');
  const raw = { template: converted.template, pollInterval: '5s' };
  const fault = {
    name: 'via-fis',
    description: `the faults of ${loaded.experiment.metadata.name}, run by AWS FIS`,
    action: 'aws.fis.experiment',
    args: definition.args.parse(raw),
    startAfter: 0,
  };
  return { ...loaded, experiment: { ...loaded.experiment, faults: [fault] }, raw: { ...loaded.raw, faults: [{ args: raw }] } };
}
