import { stringify } from 'yaml';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';

/** A `${sim:…}` value of the twin and what stands for it in the account, for the file's "against the account" note. */
export interface AccountValue {
  sim: string;
  account: string;
}

/** What one experiment says; `write` adds the environment, the names and the comment. */
export interface ExperimentSpec {
  rule: string;
  /** Name of the resource it is about (group, database, record): it names the file. */
  resource: string;
  claim: string;
  tags: string[];
  probes: Record<string, unknown>[];
  faults: Record<string, unknown>[];
  recovery: { stableFor: string; timeout: string; observeAtLeast?: string };
  objectives: Record<string, unknown>;
  stopConditions?: Record<string, unknown>[];
  safety?: Record<string, unknown>;
  forAccount: AccountValue[];
}

/** The speed generated experiments run the twin at unless told: an hour of AWS time in a minute. */
export const DEFAULT_TWIN_SPEED = 60;

/** A name the experiment format accepts (a letter first; letters, digits, - and _; at most 63). */
function stepSafe(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z]+/, '');
  return (cleaned === '' ? 'x' : cleaned).slice(0, 63).replace(/-+$/, '');
}

/** A whole number of seconds as the experiment format writes durations. */
export function seconds(s: number): string {
  return `${Math.max(1, Math.ceil(s))}s`;
}

/**
 * The experiment as YAML on the twin, with a comment saying the claim, that a FAILED run confirms the finding, and
 * what to change to run it against the account: the environment, and each `${sim:…}` value (which exists only on the
 * twin) for the account's own (read from the architecture). Everything else selects by names and tags the twin keeps.
 */
export function writeExperiment(ctx: AuditContext, spec: ExperimentSpec): ProvingExperiment {
  const name = stepSafe(`${spec.rule}-${spec.resource}`);
  const doc = {
    apiVersion: 'gameday/v1',
    metadata: { name, description: spec.claim, tags: ['audit', ...spec.tags] },
    environment: { type: 'sim', topology: ctx.options.twin, speed: ctx.options.speed ?? DEFAULT_TWIN_SPEED },
    probes: spec.probes,
    faults: spec.faults,
    ...(spec.stopConditions === undefined || spec.stopConditions.length === 0 ? {} : { stopConditions: spec.stopConditions }),
    ...(spec.safety === undefined ? {} : { safety: spec.safety }),
    recovery: spec.recovery,
    objectives: spec.objectives,
  };
  const environment = `{ type: aws, region: ${ctx.a.region}, allowedAccountIds: ["${ctx.a.accountId}"] }`;
  const comment = [
    `Claim: ${spec.claim}`,
    `Written by \`gameday audit\` (rule ${spec.rule}). The run tests the claim: if it FAILS, the finding is confirmed.`,
    `On the twin it runs as written. Against account ${ctx.a.accountId}, change environment to ${environment}`,
    ...(spec.forAccount.length === 0
      ? ['and nothing else: every target is selected by the names and tags the twin keeps.']
      : ['and replace what exists only on the twin with the account’s own:', ...spec.forAccount.map((v) => `  \${sim:${v.sim}} -> ${v.account}`)]),
  ];
  const yaml = `${comment.map((l) => `# ${l}`.trimEnd()).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
  return { file: `${name}.yaml`, yaml, claim: spec.claim };
}
