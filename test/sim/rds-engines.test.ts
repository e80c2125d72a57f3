import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, FailoverDBClusterCommand, RDSClient, RebootDBInstanceCommand } from '@aws-sdk/client-rds';
import pg from 'pg';
import type { DatabaseEngineView } from '../../src/sim/build/databases.js';
import { parseTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { CREDENTIALS, pgUrlThrough, resolveThrough, startSim, waitFor, type Sim } from '../support/sim.js';

// Reader DB instances of a Multi-AZ DB cluster "support only read operations":
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html

const DATABASES = ['db-1', 'db-2', 'db-3', 'db-4', 'db-5', 'db-6'];
const CLUSTERS = ['ledger', 'c-2', 'c-3', 'c-4'];

async function engines(sim: Sim): Promise<Record<string, DatabaseEngineView['engine']>> {
  const body = (await (await fetch(`${sim.endpoint}/_sim/databases`)).json()) as { databases: DatabaseEngineView[] };
  return Object.fromEntries(body.databases.map((d) => [d.id, d.engine]));
}

/** A connected client of `url` (a DNS name, resolved through the region's DNS as an application would). */
async function client(sim: Sim, url: string): Promise<pg.Client> {
  const c = new pg.Client(await pgUrlThrough(sim.outputs['dns.server'] ?? '', url));
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** What PostgreSQL answers a statement with when it fails: SQLSTATE and message. */
async function failure(c: pg.Client, sql: string): Promise<{ code: string | undefined; message: string }> {
  try {
    await c.query(sql);
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error(`${sql} succeeded`);
}

describe('simulated RDS: engines start on a first client, and cluster readers only read', () => {
  let sim: Sim;
  let rds: RDSClient;
  before(async () => {
    sim = await startSim({
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        databases: DATABASES.map((id) => ({ id })),
        dbClusters: CLUSTERS.map((id) => ({ id })),
      }),
      speed: 100,
    });
    rds = new RDSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    rds.destroy();
    await sim.close();
  });

  it('is ready with ten databases listening and no engine started; a TCP check starts none', async () => {
    assert.deepEqual(await engines(sim), Object.fromEntries([...DATABASES, ...CLUSTERS].map((id) => [id, 'idle'])));
    // Each endpoint has a TCP server where AWS has one: a health check that connects and leaves sees it.
    await Promise.all(
      [...DATABASES, ...CLUSTERS].map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const s = connect(Number(sim.outputs[`rds.${id}.port`]), sim.outputs[`rds.${id}.address`] ?? '');
            s.on('connect', () => s.end(resolve));
            s.on('error', reject);
          }),
      ),
    );
    assert.ok(Object.values(await engines(sim)).every((e) => e === 'idle'));
  });

  it('starts one store for concurrent first clients, only for the database they use, and keeps it across a failover', async () => {
    const url = sim.outputs['rds.db-2.url'] ?? '';
    const [a, b, c] = await Promise.all([client(sim, url), client(sim, url), client(sim, url)]);
    await a.query('CREATE TABLE orders (id int PRIMARY KEY)');
    await a.query('INSERT INTO orders VALUES (1), (2)');
    // The three sessions see one store: what one wrote, the others read.
    assert.deepEqual((await b.query('SELECT count(*)::int AS n FROM orders')).rows, [{ n: 2 }]);
    assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM orders')).rows, [{ n: 2 }]);
    const after1 = await engines(sim);
    assert.equal(after1['db-2'], 'started');
    assert.deepEqual(
      Object.entries(after1)
        .filter(([, e]) => e !== 'idle')
        .map(([id]) => id),
      ['db-2'],
    );
    // A client that leaves in the middle of its transaction neither blocks the others nor leaves its write behind.
    const leaving = await client(sim, url);
    await leaving.query('BEGIN');
    await leaving.query('INSERT INTO orders VALUES (3)');
    await leaving.end();
    assert.deepEqual((await b.query('SELECT count(*)::int AS n FROM orders')).rows, [{ n: 2 }]);
    // Another database's sessions never see this one's tables.
    const other = await client(sim, sim.outputs['rds.db-3.url'] ?? '');
    assert.equal((await failure(other, 'SELECT * FROM orders')).code, '42P01');
    await Promise.all([a, b, c, other].map((x) => x.end()));

    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'db-2', ForceFailover: true }));
    const read = await waitFor(
      'db-2 serving again after its failover',
      async () => {
        const again = await client(sim, url).catch(() => undefined);
        if (again === undefined) return undefined;
        try {
          return (await again.query('SELECT id FROM orders ORDER BY id')).rows;
        } finally {
          await again.end();
        }
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(read, [{ id: 1 }, { id: 2 }]);
  });

  it('serves reads of the writer’s data and refuses writes (SQLSTATE 25006) through the reader endpoint and each reader', async () => {
    const described = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ledger' }))).DBClusters?.[0];
    // The CLI's rds commands do not follow AWS_ENDPOINT_URL (botocore 1.43 sends them to rds.amazonaws.com): name it.
    const fromCli = (await awsCli(sim.endpoint).json('rds', 'describe-db-clusters', '--db-cluster-identifier', 'ledger', '--endpoint-url', sim.endpoint)) as {
      DBClusters: { ReaderEndpoint: string; Port: number }[];
    };
    const readerEndpoint = fromCli.DBClusters[0]?.ReaderEndpoint;
    assert.equal(readerEndpoint, described?.ReaderEndpoint);
    assert.equal(sim.outputs['rds.ledger.readerEndpoint'], readerEndpoint);
    const readerUrl = sim.outputs['rds.ledger.readerUrl'] ?? '';
    assert.equal(readerUrl, `postgres://postgres@${readerEndpoint}:${fromCli.DBClusters[0]?.Port}/postgres`);

    const writer = await client(sim, sim.outputs['rds.ledger.url'] ?? '');
    await writer.query('CREATE TABLE entries (id int, note text)');
    await writer.query("INSERT INTO entries VALUES (1, 'written')");
    const reader = await client(sim, readerUrl);
    assert.deepEqual((await reader.query('SELECT id, note FROM entries')).rows, [{ id: 1, note: 'written' }]);
    assert.deepEqual((await reader.query('SHOW transaction_read_only')).rows, [{ transaction_read_only: 'on' }]);
    assert.deepEqual(await failure(reader, "INSERT INTO entries VALUES (2, 'from a reader')"), {
      code: '25006',
      message: 'cannot execute INSERT in a read-only transaction',
    });
    assert.equal((await failure(reader, 'CREATE TABLE nope (id int)')).code, '25006');
    // A reader's own SET does not make it a writer: its next statement runs read-only again.
    await reader.query('SET default_transaction_read_only = off');
    assert.equal((await failure(reader, "UPDATE entries SET note = 'changed'")).code, '25006');
    // The writer, between the reader's statements, still writes; the reader reads the new row.
    await writer.query("INSERT INTO entries VALUES (2, 'later')");
    assert.deepEqual((await reader.query('SELECT id FROM entries ORDER BY id')).rows, [{ id: 1 }, { id: 2 }]);
    // Each reader instance's own endpoint is read-only too; the writer instance's writes.
    const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const writerIds = new Set((described?.DBClusterMembers ?? []).filter((m) => m.IsClusterWriter === true).map((m) => m.DBInstanceIdentifier));
    const members = instances.filter((i) => i.DBClusterIdentifier === 'ledger');
    assert.equal(members.length, 3);
    for (const m of members) {
      const node = await client(sim, `postgres://postgres@${m.Endpoint?.Address}:${m.Endpoint?.Port}/postgres`);
      const write = await node.query("INSERT INTO entries VALUES (3, 'member')").then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
      assert.equal(write, writerIds.has(m.DBInstanceIdentifier) ? 'ok' : '25006', m.DBInstanceIdentifier);
      await node.end();
    }
    await Promise.all([writer.end(), reader.end()]);
  });

  it('after a failover the old writer reads only and the new writer has every write', async () => {
    const dns = sim.outputs['dns.server'] ?? '';
    const oldWriter = sim.outputs['rds.ledger.address'] ?? '';
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ledger', TargetDBInstanceIdentifier: 'ledger-instance-2' }));
    const writer = await waitFor(
      'the new writer serving',
      async () => {
        const [a] = await resolveThrough(dns, sim.outputs['rds.ledger.endpoint'] ?? '');
        return a !== undefined && a.address !== oldWriter ? client(sim, sim.outputs['rds.ledger.url'] ?? '').catch(() => undefined) : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual((await writer.query('SELECT count(*)::int AS n FROM entries')).rows, [{ n: 3 }]);
    await writer.query("INSERT INTO entries VALUES (4, 'after failover')");
    // The reader endpoint answers one reader at a time, in turn: over as many answers as members, the old writer is one.
    const readers = new Set<string>();
    for (let i = 0; i < 3; i++) for (const r of await resolveThrough(dns, sim.outputs['rds.ledger.readerEndpoint'] ?? '')) readers.add(r.address);
    assert.ok(readers.has(oldWriter), `the reader endpoint answered ${[...readers].join(', ')}, not the old writer ${oldWriter}`);
    const old = new pg.Client(`postgres://postgres@${oldWriter}:5432/postgres`);
    await old.connect();
    assert.deepEqual((await old.query('SELECT count(*)::int AS n FROM entries')).rows, [{ n: 4 }]);
    assert.equal((await failure(old, 'DELETE FROM entries')).code, '25006');
    await Promise.all([writer.end(), old.end()]);
  });
});
