import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOnSim } from '../support/sim.js';

/**
 * Route 53 alias health: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html;
 * cross-Region read replicas: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html.
 * The global experiments of experiments/, each run on its simulated world of two Regions (or three endpoints), checked
 * against the world's own ground truth: what Route 53 answered each location and when, what a promotion lost.
 */
describe('the global experiments', () => {
  it('global-active-active: Frankfurt is served by us-east-1 no sooner than Route 53 answers it so, at its latency; Virginia and Tokyo never fail', async () => {
    const speed = 40;
    await runOnSim('global-active-active.yaml', { topology: 'global.yaml', speed }, async ({ journal, outputs, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const use1 = outputs['alb.web-use1.address'] ?? '';
      const euc1 = outputs['alb.web-euc1.address'] ?? '';
      const injected = journal.measurement.injectedAt?.value ?? Number.NaN;
      const flip = (await events()).find(
        (e) =>
          e.kind === 'dns-answer' &&
          e.resource === 'www.example.com.' &&
          e.detail?.location === 'frankfurt' &&
          e.to === use1 &&
          e.epochMs - journal.startedAtEpochMs >= injected,
      );
      assert.ok(flip !== undefined, 'Route 53 answered Frankfurt with us-east-1 after the outage');
      const trueFlip = flip.epochMs - journal.startedAtEpochMs;
      const moved = journal.measurement.probes.frankfurt?.endpointChanges.find((c) => c.from === euc1 && c.to === use1);
      assert.ok(moved !== undefined, 'Frankfurt was served by us-east-1');
      assert.ok(moved.at.upper >= trueFlip, `served by us-east-1 at [${moved.at.lower}, ${moved.at.upper}], before Route 53 answered so at ${trueFlip}`);
      // Never at once: Route 53 learns the alias target's health no sooner than route53AliasTargetHealth's shortest
      // draw (10 s), and its health check fails no sooner than two 10-s intervals.
      assert.ok((trueFlip - injected) * speed >= 10_000, `Route 53 flipped ${((trueFlip - injected) * speed) / 1_000}s after the outage`);
      // What Frankfurt's users get meanwhile: us-east-1, 92 ms away by the topology's table, at least that.
      assert.ok((journal.measurement.probes.frankfurt?.latency.after?.p50 ?? 0) >= 92, JSON.stringify(journal.measurement.probes.frankfurt?.latency));
      for (const p of ['virginia', 'tokyo']) {
        const samples = journal.probes.find((x) => x.name === p)?.samples;
        assert.ok(samples !== undefined && !Array.isArray(samples), `${p} has samples`);
        assert.ok(samples.count > 0 && samples.ok.every(([ok]) => ok), `${p} never failed: ${JSON.stringify(samples.ok)}`);
      }
    });
  });

  it('global-active-passive: every location reaches eu-central-1, and the ledger loses exactly the writes the promotion dropped', async () => {
    await runOnSim('global-active-passive.yaml', { topology: 'global.yaml', speed: 30 }, async ({ journal, outputs, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const euc1 = outputs['alb.web-euc1.address'] ?? '';
      for (const p of ['virginia', 'frankfurt', 'tokyo'])
        assert.ok(
          journal.measurement.probes[p]?.endpointChanges.some((c) => c.to === euc1),
          `${p} was served by eu-central-1: ${JSON.stringify(journal.measurement.probes[p]?.endpointChanges)}`,
        );
      const promoted = (await events()).find((e) => e.kind === 'replication' && e.resource === 'rds/orders-replica' && e.to === 'promoted');
      assert.ok(promoted !== undefined, 'the replica was promoted');
      const ledger = journal.probes.find((p) => p.name === 'orders')?.report?.lostWrites;
      // Every write the promotion dropped was acknowledged to the ledger, except at most the one in flight when the
      // Region went dark (committed there, its acknowledgement cut off): the ledger writes one at a time.
      const dropped = Number(promoted.detail?.lostUnits);
      assert.ok(
        ledger !== undefined && dropped >= ledger.count && dropped - ledger.count <= 1,
        `the ledger lost ${ledger?.count} acknowledged writes; the promotion dropped ${dropped} units`,
      );
      assert.ok((ledger?.count ?? 0) > 0, 'the Region outage lost acknowledged writes: replication is asynchronous');
      assert.ok((ledger?.acknowledged ?? 0) > (ledger?.count ?? 0), 'the promoted replica acknowledged writes');
      const rpo = journal.objectives.find((o) => o.objective === 'rpo');
      assert.equal(rpo?.status, 'pass', rpo?.detail);
      const outage = journal.activities.find((a) => a.name === 'lose-us-east-1' && a.kind === 'fault-end');
      assert.equal(outage?.status, 'succeeded', JSON.stringify(outage));
    });
  });

  it('multivalue-answer: DNS drops the dead endpoint no sooner than its health check fails, and returns it once it serves', async () => {
    await runOnSim('multivalue-answer.yaml', { topology: 'multivalue.yaml', speed: 30 }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const truth = await events();
      const dropped = truth.find((e) => e.kind === 'dns-answer' && e.resource === 'api.example.com.' && e.to === '127.0.41.1,127.0.43.1');
      assert.ok(dropped !== undefined, 'the world dropped api-2 from the answer');
      const measured = journal.measurement.probes.dns?.valueChanges.find((c) => c.to === '127.0.41.1,127.0.43.1');
      assert.ok(measured !== undefined, 'the dns probe saw it');
      const trueAt = dropped.epochMs - journal.startedAtEpochMs;
      assert.ok(measured.at.lower <= trueAt && trueAt <= measured.at.upper, `true drop at ${trueAt}, measured [${measured.at.lower}, ${measured.at.upper}]`);
      assert.ok(
        journal.measurement.probes.dns?.valueChanges.some((c) => c.from === '127.0.41.1,127.0.43.1' && c.to === '127.0.41.1,127.0.42.1,127.0.43.1'),
        'api-2 came back into the answer',
      );
      assert.equal(journal.objectives.find((o) => o.objective === 'switchover')?.status, 'pass');
    });
  });
});
