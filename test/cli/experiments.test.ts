import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gameday, ROOT } from '../support/cli.js';

describe('the ready experiments', () => {
  it('every file in experiments/ validates, topologies and ${sim:…} references included', async () => {
    const files = (await readdir(join(ROOT, 'experiments'))).filter((f) => f.endsWith('.yaml')).map((f) => join('experiments', f));
    assert.ok(files.length >= 7, files.join(', '));
    const result = await gameday(['validate', ...files]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').filter((l) => l.startsWith('ok: ')).length, files.length);
  });
});
