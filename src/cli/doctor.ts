import { AwsClientFactory } from '../aws/client-factory.js';
import { permissionChecks, runPermissionChecks } from '../aws/permissions-check.js';
import { permissionsFor } from '../safety/iam-policy.js';
import { defaultRetryMode } from '../aws/client-config.js';
import { awsTargetFor } from '../aws/target.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { loadExperimentFile } from '../experiment/load.js';
import type { EnvironmentSpec } from '../experiment/schema.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { operatorPolicyFrom } from '../safety/plan.js';
import { checkCredentials, checkEndpoint, checkIdentity, checkRedis, checkRegion, type CheckResult } from './doctor-checks.js';
import type { GlobalOptions } from './output.js';
import { placeholderSimOutputs } from './sim-host.js';

export interface DoctorCommandOptions {
  environment?: 'sim' | 'localstack' | 'aws';
  endpoint?: string;
  region?: string;
  profile?: string;
  redis?: string;
  /** Warnings fail too. */
  strict?: boolean;
}

/** Where `gameday sim` listens unless told otherwise: what `gameday doctor` checks when nothing names a world. */
const SIM_DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';

/** The environment to check: the experiment's, with the command line's choices on top. */
async function environmentOf(
  file: string | undefined,
  o: DoctorCommandOptions,
): Promise<{ spec: EnvironmentSpec; actionIds?: string[]; regionOrigin?: string }> {
  let spec: EnvironmentSpec = { type: 'sim', allowedAccountIds: [], speed: 1 };
  let actionIds: string[] | undefined;
  if (file !== undefined) {
    // Validated in full (a broken file is exit 2), against placeholders: doctor needs no running region to read it.
    const loaded = await loadExperimentFile(file, { registry: defaultRegistry(), simOutputs: (t) => placeholderSimOutputs(t) });
    spec = { ...loaded.experiment.environment };
    const e = loaded.experiment;
    actionIds = [...e.faults.map((f) => f.action), ...e.rollbacks.map((r) => r.action), ...e.probes.map((p) => p.probe)];
  }
  if (o.environment !== undefined && o.environment !== spec.type) {
    // Another world than the file's: its endpoint and profile belong to the file's world.
    spec = { ...spec, type: o.environment, endpoint: undefined, profile: undefined };
  }
  if (o.endpoint !== undefined) spec.endpoint = o.endpoint;
  if (o.region !== undefined) spec.region = o.region;
  if (o.profile !== undefined) {
    if (spec.type !== 'aws')
      throw new GamedayError(ErrorCode.InvalidArgument, `--profile names credentials of a live account; it applies to --environment aws, not ${spec.type}.`, {
        exitCode: ExitCode.InvalidInput,
      });
    spec.profile = o.profile;
  }
  if (spec.type === 'sim' && spec.endpoint === undefined && file === undefined) spec.endpoint = SIM_DEFAULT_ENDPOINT;
  const regionOrigin =
    o.region !== undefined
      ? '--region'
      : spec.region !== undefined
        ? 'environment.region'
        : process.env.AWS_REGION !== undefined
          ? 'AWS_REGION'
          : process.env.AWS_DEFAULT_REGION !== undefined
            ? 'AWS_DEFAULT_REGION'
            : undefined;
  return { spec, ...(actionIds === undefined ? {} : { actionIds }), ...(regionOrigin === undefined ? {} : { regionOrigin }) };
}

/**
 * `gameday doctor [FILE]`: checks that gameday can work where the experiment (or the options) point: region,
 * endpoint, credentials, identity and allow-lists, permissions, Redis. Prints one line per check and changes
 * nothing: mutating EC2 calls are dry runs, other permissions are asked of IAM.
 */
export async function doctorCommand(globals: GlobalOptions, file: string | undefined, options: DoctorCommandOptions): Promise<number> {
  const { spec, actionIds, regionOrigin } = await environmentOf(file, options);
  const target = { ...awsTargetFor(spec, process.env, undefined, 'doctor'), requestTimeoutMs: 10_000 };
  const aws = new AwsClientFactory(target);
  const results: CheckResult[] = [];
  const skip = (check: string, why: string): void => void results.push({ check, status: 'skip', detail: why });
  try {
    results.push(checkRegion(target.region, regionOrigin, target.kind));
    let reachable = true;
    if (target.endpoint !== undefined) {
      const endpoint = await checkEndpoint(target.endpoint, target.kind);
      results.push(endpoint);
      reachable = endpoint.status !== 'fail';
    } else if (spec.type === 'sim') {
      reachable = false;
      results.push({
        check: 'endpoint',
        status: 'skip',
        detail: 'the experiment names no running region: run starts its own; give --endpoint to check a `gameday sim`',
      });
    }
    if (!reachable) {
      for (const check of ['credentials', 'identity', 'permissions'])
        skip(check, target.endpoint === undefined ? 'no endpoint to check against' : 'the endpoint does not answer');
    } else {
      const credentials = await checkCredentials(aws);
      results.push(credentials);
      if (credentials.status === 'fail') {
        skip('identity', 'no usable credentials');
        skip('permissions', 'no usable credentials');
      } else {
        const identity = await checkIdentity(aws, {
          operator: operatorPolicyFrom(process.env).allowedAccountIds ?? [],
          experiment: file === undefined ? undefined : spec.allowedAccountIds,
        });
        results.push(identity.result);
        const iamActions = permissionsFor(defaultRegistry(), actionIds);
        if (iamActions.length === 0) skip('permissions', 'the experiment calls no AWS action');
        else {
          for (const p of await runPermissionChecks(aws, permissionChecks(iamActions), identity.arn)) {
            results.push({ check: `permission ${p.iamAction}`, status: p.status, detail: `${p.how}: ${p.detail}` });
          }
        }
      }
    }
    results.push(...(await checkRedis(options.redis ?? process.env.REDIS_URL)));
  } finally {
    await aws.destroy();
  }

  const count = (s: CheckResult['status']): number => results.filter((r) => r.status === s).length;
  const failed = count('fail') > 0 || (options.strict === true && count('warn') > 0);
  const world = {
    type: target.kind,
    region: target.region,
    endpoint: target.endpoint ?? null,
    profile: target.kind === 'aws' ? (target.profile ?? (process.env.AWS_PROFILE || null)) : null,
    retryMode: target.retryMode ?? defaultRetryMode(target.kind),
    maxAttempts: target.maxAttempts ?? 3,
  };
  if (globals.json) {
    process.stdout.write(`${JSON.stringify({ ready: !failed, environment: world, checks: results }, null, 2)}\n`);
  } else {
    const where = `${world.type}, ${world.region}${world.endpoint === null ? '' : `, ${world.endpoint}`}${world.profile === null ? '' : `, profile ${world.profile}`}, ${world.retryMode} retries`;
    const lines = [`doctor: ${file ?? 'no experiment'} (${where})`];
    const width = Math.max(...results.map((r) => r.check.length));
    for (const r of results) lines.push(`${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}`);
    const summary = `${count('ok')} ok, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`;
    lines.push(failed ? `not ready: ${summary}` : `ready: ${summary}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return failed ? ExitCode.Failed : ExitCode.Passed;
}
