import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { journalSchema } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';

const SPEED = 20;

/** The ground truth as any client sees it: over HTTP from the region's control endpoint. */
async function events(region: SimRegion): Promise<TruthEvent[]> {
  const res = await fetch(`${region.endpoint}/_sim/events`);
  return ((await res.json()) as { events: TruthEvent[] }).events;
}

describe('terminating one web instance on the simulated region', () => {
  it('measures a recovery that matches what the region really did, within the reported uncertainty', async () => {
    const region = await SimRegion.start({ topology: await loadTopology(undefined), speed: SPEED });
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } });
    try {
      await region.world.ready(30_000);
      const file = join(ROOT, 'experiments', 'terminate-one-instance.yaml');
      const registry = defaultRegistry();
      const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
      assert.deepEqual(awsTargetFor(loaded.experiment.environment, {}, { endpoint: region.endpoint, region: 'us-east-1' }).endpoint, region.endpoint);
      const journal = await runExperiment(loaded, { registry, aws, seed: 7 });
      journalSchema.parse(journal);
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      assert.equal(journal.environment.speed, SPEED);

      const truth = await events(region);
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
      // In AWS time, a replacement takes the group's detection + boot: tens of seconds, not milliseconds or hours.
      const awsTtr = m.timeToRecovery.value * SPEED;
      assert.ok(awsTtr > 10_000 && awsTtr < 180_000, `AWS-equivalent recovery ${awsTtr}ms`);
      const rto = journal.objectives.find((o) => o.objective === 'rto');
      assert.equal(rto?.status, 'pass');
      assert.ok(rto?.measured !== null && rto?.measured !== undefined && Math.abs(rto.measured - awsTtr) < 0.05);
      // Every AWS call went to the simulated region, and the journal lists the fault's calls.
      const calls = journal.activities[0]?.calls.map((c) => `${c.operation}:${c.mutating}`);
      assert.deepEqual(calls, ['TerminateInstances:true', 'DescribeInstances:false']);
      assert.ok(region.requests.some((r) => r.service === 'ec2' && r.action === 'TerminateInstances'));
    } finally {
      await aws.destroy();
      await region.stop();
    }
  });
});
