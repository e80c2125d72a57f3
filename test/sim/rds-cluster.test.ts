import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  FailoverDBClusterCommand,
  RDSClient,
  RebootDBClusterCommand,
  RebootDBInstanceCommand,
  StartDBClusterCommand,
  StartDBInstanceCommand,
  StopDBClusterCommand,
  StopDBInstanceCommand,
  type DBCluster,
  type DescribeDBClustersCommandInput,
} from '@aws-sdk/client-rds';
import pg from 'pg';
import { rdsFailoverAction } from '../../src/actions/rds/failover.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ActionContext, CallRecord, Resource, TargetSpec } from '../../src/registry/types.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { pgUrlThrough, resolveThrough, waitFor } from '../support/sim.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';

const SPEED = 60;
const CREDENTIALS = { accessKeyId: 'A', secretAccessKey: 'b' };

/** Starts a region with the given DB clusters, waits until it is ready, runs `fn`, and stops everything. */
async function withRegion(dbClusters: unknown[], speed: number, fn: (region: SimRegion, rds: RDSClient) => Promise<void>): Promise<void> {
  const region = await SimRegion.start({ topology: parseTopology({ launchTemplates: [{ name: 'lt' }], dbClusters }), speed });
  const rds = new RDSClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    await region.world.ready(30_000);
    await fn(region, rds);
  } finally {
    rds.destroy();
    await region.stop();
  }
}

async function cluster(rds: RDSClient, id: string): Promise<DBCluster> {
  const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];
  assert.ok(c !== undefined);
  return c;
}

/** Waits until the cluster is `available` again and returns it. */
const availableCluster = (rds: RDSClient, id: string, what: string): Promise<DBCluster> =>
  waitFor(
    what,
    async () => {
      const c = await cluster(rds, id);
      return c.Status === 'available' ? c : undefined;
    },
    { timeoutMs: 20_000 },
  );

const writers = (c: DBCluster): Record<string, boolean | undefined> =>
  Object.fromEntries((c.DBClusterMembers ?? []).map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter]));

async function truthOf(region: SimRegion, resource: string): Promise<TruthEvent[]> {
  return ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events.filter(
    (e) => e.resource === resource && e.kind === 'workload',
  );
}

const fault =
  (name: string, status = 400, message?: RegExp) =>
  (e: { name: string; message: string; $metadata: { httpStatusCode?: number } }) =>
    e.name === name && e.$metadata.httpStatusCode === (name.includes('NotFound') ? 404 : status) && (message === undefined || message.test(e.message));

describe('simulated RDS Multi-AZ DB clusters through the SDK', () => {
  it('describes the cluster, its endpoints and members, and lists the members as DB instances', async () => {
    await withRegion([{ id: 'ledger' }], SPEED, async (region, rds) => {
      const c = await cluster(rds, 'ledger');
      assert.equal(c.Status, 'available');
      assert.equal(c.MultiAZ, true);
      assert.equal(c.Engine, 'postgres');
      assert.equal(c.Port, 5432);
      assert.match(c.Endpoint ?? '', /^ledger\.cluster-c[0-9a-f]+\.us-east-1\.rds\.amazonaws\.com$/);
      assert.match(c.ReaderEndpoint ?? '', /^ledger\.cluster-ro-c[0-9a-f]+\.us-east-1\.rds\.amazonaws\.com$/);
      assert.match(c.DBClusterArn ?? '', /^arn:aws:rds:us-east-1:123456789012:cluster:ledger$/);
      assert.deepEqual(c.AvailabilityZones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
      assert.deepEqual(writers(c), { 'ledger-instance-1': true, 'ledger-instance-2': false, 'ledger-instance-3': false });
      assert.ok(c.DBClusterMembers?.every((m) => m.PromotionTier === 1));

      const all = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
      assert.deepEqual(
        all.map((x) => x.DBClusterIdentifier),
        ['ledger'],
      );

      const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
      assert.deepEqual(
        instances.map((d) => [d.DBInstanceIdentifier, d.DBClusterIdentifier, d.DBInstanceStatus, d.AvailabilityZone]),
        [
          ['ledger-instance-1', 'ledger', 'available', 'us-east-1a'],
          ['ledger-instance-2', 'ledger', 'available', 'us-east-1b'],
          ['ledger-instance-3', 'ledger', 'available', 'us-east-1c'],
        ],
      );
      const one = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ledger-instance-2' }))).DBInstances?.[0];
      assert.equal(one?.DBClusterIdentifier, 'ledger');

      // The writer endpoint is a DNS name answered with the writer's node; the reader endpoint with the readers'.
      const outputs = region.outputs();
      const dns = outputs['dns.server'] ?? '';
      const url = outputs['rds.ledger.url'] ?? '';
      assert.match(url, /^postgres:\/\/postgres@ledger\.cluster-c[0-9a-f]{12}\.us-east-1\.rds\.amazonaws\.com:5432\/postgres$/);
      const described = await cluster(rds, 'ledger');
      assert.deepEqual(await resolveThrough(dns, described.Endpoint ?? ''), [{ address: outputs['rds.ledger.address'], ttl: 5 }]);
      // The reader endpoint answers one reader per answer, the next one each time, so successive connections reach
      // both readers ("The reader endpoint connects to either of the two reader DB instances",
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html).
      const memberAddress = async (id: string): Promise<string | undefined> =>
        (await resolveThrough(dns, instances.find((d) => d.DBInstanceIdentifier === id)?.Endpoint?.Address ?? ''))[0]?.address;
      const readerAddresses = [await memberAddress('ledger-instance-2'), await memberAddress('ledger-instance-3')];
      assert.ok(readerAddresses.every((r) => r !== undefined && r !== outputs['rds.ledger.address']));
      const readerAnswers = async (n: number): Promise<string[]> => {
        const out: string[] = [];
        for (let i = 0; i < n; i++) {
          const answer = await resolveThrough(dns, described.ReaderEndpoint ?? '');
          assert.equal(answer.length, 1, `one reader per answer: ${JSON.stringify(answer)}`);
          assert.equal(answer[0]?.ttl, 5);
          out.push(answer[0]?.address ?? '');
        }
        return out;
      };
      const rotation = await readerAnswers(4);
      assert.deepEqual(new Set(rotation), new Set(readerAddresses));
      assert.ok(
        rotation.every((r, i) => i === 0 || r !== rotation[i - 1]),
        `successive answers differ: ${rotation.join(', ')}`,
      );
      // A reader whose zone has lost connectivity is passed over until the zone is back.
      const impair = `${region.endpoint}/_sim/zones/us-east-1c/impair`;
      assert.equal((await fetch(impair, { method: 'POST', body: JSON.stringify({ power: false, connectivity: true, capacity: false }) })).status, 200);
      assert.deepEqual(await readerAnswers(3), [readerAddresses[0], readerAddresses[0], readerAddresses[0]]);
      assert.equal((await fetch(impair, { method: 'DELETE' })).status, 200);
      assert.deepEqual(new Set(await readerAnswers(2)), new Set(readerAddresses));
      const client = new pg.Client(await pgUrlThrough(dns, url));
      await client.connect();
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      await client.end();
    });
  });

  it('answers with AWS’s errors: unknown cluster (404), unknown or writer target, a cluster without readers', async () => {
    await withRegion([{ id: 'ledger' }, { id: 'solo', members: 1 }], SPEED, async (_region, rds) => {
      await assert.rejects(
        rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })),
        (e: { name: string; $metadata: { httpStatusCode: number } }) => e.name === 'DBClusterNotFoundFault' && e.$metadata.httpStatusCode === 404,
      );
      await assert.rejects(
        rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'nope' })),
        (e: { name: string; $metadata: { httpStatusCode: number } }) => e.name === 'DBClusterNotFoundFault' && e.$metadata.httpStatusCode === 404,
      );
      await assert.rejects(
        rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger', TargetDBInstanceIdentifier: 'other-instance-9' })),
        (e: { name: string }) => e.name === 'InvalidDBInstanceStateFault' || e.name === 'InvalidDBInstanceState',
      );
      await assert.rejects(
        rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger', TargetDBInstanceIdentifier: 'ledger-instance-1' })),
        (e: { name: string }) => e.name === 'InvalidDBInstanceStateFault' || e.name === 'InvalidDBInstanceState',
      );
      await assert.rejects(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'solo' })), fault('InvalidDBClusterStateFault'));
      // Nothing changed.
      const c = await cluster(rds, 'ledger');
      assert.equal(c.Status, 'available');
      assert.equal(writers(c)['ledger-instance-1'], true);
      assert.equal((await cluster(rds, 'solo')).Status, 'available');
    });
  });

  it('fails over: failing-over while the writer endpoint refuses, then the target is the writer and every acknowledged write is there', async () => {
    await withRegion([{ id: 'ledger' }], SPEED, async (region, rds) => {
      const outputs = region.outputs();
      const dns = outputs['dns.server'] ?? '';
      const url = await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? '');
      const client = new pg.Client(url);
      client.on('error', () => undefined);
      await client.connect();
      await client.query('CREATE TABLE t (n int)');
      for (let n = 1; n <= 20; n++) await client.query('INSERT INTO t VALUES ($1)', [n]);

      const reply = await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger', TargetDBInstanceIdentifier: 'ledger-instance-3' }));
      assert.equal(reply.DBCluster?.Status, 'failing-over');
      assert.equal(reply.DBCluster?.DBClusterMembers?.length, 3);
      await assert.rejects(client.query('SELECT 1'));
      const refused = new pg.Client(url);
      refused.on('error', () => undefined);
      await assert.rejects(refused.connect());
      await assert.rejects(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger' })), fault('InvalidDBClusterStateFault'));

      const after = await availableCluster(rds, 'ledger', 'the cluster available again');
      assert.deepEqual(writers(after), { 'ledger-instance-1': false, 'ledger-instance-2': false, 'ledger-instance-3': true });

      // The writer endpoint's name follows the writer: it answers ledger-instance-3's node now.
      const moved = await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? '');
      assert.notEqual(moved, url);
      const fresh = new pg.Client(moved);
      await fresh.connect();
      assert.equal((await fresh.query('SELECT count(*)::int AS n FROM t')).rows[0].n, 20);
      await fresh.end();

      const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'ledger' }));
      assert.deepEqual(
        events.Events?.map((e) => [e.SourceType, e.Message]),
        [
          ['db-cluster', 'Started cross AZ failover to DB instance: ledger-instance-3'],
          ['db-cluster', 'Completed failover to DB instance: ledger-instance-3'],
        ],
      );
      // Ground truth: the writer endpoint refused for the failover time, about 35 s of AWS time.
      const truth = await truthOf(region, 'rds/ledger');
      const down = truth.find((e) => e.to === 'refusing');
      const up = truth.find((e) => e.to === 'serving');
      assert.ok(down !== undefined && up !== undefined);
      const awsSeconds = ((up.epochMs - down.epochMs) * SPEED) / 1000;
      // AWS: "typically under 35 seconds"; the region draws 25–35 s (docs/fidelity.md, dbClusterFailover).
      assert.ok(awsSeconds >= 25 && awsSeconds < 90, `failover took ${awsSeconds}s of AWS time`);

      // Without a target, the next reader is promoted.
      await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger' }));
      const again = await availableCluster(rds, 'ledger', 'the second failover');
      assert.deepEqual(writers(again), { 'ledger-instance-1': true, 'ledger-instance-2': false, 'ledger-instance-3': false });
    });
  });
});

describe('RebootDBCluster on the simulated region', () => {
  it('reboots in place: rebooting while the writer endpoint refuses, then available with the same writer and name', async () => {
    await withRegion([{ id: 'ledger' }], SPEED, async (region, rds) => {
      const outputs = region.outputs();
      const dns = outputs['dns.server'] ?? '';
      const url = await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? '');
      const reply = await rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'ledger' }));
      assert.equal(reply.DBCluster?.Status, 'rebooting');
      const refused = new pg.Client(url);
      refused.on('error', () => undefined);
      await assert.rejects(refused.connect());
      await assert.rejects(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'ledger' })), fault('InvalidDBClusterStateFault'));
      const after = await availableCluster(rds, 'ledger', 'the cluster available again');
      assert.equal(writers(after)['ledger-instance-1'], true);
      assert.equal(await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? ''), url, 'the writer endpoint still answers the same node');
      const fresh = new pg.Client(url);
      await fresh.connect();
      await fresh.end();
      const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'ledger' }));
      assert.deepEqual(
        events.Events?.map((e) => e.Message),
        ['DB cluster reboot started', 'DB cluster reboot completed'],
      );
      await assert.rejects(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'nope' })), (e: { name: string }) => e.name === 'DBClusterNotFoundFault');
    });
  });
});

// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-rebooting.html
describe('RebootDBInstance on the members of a Multi-AZ DB cluster, stop and start, and filters', () => {
  let region: SimRegion;
  let rds: RDSClient;
  before(async () => {
    region = await SimRegion.start({
      topology: parseTopology({ launchTemplates: [{ name: 'lt' }], dbClusters: [{ id: 'ledger' }, { id: 'solo', members: 1 }] }),
      speed: SPEED,
    });
    rds = new RDSClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    await region.world.ready(30_000);
  });
  after(async () => {
    rds.destroy();
    await region.stop();
  });

  it('restarts a reader or the writer in place with no failover, refuses ForceFailover, and refuses stopping a member or the cluster', async () => {
    const member = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    const availableMember = (id: string) =>
      waitFor(`${id} available again`, async () => ((await member(id))?.DBInstanceStatus === 'available' ? true : undefined), { timeoutMs: 20_000 });
    const outputs = region.outputs();
    const dns = outputs['dns.server'] ?? '';
    const url = await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? '');

    await assert.rejects(
      rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-2', ForceFailover: true })),
      fault('InvalidParameterCombination'),
    );
    // A reader restarts; the writer endpoint keeps serving and the cluster stays available.
    const reader = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-2' }));
    assert.equal(reader.DBInstance?.DBInstanceStatus, 'rebooting');
    assert.equal(reader.DBInstance?.DBClusterIdentifier, 'ledger');
    assert.equal((await cluster(rds, 'ledger')).Status, 'available');
    await assert.rejects(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-2' })), fault('InvalidDBInstanceStateFault'));
    const serving = new pg.Client(url);
    await serving.connect();
    await serving.end();
    await availableMember('ledger-instance-2');

    // The writer restarts: the writer endpoint refuses meanwhile, and afterwards the same member is the writer.
    const writer = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-1' }));
    assert.equal(writer.DBInstance?.DBInstanceStatus, 'rebooting');
    const refused = new pg.Client(url);
    refused.on('error', () => undefined);
    await assert.rejects(refused.connect());
    await assert.rejects(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger' })), fault('InvalidDBInstanceStateFault'));
    await availableMember('ledger-instance-1');
    assert.deepEqual(writers(await cluster(rds, 'ledger')), { 'ledger-instance-1': true, 'ledger-instance-2': false, 'ledger-instance-3': false });
    assert.equal(await pgUrlThrough(dns, outputs['rds.ledger.url'] ?? ''), url, 'the writer endpoint answers the same node');
    const fresh = new pg.Client(url);
    await fresh.connect();
    await fresh.end();

    const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance' }));
    assert.deepEqual(
      events.Events?.map((e) => [e.SourceIdentifier, e.Message, e.EventCategories?.join()]),
      [
        ['ledger-instance-2', 'DB instance shutdown.', 'availability'],
        ['ledger-instance-2', 'DB instance restarted.', 'availability'],
        ['ledger-instance-1', 'DB instance shutdown.', 'availability'],
        ['ledger-instance-1', 'DB instance restarted.', 'availability'],
      ],
    );
    assert.deepEqual((await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'ledger' }))).Events, []);

    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.Limitations.html: no stop and start.
    await assert.rejects(rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-3' })), fault('InvalidParameterCombination'));
    await assert.rejects(rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'ledger-instance-3' })), fault('InvalidParameterCombination'));
    await assert.rejects(rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'ledger' })), fault('InvalidParameterCombination'));
    await assert.rejects(rds.send(new StartDBClusterCommand({ DBClusterIdentifier: 'ledger' })), fault('InvalidParameterCombination'));
    await assert.rejects(rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'nope' })), fault('DBClusterNotFoundFault'));
    assert.equal((await member('ledger-instance-3'))?.DBInstanceStatus, 'available');
  });

  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html
  it('filters DescribeDBClusters and its members in DescribeDBInstances, and refuses an unknown filter or MaxRecords outside 20–100', async () => {
    const ids = async (input: DescribeDBClustersCommandInput) =>
      ((await rds.send(new DescribeDBClustersCommand(input))).DBClusters ?? []).map((c) => c.DBClusterIdentifier);
    const ledger = await cluster(rds, 'ledger');
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-cluster-id', Values: ['solo'] }] }), ['solo']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-cluster-id', Values: [ledger.DBClusterArn ?? ''] }] }), ['ledger']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-cluster-resource-id', Values: [ledger.DbClusterResourceId ?? ''] }] }), ['ledger']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'engine', Values: ['postgres'] }] }), ['ledger', 'solo']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'engine', Values: ['aurora-postgresql'] }] }), []);
    assert.deepEqual(await ids({ DBClusterIdentifier: 'LEDGER' }), ['ledger'], 'the identifier is not case-sensitive');
    await assert.rejects(
      rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'status', Values: ['available'] }] })),
      fault('InvalidParameterValue', 400, /^Unrecognized filter name: status$/),
    );
    await assert.rejects(rds.send(new DescribeDBClustersCommand({ MaxRecords: 101 })), fault('InvalidParameterValue', 400, /Invalid value 101 for MaxRecords/));
    const members = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['ledger'] }] }))).DBInstances ?? [];
    assert.deepEqual(
      members.map((m) => m.DBInstanceIdentifier),
      ['ledger-instance-1', 'ledger-instance-2', 'ledger-instance-3'],
    );
  });
});

describe('aws.rds.failover on a Multi-AZ DB cluster', () => {
  it('fails the cluster over through FailoverDBCluster, journals the calls, and verifies the writer moved zones', async () => {
    await withRegion([{ id: 'ledger', availabilityZone: 'b' }], SPEED, async (region, rds) => {
      const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
      try {
        const calls: CallRecord[] = [];
        const ctx: ActionContext = {
          runId: 'rds-cluster',
          signal: AbortSignal.timeout(30_000),
          clock: systemClock,
          logger: silentLogger,
          aws,
          speed: 1,
          targets: [],
          recordCall: (c) => calls.push(c),
        };
        // Target resolution routes `aws:rds:cluster` to DescribeDBClusters.
        const spec: TargetSpec = { type: 'aws:rds:cluster', ids: ['ledger'], selection: { mode: 'ALL' } };
        const inventory = (await rdsFailoverAction.inventory?.(spec, ctx)) ?? [];
        assert.deepEqual(
          inventory.map((r: Resource) => [r.type, r.id]),
          [['aws:rds:cluster', 'ledger']],
        );

        const result = await rdsFailoverAction.run({ waitTimeout: 20_000 }, { ...ctx, targets: inventory });
        assert.deepEqual(result.output.moved, { ledger: 'ledger-instance-1 (us-east-1b) -> ledger-instance-2 (us-east-1c)' });
        assert.deepEqual(result.output.dbClusters, ['ledger']);
        const mutating = calls.filter((c) => c.mutating);
        assert.deepEqual(
          mutating.map((c) => [c.service, c.operation]),
          [['rds', 'FailoverDBCluster']],
        );
        assert.ok(calls.some((c) => c.operation === 'DescribeDBClusters' && c.response?.status === 'failing-over'));
        assert.equal(writers(await cluster(rds, 'ledger'))['ledger-instance-2'], true);

        // A member instance as the target fails over its cluster.
        const member: Resource = { type: 'aws:rds:db', id: 'ledger-instance-3', tags: {}, attributes: {} };
        const second = await rdsFailoverAction.run({ waitTimeout: 20_000 }, { ...ctx, targets: [member] });
        assert.deepEqual(second.output.moved, { ledger: 'ledger-instance-2 (us-east-1c) -> ledger-instance-3 (us-east-1a)' });
        assert.equal((await truthOf(region, 'rds/ledger')).filter((e) => e.to === 'refusing').length, 2);
      } finally {
        await aws.destroy();
      }
    });
  });
});
