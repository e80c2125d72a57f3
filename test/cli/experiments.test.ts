import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gameday, ROOT, tempDir } from '../support/cli.js';

describe('the ready experiments', () => {
  it('every file in experiments/ validates, topologies and ${sim:…} references included', async () => {
    const files = (await readdir(join(ROOT, 'experiments'))).filter((f) => f.endsWith('.yaml')).map((f) => join('experiments', f));
    assert.ok(files.length >= 7, files.join(', '));
    const result = await gameday(['validate', ...files]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ok: ')).length,
      files.length,
    );
  });
});

describe('an SQL probe on a simulated RDS endpoint without the region’s DNS', () => {
  it('is refused at validation with one sentence naming the fix, before anything starts', async () => {
    const text = (await readFile(join(ROOT, 'experiments', 'rds-failover.yaml'), 'utf8'))
      .replace(', resolver: "${sim:dns.server}"', '')
      .replace('topologies/', `${join(ROOT, 'experiments', 'topologies')}/`);
    const tmp = await tempDir();
    try {
      const file = await tmp.write('no-resolver.yaml', text);
      const result = await gameday(['validate', file]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /probes\[0\]\.args\.url.*resolves only through its DNS: add resolver: "\$\{sim:dns\.server\}"/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await tmp.cleanup();
    }
  });
});
