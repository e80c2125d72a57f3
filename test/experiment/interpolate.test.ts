import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRunRefs, interpolateEnv, interpolateRun } from '../../src/experiment/interpolate.js';

describe('interpolation', () => {
  it('replaces ${env:…} with the variable or its fallback, typed when the whole field is one reference', () => {
    const { value, problems } = interpolateEnv(
      { url: 'http://${env:HOST}:${env:PORT}/', port: '${env:PORT}', flag: '${env:FLAG:-true}', name: '${env:MISSING:-web}' },
      { HOST: 'h', PORT: '8080' },
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(value, { url: 'http://h:8080/', port: 8080, flag: true, name: 'web' });
  });

  it('reports unset variables with their path', () => {
    const { problems } = interpolateEnv({ probes: [{ args: { url: '${env:NOPE}' } }] }, {});
    assert.equal(problems.length, 1);
    assert.deepEqual(problems[0]?.path, ['probes', 0, 'args', 'url']);
    assert.match(problems[0]?.message ?? '', /NOPE is not set/);
  });

  it('finds run-time references and refuses malformed ones', () => {
    const { refs, problems } = findRunRefs({ a: '${kill.output.ids}', b: 'x-${kill.targets}', c: '${run.id}', d: '${what ever}' });
    assert.deepEqual(
      refs.map((r) => r.step),
      ['kill', 'kill'],
    );
    assert.equal(problems.length, 1);
    assert.deepEqual(problems[0]?.path, ['d']);
  });

  it('resolves run-time references, keeping the type of a whole-field reference', () => {
    const scope = { runId: 'gd-1', experiment: 'e', steps: new Map([['kill', { output: { ids: ['i-1', 'i-2'], n: 2 }, targets: ['i-1'] }]]) };
    assert.deepEqual(
      interpolateRun({ ids: '${kill.output.ids}', msg: 'run ${run.id} killed ${kill.output.n}', t: '${kill.targets}', lit: 'cost $${x}' }, scope),
      {
        ids: ['i-1', 'i-2'],
        msg: 'run gd-1 killed 2',
        t: ['i-1'],
        lit: 'cost ${x}',
      },
    );
    assert.throws(() => interpolateRun('${kill.output.missing}', scope), /produced no such field/);
    assert.throws(() => interpolateRun('${other.output.x}', scope), /has not run/);
  });
});
