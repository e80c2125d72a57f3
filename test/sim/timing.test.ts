import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { AWS_TIMINGS } from '../../src/sim/timing.js';
import { allInstances, startSim, truth, waitForEvent } from '../support/sim.js';

/** Wall time from a terminate to the replacement InService, read from the region's ground truth. */
async function replacementWallMs(speed: number): Promise<number> {
  const sim = await startSim({ speed, readyTimeoutMs: 20_000 });
  try {
    const since = (await truth(sim.endpoint)).length;
    const [victim] = await allInstances(sim.ec2);
    const id = victim?.InstanceId ?? '';
    await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const inService = await waitForEvent(
      sim.endpoint,
      'the replacement InService',
      (e) => e.seq > since && e.kind === 'instance-state' && e.resource.startsWith('web-asg/') && e.to === 'InService',
      20_000,
    );
    const events = await truth(sim.endpoint, since);
    const down = events.find((e) => e.resource === id && e.to === 'shutting-down');
    assert.ok(down !== undefined);
    return inService.epochMs - down.epochMs;
  } finally {
    await sim.close();
  }
}

describe('timings scale with speed', () => {
  it('a replacement after a terminate takes about (AWS time) / speed', async () => {
    // In AWS time: the group notices within one health-check period, then the instance boots.
    const lo = AWS_TIMINGS.instancePending;
    const hi = AWS_TIMINGS.instancePending + AWS_TIMINGS.asgHealthCheckPeriod;
    const slow = 25;
    const fast = 100;
    const slowMs = await replacementWallMs(slow);
    const fastMs = await replacementWallMs(fast);
    for (const [speed, ms] of [
      [slow, slowMs],
      [fast, fastMs],
    ] as const) {
      const aws = ms * speed;
      // Order of magnitude, not a benchmark: the AWS-equivalent time lies within [lo/2, 3·hi].
      assert.ok(
        aws >= lo / 2 && aws <= 3 * hi,
        `speed ${speed}: ${ms.toFixed(0)}ms wall = ${(aws / 1000).toFixed(1)}s AWS, expected ${lo / 1000}–${hi / 1000}s`,
      );
    }
    // Four times the speed: clearly faster in wall time.
    assert.ok(slowMs > 1.5 * fastMs, `speed ${slow}: ${slowMs.toFixed(0)}ms, speed ${fast}: ${fastMs.toFixed(0)}ms`);
  });
});
