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

describe('a Multi-AZ RDS failover with a write ledger', () => {
  it('loses no acknowledged write, and measures the write downtime the region really had', async () => {
    const file = join(ROOT, 'experiments', 'rds-failover.yaml');
    const registry = defaultRegistry();
    const region = await SimRegion.start({ topology: await loadTopology(join(ROOT, 'experiments', 'topologies', 'web-and-database.yaml')), speed: 30 });
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: { accessKeyId: 'A', secretAccessKey: 'b' } });
    try {
      await region.world.ready(60_000);
      const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
      const journal = await runExperiment(loaded, { registry, aws });
      journalSchema.parse(journal);
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);

      const ledger = journal.probes.find((p) => p.name === 'ledger');
      assert.equal(ledger?.report?.lostWrites?.count, 0);
      assert.ok((ledger?.report?.lostWrites?.acknowledged ?? 0) > 10);
      assert.equal(journal.objectives.find((o) => o.objective === 'rpo')?.status, 'pass');
      assert.deepEqual(journal.activities[0]?.output?.moved, { 'orders-db': 'us-east-1a -> us-east-1b' });

      // Truth: when the endpoint stopped and started serving. The ledger's failing span must bracket it.
      const events = ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events;
      const down = events.find((e) => e.resource === 'rds/orders-db' && e.to === 'refusing');
      const up = events.find((e) => e.resource === 'rds/orders-db' && e.to === 'serving');
      assert.ok(down !== undefined && up !== undefined);
      // The region knows the end of the outage within [since, epochMs] (serving began somewhere in that listen call).
      const upSince = typeof up.detail?.since === 'number' ? up.detail.since : up.epochMs;
      const truth = { lower: upSince - down.epochMs, upper: up.epochMs - down.epochMs };
      const measured = journal.measurement.probes.ledger?.downtime;
      assert.ok(measured !== undefined);
      // The two intervals must overlap; a write needs a new connection once the endpoint serves again, hence 5 ms.
      assert.ok(measured.lower - 5 <= truth.upper && truth.lower <= measured.upper + 5, `true write downtime [${truth.lower}, ${truth.upper}]ms, measured [${measured.lower}, ${measured.upper}]`);
    } finally {
      await aws.destroy();
      await region.stop();
    }
  });
});

describe('an AZ outage', () => {
  it('terminates the zone’s opted-in instances and fails its database primaries over at once; nothing acknowledged is lost', async () => {
    const file = join(ROOT, 'experiments', 'az-outage.yaml');
    const registry = defaultRegistry();
    const region = await SimRegion.start({ topology: await loadTopology(join(ROOT, 'experiments', 'topologies', 'web-and-database.yaml')), speed: 30 });
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: { accessKeyId: 'A', secretAccessKey: 'b' } });
    try {
      await region.world.ready(60_000);
      const before = await (await fetch(`${region.endpoint}/_sim/events`)).json() as { events: TruthEvent[] };
      const inZone = new Set(before.events.filter((e) => e.kind === 'instance-state' && e.to === 'running' && e.detail?.zone === 'us-east-1a').map((e) => e.resource));
      const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
      const journal = await runExperiment(loaded, { registry, aws });
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const output = journal.activities[0]?.output as { instanceIds: string[]; databases: Record<string, string> };
      assert.deepEqual(new Set(output.instanceIds), inZone);
      assert.deepEqual(output.databases, { 'orders-db': 'us-east-1a -> us-east-1b' });
      assert.equal(journal.probes.find((p) => p.name === 'ledger')?.report?.lostWrites?.count, 0);
      // The instance terminations and the database failover were issued together, before any waiting.
      assert.deepEqual(journal.activities[0]?.calls.filter((c) => c.mutating).map((c) => c.operation), ['TerminateInstances', 'RebootDBInstance']);
    } finally {
      await aws.destroy();
      await region.stop();
    }
  });
});
