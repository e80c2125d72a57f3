import type { Path } from './locate.js';
import { didYouMean } from './suggest.js';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';

function scalar(text: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/**
 * Interpolation in experiment values:
 * - `${env:NAME}` and `${env:NAME:-fallback}` are replaced when the file is loaded;
 * - `${STEP.output.a.b}`, `${STEP.targets}` and `${run.id}` are replaced when the step runs, from what earlier steps
 *   produced. `$${` stands for a literal `${`.
 * A string that is exactly one reference takes the referenced value's type (a list stays a list).
 */
const REF = /(?<!\$)\$\{([^}]*)\}/g;
const SIM = /^sim:([A-Za-z0-9_.-]+)$/;
const ENV = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const RUN_REF = /^([A-Za-z][A-Za-z0-9_-]*)\.(output|targets)((?:\.[A-Za-z0-9_-]+)*)$/;

export interface RefProblem {
  path: Path;
  message: string;
}

/** A reference to a value produced during the run. */
export interface RunRef {
  path: Path;
  step: string;
  text: string;
}

function walk(value: unknown, path: Path, visit: (text: string, path: Path) => unknown): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], visit));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], visit);
    return out;
  }
  return value;
}

/** Whether any string in `value` names an output of the simulated region (`${sim:…}`), which then has to run. */
export function refersToSim(value: unknown): boolean {
  let found = false;
  walk(value, [], (text) => {
    for (const m of text.matchAll(REF)) if (SIM.test(m[1] ?? '')) found = true;
    return text;
  });
  return found;
}

/**
 * Replaces `${env:…}` references, and `${sim:…}` ones from the simulated region's outputs when there are any;
 * unknown names become problems.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, sim?: Readonly<Record<string, string>>): { value: unknown; problems: RefProblem[] } {
  const problems: RefProblem[] = [];
  const out = walk(value, [], (text, path) => {
    const replaced = text.replace(REF, (whole, inner: string) => {
      const s = SIM.exec(inner);
      if (s !== null) {
        const key = s[1] ?? '';
        if (sim === undefined) {
          problems.push({ path, message: `'\${sim:${key}}' is only available when environment.type is sim` });
          return whole;
        }
        const found = sim[key];
        if (found !== undefined) return found;
        problems.push({
          path,
          message: `the simulated region has no output '${key}'${didYouMean(key, Object.keys(sim))}; it has ${listSome(Object.keys(sim))}`,
        });
        return whole;
      }
      const m = ENV.exec(inner);
      if (m === null) return whole;
      const [, name = '', fallback] = m;
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set (give a fallback with \${env:${name}:-value})` });
      return whole;
    });
    // A field that is one whole reference reads its value as YAML would: `${env:PORT}` can fill a number field.
    return replaced !== text && /^\$\{(env|sim):[^}]*\}$/.test(text) ? scalar(replaced) : replaced;
  });
  return { value: out, problems };
}

/** Lists the run-time references in a value, and the malformed ones as problems. */
export function findRunRefs(value: unknown): { refs: RunRef[]; problems: RefProblem[] } {
  const refs: RunRef[] = [];
  const problems: RefProblem[] = [];
  walk(value, [], (text, path) => {
    for (const m of text.matchAll(REF)) {
      const inner = (m[1] ?? '').trim();
      if (ENV.test(inner) || SIM.test(inner) || inner === 'run.id' || inner === 'run.experiment') continue;
      const ref = RUN_REF.exec(inner);
      if (ref === null) {
        problems.push({ path, message: `'\${${inner}}' is not a reference (use \${env:NAME}, \${STEP.output.field}, \${STEP.targets} or \${run.id})` });
      } else refs.push({ path, step: ref[1] ?? '', text: inner });
    }
    return text;
  });
  return { refs, problems };
}

/** What run-time references resolve against. */
export interface RunScope {
  runId: string;
  experiment: string;
  steps: ReadonlyMap<string, { output?: Record<string, unknown>; targets?: string[] }>;
}

/** Replaces run-time references; throws a one-sentence error when a value is missing. */
export function interpolateRun(value: unknown, scope: RunScope): unknown {
  return walk(value, [], (text) => {
    const resolve = (inner: string): unknown => {
      const trimmed = inner.trim();
      if (ENV.test(trimmed)) return `\${${inner}}`;
      if (trimmed === 'run.id') return scope.runId;
      if (trimmed === 'run.experiment') return scope.experiment;
      const m = RUN_REF.exec(trimmed);
      if (m === null) throw new GamedayError(ErrorCode.UnresolvedReference, `'\${${trimmed}}' is not a reference.`);
      const [, step = '', kind, rest = ''] = m;
      const record = scope.steps.get(step);
      if (record === undefined) throw new GamedayError(ErrorCode.UnresolvedReference, `'\${${trimmed}}' refers to step '${step}', which has not run.`);
      let current: unknown = kind === 'targets' ? record.targets : record.output;
      for (const key of rest.split('.').filter((k) => k !== '')) {
        current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
      }
      if (current === undefined) throw new GamedayError(ErrorCode.UnresolvedReference, `'\${${trimmed}}' has no value: step '${step}' produced no such field.`);
      return current;
    };
    const whole = /^\$\{([^}]*)\}$/.exec(text);
    if (whole !== null) return resolve(whole[1] ?? '');
    return text
      .replace(REF, (_w, inner: string) => {
        const v = resolve(inner);
        return typeof v === 'string' ? v : JSON.stringify(v);
      })
      .replaceAll('$${', '${');
  });
}

/** A list for a sentence: all of a short one, the first ten of a long one. */
function listSome(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more (gameday sim prints them all)`;
}
