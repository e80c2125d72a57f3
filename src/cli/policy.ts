import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { loadExperimentFile } from '../experiment/load.js';
import type { Experiment } from '../experiment/schema.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { DEFAULT_OPT_IN_TAG, policyFor, usageOf, type OptInTag } from '../safety/iam-policy.js';
import type { GlobalOptions } from './output.js';
import { placeholderSimOutputs } from './sim-host.js';

/** Options of `gameday policy`. */
export interface PolicyCommandOptions {
  /** `key=value`: the tag a resource must carry before the policy lets gameday change it. */
  optInTag?: string | undefined;
}

/** Parses `--opt-in-tag key=value`. */
export function parseOptInTag(text: string | undefined): OptInTag {
  if (text === undefined) return DEFAULT_OPT_IN_TAG;
  const at = text.indexOf('=');
  if (at <= 0)
    throw new GamedayError(ErrorCode.InvalidArgument, `--opt-in-tag '${text}' is not key=value (for example gameday:allowed=true).`, {
      exitCode: ExitCode.InvalidInput,
    });
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

/**
 * `gameday policy [FILE…]`: prints the least-privilege IAM policy for the experiments in FILE… (only the actions and
 * probes they use), or for every built-in action and probe when no file is given. Nothing is printed when a file is
 * invalid.
 */
export async function policyCommand(_globals: GlobalOptions, files: string[], options: PolicyCommandOptions): Promise<number> {
  const registry = defaultRegistry();
  const tag = parseOptInTag(options.optInTag);
  const experiments: Experiment[] = [];
  for (const file of files) experiments.push((await loadExperimentFile(file, { registry, simOutputs: placeholderSimOutputs })).experiment);
  const policy = policyFor(registry, files.length === 0 ? undefined : usageOf(experiments), tag);
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return ExitCode.Passed;
}
