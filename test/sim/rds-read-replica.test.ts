import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  type DBInstance,
  PromoteReadReplicaCommand,
  RDSClient,
  RebootDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import pg from 'pg';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { writeLedgerProbe } from '../../src/probes/sql/write-ledger.js';
import { parseTopology } from '../../src/sim/topology.js';
import { CREDENTIALS, pgUrlThrough, resolveThrough, type Sim, sdkError, startSim, truth, waitFor } from '../support/sim.js';

/**
 * RDS for PostgreSQL read replicas: asynchronous replication with a lag drawn per unit of work (the ReplicaLag metric:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html), creation
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html), and promotion, which reboots the
 * replica before it serves read-write (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html)
 * and loses what it had not applied, while a Multi-AZ failover loses nothing
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html).
 */
const SPEED = 60;
/** replicaLag's figure here; the draw spans 0.25×–5× of it (timing-table.ts), so at least 7.5 s of AWS time. */
const MIN_LAG_WALL_MS = 7_500 / SPEED;

describe('RDS read replicas through the SDK and the PostgreSQL protocol', () => {
  let sim: Sim;
  let rds: RDSClient;
  const clients: pg.Client[] = [];
  const describeOne = async (id: string): Promise<DBInstance> => {
    const d = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    assert.ok(d, `${id} is described`);
    return d;
  };
  /** A client of a DB instance through the region's DNS, as an application would connect. */
  const connect = async (id: string): Promise<pg.Client> => {
    const d = await describeOne(id);
    const dns = sim.outputs['dns.server'] ?? '';
    const client = new pg.Client(await pgUrlThrough(dns, `postgres://postgres@${d.Endpoint?.Address}:${d.Endpoint?.Port}/postgres`));
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  const rows = async (c: pg.Client, table: string): Promise<number[]> =>
    (await c.query(`SELECT n FROM ${table} ORDER BY n`)).rows.map((r: { n: number }) => r.n);
  const untilStatus = (id: string, status: string, seen: Set<string>) =>
    waitFor(
      `${id} ${status}`,
      async () => {
        const d = await describeOne(id);
        seen.add(d.DBInstanceStatus ?? '');
        return d.DBInstanceStatus === status ? d : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );

  before(async () => {
    sim = await startSim({
      speed: SPEED,
      readyTimeoutMs: 30_000,
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        databases: [
          { id: 'orders-db', multiAZ: false, availabilityZone: 'a' },
          { id: 'orders-replica', multiAZ: false, availabilityZone: 'b', replicaOf: 'orders-db' },
          { id: 'ledger-db', multiAZ: true, availabilityZone: 'b' },
          { id: 'shop-db', multiAZ: false, availabilityZone: 'a' },
          { id: 'shop-replica', multiAZ: false, availabilityZone: 'c', replicaOf: 'shop-db' },
        ],
        // The application's name for its database, which an operator repoints at the promoted replica.
        hostedZones: [{ name: 'shop.test', records: [{ name: 'db', values: ['192.0.2.1'], ttl: 1 }] }],
        timings: { replicaLag: '30s', dbReplicaCreate: '2m', dbPromote: '1m' },
      }),
    });
    rds = new RDSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    rds.destroy();
    await sim.close();
  });

  it('describes a topology replica and its source as RDS shapes them', async () => {
    const replica = await describeOne('orders-replica');
    assert.equal(replica.ReadReplicaSourceDBInstanceIdentifier, 'orders-db');
    assert.deepEqual(replica.StatusInfos, [{ StatusType: 'read replication', Normal: true, Status: 'replicating' }]);
    assert.deepEqual((await describeOne('orders-db')).ReadReplicaDBInstanceIdentifiers, ['orders-replica']);
    assert.equal((await describeOne('ledger-db')).StatusInfos, undefined);
  });

  it('replays a write on the replica after the lag and not before, and refuses writes on the replica with 25006', async () => {
    const source = await connect('orders-db');
    const replica = await connect('orders-replica');
    await source.query('CREATE TABLE seen (n int)');
    await waitFor('the table on the replica', async () => (await replica.query("SELECT to_regclass('seen') AS t")).rows[0].t ?? undefined, {
      timeoutMs: 10_000,
    });
    await source.query('INSERT INTO seen VALUES ($1)', [1]);
    const acknowledged = Date.now();
    assert.deepEqual(await rows(replica, 'seen'), [], 'not on the replica at once');
    await waitFor('the write on the replica', async () => ((await rows(replica, 'seen')).length === 1 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    assert.ok(Date.now() - acknowledged >= MIN_LAG_WALL_MS, 'the replica saw the write no sooner than the lag');
    const refused = await replica.query('INSERT INTO seen VALUES (2)').catch((e: { code?: string }) => e);
    assert.equal((refused as { code?: string }).code, '25006');
  });

  it('creates a replica through the API from the source as it is, and refuses what RDS refuses', async () => {
    // The source named by its ARN, as a replica in another Region would name it.
    const sourceArn = (await describeOne('orders-db')).DBInstanceArn;
    const created = await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'orders-api-replica',
        SourceDBInstanceIdentifier: sourceArn,
        AvailabilityZone: 'us-east-1c',
      }),
    );
    assert.equal(created.DBInstance?.DBInstanceStatus, 'creating');
    assert.equal(created.DBInstance?.ReadReplicaSourceDBInstanceIdentifier, 'orders-db');
    assert.deepEqual((await describeOne('orders-db')).ReadReplicaDBInstanceIdentifiers?.sort(), ['orders-api-replica', 'orders-replica']);
    const exists = await sdkError(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'orders-replica', SourceDBInstanceIdentifier: 'orders-db' })),
    );
    assert.equal(exists.name, 'DBInstanceAlreadyExistsFault');
    const unknown = await sdkError(rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'x-replica', SourceDBInstanceIdentifier: 'nope' })));
    assert.equal(unknown.name, 'DBInstanceNotFoundFault');
    const notReplica = await sdkError(rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'orders-db' })));
    assert.equal(notReplica.name, 'InvalidDBInstanceStateFault');
    assert.equal((await describeOne('orders-db')).DBInstanceStatus, 'available');
    const available = await untilStatus('orders-api-replica', 'available', new Set());
    assert.equal(available.AvailabilityZone, 'us-east-1c');
    // It started from a copy of the source: the table and row written before it was asked for are there.
    const copy = await connect('orders-api-replica');
    assert.deepEqual(await rows(copy, 'seen'), [1]);
  });

  it('promotes after the source is lost: exactly the acknowledged writes not yet applied are gone, then it serves writes', async () => {
    const source = await connect('orders-db');
    const replica = await connect('orders-replica');
    await source.query('CREATE TABLE ledger (n int PRIMARY KEY)');
    await waitFor('the table on the replica', async () => (await replica.query("SELECT to_regclass('ledger') AS t")).rows[0].t ?? undefined, {
      timeoutMs: 10_000,
    });
    const written: number[] = [];
    for (let n = 1; n <= 30; n++) {
      await source.query('INSERT INTO ledger VALUES ($1)', [n]);
      written.push(n);
    }
    // The source's zone goes dark with the last writes acknowledged but still on their way to the replica.
    const impaired = await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'POST', body: '{}' });
    assert.equal(impaired.status, 200);
    try {
      const stalled = await describeOne('orders-replica');
      assert.equal(stalled.StatusInfos?.[0]?.Status, 'error');
      assert.equal(stalled.StatusInfos?.[0]?.Normal, false);
      const seen = new Set<string>();
      const promoted = await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'orders-replica' }));
      assert.equal(promoted.DBInstance?.DBInstanceStatus, 'modifying');
      await untilStatus('orders-replica', 'available', seen);
      assert.ok(seen.has('rebooting'), `promotion reboots the replica (statuses seen: ${[...seen].join(', ')})`);
      const after = await describeOne('orders-replica');
      assert.equal(after.ReadReplicaSourceDBInstanceIdentifier, undefined);
      assert.equal(after.StatusInfos, undefined);
      assert.deepEqual((await describeOne('orders-db')).ReadReplicaDBInstanceIdentifiers, ['orders-api-replica']);

      const primary = await connect('orders-replica');
      const kept = await rows(primary, 'ledger');
      const lost = written.filter((n) => !kept.includes(n));
      assert.deepEqual(kept, written.slice(0, kept.length), 'what survived is the oldest writes, in commit order');
      assert.ok(lost.length > 0, 'asynchronous replication lost the writes acknowledged within the lag');
      const promotion = (await truth(sim.endpoint)).find((e) => e.kind === 'replication' && e.resource === 'rds/orders-replica');
      assert.equal(promotion?.detail?.lostUnits, lost.length, 'exactly the units not applied at promotion are missing');
      await primary.query('INSERT INTO ledger VALUES (1000)');
      assert.ok((await rows(primary, 'ledger')).includes(1000));
    } finally {
      await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'DELETE' });
    }
  });

  it('a Multi-AZ failover, synchronous, loses no acknowledged write', async () => {
    const client = await connect('ledger-db');
    await client.query('CREATE TABLE kept (n int)');
    for (let n = 1; n <= 20; n++) await client.query('INSERT INTO kept VALUES ($1)', [n]);
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ledger-db', ForceFailover: true }));
    await untilStatus('ledger-db', 'available', new Set());
    const after = await connect('ledger-db');
    assert.deepEqual(
      await rows(after, 'kept'),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('sql.write-ledger with readBack last-acknowledged counts exactly the writes the old primary acknowledged that the promoted replica never got', async () => {
    const dns = sim.outputs['dns.server'] ?? '';
    const addressOf = async (id: string): Promise<string> => {
      const [first] = await resolveThrough(dns, (await describeOne(id)).Endpoint?.Address ?? '');
      assert.ok(first, `${id} resolves`);
      return first.address;
    };
    const r53 = new Route53Client({ region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    const pointAt = async (address: string): Promise<void> => {
      await r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: sim.outputs['route53.zone.shop.test.id'],
          ChangeBatch: {
            Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.shop.test.', Type: 'A', TTL: 1, ResourceRecords: [{ Value: address }] } }],
          },
        }),
      );
    };
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS });
    const ctx = {
      runId: 'ledger-promotion',
      signal: AbortSignal.timeout(60_000),
      clock: systemClock,
      logger: silentLogger,
      aws,
      speed: SPEED,
      recordCall: () => undefined,
    };
    const source = await addressOf('shop-db');
    const replicaAddress = await addressOf('shop-replica');
    await pointAt(source);
    const ledger = writeLedgerProbe.open(
      writeLedgerProbe.args.parse({ url: 'postgres://postgres@db.shop.test:5432/postgres', resolver: dns, readBack: 'last-acknowledged', timeout: '5s' }),
      ctx,
      {},
    );
    try {
      const ackedBy = async (address: string, count: number): Promise<void> => {
        for (let acked = 0; acked < count; ) {
          const o = await ledger.sample(ctx.signal);
          if (o.value === 'acknowledged' && o.endpoint === address) acked++;
        }
      };
      await ackedBy(source, 15);
      // Once the replica holds a row of the ledger, it holds the ledger's table too: what is lost from here is rows.
      const replica = await connect('shop-replica');
      await waitFor(
        'a ledger row on the replica',
        async () => {
          const rows = await replica.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'gameday_write_ledger'");
          if (rows.rows[0].n === 0) return undefined;
          return (await replica.query('SELECT count(*)::int AS n FROM gameday_write_ledger')).rows[0].n > 0 || undefined;
        },
        { timeoutMs: 10_000 },
      );
      await ackedBy(source, 5);
      await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'POST', body: '{}' });
      await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'shop-replica' }));
      await untilStatus('shop-replica', 'available', new Set());
      await pointAt(replicaAddress);
      await ackedBy(replicaAddress, 5);
      // The old primary recovers and the name swings back to it: reading back from the URL would find the wrong copy.
      await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'DELETE' });
      await pointAt(source);
      const report = await ledger.finish?.(ctx.signal);
      const promotion = (await truth(sim.endpoint)).find((e) => e.kind === 'replication' && e.resource === 'rds/shop-replica');
      const lostUnits = Number(promotion?.detail?.lostUnits);
      assert.ok(lostUnits > 0, 'writes were in flight when the source was lost');
      assert.equal(report?.data?.readBackFrom, `${replicaAddress}:5432`);
      assert.equal(report?.lostWrites?.count, lostUnits);
      assert.equal(report?.lostWrites?.acknowledged, 25);
    } finally {
      await fetch(`${sim.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'DELETE' });
      await ledger.close();
      r53.destroy();
      await aws.destroy();
    }
  });
});
