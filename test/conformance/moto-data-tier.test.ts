/**
 * Conformance of the data-tier actions and probes against moto_server where moto implements the calls
 * (../shared/AWS-FACTS.md §2): Route 53 health checks (moto stores Inverted/Disabled but never bumps
 * HealthCheckVersion, and its GetHealthCheckStatus is a static Success) and RDS DescribeDBInstances/RebootDBInstance
 * (moto's ForceFailover is a no-op: the instance never leaves its zone, so gameday must say the failover did not land).
 * Availability follows the compute-tier suite: skipped without moto_server, failed under CI=true.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateHealthCheckCommand, GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { rdsFailoverAction } from '../../src/actions/rds/failover.js';
import { failHealthCheckAction } from '../../src/actions/route53/fail-health-check.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { healthCheckStatusProbe } from '../../src/probes/aws/route53-health-check-status.js';
import { rdsStatusProbe } from '../../src/probes/aws/rds-status.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailability, motoSuite } from '../support/moto.js';

const availability = motoAvailability();
const skip = availability.status === 'skip' ? availability.reason : false;

describe('data-tier actions and probes against moto_server', { skip }, () => {
  const suite = motoSuite(availability);

  const context = (targets: Resource[] = []): { ctx: ActionContext; calls: CallRecord[] } => {
    const calls: CallRecord[] = [];
    return {
      calls,
      ctx: {
        runId: 'conformance',
        signal: AbortSignal.timeout(30_000),
        clock: systemClock,
        logger: silentLogger,
        aws: suite.aws,
        speed: 1,
        targets,
        recordCall: (c) => calls.push(c),
      },
    };
  };

  it('inverts a Route 53 health check with the version lock, journals the previous configuration, and restores it', async () => {
    const r53 = new Route53Client({ region: MOTO_REGION, endpoint: suite.moto.endpoint, credentials: MOTO_CREDENTIALS });
    try {
      const created = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: `c-${Date.now()}`,
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '192.0.2.10', Port: 80, ResourcePath: '/health', RequestInterval: 30, FailureThreshold: 3 },
        }),
      );
      const id = created.HealthCheck?.Id ?? '';
      const { ctx, calls } = context();
      const result = await failHealthCheckAction.run({ healthCheckId: id }, ctx);
      assert.deepEqual(result.output.previous, { inverted: false, disabled: false });
      // The read of the previous configuration is journaled before the change.
      assert.deepEqual(
        calls.map((c) => [c.operation, c.mutating]),
        [
          ['GetHealthCheck', false],
          ['UpdateHealthCheck', true],
        ],
      );
      assert.equal(calls[0]?.response?.inverted, false);
      assert.equal((await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig?.Inverted, true);
      await failHealthCheckAction.rollback?.({ healthCheckId: id }, result, context().ctx);
      assert.equal((await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig?.Inverted, false);
      // moto's status is static Success, which the probe reads as healthy.
      const probe = healthCheckStatusProbe.open({ healthCheckId: id }, ctx, { status: 'healthy' });
      assert.equal(healthCheckStatusProbe.check(await probe.sample(ctx.signal), { status: 'healthy' }), null);
    } finally {
      r53.destroy();
    }
  });

  it('names NoSuchHealthCheck for an unknown health check and changes nothing', async () => {
    const { ctx, calls } = context();
    await assert.rejects(failHealthCheckAction.run({ healthCheckId: 'f0f0f0f0-0000-0000-0000-000000000000' }, ctx), /NoSuchHealthCheck/);
    assert.equal(calls.filter((c) => c.mutating).length, 0);
  });

  it('reports a failover that did not move the primary as not landed (moto ignores ForceFailover)', async () => {
    const rds = new RDSClient({ region: MOTO_REGION, endpoint: suite.moto.endpoint, credentials: MOTO_CREDENTIALS });
    try {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'orders-db',
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          MultiAZ: true,
          AllocatedStorage: 20,
          MasterUsername: 'postgres',
          MasterUserPassword: 'not-a-secret-1',
        }),
      );
      const { ctx } = context([{ type: 'aws:rds:db', id: 'orders-db', tags: {}, attributes: {} }]);
      const status = rdsStatusProbe.open({ dbInstanceIdentifier: 'orders-db' }, ctx, { status: ['available'] });
      assert.equal(rdsStatusProbe.check(await status.sample(ctx.signal), { status: ['available'] }), null);
      await assert.rejects(
        rdsFailoverAction.run({ waitTimeout: 10_000 }, ctx),
        (e: unknown) => e instanceof ActionFailedError && /did not move the primary/.test(e.message),
      );
    } finally {
      rds.destroy();
    }
  });
});
