import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOnSim } from '../../support/sim.js';

/**
 * aws.scenario.az-outage on a Local Zone (experiments/edge-zone-outage.yaml on experiments/topologies/edge.yaml): the
 * Local Zone is a failure domain of its own, and its users' fallback, the parent Region, keeps serving them at their
 * latency to it.
 */
describe('aws.scenario.az-outage on a Local Zone (experiments/edge-zone-outage.yaml)', () => {
  it("stops the Local Zone's instances and cuts its subnets; Boston's users go from the Local Zone's 4 ms back to the Region's 18 ms", async () => {
    await runOnSim('edge-zone-outage.yaml', { topology: 'edge.yaml', speed: 40, seed: 11 }, async ({ journal, events, outputs }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const [fault] = journal.activities;
      const output = fault?.output as { instanceIds: string[]; subnets: { subnetId: string }[] };
      const truth = await events();
      const zoneOf = (id: string): unknown => truth.find((e) => e.kind === 'instance-state' && e.resource === id)?.detail?.zone;
      assert.equal(output.instanceIds.length, 2, 'the edge group’s two instances');
      assert.deepEqual(output.instanceIds.map(zoneOf), ['us-east-1-bos-1a', 'us-east-1-bos-1a']);
      for (const id of output.instanceIds)
        assert.ok(
          truth.some((e) => e.kind === 'instance-state' && e.resource === id && e.to === 'stopped'),
          `${id} lost power`,
        );
      const cut = output.subnets.map((s) => s.subnetId).filter((s) => s !== '');
      assert.ok(cut.length > 0, 'a subnet of the Local Zone was cut');
      for (const subnet of cut) assert.ok(truth.some((e) => e.kind === 'subnet-connectivity' && e.resource === subnet && e.to === 'disrupted'));
      // No instance of the Region's Availability Zones was touched.
      assert.ok(!truth.some((e) => e.kind === 'instance-state' && e.to === 'stopping' && !output.instanceIds.includes(e.resource)));
      // Boston's users: the Local Zone before, then back on the Region (at least its 18 ms) through DNS.
      const moved = journal.measurement.probes.boston?.endpointChanges.find((c) => c.from === outputs['alb.edge-alb.address']);
      assert.equal(moved?.to, outputs['alb.web-alb.address'], JSON.stringify(journal.measurement.probes.boston?.endpointChanges));
      const boston = journal.measurement.probes.boston?.latency;
      assert.ok((boston?.during?.p99 ?? 0) >= 18, `Boston's users got the Region in ${boston?.during?.p99} ms once switched`);
      for (const objective of ['rto', 'switchover', 'maxErrorRate'])
        assert.equal(journal.objectives.find((o) => o.objective === objective)?.status, 'pass', objective);
    });
  });
});
