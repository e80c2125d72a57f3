import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { parseTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { CREDENTIALS, startSim, waitFor, type Sim } from '../support/sim.js';

/**
 * The RDS API of the simulated region through a second, independent client: the AWS CLI (botocore), its paginator and
 * its `db-instance-available` waiter included. Filters and paging:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html; stopping:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html; member reboots:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-rebooting.html; events:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html.
 */
const SPEED = 100;

interface DbInstance {
  DBInstanceIdentifier: string;
  DBInstanceStatus: string;
  DBClusterIdentifier?: string;
}

describe('RDS through the AWS CLI', () => {
  let sim: Sim;
  let rds: RDSClient;
  const aws = <T = Record<string, unknown>>(...args: string[]): Promise<T> => awsCli(sim.endpoint).json<T>(...args);
  const fails = (...args: string[]): Promise<string> => awsCli(sim.endpoint).fails(...args);
  const status = async (id: string): Promise<string | undefined> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.DBInstanceStatus;

  before(async () => {
    // 25 DB instances over five database engines: two DB instances and the members of three DB clusters (one engine each).
    sim = await startSim({
      speed: SPEED,
      seed: 17,
      readyTimeoutMs: 30_000,
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        databases: [{ id: 'orders-db' }, { id: 'single-db', multiAZ: false }],
        dbClusters: [{ id: 'ledger' }, { id: 'wide', members: 15 }, { id: 'spare', members: 5 }],
        // A start of 40 min of AWS time exactly (24 s here): longer than one AWS CLI call takes even on a busy machine,
        // so the waiter's first poll sees `starting`, and shorter than its 30-s delay, so its second poll succeeds.
        // A read replica's creation takes as long, so the same waiter run sees it `creating` first too.
        timings: { dbStart: '40m', dbReplicaCreate: '40m', jitter: false },
      }),
    });
    rds = new RDSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    rds.destroy();
    await sim.close();
  });

  it('pages describe-db-instances 20 at a time to the end, and refuses a page size outside 20–100', async () => {
    const all = await aws<{ DBInstances: DbInstance[] }>('rds', 'describe-db-instances', '--page-size', '20');
    const ids = all.DBInstances.map((d) => d.DBInstanceIdentifier);
    assert.equal(ids.length, 25);
    assert.equal(new Set(ids).size, 25, 'no instance twice across pages');
    const first = await aws<{ DBInstances: DbInstance[]; NextToken?: string }>('rds', 'describe-db-instances', '--max-items', '20', '--page-size', '20');
    assert.equal(first.DBInstances.length, 20);
    assert.ok(first.NextToken !== undefined);
    const rest = await aws<{ DBInstances: DbInstance[]; NextToken?: string }>(
      'rds',
      'describe-db-instances',
      '--starting-token',
      first.NextToken,
      '--page-size',
      '20',
    );
    assert.deepEqual(
      [...first.DBInstances, ...rest.DBInstances].map((d) => d.DBInstanceIdentifier),
      ids,
    );
    assert.equal(rest.NextToken, undefined, 'the paging ends');
    for (const size of ['19', '101']) {
      const error = await fails('rds', 'describe-db-instances', '--no-paginate', '--max-records', size);
      assert.match(error, new RegExp(`\\(InvalidParameterValue\\).*Invalid value ${size} for MaxRecords\\. Must be between 20 and 100`));
    }
  });

  it('filters DB instances and DB clusters, and refuses an unrecognized filter name', async () => {
    const members = await aws<{ DBInstances: DbInstance[] }>('rds', 'describe-db-instances', '--filters', 'Name=db-cluster-id,Values=ledger,spare');
    assert.equal(members.DBInstances.length, 8);
    assert.ok(members.DBInstances.every((d) => d.DBClusterIdentifier === 'ledger' || d.DBClusterIdentifier === 'spare'));
    const named = await aws<{ DBInstances: DbInstance[] }>(
      'rds',
      'describe-db-instances',
      '--filters',
      'Name=db-instance-id,Values=single-db',
      'Name=engine,Values=postgres',
    );
    assert.deepEqual(
      named.DBInstances.map((d) => d.DBInstanceIdentifier),
      ['single-db'],
    );
    const error = await fails('rds', 'describe-db-instances', '--filters', 'Name=availability-zone,Values=us-east-1a');
    assert.match(error, /\(InvalidParameterValue\).*Unrecognized filter name: availability-zone/);
    const clusters = await aws<{ DBClusters: { DBClusterIdentifier: string }[] }>('rds', 'describe-db-clusters', '--filters', 'Name=db-cluster-id,Values=wide');
    assert.deepEqual(
      clusters.DBClusters.map((c) => c.DBClusterIdentifier),
      ['wide'],
    );
    assert.match(await fails('rds', 'describe-db-clusters', '--filters', 'Name=nope,Values=x'), /Unrecognized filter name: nope/);
  });

  it('stops a DB instance and starts it again while a cluster reader reboots; the CLI waiter sees both available; a member cannot stop', async () => {
    assert.match(await fails('rds', 'stop-db-instance', '--db-instance-identifier', 'ledger-instance-1'), /\(InvalidParameterCombination\)/);
    const stopping = await aws<{ DBInstance: DbInstance }>('rds', 'stop-db-instance', '--db-instance-identifier', 'single-db');
    assert.equal(stopping.DBInstance.DBInstanceStatus, 'stopping');
    const reader = await aws<{ DBInstance: DbInstance }>('rds', 'reboot-db-instance', '--db-instance-identifier', 'ledger-instance-2');
    assert.equal(reader.DBInstance.DBInstanceStatus, 'rebooting');
    assert.match(
      await fails('rds', 'reboot-db-instance', '--db-instance-identifier', 'ledger-instance-3', '--force-failover'),
      /\(InvalidParameterCombination\)/,
    );
    await waitFor('single-db stopped', async () => (await status('single-db')) === 'stopped', { timeoutMs: 15_000 });
    const starting = await aws<{ DBInstance: DbInstance }>('rds', 'start-db-instance', '--db-instance-identifier', 'single-db');
    assert.equal(starting.DBInstance.DBInstanceStatus, 'starting');
    // A read replica (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html) is created meanwhile.
    const replica = await aws<{ DBInstance: DbInstance & { ReadReplicaSourceDBInstanceIdentifier?: string } }>(
      'rds',
      'create-db-instance-read-replica',
      '--db-instance-identifier',
      'orders-replica',
      '--source-db-instance-identifier',
      'orders-db',
    );
    assert.equal(replica.DBInstance.DBInstanceStatus, 'creating');
    assert.equal(replica.DBInstance.ReadReplicaSourceDBInstanceIdentifier, 'orders-db');
    // The waiter polls every 30 s: its first poll sees single-db `starting`, so it must poll again. The waiters run at once.
    const began = Date.now();
    await Promise.all([
      aws('rds', 'wait', 'db-instance-available', '--db-instance-identifier', 'single-db'),
      aws('rds', 'wait', 'db-instance-available', '--db-instance-identifier', 'ledger-instance-2'),
      aws('rds', 'wait', 'db-instance-available', '--db-instance-identifier', 'orders-replica'),
    ]);
    assert.equal(await status('single-db'), 'available');
    assert.equal(await status('ledger-instance-2'), 'available');
    assert.equal(await status('orders-replica'), 'available');
    const source = await aws<{ DBInstances: { ReadReplicaDBInstanceIdentifiers: string[] }[] }>(
      'rds',
      'describe-db-instances',
      '--db-instance-identifier',
      'orders-db',
    );
    assert.deepEqual(source.DBInstances[0]?.ReadReplicaDBInstanceIdentifiers, ['orders-replica']);
    assert.ok(Date.now() - began >= 25_000, 'the waiter saw single-db starting and polled again');
  });

  it('reads events by source type, source and category, and requires a source type with a source identifier', async () => {
    type Events = { Events: { SourceIdentifier: string; SourceType: string; Message: string; EventCategories: string[] }[] };
    const notifications = await aws<Events>(
      'rds',
      'describe-events',
      '--source-type',
      'db-instance',
      '--source-identifier',
      'single-db',
      '--event-categories',
      'notification',
    );
    assert.deepEqual(
      notifications.Events.map((e) => e.Message),
      ['DB instance stopped.', 'DB instance started.'],
    );
    const availability = await aws<Events>('rds', 'describe-events', '--source-type', 'db-instance', '--event-categories', 'availability');
    assert.deepEqual(
      availability.Events.map((e) => [e.SourceIdentifier, e.Message]),
      [
        ['ledger-instance-2', 'DB instance shutdown.'],
        ['ledger-instance-2', 'DB instance restarted.'],
      ],
    );
    const clusters = await aws<Events>('rds', 'describe-events', '--source-type', 'db-cluster');
    assert.deepEqual(clusters.Events, []);
    assert.match(await fails('rds', 'describe-events', '--source-identifier', 'single-db'), /\(InvalidParameterCombination\)/);
  });
});
