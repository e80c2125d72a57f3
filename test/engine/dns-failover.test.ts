import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { journalSchema } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';

describe('failing the primary site’s Route 53 health check', () => {
  it('times the DNS flip to the secondary within the bracket of the region’s recorded flip, and restores the check', async () => {
    const file = join(ROOT, 'experiments', 'route53-failover.yaml');
    const registry = defaultRegistry();
    const region = await SimRegion.start({ topology: await loadTopology(join(ROOT, 'experiments', 'topologies', 'two-sites.yaml')), speed: 20 });
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: { accessKeyId: 'A', secretAccessKey: 'b' } });
    try {
      await region.world.ready(60_000);
      const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
      const journal = await runExperiment(loaded, { registry, aws });
      journalSchema.parse(journal);
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);

      const events = ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events;
      const flip = events.find((e) => e.kind === 'dns-answer' && e.resource.startsWith('app.example.com') && e.to === '127.0.20.1');
      assert.ok(flip !== undefined, 'the region recorded the flip to the secondary');
      const trueFlip = flip.epochMs - journal.startedAtEpochMs;
      const measured = journal.measurement.probes.dns?.valueChanges.find((c) => c.to === '127.0.20.1');
      assert.ok(measured !== undefined, 'the dns probe saw the flip');
      assert.ok(measured.at.lower <= trueFlip && trueFlip <= measured.at.upper, `true flip at ${trueFlip}ms, measured [${measured.at.lower}, ${measured.at.upper}]`);
      // Within one probe interval: the bracket is narrower than the dns probe's steady-state interval (5 s AWS).
      assert.ok(measured.at.upper - measured.at.lower <= 5_000 / 20, `bracket ${measured.at.upper - measured.at.lower}ms`);

      // The fault read the previous configuration first, and the rollback restored it.
      const [fault, rollback] = journal.activities;
      assert.deepEqual(fault?.calls.map((c) => c.operation), ['GetHealthCheck', 'UpdateHealthCheck']);
      assert.deepEqual(fault?.output?.previous, { inverted: false, disabled: false });
      assert.equal(rollback?.kind, 'auto-rollback');
      assert.deepEqual(rollback?.output?.restored, { inverted: false, disabled: false });
      assert.ok(events.some((e) => e.kind === 'dns-answer' && e.resource.startsWith('app.example.com') && e.to === '127.0.10.1' && e.epochMs > flip.epochMs), 'DNS answers the primary again');
    } finally {
      await aws.destroy();
      await region.stop();
    }
  });
});
