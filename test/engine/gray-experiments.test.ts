import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSamples } from '../../src/engine/journal.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSummary } from '../../src/report/summary.js';
import { runOnSim } from '../support/sim.js';

/**
 * The gray-failure experiments of experiments/, each on its simulated three-tier application, checked against the
 * region's ground truth. A Multi-AZ failover flips the endpoint's DNS record to the standby; a client must resolve it
 * again to follow: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html.
 */
describe('the gray-failure experiments', () => {
  const SPEED = 60;

  it('dns-caching-app: the app that caches the address forever never serves orders again, while every health check stays green', async () => {
    await runOnSim('dns-caching-app.yaml', { topology: 'three-tier-cached.yaml', speed: SPEED }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'not-recovered', journal.verdict.reason);
      const serving = (await events()).find(
        (e) => e.kind === 'workload' && e.resource === 'rds/orders-db' && e.to === 'serving' && e.epochMs > journal.startedAtEpochMs,
      );
      assert.ok(serving !== undefined, 'the database served again after its failover');
      const encoded = journal.probes.find((p) => p.name === 'orders')?.samples;
      assert.ok(encoded !== undefined);
      // Every orders sample that started once the database served again failed: the app kept the old primary.
      const since = serving.epochMs - journal.startedAtEpochMs;
      const later = decodeSamples(encoded).filter((x) => x.start > since);
      assert.ok(later.length > 5, `${later.length} samples after the database was back`);
      assert.deepEqual(
        later.filter((x) => x.ok).map((x) => x.start),
        [],
        'users kept failing after the database was back',
      );
      const rto = journal.objectives.find((o) => o.objective === 'rto');
      assert.equal(rto?.status, 'fail', rto?.detail);
      // The shallow health check never noticed: the load balancer kept every target.
      const targets = journal.probes.find((p) => p.name === 'healthy-targets')?.samples;
      assert.ok(targets !== undefined && targets.count > 0);
      assert.ok(
        decodeSamples(targets).every((x) => x.ok),
        'targets stayed healthy',
      );
    });
  });

  it('dns-caching-app with the app that honours the TTL: orders are served again within the RTO, no sooner than the failover ended', async () => {
    await runOnSim('dns-caching-app.yaml', { topology: 'three-tier.yaml', speed: SPEED }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const truth = (await events()).filter((e) => e.kind === 'workload' && e.resource === 'rds/orders-db' && e.epochMs > journal.startedAtEpochMs);
      const down = truth.find((e) => e.to === 'refusing');
      const up = truth.find((e) => e.to === 'serving');
      assert.ok(down !== undefined && up !== undefined, 'the database refused, then served');
      const recovered = journal.measurement.recoveredAt;
      assert.ok(recovered !== null && recovered !== undefined, JSON.stringify(journal.measurement));
      // Users get their orders no sooner than the database serves again (the measurement's upper bound), and the
      // failover itself takes what AWS documents (60–120 s).
      assert.ok(
        recovered.upper >= up.epochMs - journal.startedAtEpochMs,
        `recovered by ${recovered.upper} ms, the database served at ${up.epochMs - journal.startedAtEpochMs} ms`,
      );
      assert.ok(((up.epochMs - down.epochMs) * SPEED) / 1000 >= 60, 'the failover took at least 60 s of AWS time');
    });
  });
  it('gray-db-latency: 200 ms towards the database breaks the journey objective while every health check stays green', async () => {
    await runOnSim('gray-db-latency.yaml', { topology: 'three-tier.yaml', speed: 30 }, async ({ journal, outputs, events }) => {
      assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
      const p99 = journal.objectives.find((o) => o.objective === 'maxJourneyP99');
      assert.equal(p99?.status, 'fail', p99?.detail);
      assert.equal(journal.objectives.find((o) => o.objective === 'minJourneySuccessRate')?.status, 'pass');
      // A journey makes at least two queries, each 200 ms later: the slowest journeys during the fault show both.
      assert.ok((journal.measurement.probes.orders?.latency.during?.p99 ?? 0) >= 400, JSON.stringify(journal.measurement.probes.orders?.latency));
      for (const name of ['healthy-targets', 'in-service']) {
        const encoded = journal.probes.find((p) => p.name === name)?.samples;
        assert.ok(encoded !== undefined && encoded.count > 0);
        assert.ok(
          decodeSamples(encoded).every((x) => x.ok),
          `${name} stayed in tolerance`,
        );
      }
      // Ground truth: the delay landed on every instance of the group, towards the address the database's name had
      // when the document started, and ended with the run.
      const truth = (await events()).filter((e) => e.kind === 'impairment');
      const started = truth.filter((e) => e.to === 'network-latency');
      assert.equal(started.length, 3, JSON.stringify(truth));
      for (const e of started) assert.deepEqual(e.detail?.sources, [outputs['rds.orders-db.address']]);
      assert.equal(truth.filter((e) => e.to === 'ended').length, 3);
      // The run checked that the delay took effect: the journey probe saw it.
      const effect = journal.activities.find((a) => a.kind === 'fault' && a.name === 'slow-database')?.effect;
      assert.equal(effect?.seen, true, JSON.stringify(effect));
      assert.equal(effect?.probe, 'orders');
      // The report says it is a gray failure: users broke while AWS's own view stayed healthy.
      assert.match(
        renderSummary(journal),
        /^gray failure: users' objectives were missed while AWS's own view stayed healthy from the injection on: healthy-targets \(\d+ samples\), in-service \(\d+ samples\) in tolerance throughout\./m,
      );
      assert.match(renderMarkdown(journal), /\*\*Gray failure: /);
    });
  });

  it('gray-db-latency with a deep health check: the checks still pass (200 ms is inside their timeout), nothing is replaced, and the report says so', async () => {
    await runOnSim('gray-db-latency.yaml', { topology: 'three-tier-deep.yaml', speed: 30 }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
      assert.equal(journal.objectives.find((o) => o.objective === 'maxJourneyP99')?.status, 'fail');
      const truth = (await events()).filter((e) => e.epochMs > journal.startedAtEpochMs);
      // Ground truth: no target left healthy, no instance ended; the group replaced nothing.
      assert.deepEqual(
        truth.filter(
          (e) =>
            (e.kind === 'target-health' && e.to !== 'healthy') ||
            (e.kind === 'instance-state' && ['shutting-down', 'terminated', 'Terminating'].includes(String(e.to))),
        ),
        [],
      );
      assert.match(
        renderSummary(journal),
        /^gray failure: .*healthy-targets .*in-service .*No health check saw it, so nothing was replaced, drained or failed over\.$/m,
      );
    });
  });

  it('gray-db-latency aimed at an address the app never talks to: the delay lands on every instance, no probe sees it, and the run is invalid-fault', async () => {
    // A second's delay: slower than anything the machine's own noise adds to a journey, so only the fault could be seen.
    const misaimed = (text: string): string => text.replace('delay: 200ms, sources: ["${sim:rds.orders-db.endpoint}"]', 'delay: 1s, sources: ["192.0.2.10"]');
    await runOnSim('gray-db-latency.yaml', { topology: 'three-tier.yaml', speed: 30, edit: misaimed }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'invalid-fault', journal.verdict.reason);
      assert.match(
        journal.verdict.reason,
        /fault 'slow-database' \(1000 ms added towards 192\.0\.2\.10\) landed but no probe saw it take effect: .*orders: \d+ samples, (none failed|only 1 failed or slow)/,
      );
      const effect = journal.activities.find((a) => a.kind === 'fault' && a.name === 'slow-database')?.effect;
      assert.equal(effect?.seen, false);
      // It did land (SSM ran the document on every instance) and it was undone: the check is about its effect.
      const truth = (await events()).filter((e) => e.kind === 'impairment' && e.epochMs > journal.startedAtEpochMs);
      assert.equal(truth.filter((e) => e.to === 'network-latency').length, 3);
      assert.equal(truth.filter((e) => e.to === 'ended').length, 3);
      // The objectives are still judged: the journal keeps what they said of an unharmed system.
      assert.ok(['pass', 'fail'].includes(journal.objectives.find((o) => o.objective === 'maxJourneyP99')?.status ?? ''));
    });
  });

  it("packet-loss-one-zone: the loss lands on us-east-1a only, its targets stay in service, and the users' error rate is measured", async () => {
    await runOnSim('packet-loss-one-zone.yaml', { topology: 'three-tier.yaml', speed: 30, seed: 3 }, async ({ journal, events }) => {
      assert.ok(['passed', 'failed-objective'].includes(journal.verdict.status), `${journal.verdict.status}: ${journal.verdict.reason}`);
      const rate = journal.objectives.find((o) => o.objective === 'maxErrorRate');
      assert.ok(rate !== undefined && rate.status !== 'not-evaluated', JSON.stringify(rate));
      const truth = await events();
      const lossy = truth.filter((e) => e.kind === 'impairment' && e.to === 'packet-loss');
      assert.ok(lossy.length > 0, 'the loss landed');
      const zoneOf = new Map(truth.filter((e) => e.kind === 'instance-state' && e.detail?.zone !== undefined).map((e) => [e.resource, e.detail?.zone]));
      for (const e of lossy) {
        assert.equal(e.detail?.percent, 10);
        assert.equal(zoneOf.get(e.resource), 'us-east-1a', `${e.resource} is in us-east-1a`);
      }
      const encoded = journal.probes.find((p) => p.name === 'healthy-targets')?.samples;
      assert.ok(encoded !== undefined && decodeSamples(encoded).every((x) => x.ok), 'the load balancer kept every target');
      const effect = journal.activities.find((a) => a.kind === 'fault' && a.name === 'lossy-zone')?.effect;
      assert.equal(effect?.seen, true, JSON.stringify(effect));
    });
  });
});
