import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { Journal } from '../../src/engine/journal.js';
import { ROOT } from '../support/cli.js';
import { startSimProcess } from '../support/daemon.js';
import {
  redisForSuite,
  experimentAgainst,
  lingering,
  queueEnv,
  slowGroupTopology,
  startWorker,
  submitDetached,
  waitForRecoveryPhase,
  waitForStatus,
} from '../support/queue.js';
import { allInstances, CREDENTIALS, waitFor } from '../support/sim.js';

const SPEED = 40;

describe('a worker killed mid-experiment', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = redisForSuite();

  /** Kills the worker running the run with SIGKILL and lets a second one take over; resolves to the journal. */
  async function killAndRecover(env: ReturnType<typeof queueEnv>, runId: string, first: Awaited<ReturnType<typeof startWorker>>): Promise<Journal> {
    await first.stop('SIGKILL');
    const second = await startWorker(env, join(suite.tmp().dir, 'second'));
    try {
      const done = await waitForStatus(env, runId, 'to be finished by the second worker', (s) => s.state === 'finished', 120_000);
      assert.equal(done.verdict, 'aborted', done.reason);
      assert.match(done.reason ?? '', /^worker lost: /);
      assert.match(second.stderr(), new RegExp(`run ${runId} lost its worker`));
      return JSON.parse(await readFile(join(suite.tmp().dir, 'second', `${runId}.json`), 'utf8')) as Journal;
    } finally {
      await second.stop();
    }
  }

  it('after it stopped instances: another worker starts them again and the journal says aborted (worker lost)', async () => {
    // The group must not replace the stopped instances on its own, or there would be nothing left to start.
    const sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(suite.tmp()) });
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const env = queueEnv(suite.redis());
    const first = await startWorker(env, join(suite.tmp().dir, 'first'));
    try {
      const file = await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', sim.endpoint, SPEED, lingering);
      const runId = await submitDetached(env, file);
      await waitForRecoveryPhase(env, runId);
      const stopped = (await allInstances(ec2)).filter((i) => i.State?.Name === 'stopping' || i.State?.Name === 'stopped').map((i) => i.InstanceId);
      assert.ok(stopped.length > 0, 'the fault stopped instances before the worker was killed');

      const journal = await killAndRecover(env, runId, first);
      assert.equal(journal.verdict.status, 'aborted');
      assert.equal(journal.verdict.exitCode, 3);
      const undo = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'stop-half');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      assert.deepEqual([...((undo?.output?.started as string[] | undefined) ?? [])].sort(), [...stopped].sort());
      assert.ok(undo?.calls.some((c) => c.operation === 'StartInstances'));
      const states = new Map((await allInstances(ec2)).map((i) => [i.InstanceId, i.State?.Name]));
      for (const id of stopped) assert.equal(states.get(id), 'running', `${String(id)} runs again`);
    } finally {
      ec2.destroy();
      await first.stop('SIGKILL');
      await sim.stop();
    }
  });

  it('after it inverted a Route 53 health check: another worker restores the check', async () => {
    const sim = await startSimProcess({ speed: 20, topology: join(ROOT, 'experiments', 'topologies', 'two-sites.yaml') });
    const route53 = new Route53Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const healthCheckId = sim.outputs['route53.healthcheck.primary-hc.id'] ?? '';
    const inverted = async (): Promise<boolean> =>
      (await route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId }))).HealthCheck?.HealthCheckConfig?.Inverted === true;
    const env = queueEnv(suite.redis());
    const first = await startWorker(env, join(suite.tmp().dir, 'first'));
    try {
      const file = await experimentAgainst(suite.tmp(), 'route53-failover.yaml', sim.endpoint, 20, lingering);
      const runId = await submitDetached(env, file);
      await waitForRecoveryPhase(env, runId);
      assert.equal(await inverted(), true, 'the fault inverted the check before the worker was killed');

      const journal = await killAndRecover(env, runId, first);
      const undo = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'fail-primary-check');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      assert.equal(await waitFor('the check to be restored', async () => !(await inverted())), true);
    } finally {
      route53.destroy();
      await first.stop('SIGKILL');
      await sim.stop();
    }
  });
});
