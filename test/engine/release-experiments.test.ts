import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { CREDENTIALS, runOnSim } from '../support/sim.js';

/**
 * Instance refresh: https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html; rollback:
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html. The release experiments of
 * experiments/, each run on experiments/topologies/release.yaml and checked against the world's ground truth: what
 * the refresh did and when, which instances ran where, and what the group runs once the run has rolled back.
 */

/** The group's in-service instances and the launch template version each runs, read through the SDK. */
async function versions(endpoint: string): Promise<{ id: string; zone: string; version: string }[]> {
  const asg = new AutoScalingClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0];
    return (group?.Instances ?? [])
      .filter((i) => i.LifecycleState === 'InService')
      .map((i) => ({ id: i.InstanceId ?? '', zone: i.AvailabilityZone ?? '', version: i.LaunchTemplate?.Version ?? '' }));
  } finally {
    asg.destroy();
  }
}

/** Twice the experiments' own speed: a release of six instances is half an hour of AWS time. */
const SPEED = 120;
const faster = (text: string): string => text.replace(/^  speed: 60$/m, `  speed: ${SPEED}`);

/** The statuses the world gave refresh `id`, in order. */
const statuses = (truth: TruthEvent[], id: unknown): string[] =>
  truth.filter((e) => e.kind === 'instance-refresh' && e.detail?.id === id).map((e) => String(e.to));

describe('the release experiments', () => {
  it('release-rollback: the refresh fails on its unhealthy instances and rolls itself back; no request fails; the group ends on version 1', async () => {
    await runOnSim('release-rollback.yaml', { topology: 'release.yaml', speed: SPEED, edit: faster }, async ({ journal, endpoint, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const release = journal.activities.find((a) => a.name === 'release' && a.kind === 'fault');
      const output = release?.output ?? {};
      assert.equal(output.status, 'RollbackSuccessful', JSON.stringify(output));
      const truth = await events();
      const seen = statuses(truth, output.refreshId);
      assert.ok(seen.includes('RollbackInProgress') && seen.at(-1) === 'RollbackSuccessful', `the world's refresh went ${seen.join(' → ')}`);
      // The objective's rollback time is read after the fact, by polling: never before the world rolled back.
      const rolledBack = truth.find((e) => e.kind === 'instance-refresh' && e.detail?.id === output.refreshId && e.to === 'RollbackSuccessful');
      assert.ok(rolledBack !== undefined);
      const reported = Date.parse(String(output.rolledBackAt));
      assert.ok(reported >= Math.floor(rolledBack.epochMs) - 1, `rolledBackAt ${output.rolledBackAt} is before the world rolled back`);
      const objective = journal.objectives.find((o) => o.objective === 'rolledBackWithin');
      assert.equal(objective?.status, 'pass', objective?.detail);
      // Every new instance served v2-unhealthy, whose /health fails: the load balancer never sent users to one.
      const site = journal.probes.find((p) => p.name === 'site')?.samples;
      assert.ok(site !== undefined && !Array.isArray(site) && site.count > 0 && site.ok.every(([ok]) => ok), 'the site never failed');
      const startedAt = journal.startedAtEpochMs + (release?.startedAt ?? 0);
      const launched = truth.filter((e) => e.kind === 'instance-state' && e.to === 'pending' && e.epochMs > startedAt && e.epochMs < rolledBack.epochMs);
      assert.ok(launched.length >= 2, `the release launched instances of version 3, then the rollback of version 1: ${launched.length}`);
      const after = await versions(endpoint);
      assert.equal(after.length, 6);
      assert.ok(
        after.every((i) => i.version === '1'),
        `after the run every instance runs version 1: ${JSON.stringify(after)}`,
      );
    });
  });

  it('release-slow-app: the good-health but slower release completes, its p99 objective fails with at least the 300 ms it added, and the run takes the group back', async () => {
    await runOnSim('release-slow-app.yaml', { topology: 'release.yaml', speed: SPEED, edit: faster }, async ({ journal, endpoint, events }) => {
      assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
      const p99 = journal.objectives.find((o) => o.objective === 'maxP99Latency');
      assert.equal(p99?.status, 'fail', p99?.detail);
      assert.ok((p99?.measured ?? 0) >= 300, `p99 ${p99?.measured} ms, below the 300 ms the release adds`);
      assert.equal(journal.objectives.find((o) => o.objective === 'maxErrorRate')?.status, 'pass');
      const release = journal.activities.find((a) => a.name === 'release' && a.kind === 'fault');
      assert.equal(release?.output?.status, 'Successful');
      assert.equal(statuses(await events(), release?.output?.refreshId).at(-1), 'Successful');
      const undo = journal.activities.find((a) => a.name === 'release' && a.kind !== 'fault');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      const after = await versions(endpoint);
      assert.ok(
        after.length === 6 && after.every((i) => i.version === '1'),
        `the run's rollback put every instance back on version 1: ${JSON.stringify(after)}`,
      );
    });
  });

  it('release-during-az-outage: the zone goes dark mid-release; nothing launches there; the group ends on one version at full capacity', async () => {
    await runOnSim('release-during-az-outage.yaml', { topology: 'release.yaml', speed: SPEED, edit: faster }, async ({ journal, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const release = journal.activities.find((a) => a.name === 'release' && a.kind === 'fault');
      const outage = journal.activities.find((a) => a.name === 'lose-us-east-1a' && a.kind === 'fault');
      assert.ok(release !== undefined && outage !== undefined);
      assert.ok(
        (outage.startedAt ?? 0) < (release.endedAt ?? 0),
        `the zone was lost while the release rolled out (outage at ${outage.startedAt}, release ended at ${release.endedAt})`,
      );
      assert.ok(['Successful', 'RollbackSuccessful'].includes(String(release.output?.status)), JSON.stringify(release.output));
      const truth = await events();
      const lostAt = journal.startedAtEpochMs + (outage.endedAt ?? 0);
      const undoneAt = journal.startedAtEpochMs + (journal.activities.find((a) => a.name === 'lose-us-east-1a' && a.kind !== 'fault')?.startedAt ?? Infinity);
      const launchedInZone = truth.filter(
        (e) => e.kind === 'instance-state' && e.to === 'pending' && e.detail?.zone === 'us-east-1a' && e.epochMs > lostAt && e.epochMs < undoneAt,
      );
      assert.deepEqual(launchedInZone, [], 'nothing was launched into the lost zone');
      // Recovery (every probe in tolerance for a minute, the drift probe included) was reached before the rollback.
      assert.equal(journal.measurement.recovered, true);
      const recoveredAt = journal.measurement.recoveredAt?.value ?? Number.NaN;
      const drift = journal.measurement.probes['one-version']?.transitions.filter((t) => t.at.value <= recoveredAt) ?? [];
      assert.equal(drift.at(-1)?.to ?? 'ok', 'ok', `one version when recovery began: ${JSON.stringify(drift)}`);
      const site = journal.objectives.find((o) => o.objective === 'maxErrorRate');
      assert.equal(site?.status, 'pass', site?.detail);
    });
  });
});
