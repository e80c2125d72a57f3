import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ExperimentValidationError, formatIssue } from '../../src/errors/validation-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { loadTopology, placeholderOutputs, REFERENCE_TOPOLOGY, parseTopology } from '../../src/sim/topology.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { ROOT } from '../support/cli.js';

/** Values a mutation may put anywhere: wrong types, empty things, huge and hostile strings. */
const junk = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'COUNT(-1)',
    'PERCENT(1000)',
    '5 parsecs',
    '${nope.output.x}',
    '${env:UNSET_FOR_FUZZ}',
    '${sim:nope}',
    'http://',
    '../../etc/passwd',
    'i-',
    '__proto__',
    'constructor',
  ),
);

type Tree = unknown;

/** Every path (list of keys/indices) to a node of a parsed document. */
function paths(node: Tree, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) out.push(...paths(v, [...at, i]));
  } else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) out.push(...paths(v, [...at, k]));
  return out;
}

/** Applies one mutation at `path`: replace the value, delete it, or add an unknown key next to it. */
function mutate(doc: Tree, path: (string | number)[], kind: 'replace' | 'delete' | 'add', value: unknown): Tree {
  const copy = structuredClone(doc);
  if (path.length === 0) return kind === 'replace' ? value : copy;
  const parent = path.slice(0, -1).reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], copy) as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1] as string | number;
  if (kind === 'replace') (parent as Record<string | number, unknown>)[key] = value;
  else if (kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string | number, unknown>)[key];
  } else if (!Array.isArray(parent)) (parent as Record<string, unknown>)[`x${String(key)}`] = value;
  return copy;
}

describe('mutated experiment files', () => {
  it('are each either valid or refused with located one-sentence issues: never a crash, a stack trace or an action', async () => {
    const dir = join(ROOT, 'experiments');
    const docs = await Promise.all(
      (await readdir(dir)).filter((f) => f.endsWith('.yaml')).map(async (f) => parse(await readFile(join(dir, f), 'utf8')) as Tree),
    );
    const registry = defaultRegistry();
    // Any action or probe that ran would be a failure of validation: make each one throw.
    const touched: string[] = [];
    for (const a of registry.actions) {
      a.run = () => {
        touched.push(a.id);
        throw new Error('an action ran during validation');
      };
      if (a.inventory !== undefined)
        a.inventory = () => {
          touched.push(`${a.id} inventory`);
          return Promise.reject(new Error('inventory during validation'));
        };
      if (a.plan !== undefined)
        a.plan = () => {
          touched.push(`${a.id} plan`);
          return Promise.reject(new Error('plan during validation'));
        };
    }
    for (const p of registry.probes) {
      p.open = () => {
        touched.push(p.id);
        return Promise.reject(new Error('a probe opened during validation')) as never;
      };
    }
    // The outputs of every shipped topology, so that each experiment's own ${sim:…} references resolve.
    const topologies = await Promise.all((await readdir(join(dir, 'topologies'))).map((f) => loadTopology(join(dir, 'topologies', f))));
    const simOutputs = Object.assign({}, placeholderOutputs(parseTopology(REFERENCE_TOPOLOGY, 'reference')), ...topologies.map(placeholderOutputs)) as Record<
      string,
      string
    >;
    let valid = 0;
    let refused = 0;
    await fc.assert(
      fc.property(
        fc.integer({ min: 0, max: docs.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace' as const, 'delete' as const, 'add' as const), junk), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (which, mutations, truncate) => {
          let doc = docs[which];
          for (const [n, kind, value] of mutations) {
            const all = paths(doc);
            doc = mutate(doc, all[n % all.length] ?? [], kind, value);
          }
          let text = stringify(doc);
          if (truncate) text = text.slice(0, Math.floor(text.length * 0.7));
          try {
            parseExperiment(text, 'fuzz.yaml', { registry, env: {}, simOutputs });
            valid++;
          } catch (error) {
            assert.ok(
              error instanceof ExperimentValidationError,
              `not a validation error: ${error instanceof Error ? error.stack : String(error)}\n---\n${text}`,
            );
            refused++;
            assert.ok(error.issues.length > 0);
            for (const issue of error.issues) {
              const sentence = formatIssue(issue);
              assert.ok(!sentence.includes('\n    at '), `a stack trace in: ${sentence}`);
              assert.ok(issue.message.length > 0 && issue.message.length < 600, `message: ${issue.message}`);
              assert.ok(!/undefined|\[object Object\]/.test(issue.message), `an unfinished sentence: ${issue.message}`);
            }
          }
        },
      ),
      { numRuns: 600, includeErrorInReport: true },
    );
    assert.deepEqual(touched, []);
    assert.ok(refused > 100, `mutations refused: ${refused}`);
    assert.ok(valid > 20, `some mutations are harmless: ${valid}`);
  });
});
