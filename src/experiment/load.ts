import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { LineCounter, parse, parseDocument, isMap, isSeq, isScalar, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { ExperimentValidationError, type ValidationIssue } from '../errors/validation-error.js';
import type { Registry } from '../registry/registry.js';
import { expandClientLocations } from './client-locations.js';
import { describe } from './fields.js';
import { interpolateEnv, refersToSim } from './interpolate.js';
import { formatPath, locate, type Path } from './locate.js';
import { buildExperimentSchema, type Experiment } from './schema.js';
import { checkSemantics } from './semantics.js';
import { didYouMean } from './suggest.js';

/** A validated experiment and where it came from. */
export interface LoadedExperiment {
  file: string;
  experiment: Experiment;
  /** The document as written (after `${env:…}`), whose step arguments are re-parsed after run-time interpolation. */
  raw: { environment?: { speed?: unknown }; faults: { args?: unknown }[]; rollbacks?: { args?: unknown }[] };
  /** Whether the document names an output of the simulated region (`${sim:…}`), so a run needs one. */
  refersToSim: boolean;
}

export interface LoadOptions {
  registry: Registry;
  env?: NodeJS.ProcessEnv;
  /**
   * Values of `${sim:…}` for an experiment on the simulated region, given the experiment's `environment.topology`
   * (resolved against the file's folder, or undefined for the reference topology). Placeholders when validating,
   * the running region's outputs when running. `endpoint` is `environment.endpoint` as written, when it names a
   * running region.
   */
  simOutputs?: (topologyFile: string | undefined, endpoint: string | undefined) => Promise<Record<string, string>>;
}

/** `${sim:…}` values a loader resolves against, already computed. */
type Resolved = Omit<LoadOptions, 'simOutputs'> & { simOutputs?: Record<string, string> };

/** Reads and validates an experiment file; throws `ExperimentValidationError` (exit 2) listing every problem. */
export async function loadExperimentFile(file: string, options: LoadOptions): Promise<LoadedExperiment> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new GamedayError(ErrorCode.FileNotFound, `Cannot read experiment file ${file}: ${why}.`, { exitCode: ExitCode.InvalidInput });
  }
  return loadExperimentText(text, file, options);
}

/**
 * Validates experiment text read elsewhere (a queued run carries its file's text); `file` names locations and
 * anchors a relative `environment.topology`.
 */
export async function loadExperimentText(text: string, file: string, options: LoadOptions): Promise<LoadedExperiment> {
  let simOutputs: Record<string, string> | undefined;
  if (options.simOutputs !== undefined) {
    const environment = peekEnvironment(text);
    if (environment.type === 'sim') {
      const topology = environment.topology === undefined ? undefined : resolvePath(dirname(file), environment.topology);
      simOutputs = await options.simOutputs(topology, environment.endpoint);
    }
  }
  return parseExperiment(text, file, {
    registry: options.registry,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(simOutputs === undefined ? {} : { simOutputs }),
  });
}

/** The environment block as written, read leniently before validation (which reports any problem in it). */
function peekEnvironment(text: string): { type: string; topology?: string; endpoint?: string } {
  try {
    const raw = parse(text) as { environment?: { type?: unknown; topology?: unknown; endpoint?: unknown } } | null;
    const type = typeof raw?.environment?.type === 'string' ? raw.environment.type : 'sim';
    const topology = typeof raw?.environment?.topology === 'string' ? raw.environment.topology : undefined;
    // An endpoint still holding a reference is known only after interpolation, which validation does.
    const endpoint = typeof raw?.environment?.endpoint === 'string' && !raw.environment.endpoint.includes('${') ? raw.environment.endpoint : undefined;
    return { type, ...(topology === undefined ? {} : { topology }), ...(endpoint === undefined ? {} : { endpoint }) };
  } catch {
    return { type: 'sim' };
  }
}

/** Validates experiment text (YAML or JSON). `file` is only used to name locations. */
export function parseExperiment(text: string, file: string, options: Resolved): LoadedExperiment {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const issue = (path: Path, message: string, key?: string): ValidationIssue => ({
    file,
    ...locate(doc, lines, path, key),
    path: formatPath(key === undefined ? path : [...path, key]),
    message,
  });

  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const pos = unclosedFlow(doc, text, lines, yamlError.pos[0]) ?? yamlError.linePos?.[0] ?? lines.linePos(yamlError.pos[0]);
    const message = yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'unreadable';
    throw new ExperimentValidationError([{ file, line: pos.line, column: pos.col, path: '', message: `broken YAML: ${message}` }]);
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    throw new ExperimentValidationError([
      { file, path: '', message: 'the file is empty; an experiment needs at least apiVersion, metadata, probes and faults' },
    ]);
  }
  if (!isMap(doc.contents)) {
    const got = isSeq(doc.contents) ? 'a list' : 'a single value';
    throw new ExperimentValidationError([issue([], `the document must be a map of fields (apiVersion, metadata, probes, faults…), not ${got}`)]);
  }

  const written: unknown = doc.toJS({ maxAliasCount: 100 });
  const placed = expandClientLocations(written, environmentType(written), options.simOutputs);
  if (placed.problems.length > 0) throw new ExperimentValidationError(placed.problems.map((p) => issue(p.path, p.message)));
  const env = interpolateEnv(placed.value, options.env ?? process.env, options.simOutputs);
  if (env.problems.length > 0) throw new ExperimentValidationError(env.problems.map((p) => issue(p.path, p.message)));

  const schema = buildExperimentSchema(options.registry);
  const parsed = schema.safeParse(env.value, { reportInput: true });
  if (!parsed.success) {
    throw new ExperimentValidationError(parsed.error.issues.flatMap((i) => toIssues(i, env.value, schema, issue, options.registry)));
  }
  const problems = checkSemantics(parsed.data, options.registry);
  if (problems.length > 0) throw new ExperimentValidationError(problems.map((p) => issue(p.path, p.message)));
  return { file, experiment: parsed.data, raw: env.value as LoadedExperiment['raw'], refersToSim: refersToSim(placed.value) };
}

/** `environment.type` as written, `sim` when left out (the schema's default); validation reports a wrong one. */
function environmentType(written: unknown): string {
  const type = (written as { environment?: { type?: unknown } } | null)?.environment?.type;
  return typeof type === 'string' ? type : 'sim';
}

/**
 * The parser notices an unclosed `[` or `{` only where it gives up, often lines later; point at the opening instead.
 */
function unclosedFlow(doc: Document, text: string, lines: LineCounter, errorAt: number): { line: number; col: number } | undefined {
  let found: number | undefined;
  visit(doc, {
    Node(_key, node) {
      if ((isSeq(node) || isMap(node)) && node.flow === true && node.range !== undefined && node.range !== null) {
        const [start, end] = node.range;
        const source = text.slice(start, end).trimEnd();
        const closer = isSeq(node) ? ']' : '}';
        if (start <= errorAt && !source.endsWith(closer) && (found === undefined || start > found)) found = start;
      }
    },
  });
  return found === undefined ? undefined : lines.linePos(found);
}

type MakeIssue = (path: Path, message: string, key?: string) => ValidationIssue;

function toIssues(raw: z.core.$ZodIssue, data: unknown, schema: z.ZodType, issue: MakeIssue, registry: Registry): ValidationIssue[] {
  const path = raw.path.filter((p): p is string | number => typeof p !== 'symbol');
  switch (raw.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path, data);
      return raw.keys.map((key) => issue(path, `unknown field '${key}'${didYouMean(key, allowed)}`, key));
    }
    case 'invalid_union': {
      const discriminator = (raw as { discriminator?: string }).discriminator;
      if (discriminator !== undefined) {
        // zod reports the issue at the tag itself (`faults[0].action`); older shapes stop at the element.
        const tagPath = path.at(-1) === discriminator ? path : [...path, discriminator];
        const value = valueAt(data, tagPath);
        const known = discriminator === 'probe' ? registry.probes.map((p) => p.id) : registry.actions.map((a) => a.id);
        const kind = discriminator === 'probe' ? 'probe' : 'action';
        if (value === undefined) return [issue(tagPath, `${kind} is required (one of ${known.join(', ')})`)];
        if (typeof value !== 'string')
          return [issue(tagPath, `expected the id of a${kind === 'action' ? 'n' : ''} ${kind} (one of ${known.join(', ')}), got ${describe(value)}`)];
        return [issue(tagPath, `unknown ${kind} '${String(value)}'${didYouMean(String(value), known)}; known ${kind}s: ${known.join(', ')}`)];
      }
      // A value that may be written two ways (3m, or { within: 3m, probes }): report what the form it is written in lacks.
      const input = valueAt(data, path);
      const isMapInput = typeof input === 'object' && input !== null && !Array.isArray(input);
      const branch = raw.errors.find((issues) => issues.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys') === isMapInput);
      if (branch !== undefined && branch.length > 0)
        return branch.flatMap((i) => toIssues({ ...i, path: [...path, ...i.path] } as z.core.$ZodIssue, data, schema, issue, registry));
      return [issue(path, raw.message)];
    }
    case 'invalid_type': {
      const input = valueAt(data, path);
      if (input === undefined) return [issue(path, 'is required')];
      // Fields with their own wording (durations, percentages, selections) keep it.
      if (!raw.message.startsWith('Invalid input')) return [issue(path, raw.message)];
      return [issue(path, `expected ${article(raw.expected)}, got ${describe(input)}`)];
    }
    case 'invalid_value': {
      const input = valueAt(data, path);
      const options = raw.values.map((v) => JSON.stringify(v)).join(', ');
      if (input === undefined) return [issue(path, `is required (${options})`)];
      const suggestion = typeof input === 'string' ? didYouMean(input, raw.values.map(String)) : '';
      return [issue(path, `${describe(input)} is not allowed; expected ${raw.values.length === 1 ? options : `one of ${options}`}${suggestion}`)];
    }
    case 'too_small':
      if (raw.origin === 'array') return [issue(path, raw.message.startsWith('Too small') ? `needs at least ${String(raw.minimum)} item(s)` : raw.message)];
      return [issue(path, raw.message.startsWith('Too small') ? `must be at least ${String(raw.minimum)}, got ${describe(valueAt(data, path))}` : raw.message)];
    case 'too_big':
      return [issue(path, raw.message.startsWith('Too big') ? `must be at most ${String(raw.maximum)}, got ${describe(valueAt(data, path))}` : raw.message)];
    default:
      return [issue(path, raw.message.replace(/^Invalid input: /, ''))];
  }
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a map';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    default:
      return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
  }
}

function valueAt(data: unknown, path: Path): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

interface Def {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  element?: SchemaLike;
  valueType?: SchemaLike;
  options?: SchemaLike[];
  discriminator?: string;
}
interface SchemaLike {
  _zod: { def: Def };
}

function unwrap(schema: SchemaLike): SchemaLike {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = s._zod.def;
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (next === undefined) return s;
    s = next;
  }
  return s;
}

/** Field names a map at `path` accepts, for "did you mean". Follows discriminated unions by the data's own tag. */
function allowedKeys(schema: unknown, path: Path, data: unknown): string[] {
  let s: SchemaLike | undefined = unwrap(schema as SchemaLike);
  let value = data;
  const step = (): void => {
    if (s === undefined) return;
    const def = s._zod.def;
    if (def.type === 'union' && def.options !== undefined) {
      const tag = def.discriminator;
      const options = def.options.map(unwrap);
      const pick =
        tag !== undefined && value !== null && typeof value === 'object'
          ? options.find((o) => {
              const lit = o._zod.def.shape?.[tag] as { _zod: { def: { values?: unknown[] } } } | undefined;
              return lit?._zod.def.values?.includes((value as Record<string, unknown>)[tag]) === true;
            })
          : undefined;
      s = pick ?? options[0];
    }
  };
  step();
  for (const part of path) {
    if (s === undefined) return [];
    const def: Def = s._zod.def;
    const next: SchemaLike | undefined = def.shape?.[String(part)] ?? def.element ?? def.valueType;
    s = next === undefined ? undefined : unwrap(next);
    value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
    step();
  }
  return Object.keys(s?._zod.def.shape ?? {});
}

export type { Document };
