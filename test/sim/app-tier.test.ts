import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, RDSClient, RebootDBInstanceCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { loadTopology, parseTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { CREDENTIALS, startSim, targetOf, waitFor, type Sim } from '../support/sim.js';

/**
 * Three-tier apps (topology `apps[].database`): instances serving /orders from the region's Multi-AZ database through
 * the load balancer, resolving its endpoint through the region's DNS as their `dns` setting says, with a shallow or
 * deep /health. Everything is checked as a user would: answers through each app's ALB, target health through the API.
 */
const SPEED = 50;

const DATABASE = { id: 'orders-db', pool: 3, retries: 1, timeout: '1s' };
const topology = parseTopology(
  {
    availabilityZones: ['a', 'b'],
    apps: [
      { name: 'ttl-shallow', imageId: 'ami-0c000000000000c01', database: { ...DATABASE, dns: 'ttl' } },
      { name: 'ttl-deep', imageId: 'ami-0c000000000000c02', database: { ...DATABASE, dns: 'ttl' }, healthCheck: 'deep' },
      { name: 'cached', imageId: 'ami-0c000000000000c03', database: { ...DATABASE, dns: 'forever' } },
    ],
    launchTemplates: [
      { name: 'ttl-lt', app: 'ttl-shallow' },
      { name: 'deep-lt', app: 'ttl-deep' },
      { name: 'cached-lt', app: 'cached' },
    ],
    loadBalancers: ['ttl', 'deep', 'cached'].map((n) => ({
      name: `${n}-alb`,
      targetGroup: { name: `${n}-tg`, healthCheck: { path: '/health', interval: '10s', healthyThreshold: 2, unhealthyThreshold: 2 } },
    })),
    // Instances outside any group, so nothing replaces a target its checks mark unhealthy.
    instances: [
      { name: 'ttl-a', launchTemplate: 'ttl-lt', availabilityZone: 'a', targetGroups: ['ttl-tg'] },
      { name: 'deep-a', launchTemplate: 'deep-lt', availabilityZone: 'a', targetGroups: ['deep-tg'] },
      { name: 'cached-b', launchTemplate: 'cached-lt', availabilityZone: 'b', targetGroups: ['cached-tg'] },
    ],
    databases: [{ id: 'orders-db' }],
  },
  'three-tier test topology',
);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('sim: three-tier apps reaching the database through the load balancer', () => {
  let sim: Sim;
  let rds: RDSClient;
  let firstOrder: number;
  const call = async (alb: string, path: string, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${sim.outputs[`alb.${alb}-alb.url`]}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
  };
  const post = (alb: string, item: unknown): Promise<Answer> =>
    call(alb, '/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
  const health = async (tg: string, instance: string): Promise<string | undefined> =>
    (await targetOf(sim.elb, sim.outputs[`tg.${tg}-tg.arn`] ?? '', sim.outputs[`instance.${instance}.id`] ?? ''))?.TargetHealth?.State;
  const status = async (): Promise<string | undefined> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }))).DBInstances?.[0]?.DBInstanceStatus;

  before(async () => {
    sim = await startSim({ topology, speed: SPEED, readyTimeoutMs: 30_000 });
    rds = new RDSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    rds?.destroy();
    await sim?.close();
  });

  it('refuses an app whose database is not declared, in one sentence naming the field', () => {
    const bad = () =>
      parseTopology(
        {
          apps: [{ name: 'orders', imageId: 'ami-0c000000000000c09', database: { id: 'nope-db' } }],
          launchTemplates: [{ name: 'lt', app: 'orders' }],
          databases: [{ id: 'orders-db' }],
        },
        'bad.yaml',
      );
    assert.throws(bad, {
      message: "bad.yaml: apps.0.database.id: app 'orders' uses database 'nope-db', which is not declared in databases or dbClusters.",
    });
    assert.throws(
      () => parseTopology({ apps: [{ name: 'orders', imageId: 'ami-0c000000000000c09', healthCheck: 'deep' }], launchTemplates: [{ name: 'lt' }] }, 'bad.yaml'),
      { message: "bad.yaml: apps.0.healthCheck: app 'orders' has a deep health check, which needs a database." },
    );
  });

  it('reads experiments/topologies/three-tier.yaml: version 1 re-resolves at each TTL, version 2 caches the address forever', async () => {
    const t = await loadTopology(join(ROOT, 'experiments', 'topologies', 'three-tier.yaml'));
    const lt = t.launchTemplates.find((l) => l.name === 'app-lt');
    const appOf = (imageId: string | undefined) => t.apps.find((a) => a.imageId === imageId);
    assert.equal(appOf(lt?.imageId)?.database?.dns, 'ttl');
    assert.equal(appOf(lt?.versions[0]?.imageId)?.database?.dns, 'forever');
    assert.equal(t.databases.find((d) => d.id === 'orders-db')?.multiAZ, true);
  });

  it('stores an order posted through one load balancer and reads it back through another', async () => {
    const created = await post('ttl', { item: 'book', quantity: 2 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(typeof created.body.id, 'number');
    firstOrder = created.body.id as number;
    // The caching app resolves the endpoint now, at its first use, and keeps that address.
    const second = await post('cached', {});
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const read = await call('cached', `/orders/${firstOrder}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.item, { item: 'book', quantity: 2 });
    const list = await call('deep', '/orders');
    assert.equal(list.status, 200);
    assert.equal(list.body.count, 2);
    assert.deepEqual(
      (list.body.latest as { id: number }[]).map((o) => o.id),
      [second.body.id, firstOrder],
    );
    assert.equal((await call('ttl', '/orders/999999')).status, 404);
    assert.equal((await call('ttl', '/orders', { method: 'POST', body: 'not json' })).status, 400);
  });

  it('lets a network degradation reach the app’s database traffic: a lost connection answers 503, a delay beyond the timeout 504', async () => {
    const address = sim.outputs['rds.orders-db.address'];
    const port = Number(sim.outputs['rds.orders-db.port']);
    const seen: string[] = [];
    try {
      sim.region.world.appOutbound = (a, p) => {
        seen.push(`${a}:${p}`);
        return { delayMs: 0, drop: true };
      };
      const lost = await call('ttl', '/orders');
      assert.equal(lost.status, 503);
      assert.match(String(lost.body.error), /connection to the database was lost/);
      // Each attempt consults the hook: the first and its one retry, toward the primary's address. (The hook is the
      // region's, so the deep health checks of the region's other app may consult it meanwhile too.)
      assert.ok(seen.length >= 2, JSON.stringify(seen));
      assert.deepEqual(new Set(seen), new Set([`${address}:${port}`]));
      sim.region.world.appOutbound = () => ({ delayMs: 1_500, drop: false });
      const slow = await call('ttl', '/orders');
      assert.equal(slow.status, 504);
      assert.match(String(slow.body.error), /^database timeout/);
    } finally {
      sim.region.world.appOutbound = undefined;
    }
    assert.equal((await call('ttl', '/orders')).status, 200);
  });

  it('after a Multi-AZ failover, the app honouring the TTL serves again while the one caching the address keeps failing', async () => {
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', ForceFailover: true }));
    // The failover reaches users: the database's refusal comes back through the load balancer as 503.
    const during = await waitFor('a 503 through ttl-alb during the failover', async () => {
      const a = await call('ttl', '/orders');
      return a.status === 503 ? a : undefined;
    });
    assert.match(String(during.body.error), /^database unavailable/);
    await waitFor('orders-db available again', async () => (await status()) === 'available', { timeoutMs: 20_000 });
    const again = await waitFor('ttl-alb serving the order again', async () => {
      const a = await call('ttl', `/orders/${firstOrder}`);
      return a.status === 200 ? a : undefined;
    });
    assert.deepEqual(again.body.item, { item: 'book', quantity: 2 });
    assert.equal((await post('ttl', { item: 'after failover' })).status, 201);
    // The caching app still calls the old primary's address, which no longer serves, on every request and retry.
    for (let n = 0; n < 5; n++) {
      const stale = await call('cached', '/orders');
      assert.equal(stale.status, 503, `request ${n + 1}: ${JSON.stringify(stale.body)}`);
    }
    // Its shallow /health keeps it in service, so the load balancer keeps sending users to it.
    assert.equal(await health('cached', 'cached-b'), 'healthy');
  });

  it('with the database stopped, a deep /health takes its target out of service while a shallow one stays healthy', async () => {
    // The failover took the deep target out of service too; it is back once its checks pass again.
    await waitFor('the deep target healthy', async () => (await health('deep', 'deep-a')) === 'healthy', { timeoutMs: 15_000 });
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'orders-db' }));
    await waitFor('the deep target unhealthy', async () => (await health('deep', 'deep-a')) === 'unhealthy', { timeoutMs: 15_000 });
    // The shallow app had the same checks meanwhile, and stays in service while its users get 503s.
    assert.equal(await health('ttl', 'ttl-a'), 'healthy');
    assert.equal((await call('ttl', '/orders')).status, 503);
    assert.equal((await call('ttl', '/health')).status, 200);
  });
});
