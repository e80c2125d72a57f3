import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Architecture } from '../../src/architecture/model.js';
import { auditArchitecture } from '../../src/audit/audit.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import type { Journal } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { CREDENTIALS } from '../support/sim.js';
import { OBJECTIVES, reference } from './builder.js';
import { FRAGILE_TWIN } from './twin.js';

const SPEED = 100;

/** Audits `a`, takes the experiment of `rule`, and runs it on a region started from the twin topology `twin` (text). */
async function prove(a: Architecture, rule: string, twin: string): Promise<Journal> {
  const experiment = auditArchitecture(a, OBJECTIVES, { twin: 'twin.yaml', speed: SPEED }).findings.find((f) => f.rule === rule)?.experiment;
  assert.ok(experiment !== undefined, `no experiment for ${rule}`);
  const dir = await mkdtemp(join(tmpdir(), 'gameday-prove-'));
  await writeFile(join(dir, 'twin.yaml'), twin);
  const region = await SimRegion.start({ topology: await loadTopology(join(dir, 'twin.yaml')), speed: SPEED });
  const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
  try {
    await region.world.ready(60_000);
    const registry = defaultRegistry();
    const loaded = parseExperiment(experiment.yaml, join(dir, experiment.file), { registry, env: {}, simOutputs: region.outputs() });
    return await runExperiment(loaded, { registry, aws });
  } finally {
    await aws.destroy();
    await region.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

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
