import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { promoteReadReplicaAction } from '../../src/actions/rds/promote-read-replica.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailability, motoSuite } from '../support/moto.js';
import { CREDENTIALS } from '../support/sim.js';

/**
 * `aws.rds.promote-read-replica`: PromoteReadReplica, which RDS cannot undo
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html).
 */
const context = (aws: AwsClientFactory, targets: Resource[] = []): { ctx: ActionContext; calls: CallRecord[] } => {
  const calls: CallRecord[] = [];
  return {
    calls,
    ctx: {
      runId: 'promote-test',
      signal: AbortSignal.timeout(60_000),
      clock: systemClock,
      logger: silentLogger,
      aws,
      speed: 60,
      targets,
      recordCall: (c) => calls.push(c),
    },
  };
};
const args = (id: string) => promoteReadReplicaAction.args.parse({ dbInstanceIdentifier: id, waitTimeout: '60s' });
const mutating = (calls: CallRecord[]) => calls.filter((c) => c.mutating).map((c) => c.operation);

describe('aws.rds.promote-read-replica on the simulated region', () => {
  let region: SimRegion;
  let aws: AwsClientFactory;
  let rds: RDSClient;
  before(async () => {
    region = await SimRegion.start({
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        databases: [
          { id: 'orders-db', multiAZ: false },
          { id: 'orders-replica', multiAZ: false, availabilityZone: 'b', replicaOf: 'orders-db' },
        ],
        timings: { dbPromote: '1m' },
      }),
      speed: 60,
    });
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
    rds = new RDSClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    rds.destroy();
    await aws.destroy();
    await region.stop();
  });
  const describeOne = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];

  it('refuses a DB instance that is not a read replica in one sentence, before any change', async () => {
    const { ctx, calls } = context(aws);
    await assert.rejects(
      promoteReadReplicaAction.plan?.(args('orders-db'), ctx) ?? Promise.reject(new Error('no plan')),
      (e: Error) => e instanceof ActionFailedError && e.message === 'DB instance orders-db is not a read replica, so there is nothing to promote.',
    );
    await assert.rejects(promoteReadReplicaAction.run(args('orders-db'), ctx), ActionFailedError);
    assert.deepEqual(mutating(calls), []);
    assert.equal((await describeOne('orders-db'))?.DBInstanceStatus, 'available');
  });

  it('promotes a replica, waits until it is a standalone instance, and its rollback only verifies that, leaving the source as it is', async () => {
    const { ctx, calls } = context(aws);
    const planned = (await promoteReadReplicaAction.plan?.(args('orders-replica'), ctx)) ?? [];
    assert.deepEqual(
      planned.map((r) => r.id),
      ['orders-replica'],
    );
    assert.match(promoteReadReplicaAction.undo?.(args('orders-replica'), planned) ?? '', /^none — promotion is irreversible/);
    const result = await promoteReadReplicaAction.run(args('orders-replica'), { ...ctx, targets: planned });
    assert.deepEqual(mutating(calls), ['PromoteReadReplica']);
    assert.equal(result.output.formerSource, 'orders-db');
    const promoted = await describeOne('orders-replica');
    assert.equal(promoted?.DBInstanceStatus, 'available');
    assert.equal(promoted?.ReadReplicaSourceDBInstanceIdentifier, undefined);
    assert.deepEqual((await describeOne('orders-db'))?.ReadReplicaDBInstanceIdentifiers ?? [], []);

    const undo = context(aws);
    const verified = await promoteReadReplicaAction.rollback?.(args('orders-replica'), result, undo.ctx);
    assert.deepEqual(mutating(undo.calls), [], 'the rollback changes nothing');
    assert.equal(verified?.output.standalone, true);
    assert.match(String(verified?.output.note), /replication is not restored/);
    assert.equal((await describeOne('orders-db'))?.DBInstanceStatus, 'available');
  });
});

const availability = motoAvailability();
const skip = availability.status === 'skip' ? availability.reason : false;

describe('aws.rds.promote-read-replica against moto_server', { skip }, () => {
  const suite = motoSuite(availability);

  it('reports the promotion as not landed: moto answers at once but the instance still names its source', async () => {
    const rds = new RDSClient({ region: MOTO_REGION, endpoint: suite.moto.endpoint, credentials: MOTO_CREDENTIALS });
    try {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'src-db',
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'u',
          MasterUserPassword: 'password1',
        }),
      );
      await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'src-replica', SourceDBInstanceIdentifier: 'src-db' }));
    } finally {
      rds.destroy();
    }
    const { ctx, calls } = context(suite.aws);
    await assert.rejects(
      promoteReadReplicaAction.run(args('src-replica'), ctx),
      (e: Error) => e instanceof ActionFailedError && /did not land/.test(e.message),
    );
    assert.deepEqual(mutating(calls), ['PromoteReadReplica']);
  });
});
