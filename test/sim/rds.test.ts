import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, DescribeEventsCommand, RDSClient, RebootDBInstanceCommand } from '@aws-sdk/client-rds';
import pg from 'pg';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { pgUrlThrough, resolveThrough, waitFor } from '../support/sim.js';

const SPEED = 60;

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
    const events = await rds.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-db' }));
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
});
