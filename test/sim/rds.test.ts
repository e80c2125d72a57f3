import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeDBInstancesCommand,
  type DescribeDBInstancesCommandInput,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import pg from 'pg';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { pgUrlThrough, resolveThrough, waitFor } from '../support/sim.js';

const SPEED = 60;

/** What an SDK error carries: the exception's name and the HTTP status. */
type SdkError = { name: string; message: string; $metadata: { httpStatusCode?: number } };
const fault =
  (name: string, status = 400, message?: RegExp) =>
  (e: SdkError) =>
    e.name === name && e.$metadata.httpStatusCode === status && (message === undefined || message.test(e.message));

describe('simulated RDS through the SDK and the PostgreSQL protocol', () => {
  let region: SimRegion;
  let rds: RDSClient;
  before(async () => {
    region = await SimRegion.start({
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        databases: [{ id: 'orders-db' }, { id: 'single-db', multiAZ: false, availabilityZone: 'c' }],
      }),
      speed: SPEED,
    });
    rds = new RDSClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: { accessKeyId: 'A', secretAccessKey: 'b' }, maxAttempts: 1 });
    await waitFor(
      'available databases',
      async () => ((await (await fetch(`${region.endpoint}/_sim/health`)).json()) as { ready: boolean }).ready || undefined,
      { timeoutMs: 20_000 },
    );
  });
  after(async () => {
    rds.destroy();
    await region.stop();
  });

  it('describes Multi-AZ and single-AZ instances as RDS does', async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    const byId = new Map((out.DBInstances ?? []).map((d) => [d.DBInstanceIdentifier, d]));
    const multi = byId.get('orders-db');
    assert.equal(multi?.DBInstanceStatus, 'available');
    assert.equal(multi?.MultiAZ, true);
    assert.equal(multi?.AvailabilityZone, 'us-east-1a');
    assert.equal(multi?.SecondaryAvailabilityZone, 'us-east-1b');
    assert.equal(multi?.Engine, 'postgres');
    assert.match(multi?.Endpoint?.Address ?? '', /^orders-db\.c[0-9a-f]+\.us-east-1\.rds\.amazonaws\.com$/);
    assert.equal(byId.get('single-db')?.MultiAZ, false);
    assert.equal(byId.get('single-db')?.SecondaryAvailabilityZone, undefined);
  });

  it('refuses unknown instances and a failover of a single-AZ instance with AWS’s errors, changing nothing', async () => {
    await assert.rejects(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })),
      (e: { name: string; $metadata: { httpStatusCode: number } }) => e.name === 'DBInstanceNotFoundFault' && e.$metadata.httpStatusCode === 404,
    );
    await assert.rejects(
      rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'single-db', ForceFailover: true })),
      (e: { name: string }) => e.name === 'InvalidParameterCombination',
    );
    const single = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'single-db' }));
    assert.equal(single.DBInstances?.[0]?.DBInstanceStatus, 'available');
  });

  it('fails over: rebooting, connections dropped and refused, then the standby serves in the other zone with every acknowledged write', async () => {
    const outputs = region.outputs();
    const dns = outputs['dns.server'] ?? '';
    const name = outputs['rds.orders-db.endpoint'] ?? '';
    // The endpoint is a DNS name the region's DNS answers with the primary's node, TTL 5 s as RDS.
    const before = await resolveThrough(dns, name);
    assert.deepEqual(before, [{ address: outputs['rds.orders-db.address'], ttl: 5 }]);
    const url = await pgUrlThrough(dns, outputs['rds.orders-db.url'] ?? '');
    const client = new pg.Client(url);
    client.on('error', () => undefined);
    await client.connect();
    await client.query('CREATE TABLE t (n int)');
    for (let n = 1; n <= 20; n++) await client.query('INSERT INTO t VALUES ($1)', [n]);
    const reply = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', ForceFailover: true }));
    assert.equal(reply.DBInstance?.DBInstanceStatus, 'rebooting');
    await assert.rejects(client.query('SELECT 1'));
    const refused = new pg.Client(url);
    refused.on('error', () => undefined);
    await assert.rejects(refused.connect());
    await assert.rejects(
      rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'orders-db' })),
      (e: { name: string }) => e.name === 'InvalidDBInstanceStateFault' || e.name === 'InvalidDBInstanceState',
    );
    const after = await waitFor(
      'available again',
      async () => {
        const d = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }))).DBInstances?.[0];
        return d?.DBInstanceStatus === 'available' ? d : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(after.AvailabilityZone, 'us-east-1b');
    assert.equal(after.SecondaryAvailabilityZone, 'us-east-1a');
    // The name now answers the standby's node (in us-east-1b); the old primary's address refuses.
    const flipped = await resolveThrough(dns, name);
    assert.equal(flipped.length, 1);
    assert.notEqual(flipped[0]?.address, before[0]?.address);
    const stale = new pg.Client(url);
    stale.on('error', () => undefined);
    await assert.rejects(stale.connect());
    const fresh = new pg.Client(await pgUrlThrough(dns, outputs['rds.orders-db.url'] ?? ''));
    await fresh.connect();
    assert.equal((await fresh.query('SELECT count(*)::int AS n FROM t')).rows[0].n, 20);
    await fresh.end();
    const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'orders-db' }));
    assert.deepEqual(
      events.Events?.map((e) => e.Message),
      ['Multi-AZ instance failover started.', 'Multi-AZ instance failover completed.'],
    );
    // Ground truth: the endpoint refused for the failover time, "typically 60–120 seconds" on AWS:
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
    const truth = ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events.filter(
      (e) => e.resource === 'rds/orders-db' && e.kind === 'workload',
    );
    const down = truth.find((e) => e.to === 'refusing');
    const up = truth.find((e) => e.to === 'serving');
    assert.ok(down !== undefined && up !== undefined);
    const awsSeconds = ((up.epochMs - down.epochMs) * SPEED) / 1000;
    assert.ok(awsSeconds >= 60 && awsSeconds < 200, `failover took ${awsSeconds}s of AWS time`);
  });
  // Filters, MaxRecords and Marker: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
  it('filters DescribeDBInstances by the documented filter names, refuses an unknown one, and pages with MaxRecords 20–100', async () => {
    const ids = async (input: DescribeDBInstancesCommandInput) =>
      ((await rds.send(new DescribeDBInstancesCommand(input))).DBInstances ?? []).map((d) => d.DBInstanceIdentifier);
    const all = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const single = all.find((d) => d.DBInstanceIdentifier === 'single-db');
    assert.match(single?.DbiResourceId ?? '', /^db-[A-Z0-9]{26}$/);
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-instance-id', Values: ['single-db', 'nope'] }] }), ['single-db']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-instance-id', Values: [single?.DBInstanceArn ?? ''] }] }), ['single-db']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'dbi-resource-id', Values: [single?.DbiResourceId ?? ''] }] }), ['single-db']);
    assert.deepEqual((await ids({ Filters: [{ Name: 'engine', Values: ['postgres'] }] })).sort(), ['orders-db', 'single-db']);
    assert.deepEqual(await ids({ Filters: [{ Name: 'engine', Values: ['mysql'] }] }), []);
    assert.deepEqual(await ids({ Filters: [{ Name: 'db-cluster-id', Values: ['ledger'] }] }), []);
    // Filters narrow an identifier too: orders-db is no MySQL instance.
    assert.deepEqual(await ids({ DBInstanceIdentifier: 'orders-db', Filters: [{ Name: 'engine', Values: ['mysql'] }] }), []);
    await assert.rejects(
      rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-status', Values: ['available'] }] })),
      fault('InvalidParameterValue', 400, /^Unrecognized filter name: db-instance-status$/),
    );
    for (const MaxRecords of [19, 101]) {
      await assert.rejects(
        rds.send(new DescribeDBInstancesCommand({ MaxRecords })),
        fault('InvalidParameterValue', 400, new RegExp(`^Invalid value ${MaxRecords} for MaxRecords. Must be between 20 and 100$`)),
      );
    }
    const page = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }));
    assert.equal(page.DBInstances?.length, 2);
    assert.equal(page.Marker, undefined, 'the last page carries no marker');
  });

  // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html;
  // events: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html
  it('stops a DB instance (stopping → stopped, connections refused) and starts it again (starting → available) with its data', async () => {
    const outputs = region.outputs();
    const dns = outputs['dns.server'] ?? '';
    const url = await pgUrlThrough(dns, outputs['rds.single-db.url'] ?? '');
    const client = new pg.Client(url);
    await client.connect();
    await client.query('CREATE TABLE kept (n int)');
    await client.query('INSERT INTO kept VALUES (7)');
    await client.end();
    await assert.rejects(rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'single-db' })), fault('InvalidDBInstanceStateFault'));
    const stopping = await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'single-db', DBSnapshotIdentifier: 'before-stop' }));
    assert.equal(stopping.DBInstance?.DBInstanceStatus, 'stopping');
    const refused = new pg.Client(url);
    refused.on('error', () => undefined);
    await assert.rejects(refused.connect());
    await assert.rejects(rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'single-db' })), fault('InvalidDBInstanceStateFault'));
    const status = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'single-db' }))).DBInstances?.[0]?.DBInstanceStatus;
    await waitFor('single-db stopped', async () => (await status()) === 'stopped', { timeoutMs: 20_000 });
    const stillRefused = new pg.Client(url);
    stillRefused.on('error', () => undefined);
    await assert.rejects(stillRefused.connect(), 'a stopped instance refuses connections');
    await assert.rejects(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'single-db' })), fault('InvalidDBInstanceStateFault'));

    const starting = await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'single-db' }));
    assert.equal(starting.DBInstance?.DBInstanceStatus, 'starting');
    await waitFor('single-db available', async () => (await status()) === 'available', { timeoutMs: 30_000 });
    const back = new pg.Client(await pgUrlThrough(dns, outputs['rds.single-db.url'] ?? ''));
    await back.connect();
    assert.equal((await back.query('SELECT n FROM kept')).rows[0].n, 7);
    await back.end();

    const notifications = await rds.send(
      new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'single-db', EventCategories: ['notification'] }),
    );
    assert.deepEqual(
      notifications.Events?.map((e) => [e.Message, e.EventCategories, e.SourceArn]),
      [
        ['DB instance stopped.', ['notification'], 'arn:aws:rds:us-east-1:123456789012:db:single-db'],
        ['DB instance started.', ['notification'], 'arn:aws:rds:us-east-1:123456789012:db:single-db'],
      ],
    );
    // Ground truth: the endpoint refused from StopDBInstance until the start completed, for at least the shortest
    // stop (1 min) plus the shortest start (3 min) of AWS time (docs/fidelity.md: dbStop, dbStart).
    const truth = ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events.filter(
      (e) => e.resource === 'rds/single-db' && e.kind === 'workload',
    );
    const down = truth.find((e) => e.to === 'refusing');
    const up = truth.find((e) => e.to === 'serving');
    assert.ok(down !== undefined && up !== undefined);
    assert.ok(((up.epochMs - down.epochMs) * SPEED) / 1000 >= 4 * 60, 'stopped for at least the shortest stop and start');
  });

  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html
  it('reads DescribeEvents by SourceType, EventCategories, time window and pages, and refuses what AWS refuses', async () => {
    const all = (await rds.send(new DescribeEventsCommand({}))).Events ?? [];
    assert.ok(all.length >= 4, 'the failover and the stop and start left events');
    assert.deepEqual((await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster' }))).Events, []);
    const failovers = (await rds.send(new DescribeEventsCommand({ EventCategories: ['failover'] }))).Events ?? [];
    assert.ok(failovers.length >= 2 && failovers.every((e) => e.SourceIdentifier === 'orders-db' && e.EventCategories?.includes('failover')));
    // A window that ended before the region started holds nothing; one around now holds every event.
    assert.deepEqual((await rds.send(new DescribeEventsCommand({ EndTime: new Date(Date.now() - 3_600_000) }))).Events, []);
    assert.equal((await rds.send(new DescribeEventsCommand({ StartTime: new Date(Date.now() - 600_000), EndTime: new Date() }))).Events?.length, all.length);
    assert.equal((await rds.send(new DescribeEventsCommand({ Duration: 10 }))).Events?.length, all.length);
    await assert.rejects(rds.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-db' })), fault('InvalidParameterCombination'));
    await assert.rejects(rds.send(new DescribeEventsCommand({ MaxRecords: 10 })), fault('InvalidParameterValue', 400, /MaxRecords/));
    assert.equal((await rds.send(new DescribeEventsCommand({ MaxRecords: 20 }))).Marker, undefined);
  });
});
