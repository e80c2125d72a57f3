import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RebootInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { AWS_TIMINGS, Durations, TIMING_KEYS, TIMING_TABLE, triangular } from '../../src/sim/timing.js';
import { allInstances, httpGet, referenceWith, startSim, truth, waitFor, waitForEvent, workloadUrl } from '../support/sim.js';

describe('timing draws', () => {
  it('stay inside each documented range, centred on the figure', () => {
    const d = new Durations(AWS_TIMINGS, { seed: 7 });
    for (const key of TIMING_KEYS) {
      const t = TIMING_TABLE[key];
      const draws = Array.from({ length: 400 }, () => d.draw(key));
      assert.ok(Math.min(...draws) >= t.min && Math.max(...draws) <= t.max, `${key}: ${Math.min(...draws)}–${Math.max(...draws)} outside ${t.min}–${t.max}`);
      if (t.min < t.max) {
        assert.ok(new Set(draws).size > 50, `${key} spreads`);
        const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
        // The mean of a triangular distribution is (min + mode + max) / 3.
        const expected = (t.min + t.figure + t.max) / 3;
        assert.ok(Math.abs(mean - expected) < (t.max - t.min) * 0.06, `${key}: mean ${mean} vs ${expected}`);
      }
    }
  });

  it('replay from a seed, whatever the order of other timings, and differ between seeds', () => {
    const a = new Durations(AWS_TIMINGS, { seed: 42 });
    const b = new Durations(AWS_TIMINGS, { seed: 42 });
    const c = new Durations(AWS_TIMINGS, { seed: 43 });
    const fromA = [a.draw('dbFailover'), a.draw('instanceBoot'), a.draw('dbFailover')];
    // b draws other timings first: the n-th dbFailover is the same.
    b.draw('instancePending');
    b.draw('instanceBoot');
    const fromB = [b.draw('dbFailover'), b.draw('instanceBoot', ''), b.draw('dbFailover')];
    assert.equal(fromA[0], fromB[0]);
    assert.equal(fromA[2], fromB[2]);
    const fromC = Array.from({ length: 5 }, () => c.draw('dbFailover'));
    const again = new Durations(AWS_TIMINGS, { seed: 42 });
    assert.notDeepEqual(
      fromC,
      Array.from({ length: 5 }, () => again.draw('dbFailover')),
    );
  });

  it('follow a topology override, scaling the range, and are exact without jitter', () => {
    const figures = { ...AWS_TIMINGS, dbFailover: 180_000 };
    const d = new Durations(figures, { seed: 1 });
    const draws = Array.from({ length: 200 }, () => d.draw('dbFailover'));
    assert.ok(Math.min(...draws) >= 120_000 && Math.max(...draws) <= 240_000);
    const exact = new Durations(figures, { seed: 1, jitter: false });
    assert.equal(exact.draw('dbFailover'), 180_000);
    // A configuration value (min = max) is never drawn around.
    assert.equal(new Durations(AWS_TIMINGS, { seed: 3 }).draw('deregistrationDelay'), 300_000);
  });

  it('triangular inverse CDF covers [min, max] with the mode in between', () => {
    assert.equal(triangular(0, 10, 20, 40), 10);
    assert.ok(Math.abs(triangular(1 - 1e-12, 10, 20, 40) - 40) < 1e-3);
    assert.ok(Math.abs(triangular(1 / 3, 10, 20, 40) - 20) < 1e-9);
  });
});

describe('instances take as long as on EC2', () => {
  it('a replacement is InService after detection and pending, and answers only after booting (instanceBoot)', async () => {
    // Source of the boot time: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredictiveScalingConfiguration.html
    // ("It can take a few minutes to launch an EC2 instance").
    const speed = 200;
    const sim = await startSim({ speed, seed: 11, readyTimeoutMs: 20_000 });
    try {
      const since = (await truth(sim.endpoint)).length;
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      const running = await waitForEvent(
        sim.endpoint,
        'the replacement running',
        (e) => e.seq > since && e.kind === 'instance-state' && e.resource !== id && e.to === 'running',
        20_000,
      );
      const events = await truth(sim.endpoint, since);
      const down = events.find((e) => e.resource === id && e.to === 'shutting-down');
      assert.ok(down !== undefined);
      const pendingAws = (running.epochMs - down.epochMs) * speed;
      assert.ok(pendingAws >= TIMING_TABLE.instancePending.min, `running ${pendingAws} AWS ms after the terminate`);
      const fresh = (await allInstances(sim.ec2)).find((i) => i.InstanceId === running.resource);
      assert.ok(fresh !== undefined);
      // Running, not yet serving: the OS and the application are still starting.
      assert.equal((await httpGet(workloadUrl(fresh, 8080, '/health'), 500)).status, undefined);
      await waitFor('the replacement answers', async () => ((await httpGet(workloadUrl(fresh, 8080, '/health'), 500)).status === 200 ? true : undefined), {
        timeoutMs: 20_000,
      });
      const servingAws = (Date.now() - running.epochMs) * speed;
      assert.ok(servingAws >= TIMING_TABLE.instanceBoot.min, `served ${servingAws} AWS ms after running; boot is at least ${TIMING_TABLE.instanceBoot.min}`);
    } finally {
      await sim.close();
    }
  });

  it('a reboot keeps the workload down for minutes (instanceReboot)', async () => {
    // Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-reboot.html
    // ("In most cases, it takes only a few minutes to reboot your instance").
    const speed = 200;
    // EC2 health checks: with the group's ELB checks, a reboot longer than the target group's unhealthy threshold
    // gets the instance replaced, as on AWS.
    const topology = referenceWith((t) => {
      (t.autoScalingGroups[0] as { healthCheckType: string }).healthCheckType = 'EC2';
    });
    const sim = await startSim({ speed, seed: 5, topology, readyTimeoutMs: 20_000 });
    try {
      const [target] = await allInstances(sim.ec2);
      assert.ok(target !== undefined);
      const url = workloadUrl(target, 8080, '/health');
      assert.equal((await httpGet(url, 1_000)).status, 200);
      const rebootedAt = Date.now();
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [target.InstanceId ?? ''] }));
      await waitFor('the rebooted instance answers again', async () => ((await httpGet(url, 300)).status === 200 ? true : undefined), { timeoutMs: 20_000 });
      const downAws = (Date.now() - rebootedAt) * speed;
      assert.ok(downAws >= TIMING_TABLE.instanceReboot.min, `down ${downAws} AWS ms; a reboot takes at least ${TIMING_TABLE.instanceReboot.min}`);
    } finally {
      await sim.close();
    }
  });
});
