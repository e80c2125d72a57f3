import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';

/**
 * A database in us-east-1 with a cross-Region read replica in eu-central-1, and a failover CNAME pair naming their
 * endpoints through `${sim:…}`.
 */
const TOPOLOGY = {
  region: 'us-east-1',
  launchTemplates: [{ name: 'lt' }],
  databases: [{ id: 'orders', multiAZ: true }],
  regions: [
    {
      region: 'eu-central-1',
      launchTemplates: [{ name: 'lt-eu' }],
      databases: [{ id: 'orders-eu', multiAZ: false, replicaOf: 'arn:aws:rds:us-east-1:123456789012:db:orders' }],
    },
  ],
  hostedZones: [
    {
      name: 'example.com',
      records: [
        { name: 'db', type: 'CNAME', ttl: 5, values: ['${sim:rds.orders.endpoint}'], failover: 'PRIMARY', setIdentifier: 'use1' },
        { name: 'db', type: 'CNAME', ttl: 5, values: ['${sim:rds.orders-eu.endpoint}'], failover: 'SECONDARY', setIdentifier: 'euc1' },
      ],
    },
  ],
};

describe('a record whose values name the region’s outputs', () => {
  let region: SimRegion;
  before(async () => {
    region = await SimRegion.start({ topology: parseTopology(TOPOLOGY), speed: 60 });
  });
  after(async () => region?.stop());

  it('answers a CNAME to an RDS endpoint of another Region, and the server follows it to the address as a resolver does', async () => {
    const out = region.outputs();
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([out['dns.server'] ?? '']);
    assert.deepEqual(await resolver.resolveCname('db.example.com'), [out['rds.orders.endpoint']]);
    assert.deepEqual(await resolver.resolve4('db.example.com'), [out['rds.orders.address']]);
    assert.match(out['rds.orders-eu.endpoint'] ?? '', /\.eu-central-1\.rds\.amazonaws\.com$/);
  });

  it('serves the replica in its own Region, naming its source in the other by ARN, and the source listing it', async () => {
    const rds = (region: string) => new RDSClient({ endpoint: regionEndpoint(), region, credentials: { accessKeyId: 'A', secretAccessKey: 'b' } });
    const regionEndpoint = (): string => region.endpoint;
    const [eu, us] = [rds('eu-central-1'), rds('us-east-1')];
    try {
      const replica = (await eu.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-eu' }))).DBInstances?.[0];
      assert.equal(replica?.ReadReplicaSourceDBInstanceIdentifier, 'arn:aws:rds:us-east-1:123456789012:db:orders');
      assert.match(replica?.AvailabilityZone ?? '', /^eu-central-1[abc]$/);
      const source = (await us.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' }))).DBInstances?.[0];
      assert.deepEqual(source?.ReadReplicaDBInstanceIdentifiers, ['arn:aws:rds:eu-central-1:123456789012:db:orders-eu']);
    } finally {
      eu.destroy();
      us.destroy();
    }
  });

  it('refuses a value naming an output the world does not offer, in one sentence', () => {
    const bad = structuredClone(TOPOLOGY);
    (bad.hostedZones[0]?.records[0] as { values: string[] }).values = ['${sim:rds.order.endpoint}'];
    assert.throws(
      () => parseTopology(bad),
      /^Error: topology: record 'db' of hosted zone 'example\.com' refers to '\$\{sim:rds\.order\.endpoint\}', which the region does not offer\.$/,
    );
  });
});
