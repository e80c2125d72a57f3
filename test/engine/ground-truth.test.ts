import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { TIMING_TABLE } from '../../src/sim/timing-table.js';
import { requestLog, runOnSim } from '../support/sim.js';

const SPEED = 20;

describe('terminating one web instance on the simulated region', () => {
  it('measures a recovery that matches what the region really did, within the reported uncertainty', async () => {
    await runOnSim('terminate-one-instance.yaml', { speed: SPEED, seed: 7 }, async ({ journal, endpoint, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      assert.equal(journal.environment.speed, SPEED);

      const truth = await events();
      const t = (e: TruthEvent): number => e.epochMs - journal.startedAtEpochMs;
      const victim = journal.targets[0]?.selected[0]?.id;
      assert.ok(victim !== undefined);
      const terminated = truth.find((e) => e.kind === 'instance-state' && e.resource === victim && e.to === 'shutting-down');
      assert.ok(terminated !== undefined, 'the region saw the instance shut down');
      // The system is whole again when the dead target no longer takes traffic, a replacement is InService,
      // and the load balancer has three healthy targets: the last of these is the true recovery.
      const drained = truth.find((e) => e.kind === 'target-health' && e.resource.endsWith(victim) && e.to === 'draining');
      const inService = truth.find((e) => e.kind === 'instance-state' && e.to === 'InService' && t(e) > t(terminated));
      const fullCapacity = truth.find((e) => e.kind === 'alb-capacity' && e.to === '3' && t(e) > t(terminated));
      assert.ok(drained !== undefined && inService !== undefined && fullCapacity !== undefined);
      const trueRecovery = Math.max(t(drained), t(inService), t(fullCapacity));

      const m = journal.measurement;
      assert.ok(m.recoveredAt !== null && m.impactAt !== null && m.injectedAt !== null && m.timeToRecovery !== null);
      assert.ok(
        m.recoveredAt.lower <= trueRecovery && trueRecovery <= m.recoveredAt.upper,
        `true recovery at ${trueRecovery.toFixed(1)}ms, measured [${m.recoveredAt.lower}, ${m.recoveredAt.upper}]`,
      );
      // The fault landed inside the TerminateInstances call, and impact was seen after it.
      assert.ok(m.injectedAt.lower <= t(terminated) && t(terminated) <= m.injectedAt.upper);
      assert.ok(m.impactAt.upper >= t(terminated));
      // In AWS time, a replacement takes the group's detection, the launch and the boot (docs/fidelity.md): never less
      // than the shortest launch AWS allows for, and minutes, not hours.
      const awsTtr = m.timeToRecovery.value * SPEED;
      const shortest = TIMING_TABLE.instancePending.min + TIMING_TABLE.instanceBoot.min;
      assert.ok(awsTtr >= shortest && awsTtr < 300_000, `AWS-equivalent recovery ${awsTtr}ms, at least ${shortest}ms`);
      const rto = journal.objectives.find((o) => o.objective === 'rto');
      assert.equal(rto?.status, 'pass');
      assert.ok(rto?.measured !== null && rto?.measured !== undefined && Math.abs(rto.measured - awsTtr) < 0.05);
      // Every AWS call went to the simulated region, and the journal lists the fault's calls.
      const calls = journal.activities[0]?.calls.map((c) => `${c.operation}:${c.mutating}`);
      assert.deepEqual(calls, ['TerminateInstances:true', 'DescribeInstances:false']);
      assert.ok((await requestLog(endpoint)).some((r) => r.service === 'ec2' && r.action === 'TerminateInstances'));
    });
  });
});
