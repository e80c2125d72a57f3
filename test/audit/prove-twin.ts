import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Architecture } from '../../src/architecture/model.js';
import { auditArchitecture } from '../../src/audit/audit.js';
import type { Finding } from '../../src/audit/finding.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import type { Journal } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { CREDENTIALS } from '../support/sim.js';
import { OBJECTIVES } from './builder.js';

/** The twin runs at this speed in the proof tests: five minutes of AWS time in three seconds. */
export const SPEED = 100;

/**
 * Audits `a`, takes the experiment of the first finding of `rule` (that `which` accepts), and runs it through the
 * engine on a region started from the twin topology `twin` (text), as `audit --prove` does.
 */
export async function prove(a: Architecture, rule: string, twin: string, which: (f: Finding) => boolean = () => true): Promise<Journal> {
  const experiment = auditArchitecture(a, OBJECTIVES, { twin: 'twin.yaml', speed: SPEED }).findings.find((f) => f.rule === rule && which(f))?.experiment;
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
