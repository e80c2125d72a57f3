/**
 * Conformance of gameday's AWS actions, probes and target resolution against moto_server (moto 5.2.1).
 *
 * Fixtures are built through the real AWS SDK v3 clients; then gameday's own code paths (resolveTargets, the EC2
 * actions, the AWS probes, AwsClientFactory, awsCall) run against them. moto has no timing: TerminateInstances is
 * instant, an Auto Scaling group relaunches inside the terminate call, and target health never changes by itself.
 * Where a test relies on moto differing from AWS, a comment says so (see ../shared/AWS-FACTS.md §2).
 *
 * Availability: without `moto_server` on PATH the suite is skipped, unless CI=true, where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { instanceInventory, verifyStates, waitForStates } from '../../src/actions/ec2/instances.js';
import { rebootInstancesAction } from '../../src/actions/ec2/reboot-instances.js';
import { stopInstancesAction } from '../../src/actions/ec2/stop-instances.js';
import { terminateInstancesAction } from '../../src/actions/ec2/terminate-instances.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { resolveTargets } from '../../src/safety/targets.js';
import { ActionFailedError, AwsCallError } from '../../src/errors/action-error.js';
import type { SelectionMode } from '../../src/experiment/selection.js';
import { asgInServiceProbe } from '../../src/probes/aws/asg-in-service.js';
import { instanceStateProbe } from '../../src/probes/aws/ec2-instance-state.js';
import { healthyTargetsProbe } from '../../src/probes/aws/elbv2-healthy-targets.js';
import type { ActionContext, ActivityContext, AnyProbeDefinition, CallRecord, Resource, TargetSpec } from '../../src/registry/types.js';
import {
  ALLOWED_TAG,
  buildFixture,
  MOTO_CREDENTIALS,
  MOTO_REGION,
  motoAvailability,
  motoRuns,
  motoClients,
  runInstances,
  startMoto,
  type Fixture,
  type Moto,
  type MotoClients,
} from '../support/moto.js';

const availability = motoAvailability();
const GROUP_TAG = 'aws:autoscaling:groupName';
const UNKNOWN_INSTANCE = 'i-0123456789abcdef0';

/** An activity context on `aws` whose `recordCall` collects the journal's call records into `calls`. */
function activity(aws: AwsClientFactory, calls: CallRecord[] = []): ActivityContext & { calls: CallRecord[] } {
  return {
    runId: 'moto-conformance',
    signal: new AbortController().signal,
    clock: systemClock,
    logger: silentLogger,
    aws,
    speed: 1,
    recordCall: (call) => calls.push(call),
    calls,
  };
}

function actionContext(aws: AwsClientFactory, targets: Resource[]): ActionContext & { calls: CallRecord[] } {
  return { ...activity(aws), targets };
}

function spec(selection: SelectionMode, rest: Omit<TargetSpec, 'selection'> = {}): TargetSpec {
  return { ...rest, selection };
}

const ALL: SelectionMode = { mode: 'ALL' };
const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

/**
 * Opens a probe session, takes `n` samples, closes it; returns each observation with its tolerance verdict. As in the
 * runner, a given tolerance replaces the probe's default one.
 */
async function probe(
  definition: AnyProbeDefinition,
  ctx: ActivityContext,
  args: Record<string, unknown>,
  tolerance?: Record<string, unknown>,
  n = 1,
): Promise<{ value: unknown; error: string | undefined; text: string | undefined; verdict: string | null }[]> {
  const a: unknown = definition.args.parse(args);
  const t: unknown = definition.tolerance.parse(tolerance ?? definition.defaultTolerance);
  const session = definition.open(a, ctx, t);
  const out = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = await session.sample(ctx.signal);
      out.push({ value: o.value, error: o.error, text: o.text, verdict: definition.check(o, t) });
    }
  } finally {
    await session.close();
  }
  return out;
}

async function probeOnce(definition: AnyProbeDefinition, ctx: ActivityContext, args: Record<string, unknown>, tolerance?: Record<string, unknown>) {
  const [first] = await probe(definition, ctx, args, tolerance, 1);
  assert.ok(first !== undefined);
  return first;
}

/** Ground truth, straight from the SDK: every instance matching `filters`, following NextToken with `pageSize`. */
async function describeAll(c: MotoClients, filters: Filter[], pageSize = 5): Promise<{ instances: Instance[]; pages: number }> {
  const instances: Instance[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await c.ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: pageSize, NextToken: token }));
    pages++;
    for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
    token = page.NextToken;
  } while (token !== undefined && token !== '');
  return { instances, pages };
}

async function stateOf(c: MotoClients, id: string): Promise<string | undefined> {
  const out = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

async function groupInstances(c: MotoClients, name: string) {
  const g = (await c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  assert.ok(g !== undefined, `group ${name} exists`);
  return g;
}

/**
 * A second client factory on moto whose EC2 DescribeInstances requests pass through `rewrite` before they are sent;
 * for emulating what the emulator does not (short pages) or working around what it gets wrong. Destroy it after use.
 */
async function rewritingFactory(endpoint: string, rewrite: (input: Record<string, unknown>) => void): Promise<AwsClientFactory> {
  const factory = new AwsClientFactory({ kind: 'localstack', region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS });
  // The factory hands out one cached client per service, so the middleware applies to every later `ec2()` user.
  (await factory.ec2()).middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DescribeInstancesCommand') rewrite(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'rewriteDescribeInstancesForTest' },
  );
  return factory;
}

function callsOf(calls: CallRecord[], operation: string): CallRecord[] {
  return calls.filter((c) => c.operation === operation);
}

describe('gameday AWS actions and probes against moto_server', () => {
  if (!motoRuns(availability)) return;

  let moto: Moto;
  let clients: MotoClients;
  let aws: AwsClientFactory;
  let fx: Fixture;

  before(async () => {
    moto = await startMoto();
    clients = motoClients(moto.endpoint);
    aws = new AwsClientFactory({ kind: 'localstack', region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  });

  after(async () => {
    await aws?.destroy();
    clients?.destroy();
    await moto?.close();
  });

  beforeEach(async () => {
    await moto.reset();
    fx = await buildFixture(clients, 3);
  });

  describe('the fixture, as moto builds it', () => {
    it('has the group at capacity, the tag propagated, and every group instance healthy in the target group', async () => {
      const g = await groupInstances(clients, fx.asgName);
      assert.equal(g.DesiredCapacity, 3);
      assert.equal(g.Instances?.length, 3);
      const { instances } = await describeAll(clients, [{ Name: `tag:${GROUP_TAG}`, Values: [fx.asgName] }]);
      assert.deepEqual(sorted(instances.map((i) => i.InstanceId ?? '')), sorted(fx.asgInstanceIds));
      for (const i of instances)
        assert.ok(
          i.Tags?.some((t) => t.Key === ALLOWED_TAG.Key && t.Value === ALLOWED_TAG.Value),
          `${i.InstanceId} carries the propagated tag`,
        );
      const health = await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: fx.targetGroupArn }));
      // moto: a registered running instance is `healthy` at once (AWS starts at `initial` until health checks pass).
      assert.deepEqual(
        sorted((health.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.TargetHealth?.State}`)),
        sorted(fx.asgInstanceIds.map((id) => `${id}:healthy`)),
      );
    });
  });

  describe('target resolution (resolveTargets)', () => {
    it('by the aws:autoscaling:groupName tag with ALL selects every running instance of the group', async () => {
      const ctx = activity(aws);
      const { record, selected } = await resolveTargets('kill-web', terminateInstancesAction, spec(ALL, { tags: { [GROUP_TAG]: fx.asgName } }), 42, ctx);
      assert.deepEqual(sorted(selected.map((r) => r.id)), sorted(fx.asgInstanceIds));
      assert.equal(record.fault, 'kill-web');
      assert.equal(record.type, 'aws:ec2:instance');
      assert.equal(record.selection, 'ALL');
      assert.equal(record.seed, 42);
      assert.equal(record.candidates, 3);
      for (const r of selected) {
        assert.equal(r.type, 'aws:ec2:instance');
        assert.match(r.arn ?? '', new RegExp(`^arn:aws:ec2:${MOTO_REGION}:\\d{12}:instance/${r.id}$`));
        assert.equal(r.tags[GROUP_TAG], fx.asgName);
        assert.equal(r.tags[ALLOWED_TAG.Key], ALLOWED_TAG.Value);
      }
      assert.deepEqual(sorted(record.selected.map((s) => s.id)), sorted(fx.asgInstanceIds));
      // Listing is a read: recorded for the journal, never as a mutation.
      const describes = callsOf(ctx.calls, 'DescribeInstances');
      assert.ok(describes.length >= 1);
      for (const c of describes) {
        assert.equal(c.service, 'ec2');
        assert.equal(c.mutating, false);
        assert.equal(c.ok, true);
      }
      assert.equal(ctx.calls.filter((c) => c.mutating).length, 0);
    });

    it('by the availability-zone filter selects exactly the running instances in that zone', async () => {
      // Ground truth computed here from every running instance's Placement, since where the group places its
      // instances is the emulator's business. moto deviation: the group launches every instance into the FIRST subnet
      // of VPCZoneIdentifier (us-east-1a here) instead of balancing across zones as AWS does.
      const running = (await describeAll(clients, [{ Name: 'instance-state-name', Values: ['running'] }])).instances;
      const inZone = (az: string): string[] => sorted(running.filter((i) => i.Placement?.AvailabilityZone === az).map((i) => i.InstanceId ?? ''));
      assert.ok(inZone('us-east-1a').includes(fx.standaloneIds[0] ?? ''), 'the db instance was launched into us-east-1a');
      // moto 5.2.1 bug: its DescribeInstances `availability-zone` filter compares the instance's placement OBJECT with
      // the zone name (moto/ec2/utils.py maps it to `placement`, not `placement.zone`), so it matches nothing. On AWS it
      // narrows by zone. gameday sends it (server-side narrowing) and then matches Placement.AvailabilityZone itself,
      // so against a broken filter the requests go through a client that drops just that filter, leaving the zone
      // matching to gameday's own code.
      const serverSide = (await describeAll(clients, [{ Name: 'availability-zone', Values: ['us-east-1a'] }])).instances;
      const filterBroken = serverSide.length === 0;
      const zoneAws = filterBroken
        ? await rewritingFactory(moto.endpoint, (input) => {
            if (Array.isArray(input.Filters)) input.Filters = (input.Filters as Filter[]).filter((f) => f.Name !== 'availability-zone');
          })
        : aws;
      try {
        for (const az of ['us-east-1a', 'us-east-1b', 'us-east-1c']) {
          const ctx = activity(zoneAws);
          const { selected, record } = await resolveTargets(
            'zone',
            terminateInstancesAction,
            spec(ALL, { filters: [{ path: 'Placement.AvailabilityZone', values: [az] }] }),
            1,
            ctx,
          );
          assert.deepEqual(sorted(selected.map((r) => r.id)), inZone(az), az);
          assert.equal(record.candidates, inZone(az).length);
          for (const r of selected) assert.equal((r.attributes.Placement as { AvailabilityZone?: string }).AvailabilityZone, az);
          // The filter was offered to EC2 for server-side narrowing (as the AWS filter name).
          if (!filterBroken) assert.ok(callsOf(ctx.calls, 'DescribeInstances').some((c) => JSON.stringify(c.request).includes('availability-zone')));
        }
        const a = await resolveTargets(
          'zone',
          terminateInstancesAction,
          spec(ALL, { filters: [{ path: 'Placement.AvailabilityZone', values: ['us-east-1a'] }] }),
          1,
          activity(zoneAws),
        );
        assert.ok(
          a.selected.some((r) => r.id === fx.standaloneIds[0]),
          'the db instance in us-east-1a is selected',
        );
        assert.ok(!a.selected.some((r) => r.id === fx.standaloneIds[1]), 'the cache instance in us-east-1b is not');
        // Tags and filters combine: allowed instances in us-east-1b are just the cache instance.
        const b = await resolveTargets(
          'zone',
          terminateInstancesAction,
          spec(ALL, { tags: { [ALLOWED_TAG.Key]: ALLOWED_TAG.Value }, filters: [{ path: 'Placement.AvailabilityZone', values: ['us-east-1b'] }] }),
          1,
          activity(zoneAws),
        );
        assert.deepEqual(
          b.selected.map((r) => r.id),
          [fx.standaloneIds[1]],
        );
      } finally {
        if (zoneAws !== aws) await zoneAws.destroy();
      }
    });

    it('by a subnet filter (narrowed server-side) selects the instances of that subnet', async () => {
      const { selected } = await resolveTargets(
        'subnet',
        terminateInstancesAction,
        spec(ALL, { filters: [{ path: 'SubnetId', values: [fx.subnets['us-east-1b']] }] }),
        1,
        activity(aws),
      );
      assert.deepEqual(
        selected.map((r) => r.id),
        [fx.standaloneIds[1]],
      );
    });

    it('by ids selects those instances, whether named by instance id or by ARN', async () => {
      const byId = await resolveTargets(
        'ids',
        terminateInstancesAction,
        spec(ALL, { ids: [fx.standaloneIds[0] ?? '', fx.asgInstanceIds[0] ?? ''] }),
        7,
        activity(aws),
      );
      assert.deepEqual(sorted(byId.selected.map((r) => r.id)), sorted([fx.standaloneIds[0] ?? '', fx.asgInstanceIds[0] ?? '']));
      assert.equal(byId.record.candidates, 2);
      const arn = byId.selected.find((r) => r.id === fx.standaloneIds[0])?.arn;
      assert.ok(arn !== undefined);
      const byArn = await resolveTargets('arn', terminateInstancesAction, spec(ALL, { ids: [arn] }), 7, activity(aws));
      assert.deepEqual(
        byArn.selected.map((r) => r.id),
        [fx.standaloneIds[0]],
      );
      assert.deepEqual(byArn.record.selected[0]?.arn, arn);
    });

    it('COUNT(n) and PERCENT(n) take that many candidates, and the same seed replays the same pick', async () => {
      // Allowed: the group's three instances (tag propagated) and the cache instance: four candidates.
      const allowed = { tags: { [ALLOWED_TAG.Key]: ALLOWED_TAG.Value } };
      const pool = sorted([...fx.asgInstanceIds, fx.standaloneIds[1] ?? '']);
      const pick = async (selection: SelectionMode, seed: number) =>
        resolveTargets('pick', terminateInstancesAction, spec(selection, allowed), seed, activity(aws));
      const cases: [SelectionMode, string, number][] = [
        [{ mode: 'COUNT', count: 1 }, 'COUNT(1)', 1],
        [{ mode: 'COUNT', count: 2 }, 'COUNT(2)', 2],
        [{ mode: 'COUNT', count: 10 }, 'COUNT(10)', 4],
        [{ mode: 'PERCENT', percent: 50 }, 'PERCENT(50)', 2],
        [{ mode: 'PERCENT', percent: 30 }, 'PERCENT(30)', 2], // rounds up, as FIS does
        [{ mode: 'PERCENT', percent: 1 }, 'PERCENT(1)', 1], // at least one
        [{ mode: 'PERCENT', percent: 100 }, 'PERCENT(100)', 4],
        [ALL, 'ALL', 4],
      ];
      for (const [selection, text, n] of cases) {
        const first = await pick(selection, 1234);
        assert.equal(first.record.candidates, 4, text);
        assert.equal(first.record.selection, text);
        assert.equal(first.selected.length, n, text);
        assert.equal(new Set(first.selected.map((r) => r.id)).size, n, `${text} picks distinct instances`);
        for (const r of first.selected) assert.ok(pool.includes(r.id), `${text} picks a candidate`);
        const again = await pick(selection, 1234);
        assert.deepEqual(
          again.selected.map((r) => r.id),
          first.selected.map((r) => r.id),
          `${text}: same seed, same pick`,
        );
      }
      // Different seeds do spread the pick (COUNT(1) over 4 candidates with 20 seeds hits more than one instance).
      const picks = new Set<string>();
      for (let seed = 0; seed < 20; seed++) picks.add((await pick({ mode: 'COUNT', count: 1 }, seed)).selected[0]?.id ?? '');
      assert.ok(picks.size > 1, `20 seeds picked only ${[...picks].join(', ')}`);
    });

    it('only running instances are candidates, unless the spec filters on State.Name', async () => {
      const [db, cache] = fx.standaloneIds as [string, string];
      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [db] }));
      await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [cache] }));
      // moto (like AWS for about an hour) still lists the terminated instance; it must not be a candidate.
      assert.equal(await stateOf(clients, cache), 'terminated');
      const dbRole = await resolveTargets('db', terminateInstancesAction, spec(ALL, { tags: { role: 'db' } }), 1, activity(aws));
      assert.equal(dbRole.record.candidates, 0);
      assert.deepEqual(dbRole.selected, []);
      const allowed = await resolveTargets(
        'allowed',
        terminateInstancesAction,
        spec(ALL, { tags: { [ALLOWED_TAG.Key]: ALLOWED_TAG.Value } }),
        1,
        activity(aws),
      );
      assert.deepEqual(sorted(allowed.selected.map((r) => r.id)), sorted(fx.asgInstanceIds));
      const byIds = await resolveTargets('ids', terminateInstancesAction, spec(ALL, { ids: [db, cache, fx.asgInstanceIds[0] ?? ''] }), 1, activity(aws));
      assert.deepEqual(
        byIds.selected.map((r) => r.id),
        [fx.asgInstanceIds[0]],
      );
      const stopped = await resolveTargets(
        'stopped',
        stopInstancesAction,
        spec(ALL, { filters: [{ path: 'State.Name', values: ['stopped'] }] }),
        1,
        activity(aws),
      );
      assert.deepEqual(
        stopped.selected.map((r) => r.id),
        [db],
      );
      const anyState = await resolveTargets(
        'any',
        terminateInstancesAction,
        spec(ALL, { tags: { role: 'cache' }, filters: [{ path: 'State.Name', values: ['running', 'terminated'] }] }),
        1,
        activity(aws),
      );
      assert.deepEqual(
        anyState.selected.map((r) => r.id),
        [cache],
      );
    });
  });

  describe('aws.ec2.terminate-instances', () => {
    it('terminates one group instance, journals the calls, and the group is back at its desired capacity', async () => {
      const probeCtx = activity(aws);
      const before = await probeOnce(asgInServiceProbe, probeCtx, { autoScalingGroupName: fx.asgName });
      assert.equal(before.value, 3);
      assert.equal(before.verdict, null);

      const { selected } = await resolveTargets(
        'kill-one',
        terminateInstancesAction,
        spec({ mode: 'COUNT', count: 1 }, { tags: { [GROUP_TAG]: fx.asgName } }),
        99,
        activity(aws),
      );
      assert.equal(selected.length, 1);
      const victim = selected[0]?.id ?? '';
      assert.ok(fx.asgInstanceIds.includes(victim));

      const ctx = actionContext(aws, selected);
      const result = await terminateInstancesAction.run(terminateInstancesAction.args.parse({}), ctx);
      assert.deepEqual(result.output.instanceIds, [victim]);
      const states = result.output.states as Record<string, string>;
      // AWS reports shutting-down for a while; moto is terminated at once (the response still says shutting-down).
      assert.ok(['shutting-down', 'terminated'].includes(states[victim] ?? ''), `state ${states[victim]}`);

      const terminate = callsOf(ctx.calls, 'TerminateInstances');
      assert.equal(terminate.length, 1);
      assert.equal(terminate[0]?.service, 'ec2');
      assert.equal(terminate[0]?.mutating, true);
      assert.equal(terminate[0]?.ok, true);
      assert.deepEqual(terminate[0]?.request.InstanceIds, [victim]);
      assert.deepEqual(terminate[0]?.response, { states: [`${victim}:shutting-down`] });
      assert.ok((terminate[0]?.endedAt ?? 0) >= (terminate[0]?.startedAt ?? Infinity));
      const describes = callsOf(ctx.calls, 'DescribeInstances');
      assert.ok(describes.length >= 1, 'the landing check reads the states back');
      for (const c of describes) {
        assert.equal(c.mutating, false);
        assert.equal(c.ok, true);
      }
      assert.ok(ctx.calls.indexOf(terminate[0] as CallRecord) < ctx.calls.indexOf(describes[0] as CallRecord), 'terminate, then verify');
      assert.equal(await stateOf(clients, victim), 'terminated');

      // moto relaunches synchronously inside TerminateInstances (AWS takes a health-check cycle and a launch).
      const after = await probeOnce(asgInServiceProbe, probeCtx, { autoScalingGroupName: fx.asgName });
      assert.equal(after.value, 3);
      assert.equal(after.text, '3', 'the desired capacity the default tolerance compares with');
      assert.equal(after.verdict, null);
      const g = await groupInstances(clients, fx.asgName);
      const members = (g.Instances ?? []).map((i) => i.InstanceId ?? '');
      assert.ok(!members.includes(victim), 'the terminated instance left the group');
      const replacements = members.filter((id) => !fx.asgInstanceIds.includes(id));
      assert.equal(replacements.length, 1, 'one replacement');
      // The target group no longer counts the victim. moto deviation: the replacement is never registered with the
      // group's target groups (its notify_terminate_instances updates classic load balancers only), so moto stays at
      // 2 healthy targets where AWS registers the replacement and counts it once its health checks pass.
      const healthy = await probeOnce(healthyTargetsProbe, probeCtx, { targetGroupArn: fx.targetGroupArn }, { atLeast: 2 });
      assert.ok(healthy.value === 2 || healthy.value === 3, `healthy targets: ${String(healthy.value)}`);
      assert.equal(healthy.verdict, null);
      const targets = await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: fx.targetGroupArn }));
      assert.ok(
        !(targets.TargetHealthDescriptions ?? []).some((d) => d.Target?.Id === victim && d.TargetHealth?.State === 'healthy'),
        'the victim is not a healthy target',
      );
      // The replacement is a candidate for the next fault; the victim is not.
      const again = await resolveTargets('kill-one', terminateInstancesAction, spec(ALL, { tags: { [GROUP_TAG]: fx.asgName } }), 99, activity(aws));
      assert.deepEqual(sorted(again.selected.map((r) => r.id)), sorted(members));
    });

    it('an unknown instance id fails with InvalidInstanceID.NotFound, recorded as a refused mutating call', async () => {
      const target: Resource = { type: 'aws:ec2:instance', id: UNKNOWN_INSTANCE, tags: {}, attributes: {} };
      const ctx = actionContext(aws, [target]);
      await assert.rejects(terminateInstancesAction.run({}, ctx), (error: unknown) => {
        assert.ok(error instanceof AwsCallError, `an AwsCallError, got ${String(error)}`);
        assert.equal(error.awsName, 'InvalidInstanceID.NotFound');
        assert.equal(error.fault, 'client');
        assert.equal(error.operation, 'ec2:TerminateInstances');
        assert.match(error.message, /InvalidInstanceID\.NotFound/);
        assert.match(error.message, /TerminateInstances/);
        return true;
      });
      assert.equal(ctx.calls.length, 1, 'nothing else is attempted after the refusal');
      const [call] = ctx.calls;
      assert.equal(call?.operation, 'TerminateInstances');
      assert.equal(call?.mutating, true);
      assert.equal(call?.ok, false);
      assert.equal(call?.error?.name, 'InvalidInstanceID.NotFound');
      assert.equal(call?.error?.fault, 'client');
      assert.match(call?.error?.message ?? '', new RegExp(UNKNOWN_INSTANCE));
      // Nothing changed.
      const g = await probeOnce(asgInServiceProbe, activity(aws), { autoScalingGroupName: fx.asgName });
      assert.equal(g.value, 3);
    });
  });

  describe('aws.ec2.stop-instances', () => {
    it('stops the instance, and its rollback starts it again', async () => {
      const { selected } = await resolveTargets('stop-db', stopInstancesAction, spec(ALL, { tags: { role: 'db' } }), 5, activity(aws));
      const db = fx.standaloneIds[0] ?? '';
      assert.deepEqual(
        selected.map((r) => r.id),
        [db],
      );
      const args = stopInstancesAction.args.parse({ restartTimeout: '20s' });
      const ctx = actionContext(aws, selected);
      const result = await stopInstancesAction.run(args, ctx);
      assert.deepEqual(result.output.instanceIds, [db]);
      // AWS: usually `stopping` at this point; moto is `stopped` at once.
      assert.ok(['stopping', 'stopped'].includes((result.output.states as Record<string, string>)[db] ?? ''));
      assert.equal(await stateOf(clients, db), 'stopped');
      const stop = callsOf(ctx.calls, 'StopInstances');
      assert.equal(stop.length, 1);
      assert.equal(stop[0]?.mutating, true);
      assert.equal(stop[0]?.request.Force, false);
      assert.deepEqual(stop[0]?.response, { states: [`${db}:stopping`] });
      const stoppedProbe = await probeOnce(instanceStateProbe, activity(aws), { instanceIds: [db], state: 'stopped' });
      assert.equal(stoppedProbe.value, 1);
      assert.equal(stoppedProbe.verdict, null);

      const undo = actionContext(aws, selected);
      assert.ok(stopInstancesAction.rollback !== undefined);
      const rolled = await stopInstancesAction.rollback(args, result, undo);
      assert.deepEqual(rolled.output, { started: [db], skipped: [] });
      assert.equal(await stateOf(clients, db), 'running');
      const start = callsOf(undo.calls, 'StartInstances');
      assert.equal(start.length, 1);
      assert.equal(start[0]?.mutating, true);
      assert.deepEqual(start[0]?.request.InstanceIds, [db]);
      assert.ok(callsOf(undo.calls, 'DescribeInstances').every((c) => !c.mutating && c.ok));
      const running = await probeOnce(instanceStateProbe, activity(aws), { instanceIds: [db] });
      assert.equal(running.value, 1);
      assert.equal(running.verdict, null);
    });

    it('the rollback leaves alone an instance that was terminated meanwhile', async () => {
      const [db, cache] = fx.standaloneIds as [string, string];
      const targets = (await resolveTargets('stop', stopInstancesAction, spec(ALL, { ids: [db, cache] }), 1, activity(aws))).selected;
      assert.equal(targets.length, 2);
      const args = stopInstancesAction.args.parse({ restartTimeout: '20s' });
      const result = await stopInstancesAction.run(args, actionContext(aws, targets));
      await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [cache] }));
      const rolled = await stopInstancesAction.rollback?.(args, result, actionContext(aws, targets));
      assert.deepEqual(rolled?.output, { started: [db], skipped: [cache] });
      assert.equal(await stateOf(clients, db), 'running');
      assert.equal(await stateOf(clients, cache), 'terminated');
    });

    it('an unknown instance id fails with InvalidInstanceID.NotFound', async () => {
      const ctx = actionContext(aws, [{ type: 'aws:ec2:instance', id: UNKNOWN_INSTANCE, tags: {}, attributes: {} }]);
      await assert.rejects(
        stopInstancesAction.run(stopInstancesAction.args.parse({}), ctx),
        (e: unknown) => e instanceof AwsCallError && e.awsName === 'InvalidInstanceID.NotFound',
      );
      assert.equal(ctx.calls[0]?.ok, false);
    });
  });

  describe('landing checks (verifyStates, waitForStates)', () => {
    it('verifyStates passes on the expected states and otherwise throws ActionFailedError naming the instance', async () => {
      const [db, cache] = fx.standaloneIds as [string, string];
      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [db] }));
      const ctx = activity(aws);
      assert.deepEqual(await verifyStates(ctx, [db], ['stopping', 'stopped'], 'Stopping db'), { [db]: 'stopped' });
      await assert.rejects(verifyStates(ctx, [db, cache], ['stopping', 'stopped'], 'Stopping both'), (e: unknown) => {
        assert.ok(e instanceof ActionFailedError, String(e));
        assert.equal(e.message, `Stopping both did not land: ${cache} is running (expected stopping or stopped).`);
        return true;
      });
    });

    it('waitForStates returns once the states are reached and gives up at its deadline otherwise', async () => {
      const [db] = fx.standaloneIds as [string];
      const ctx = activity(aws);
      assert.deepEqual(await waitForStates(ctx, [db], ['running'], 5_000), { [db]: 'running' });
      const started = Date.now();
      await assert.rejects(waitForStates(ctx, [db], ['stopped'], 600), (e: unknown) => {
        assert.ok(e instanceof ActionFailedError, String(e));
        assert.match(e.message, new RegExp(`^Instances did not reach stopped within 1s: ${db} is running\\.$`));
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 300 && waited < 5_000, `gave up after ${waited} ms`);
      assert.ok(callsOf(ctx.calls, 'DescribeInstances').length >= 3, 'it polled');
    });
  });

  describe('aws.ec2.reboot-instances', () => {
    it('reboots the selected instances, which stay running', async () => {
      const { selected } = await resolveTargets('reboot', rebootInstancesAction, spec(ALL, { tags: { [GROUP_TAG]: fx.asgName } }), 3, activity(aws));
      const ctx = actionContext(aws, selected);
      const result = await rebootInstancesAction.run({}, ctx);
      assert.deepEqual(sorted(result.output.instanceIds as string[]), sorted(fx.asgInstanceIds));
      assert.equal(ctx.calls.length, 1);
      assert.equal(ctx.calls[0]?.operation, 'RebootInstances');
      assert.equal(ctx.calls[0]?.mutating, true);
      assert.equal(ctx.calls[0]?.ok, true);
      for (const id of fx.asgInstanceIds) assert.equal(await stateOf(clients, id), 'running');
      assert.equal((await probeOnce(asgInServiceProbe, activity(aws), { autoScalingGroupName: fx.asgName })).value, 3);
    });
  });

  describe('AWS probes', () => {
    it('aws.elbv2.healthy-targets counts healthy targets by ARN and by name, with tolerance verdicts', async () => {
      const ctx = activity(aws);
      const byArn = await probe(healthyTargetsProbe, ctx, { targetGroupArn: fx.targetGroupArn }, undefined, 2);
      for (const o of byArn) {
        assert.equal(o.error, undefined);
        assert.equal(o.value, 3);
        assert.equal(o.verdict, null, 'default tolerance: at least one');
      }
      const byName = await probe(healthyTargetsProbe, ctx, { targetGroupName: fx.targetGroupName }, undefined, 2);
      assert.deepEqual(
        byName.map((o) => o.value),
        [3, 3],
      );
      assert.deepEqual(
        byName.map((o) => o.verdict),
        [null, null],
      );
      assert.equal((await probeOnce(healthyTargetsProbe, ctx, { targetGroupArn: fx.targetGroupArn }, { atLeast: 3 })).verdict, null);
      assert.equal(
        (await probeOnce(healthyTargetsProbe, ctx, { targetGroupArn: fx.targetGroupArn }, { atLeast: 4 })).verdict,
        '3 healthy targets, expected at least 4',
      );
      assert.equal(
        (await probeOnce(healthyTargetsProbe, ctx, { targetGroupName: fx.targetGroupName }, { atMost: 2 })).verdict,
        '3 healthy targets, expected at most 2',
      );

      // A stopped target stops counting. moto: it is `unused`/Target.InvalidState at once and health never changes by
      // itself otherwise (AWS would go through `unhealthy` after the threshold of failed checks).
      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [fx.asgInstanceIds[0] ?? ''] }));
      const degraded = await probeOnce(healthyTargetsProbe, ctx, { targetGroupName: fx.targetGroupName }, { atLeast: 3 });
      assert.equal(degraded.value, 2);
      assert.equal(degraded.verdict, '2 healthy targets, expected at least 3');
    });

    it('aws.elbv2.healthy-targets reports TargetGroupNotFoundException for an unknown group', async () => {
      const unknownArn = fx.targetGroupArn.replace(/targetgroup\/[^/]+\/[0-9a-f]+$/, 'targetgroup/nope/0123456789abcdef');
      assert.notEqual(unknownArn, fx.targetGroupArn);
      const byArn = await probeOnce(healthyTargetsProbe, activity(aws), { targetGroupArn: unknownArn });
      assert.equal(byArn.value, undefined);
      assert.match(byArn.error ?? '', /TargetGroupNotFoundException/);
      assert.match(byArn.verdict ?? '', /TargetGroupNotFoundException/, 'the error is the verdict');
      const byName = await probeOnce(healthyTargetsProbe, activity(aws), { targetGroupName: 'no-such-group' });
      assert.equal(byName.value, undefined);
      assert.match(byName.verdict ?? '', /TargetGroupNotFound/);
    });

    it('aws.ec2.instance-state counts instances in a state by ids and by tags, with tolerance verdicts', async () => {
      const ctx = activity(aws);
      const [db, cache] = fx.standaloneIds as [string, string];
      const both = await probeOnce(instanceStateProbe, ctx, { instanceIds: [db, cache] });
      assert.equal(both.value, 2);
      assert.equal(both.verdict, null, 'default: all named ids running');
      const byTag = await probeOnce(instanceStateProbe, ctx, { tags: { [ALLOWED_TAG.Key]: ALLOWED_TAG.Value } });
      assert.equal(byTag.value, 4);
      assert.equal(byTag.verdict, null, 'default by tags: at least one');
      assert.equal(
        (await probeOnce(instanceStateProbe, ctx, { tags: { [GROUP_TAG]: fx.asgName } }, { atMost: 2 })).verdict,
        '3 instances in the state, expected at most 2',
      );

      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [cache] }));
      const one = await probeOnce(instanceStateProbe, ctx, { instanceIds: [db, cache] });
      assert.equal(one.value, 1);
      assert.equal(one.verdict, '1 instances in the state, expected at least 2');
      assert.equal((await probeOnce(instanceStateProbe, ctx, { instanceIds: [db, cache] }, { atLeast: 1 })).verdict, null);
      const stopped = await probeOnce(instanceStateProbe, ctx, { instanceIds: [db, cache], state: 'stopped' }, { atLeast: 1 });
      assert.equal(stopped.value, 1);
      assert.equal(stopped.verdict, null);
      const noneStopped = await probeOnce(instanceStateProbe, ctx, { tags: { role: 'db' }, state: 'stopped' });
      assert.equal(noneStopped.value, 0);
      assert.equal(noneStopped.verdict, '0 instances in the state, expected at least 1');
      const unknown = await probeOnce(instanceStateProbe, ctx, { instanceIds: [UNKNOWN_INSTANCE] });
      assert.match(unknown.verdict ?? '', /InvalidInstanceID\.NotFound/);
    });

    it('aws.asg.in-service reports an unknown group and judges against the desired capacity', async () => {
      const ctx = activity(aws);
      const missing = await probeOnce(asgInServiceProbe, ctx, { autoScalingGroupName: 'no-such-group' });
      assert.equal(missing.verdict, 'no Auto Scaling group named no-such-group');
      const capped = await probeOnce(asgInServiceProbe, ctx, { autoScalingGroupName: fx.asgName }, { atMost: 2 });
      assert.equal(capped.verdict, '3 instances in service, expected at most 2');
      const explicit = await probeOnce(asgInServiceProbe, ctx, { autoScalingGroupName: fx.asgName }, { atLeast: 4 });
      assert.equal(explicit.verdict, '3 instances in service, expected at least 4');
    });
  });

  describe('pagination', () => {
    it('the inventory returns every instance when DescribeInstances spans several pages', async () => {
      // moto pages DescribeInstances by *reservation* (AWS counts instances), so each instance gets its own
      // RunInstances call, i.e. its own reservation, for pages of 5 to hold 5 instances.
      const batch = await runInstances(clients.ec2, fx.subnets['us-east-1c'], 12, [{ Key: 'batch', Value: 'paging' }]);
      const truth = await describeAll(clients, [{ Name: 'tag:batch', Values: ['paging'] }], 5);
      assert.ok(truth.pages >= 3, `MaxResults 5 over 12 instances takes several pages (took ${truth.pages})`);
      assert.deepEqual(sorted(truth.instances.map((i) => i.InstanceId ?? '')), sorted(batch));

      const ctx = activity(aws);
      const inventory = await instanceInventory(spec(ALL, { tags: { batch: 'paging' } }), ctx);
      assert.deepEqual(sorted(inventory.map((r) => r.id)), sorted(batch));
      const everything = await instanceInventory(spec(ALL), ctx);
      const allRunning = await describeAll(clients, [{ Name: 'instance-state-name', Values: ['running'] }], 5);
      assert.equal(allRunning.instances.length, 3 + 2 + 12);
      assert.deepEqual(sorted(everything.map((r) => r.id)), sorted(allRunning.instances.map((i) => i.InstanceId ?? '')));
      const resolved = await resolveTargets(
        'batch',
        terminateInstancesAction,
        spec({ mode: 'PERCENT', percent: 25 }, { tags: { batch: 'paging' } }),
        8,
        activity(aws),
      );
      assert.equal(resolved.record.candidates, 12);
      assert.equal(resolved.selected.length, 3);
    });

    it('the inventory follows NextToken when the server returns short pages', async () => {
      // instanceInventory asks for MaxResults 1000, which never pages on a fixture this size. AWS may still return
      // fewer results than MaxResults with a NextToken, so a client whose DescribeInstances requests are rewritten to
      // MaxResults 5 checks that gameday follows moto's real tokens to the end.
      const batch = await runInstances(clients.ec2, fx.subnets['us-east-1c'], 12, [{ Key: 'batch', Value: 'paging' }]);
      // (MaxResults is not allowed together with InstanceIds, on AWS as on moto, so requests naming ids stay as they are.)
      const shortPages = await rewritingFactory(moto.endpoint, (input) => {
        if (input.InstanceIds === undefined) input.MaxResults = 5;
      });
      try {
        const ctx = activity(shortPages);
        const inventory = await instanceInventory(spec(ALL, { tags: { batch: 'paging' } }), ctx);
        assert.deepEqual(sorted(inventory.map((r) => r.id)), sorted(batch));
        const pages = callsOf(ctx.calls, 'DescribeInstances');
        assert.equal(pages.length, 3, '12 instances in pages of 5');
        assert.ok(pages.every((c) => c.ok && !c.mutating));
        // The instance-state probe sends no MaxResults (AWS then decides the page size); it must follow NextToken too.
        const counted = await probeOnce(instanceStateProbe, ctx, { tags: { batch: 'paging' } }, { atLeast: 12 });
        assert.equal(counted.value, 12);
        assert.equal(counted.verdict, null);
      } finally {
        await shortPages.destroy();
      }
    });
  });
});
