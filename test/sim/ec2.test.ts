import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  paginateDescribeInstances,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  allInstances,
  httpGet,
  instance,
  referenceWith,
  sdkError,
  servedBy,
  startSim,
  targetOf,
  truth,
  waitFor,
  workloadUrl,
  type Sim,
} from '../support/sim.js';

const SPEED = 100;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const UNKNOWN_ID = 'i-0123456789abcdef0';

/** Where the instance's workload answers, from the instance's address and the port its target is registered on. */
async function urlOf(sim: Sim, i: Instance, path = '/'): Promise<string> {
  const target = await targetOf(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '', i.InstanceId ?? '');
  return workloadUrl(i, target?.Target?.Port, path);
}

async function running(sim: Sim): Promise<Instance[]> {
  return allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] });
}

/**
 * The reference region of the tests that only read it, or whose refused calls change nothing (each asserts so):
 * started once for the file, by the first of them.
 */
let shared: Promise<Sim> | undefined;
const referenceRegion = (): Promise<Sim> => (shared ??= startSim({ speed: SPEED }));
after(async () => {
  await (await shared)?.close();
});

/** A region whose Auto Scaling group does not check its instances during the test, so stopped ones stay stopped. */
const quietGroup = referenceWith((t) => {
  t.timings = { asgHealthCheckPeriod: '1h' };
});

describe('EC2 DescribeInstances on the reference architecture', () => {
  it('lists three running instances, one per zone, with placement, state codes and the group tags', async () => {
    const sim = await referenceRegion();
    const res = await sim.ec2.send(new DescribeInstancesCommand({}));
    const reservations = res.Reservations ?? [];
    const instances = reservations.flatMap((r) => r.Instances ?? []);
    assert.equal(instances.length, 3);
    for (const r of reservations) {
      assert.equal(r.OwnerId, '123456789012');
      assert.match(r.ReservationId ?? '', /^r-[0-9a-f]+$/);
    }
    assert.deepEqual(instances.map((i) => i.Placement?.AvailabilityZone).sort(), ZONES);
    const vpcs = new Set(instances.map((i) => i.VpcId));
    assert.equal(vpcs.size, 1);
    assert.match([...vpcs][0] ?? '', /^vpc-[0-9a-f]+$/);
    assert.equal(new Set(instances.map((i) => i.SubnetId)).size, 3, 'one subnet per zone');
    assert.equal(new Set(instances.map((i) => i.PrivateIpAddress)).size, 3);
    for (const i of instances) {
      assert.match(i.InstanceId ?? '', /^i-[0-9a-f]{17}$/);
      assert.deepEqual(i.State, { Code: 16, Name: 'running' });
      assert.equal(i.InstanceType, 't3.micro');
      assert.equal(i.ImageId, 'ami-0gameday00000000');
      assert.equal(i.Placement?.Tenancy, 'default');
      assert.ok(i.LaunchTime instanceof Date && Math.abs(i.LaunchTime.getTime() - Date.now()) < 60_000, `LaunchTime ${String(i.LaunchTime)}`);
      assert.match(i.PrivateIpAddress ?? '', /^127\.\d+\.\d+\.\d+$/);
      assert.match(i.PrivateDnsName ?? '', /^ip-127-\d+-\d+-\d+\.ec2\.internal$/);
      assert.equal(i.StateReason, undefined);
      const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags['aws:autoscaling:groupName'], 'web-asg');
      assert.equal(tags.Name, 'web');
      assert.equal(tags['gameday:allowed'], 'true');
      assert.match(tags['aws:ec2launchtemplate:id'] ?? '', /^lt-[0-9a-f]+$/);
      // The instance really serves: its workload names it.
      assert.equal(servedBy(await httpGet(await urlOf(sim, i))), i.InstanceId);
    }
    // Asking by id gives the same instance.
    const first = instances[0] as Instance;
    const one = await instance(sim.ec2, first.InstanceId ?? '');
    assert.equal(one.InstanceId, first.InstanceId);
    assert.equal(one.Placement?.AvailabilityZone, first.Placement?.AvailabilityZone);
  });

  it('filters by state, zone, tag value, tag key and wildcards, ANDing filters and ORing values', async () => {
    const sim = await referenceRegion();
    const count = async (filters: { Name: string; Values: string[] }[]): Promise<number> => (await allInstances(sim.ec2, { Filters: filters })).length;
    assert.equal(await count([{ Name: 'instance-state-name', Values: ['running'] }]), 3);
    assert.equal(await count([{ Name: 'instance-state-name', Values: ['stopped'] }]), 0);
    assert.equal(await count([{ Name: 'instance-state-name', Values: ['stopped', 'running'] }]), 3);
    assert.equal(await count([{ Name: 'instance-state-code', Values: ['16'] }]), 3);
    const inB = await allInstances(sim.ec2, { Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] });
    assert.equal(inB.length, 1);
    assert.equal(inB[0]?.Placement?.AvailabilityZone, 'us-east-1b');
    assert.equal(await count([{ Name: 'availability-zone', Values: ['us-east-1a', 'us-east-1c'] }]), 2);
    assert.equal(await count([{ Name: 'availability-zone', Values: ['us-east-1?'] }]), 3);
    assert.equal(await count([{ Name: 'availability-zone', Values: ['eu-*'] }]), 0);
    assert.equal(await count([{ Name: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] }]), 3);
    assert.equal(await count([{ Name: 'tag:aws:autoscaling:groupName', Values: ['other-asg'] }]), 0);
    assert.equal(await count([{ Name: 'tag:Name', Values: ['w*'] }]), 3);
    assert.equal(await count([{ Name: 'tag:Name', Values: ['?eb'] }]), 3);
    assert.equal(await count([{ Name: 'tag:Name', Values: ['web*x'] }]), 0);
    assert.equal(await count([{ Name: 'tag:NoSuchKey', Values: ['*'] }]), 0);
    assert.equal(await count([{ Name: 'tag-key', Values: ['gameday:allowed'] }]), 3);
    assert.equal(await count([{ Name: 'tag-key', Values: ['gameday:*'] }]), 3);
    assert.equal(await count([{ Name: 'tag-key', Values: ['absent'] }]), 0);
    // Filters AND together.
    assert.equal(
      await count([
        { Name: 'tag:Name', Values: ['web'] },
        { Name: 'availability-zone', Values: ['us-east-1c'] },
      ]),
      1,
    );
    assert.equal(
      await count([
        { Name: 'instance-state-name', Values: ['running'] },
        { Name: 'tag:Name', Values: ['db'] },
      ]),
      0,
    );
    // Filters combine with ids.
    const ids = (await allInstances(sim.ec2)).map((i) => i.InstanceId ?? '');
    const byIdAndZone = await allInstances(sim.ec2, { InstanceIds: ids, Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] });
    assert.equal(byIdAndZone.length, 1);
    // An unknown filter name is refused as EC2 refuses it.
    const e = await sdkError(sim.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })));
    assert.equal(e.name, 'InvalidParameterValue');
    assert.equal(e.$metadata?.httpStatusCode, 400);
  });

  it('pages twelve instances with MaxResults and NextToken, and validates paging parameters', async () => {
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      Object.assign(g, { min: 12, max: 12, desired: 12 });
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      const sizes: number[] = [];
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await sim.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token }));
        const ids = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '');
        sizes.push(ids.length);
        seen.push(...ids);
        token = page.NextToken;
        assert.ok(sizes.length <= 3, 'paging ends');
      } while (token !== undefined);
      assert.deepEqual(sizes, [5, 5, 2]);
      assert.equal(new Set(seen).size, 12, 'every instance exactly once');
      // The SDK's paginator walks the same pages.
      const viaPaginator: string[] = [];
      for await (const page of paginateDescribeInstances({ client: sim.ec2, pageSize: 5 }, {})) {
        viaPaginator.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? ''));
      }
      assert.deepEqual(viaPaginator, seen);
      // Without MaxResults everything comes in one page with no token.
      const all = await sim.ec2.send(new DescribeInstancesCommand({}));
      assert.equal(all.NextToken, undefined);
      assert.equal((all.Reservations ?? []).flatMap((r) => r.Instances ?? []).length, 12);
      // Paging with a filter pages the filtered list: four per zone.
      const inA: string[] = [];
      for await (const page of paginateDescribeInstances(
        { client: sim.ec2, pageSize: 5 },
        { Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] },
      )) {
        inA.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? ''));
      }
      assert.equal(inA.length, 4);
      // MaxResults is 5–1000 and cannot be combined with instance ids.
      const small = await sdkError(sim.ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })));
      assert.equal(small.name, 'InvalidParameterValue');
      const combined = await sdkError(sim.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [seen[0] ?? ''] })));
      assert.equal(combined.name, 'InvalidParameterCombination');
    } finally {
      await sim.close();
    }
  });
});

// Status checks: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html
describe('EC2 DescribeInstanceStatus and the instance-lifecycle filter', () => {
  it('passes both checks of booted instances, describes only running ones by default, and fails the system check while the zone is cut off', async () => {
    const sim = await startSim({ speed: SPEED, topology: quietGroup });
    try {
      const statuses = async (input: ConstructorParameters<typeof DescribeInstanceStatusCommand>[0] = {}) =>
        (await sim.ec2.send(new DescribeInstanceStatusCommand(input))).InstanceStatuses ?? [];
      const all = await statuses();
      assert.equal(all.length, 3);
      for (const s of all) {
        assert.deepEqual([s.InstanceState?.Name, s.InstanceStatus?.Status, s.SystemStatus?.Status], ['running', 'ok', 'ok']);
        assert.deepEqual(s.InstanceStatus?.Details, [{ Name: 'reachability', Status: 'passed' }]);
      }
      const [victim, other] = all;
      await sim.ec2.send(new StopInstancesCommand({ InstanceIds: [victim?.InstanceId ?? ''] }));
      assert.equal((await statuses()).length, 2, 'by default only running instances');
      const stopped = (await statuses({ InstanceIds: [victim?.InstanceId ?? ''], IncludeAllInstances: true }))[0];
      assert.notEqual(stopped?.InstanceState?.Name, 'running');
      assert.equal(stopped?.InstanceStatus?.Status, 'not-applicable');

      const zone = other?.AvailabilityZone ?? '';
      const cut = await fetch(`${sim.endpoint}/_sim/zones/${zone}/impair`, {
        method: 'POST',
        body: JSON.stringify({ connectivity: true, power: false, capacity: false }),
      });
      assert.equal(cut.status, 200);
      const impaired = await statuses({ Filters: [{ Name: 'system-status.status', Values: ['impaired'] }] });
      assert.deepEqual(
        impaired.map((s) => [s.InstanceId, s.SystemStatus?.Details?.[0]?.Status]),
        [[other?.InstanceId, 'failed']],
      );
      await fetch(`${sim.endpoint}/_sim/zones/${zone}/impair`, { method: 'DELETE' });
      assert.equal((await statuses({ Filters: [{ Name: 'system-status.status', Values: ['impaired'] }] })).length, 0);

      const spot = await sim.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-lifecycle', Values: ['spot', 'scheduled'] }] }));
      assert.equal(spot.Reservations?.length, 0, 'On-Demand instances have no InstanceLifecycle');
      const bad = await sdkError(sim.ec2.send(new DescribeInstanceStatusCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })));
      assert.equal(bad.name, 'InvalidParameterValue');
      const combined = await sdkError(sim.ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 5, InstanceIds: [other?.InstanceId ?? ''] })));
      assert.equal(combined.name, 'InvalidParameterCombination');
    } finally {
      await sim.close();
    }
  });
});

describe('EC2 instance lifecycle', () => {
  it('TerminateInstances answers shutting-down/running, the instance becomes terminated (48) and stays listed', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const [victim] = await running(sim);
      assert.ok(victim?.InstanceId !== undefined);
      const id = victim.InstanceId;
      const url = await urlOf(sim, victim);
      const res = await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      assert.deepEqual(res.TerminatingInstances, [
        { InstanceId: id, CurrentState: { Code: 32, Name: 'shutting-down' }, PreviousState: { Code: 16, Name: 'running' } },
      ]);
      const shuttingDown = await instance(sim.ec2, id);
      // Shutting down takes AWS tens of seconds; at this speed it cannot be over within the next call.
      assert.deepEqual(shuttingDown.State, { Code: 32, Name: 'shutting-down' });
      assert.equal(shuttingDown.StateReason?.Code, 'Client.UserInitiatedShutdown');
      assert.match(shuttingDown.StateTransitionReason ?? '', /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/);
      // The workload is gone at once.
      assert.equal((await httpGet(url, 500)).error, 'ECONNREFUSED');
      const terminated = await waitFor('the instance to be terminated', async () => {
        const i = await instance(sim.ec2, id);
        return i.State?.Name === 'terminated' ? i : undefined;
      });
      assert.deepEqual(terminated.State, { Code: 48, Name: 'terminated' });
      assert.equal(terminated.StateReason?.Code, 'Client.UserInitiatedShutdown');
      assert.equal(terminated.Placement?.AvailabilityZone, victim.Placement?.AvailabilityZone);
      assert.equal(terminated.PrivateIpAddress, undefined, 'a terminated instance has no network interface');
      // Still listed, and findable by state.
      const listed = await allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['terminated'] }] });
      assert.deepEqual(
        listed.map((i) => i.InstanceId),
        [id],
      );
      // Terminating again is idempotent.
      const again = await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      assert.deepEqual(again.TerminatingInstances?.[0]?.CurrentState, { Code: 48, Name: 'terminated' });
      assert.deepEqual(again.TerminatingInstances?.[0]?.PreviousState, { Code: 48, Name: 'terminated' });
    } finally {
      await sim.close();
    }
  });

  it('terminated instances disappear from DescribeInstances once their visibility period is over', async () => {
    const topology = referenceWith((t) => {
      t.timings = { terminatedVisible: '2m', instanceShuttingDown: '10s' };
    });
    const sim = await startSim({ topology, speed: 200 });
    try {
      const [victim] = await running(sim);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await waitFor('the instance to be terminated', async () => (await instance(sim.ec2, id)).State?.Name === 'terminated');
      const gone = await waitFor(
        'the terminated instance to be unlisted',
        async () => {
          const e = await sdkError(sim.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).catch(() => undefined);
          return e;
        },
        { timeoutMs: 8_000, intervalMs: 50 },
      );
      assert.equal(gone.name, 'InvalidInstanceID.NotFound');
    } finally {
      await sim.close();
    }
  });

  it('StopInstances → stopping → stopped silences the workload; StartInstances → pending → running brings it back', async () => {
    const sim = await startSim({ topology: quietGroup, speed: SPEED });
    try {
      const [victim] = await running(sim);
      assert.ok(victim?.InstanceId !== undefined);
      const id = victim.InstanceId;
      const url = await urlOf(sim, victim);
      assert.equal(servedBy(await httpGet(url)), id);
      const stop = await sim.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      assert.deepEqual(stop.StoppingInstances, [
        { InstanceId: id, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } },
      ]);
      assert.deepEqual((await instance(sim.ec2, id)).State, { Code: 64, Name: 'stopping' });
      assert.equal((await httpGet(url, 500)).error, 'ECONNREFUSED');
      const stopped = await waitFor('the instance to be stopped', async () => {
        const i = await instance(sim.ec2, id);
        return i.State?.Name === 'stopped' ? i : undefined;
      });
      assert.deepEqual(stopped.State, { Code: 80, Name: 'stopped' });
      assert.equal(stopped.PrivateIpAddress, victim.PrivateIpAddress, 'a stopped instance keeps its address');
      assert.equal((await httpGet(url, 500)).error, 'ECONNREFUSED');
      // Stopping a stopped instance is not an error.
      const again = await sim.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      assert.deepEqual(again.StoppingInstances?.[0]?.CurrentState, { Code: 80, Name: 'stopped' });

      const start = await sim.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      assert.deepEqual(start.StartingInstances, [{ InstanceId: id, CurrentState: { Code: 0, Name: 'pending' }, PreviousState: { Code: 80, Name: 'stopped' } }]);
      assert.deepEqual((await instance(sim.ec2, id)).State, { Code: 0, Name: 'pending' });
      await waitFor('the instance to be running', async () => (await instance(sim.ec2, id)).State?.Code === 16);
      const back = await instance(sim.ec2, id);
      assert.equal(back.StateReason, undefined);
      const served = await waitFor('the workload to answer again', async () => servedBy(await httpGet(await urlOf(sim, back), 500)));
      assert.equal(served, id);
    } finally {
      await sim.close();
    }
  });

  it('RebootInstances keeps the instance running while its workload is briefly down', async () => {
    const sim = await startSim({ topology: quietGroup, speed: SPEED });
    try {
      const [victim] = await running(sim);
      const id = victim?.InstanceId ?? '';
      const url = await urlOf(sim, victim as Instance);
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      const states = new Set<string>();
      assert.equal((await httpGet(url, 500)).error, 'ECONNREFUSED', 'the workload is down during the reboot');
      await waitFor('the workload to answer after the reboot', async () => {
        states.add((await instance(sim.ec2, id)).State?.Name ?? '?');
        return servedBy(await httpGet(url, 500)) === id;
      });
      assert.deepEqual([...states], ['running'], 'the EC2 state never leaves running');
      assert.deepEqual((await instance(sim.ec2, id)).State, { Code: 16, Name: 'running' });
      // The ground truth saw no instance-state change for it.
      const changes = (await truth(sim.endpoint)).filter((e) => e.kind === 'instance-state' && e.resource === id);
      assert.deepEqual(
        changes.map((e) => e.to),
        ['pending', 'running'],
      );
    } finally {
      await sim.close();
    }
  });
});

describe('EC2 errors, as the SDK surfaces them', () => {
  it('an unknown id is InvalidInstanceID.NotFound, a client fault with HTTP 400', async () => {
    const sim = await referenceRegion();
    for (const command of [
      new DescribeInstancesCommand({ InstanceIds: [UNKNOWN_ID] }),
      new TerminateInstancesCommand({ InstanceIds: [UNKNOWN_ID] }),
      new StopInstancesCommand({ InstanceIds: [UNKNOWN_ID] }),
      new StartInstancesCommand({ InstanceIds: [UNKNOWN_ID] }),
      new RebootInstancesCommand({ InstanceIds: [UNKNOWN_ID] }),
    ]) {
      const e = await sdkError(sim.ec2.send(command as never));
      assert.equal(e.name, 'InvalidInstanceID.NotFound', command.constructor.name);
      assert.equal(e.$fault, 'client');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, new RegExp(UNKNOWN_ID));
    }
  });

  it('a malformed id is InvalidInstanceID.Malformed', async () => {
    const sim = await referenceRegion();
    for (const bad of ['i-xyz', 'web-1', 'i-12']) {
      const e = await sdkError(sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [bad] })));
      assert.equal(e.name, 'InvalidInstanceID.Malformed', bad);
      assert.equal(e.$fault, 'client');
      assert.equal(e.$metadata?.httpStatusCode, 400);
    }
    const e = await sdkError(sim.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['nope'] })));
    assert.equal(e.name, 'InvalidInstanceID.Malformed');
  });

  it('stopping, starting or rebooting an instance in the wrong state is IncorrectInstanceState', async () => {
    const sim = await startSim({ topology: quietGroup, speed: SPEED });
    try {
      const [a, b] = await running(sim);
      const victim = a?.InstanceId ?? '';
      const other = b?.InstanceId ?? '';
      // Starting a running instance is a no-op, as in EC2.
      const noop = await sim.ec2.send(new StartInstancesCommand({ InstanceIds: [other] }));
      assert.deepEqual(noop.StartingInstances?.[0]?.CurrentState, { Code: 16, Name: 'running' });
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
      await waitFor('the instance to be terminated', async () => (await instance(sim.ec2, victim)).State?.Name === 'terminated');
      for (const command of [
        new StopInstancesCommand({ InstanceIds: [victim] }),
        new StartInstancesCommand({ InstanceIds: [victim] }),
        new RebootInstancesCommand({ InstanceIds: [victim] }),
      ]) {
        const e = await sdkError(sim.ec2.send(command as never));
        assert.equal(e.name, 'IncorrectInstanceState', command.constructor.name);
        assert.equal(e.$fault, 'client');
        assert.equal(e.$metadata?.httpStatusCode, 400);
      }
      // A refused multi-instance stop leaves the good instance untouched.
      const e = await sdkError(sim.ec2.send(new StopInstancesCommand({ InstanceIds: [other, victim] })));
      assert.equal(e.name, 'IncorrectInstanceState');
      assert.deepEqual((await instance(sim.ec2, other)).State, { Code: 16, Name: 'running' });
    } finally {
      await sim.close();
    }
  });

  it('a terminate that names one unknown id fails as a whole and terminates none of the instances', async () => {
    const sim = await referenceRegion();
    const ids = (await running(sim)).map((i) => i.InstanceId ?? '');
    assert.equal(ids.length, 3);
    const before = (await truth(sim.endpoint)).length;
    const e = await sdkError(sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids, UNKNOWN_ID] })));
    assert.equal(e.name, 'InvalidInstanceID.NotFound');
    const malformed = await sdkError(sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0] ?? '', 'i-bogus'] })));
    assert.equal(malformed.name, 'InvalidInstanceID.Malformed');
    const after = await allInstances(sim.ec2, { InstanceIds: ids });
    assert.deepEqual(
      after.map((i) => i.State?.Name),
      ['running', 'running', 'running'],
    );
    const changes = (await truth(sim.endpoint, before)).filter((ev) => ev.kind === 'instance-state');
    assert.deepEqual(changes, [], 'no instance changed state');
    for (const i of after) assert.equal(servedBy(await httpGet(await urlOf(sim, i))), i.InstanceId);
  });

  it('an action the region does not implement is an error response, and the region keeps serving', async () => {
    const sim = await referenceRegion();
    const e = await sdkError(sim.ec2.send(new DescribeRegionsCommand({})));
    assert.equal(e.name, 'InvalidAction');
    assert.equal(e.$fault, 'client');
    assert.equal(e.$metadata?.httpStatusCode, 400);
    // A hand-made query with a nonsense action, and one with no signature at all.
    const scope = 'AWS4-HMAC-SHA256 Credential=AKIDSIMTEST/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00';
    const bogus = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: scope },
      body: 'Action=Nope&Version=2016-11-15',
    });
    assert.equal(bogus.status, 400);
    assert.match(await bogus.text(), /<Code>InvalidAction<\/Code>/);
    const unsigned = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeInstances&Version=2016-11-15',
    });
    // AWS refuses an unsigned request (the exact code differs per service); the point is a client error, not a crash.
    assert.ok(unsigned.status >= 400 && unsigned.status < 500, `unsigned request answered ${unsigned.status}`);
    await unsigned.text();
    // Still answering.
    assert.equal((await running(sim)).length, 3);
  });
});
