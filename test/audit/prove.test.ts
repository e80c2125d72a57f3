import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/cli.js';
import { reference } from './builder.js';
import { prove } from './prove-twin.js';
import { FRAGILE_TWIN } from './twin.js';

describe('the zone-loss experiment on the twin', () => {
  it('fails on a fragile two-zone group (the finding is confirmed): one instance left of the two it needs', async () => {
    const fragile = reference({ zones: ['us-east-1a', 'us-east-1b'], instances: 2 });
    fragile.alarms = [];
    const journal = await prove(fragile, 'capacity-below-need-after-zone-loss', FRAGILE_TWIN);
    assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
    const errorRate = journal.objectives.find((o) => o.objective === 'maxErrorRate');
    assert.equal(errorRate?.status, 'fail', JSON.stringify(journal.objectives));
  });

  it('passes on the reference (three zones, three instances, alarm below two): the claim holds', async () => {
    const twin = await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8');
    const journal = await prove(reference(), 'claim-zone-loss', twin);
    assert.equal(journal.verdict.status, 'passed', `${journal.verdict.reason} ${JSON.stringify(journal.objectives)}`);
  });
});
