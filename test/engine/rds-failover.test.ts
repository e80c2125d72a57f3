import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { runOnSim } from '../support/sim.js';

const SPEED = 30;
/** TTL of an RDS endpoint's DNS record, in AWS seconds. */
const RDS_TTL_S = 5;

describe('a Multi-AZ RDS failover with a write ledger', () => {
  it('loses no acknowledged write, and measures the write downtime the region really had', async () => {
    await runOnSim('rds-failover.yaml', { topology: 'web-and-database.yaml', speed: SPEED }, async ({ journal, outputs, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const ledger = journal.probes.find((p) => p.name === 'ledger');
      assert.equal(ledger?.report?.lostWrites?.count, 0);
      assert.ok((ledger?.report?.lostWrites?.acknowledged ?? 0) > 10);
      assert.equal(journal.objectives.find((o) => o.objective === 'rpo')?.status, 'pass');
      assert.deepEqual(journal.activities[0]?.output?.moved, { 'orders-db': 'us-east-1a -> us-east-1b' });

      // Truth: when the endpoint stopped and started serving, and when its DNS name flipped to the standby's node.
      const truth = await events();
      const down = truth.find((e) => e.resource === 'rds/orders-db' && e.to === 'refusing');
      const up = truth.find((e) => e.resource === 'rds/orders-db' && e.to === 'serving');
      const flip = truth.find((e) => e.kind === 'dns-answer' && e.resource === `${outputs['rds.orders-db.endpoint'] ?? ''}.`);
      assert.ok(down !== undefined && up !== undefined && flip !== undefined);
      assert.equal(flip.from, outputs['rds.orders-db.address'], 'the endpoint answered the primary’s node before');
      assert.notEqual(flip.to, flip.from);
      // The region knows the end of the outage within [since, epochMs] (serving began somewhere in that listen call).
      // A client that resolved the old node's address keeps it for up to the TTL, so its writes may resume that much later.
      const upSince = typeof up.detail?.since === 'number' ? up.detail.since : up.epochMs;
      const truthRange = { lower: upSince - down.epochMs, upper: up.epochMs - down.epochMs + (RDS_TTL_S * 1_000) / SPEED };
      const measured = journal.measurement.probes.ledger?.downtime;
      assert.ok(measured !== undefined);
      // The two intervals must overlap; a write needs a new connection once the endpoint serves again, hence 5 ms.
      assert.ok(
        measured.lower - 5 <= truthRange.upper && truthRange.lower <= measured.upper + 5,
        `true write downtime [${truthRange.lower}, ${truthRange.upper}]ms, measured [${measured.lower}, ${measured.upper}]`,
      );

      // The ledger followed the endpoint's DNS name to the new primary, no sooner than the flip.
      const moved = journal.measurement.probes.ledger?.endpointChanges[0];
      assert.deepEqual([moved?.from, moved?.to], [flip.from, flip.to]);
      assert.ok((moved?.at.upper ?? -Infinity) >= at(flip, journal.startedAtEpochMs));
      assert.equal(journal.objectives.find((o) => o.objective === 'switchover')?.status, 'pass');
    });
  });
});

const at = (e: TruthEvent, origin: number): number => e.epochMs - origin;

describe('an AZ outage', () => {
  it('terminates the zone’s opted-in instances and fails its database primaries over at once; nothing acknowledged is lost', async () => {
    await runOnSim('az-outage.yaml', { topology: 'web-and-database.yaml', speed: SPEED }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const truth = await events();
      const inZone = new Set(
        truth
          .filter((e) => e.kind === 'instance-state' && e.to === 'running' && e.detail?.zone === 'us-east-1a' && e.epochMs < journal.startedAtEpochMs)
          .map((e) => e.resource),
      );
      const output = journal.activities[0]?.output as { instanceIds: string[]; databases: Record<string, string> };
      assert.deepEqual(new Set(output.instanceIds), inZone);
      // The instance's primary and the cluster's writer were both in the zone: both moved out of it.
      assert.deepEqual(output.databases, {
        'orders-db': 'us-east-1a -> us-east-1b',
        'ledger-cluster': 'ledger-cluster-instance-1 (us-east-1a) -> ledger-cluster-instance-2 (us-east-1b)',
      });
      assert.equal(journal.probes.find((p) => p.name === 'ledger')?.report?.lostWrites?.count, 0);
      // The instance terminations and the database failovers were issued together, before any waiting.
      assert.deepEqual(
        journal.activities[0]?.calls.filter((c) => c.mutating).map((c) => c.operation),
        ['TerminateInstances', 'RebootDBInstance', 'FailoverDBCluster'],
      );
    });
  });
});

describe('a Multi-AZ DB cluster failover with a write ledger', () => {
  it('moves the writer to a reader in another zone, loses no acknowledged write, and times the client’s switch after the DNS flip', async () => {
    await runOnSim('rds-cluster-failover.yaml', { topology: 'web-and-database.yaml', speed: 20 }, async ({ journal, outputs, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      assert.deepEqual(journal.activities[0]?.output?.moved, {
        'ledger-cluster': 'ledger-cluster-instance-1 (us-east-1a) -> ledger-cluster-instance-2 (us-east-1b)',
      });
      assert.equal(journal.probes.find((p) => p.name === 'ledger')?.report?.lostWrites?.count, 0);
      const truth = await events();
      const flip = truth.find((e) => e.kind === 'dns-answer' && e.resource === `${outputs['rds.ledger-cluster.endpoint'] ?? ''}.`);
      assert.ok(flip !== undefined, 'the writer endpoint’s name flipped');
      const moved = journal.measurement.probes.ledger?.endpointChanges[0];
      assert.ok(moved !== undefined && moved.to === flip.to);
      // Served by the new writer no sooner than the flip, and no later than the flip plus the 5 s TTL and a sample.
      const t = at(flip, journal.startedAtEpochMs);
      assert.ok(
        moved.at.upper >= t && moved.at.lower <= t + (RDS_TTL_S * 1_000) / 20 + 2_000 / 20,
        `switch [${moved.at.lower}, ${moved.at.upper}], flip at ${t}`,
      );
      const switchover = journal.objectives.find((o) => o.objective === 'switchover');
      assert.equal(switchover?.status, 'pass', switchover?.detail);
      // The status probe saw the cluster fail over and come back.
      assert.deepEqual(
        journal.measurement.probes['cluster-status']?.valueChanges.map((c) => c.to),
        ['failing-over', 'available'],
      );
    });
  });
});
