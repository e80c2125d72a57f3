import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { journalJsonSchema } from '../../src/engine/journal.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { VERSION } from '../../src/version.js';
import { ROOT } from '../support/cli.js';

const read = async (path: string): Promise<unknown> => JSON.parse(await readFile(join(ROOT, path), 'utf8')) as unknown;

describe('published schemas', () => {
  it('schema/experiment.schema.json is what `gameday schema` generates (regenerate with: node bin/gameday.js schema > schema/experiment.schema.json)', async () => {
    assert.deepEqual(await read('schema/experiment.schema.json'), JSON.parse(JSON.stringify(experimentJsonSchema(defaultRegistry()))));
  });

  it('schema/journal.schema.json is what `gameday schema --journal` generates', async () => {
    assert.deepEqual(await read('schema/journal.schema.json'), JSON.parse(JSON.stringify(journalJsonSchema())));
  });

  it('offers every registered action and probe to editors', () => {
    const text = JSON.stringify(experimentJsonSchema(defaultRegistry()));
    for (const a of defaultRegistry().actions) assert.ok(text.includes(`"const":"${a.id}"`), a.id);
    for (const p of defaultRegistry().probes) assert.ok(text.includes(`"const":"${p.id}"`), p.id);
  });

  it('reports the version package.json declares', async () => {
    const pkg = (await read('package.json')) as { version: string };
    assert.equal(VERSION, pkg.version);
  });
});
