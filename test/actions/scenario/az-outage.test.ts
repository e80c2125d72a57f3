import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOnSim } from '../../support/sim.js';

describe('aws.scenario.az-outage as the AZ power interruption (experiments/az-power-interruption.yaml)', () => {
  // https://docs.aws.amazon.com/fis/latest/userguide/az-availability-scenario.html
  it("stops the zone's instances, cuts its subnet with a deny-all ACL and keeps the group out of it; the site serves, replacements land elsewhere; the undo gives everything back", async () => {
    await runOnSim('az-power-interruption.yaml', { topology: 'web-and-database.yaml', speed: 80, seed: 7 }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const [fault, undo] = journal.activities;
      assert.deepEqual(
        fault?.calls.filter((c) => c.mutating).map((c) => c.operation),
        ['StopInstances', 'CreateNetworkAcl', 'CreateNetworkAclEntry', 'CreateNetworkAclEntry', 'ReplaceNetworkAclAssociation', 'UpdateAutoScalingGroup'],
        'power, network and capacity, and no database call: RDS is left to fail over by itself',
      );
      assert.deepEqual(
        undo?.calls.filter((c) => c.mutating).map((c) => c.operation),
        [
          'ReplaceNetworkAclAssociation',
          'DeleteNetworkAcl',
          'UpdateAutoScalingGroup',
          ...(undo?.calls.some((c) => c.operation === 'StartInstances') ? ['StartInstances'] : []),
        ],
      );
      const output = fault?.output as { instanceIds: string[]; subnets: { subnetId: string }[] };
      const cutSubnet = output.subnets.find((s) => s.subnetId !== '')?.subnetId;
      const truth = await events();
      const cut = truth.find((e) => e.kind === 'subnet-connectivity' && e.resource === cutSubnet && e.to === 'disrupted');
      const restored = truth.find((e) => e.kind === 'subnet-connectivity' && e.resource === cutSubnet && e.to === 'restored');
      assert.ok(cut !== undefined && restored !== undefined && restored.epochMs >= cut.epochMs, 'the subnet was cut, then restored');
      // Every instance launched once the group had left the zone came up outside it. (Between the stop and the
      // group's update, the group may already have launched a replacement into the zone, as it could on AWS.)
      const groupUpdate = fault?.calls.find((c) => c.operation === 'UpdateAutoScalingGroup');
      assert.ok(groupUpdate !== undefined);
      const zoneLeft = journal.startedAtEpochMs + groupUpdate.endedAt;
      const stoppedAt = journal.startedAtEpochMs + (fault?.calls.find((c) => c.operation === 'StopInstances')?.startedAt ?? Number.NaN);
      const duringOutage = truth.filter(
        (e) => e.kind === 'instance-state' && e.to === 'pending' && e.epochMs > stoppedAt && e.epochMs < restored.epochMs && e.detail?.zone !== undefined,
      );
      assert.ok(duringOutage.length > 0, 'the group replaced the stopped instance');
      const launched = duringOutage.filter((e) => e.epochMs > zoneLeft);
      assert.ok(
        launched.every((e) => e.detail?.zone !== 'us-east-1a'),
        launched.map((e) => `${e.resource} ${String(e.detail?.zone)}`).join(', '),
      );
      for (const objective of ['rto', 'rpo', 'maxErrorRate'])
        assert.equal(journal.objectives.find((o) => o.objective === objective)?.status, 'pass', objective);
      assert.equal(journal.probes.find((p) => p.name === 'ledger')?.report?.lostWrites?.count, 0);
    });
  });
});
