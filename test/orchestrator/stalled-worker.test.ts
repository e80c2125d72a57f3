import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Journal } from '../../src/engine/journal.js';
import { startDaemon, startSimProcess } from '../support/daemon.js';
import {
  experimentAgainst,
  lingering,
  queueEnv,
  redisForSuite,
  runStatus,
  slowGroupTopology,
  startWorker,
  submitDetached,
  waitForStatus,
} from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { allInstances, CREDENTIALS, requestLog, waitFor } from '../support/sim.js';

const SPEED = 40;
const LEASE = '2s';
/** Far longer than the lease: the second worker takes the run over (and may finish its undo) while the first is blocked. */
const STALL_MS = 12_000;

describe('a worker that stalls past its lease mid-run, alive', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = redisForSuite();

  it('is fenced out: the worker that took the run over undoes it and ends it once; the stalled one injects and records nothing', async () => {
    const sim = await startSimProcess({ speed: SPEED, topology: await slowGroupTopology(suite.tmp()) });
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const env = queueEnv(suite.redis());
    const firstResults = join(suite.tmp().dir, 'stalled');
    const secondResults = join(suite.tmp().dir, 'second');
    // Blocks its event loop just after the fault landed and its undo was logged, as a slow import under load did.
    const first = await startDaemon(['worker', '--results', firstResults, '--concurrency', '1', '--lease', LEASE], {
      ...env,
      GAMEDAY_STALL_AT: `after-mutation:${STALL_MS}`,
    });
    const firstId = /^worker (\S+) ready/.exec(first.ready)?.[1] ?? assert.fail(`no worker id in: ${first.ready}`);
    let second: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const file = await experimentAgainst(suite.tmp(), 'stop-half-fleet.yaml', sim.endpoint, SPEED, lingering);
      const runId = await submitDetached(env, file);
      await waitForStatus(env, runId, 'to be taken by the first worker', (s) => s.state === 'running' && s.worker === firstId);
      // Ready only once the first worker holds the run, so it is the second that takes it over.
      second = await startWorker(env, secondResults, { lease: LEASE });

      const done = await waitForStatus(env, runId, 'to be finished by the second worker', (s) => s.state === 'finished', 120_000);
      assert.equal(done.verdict, 'aborted', done.reason);
      assert.match(done.reason ?? '', /^worker lost: /);
      assert.match(second.stderr(), new RegExp(`run ${runId} lost its worker ${firstId}`));
      const journal = JSON.parse(await readFile(join(secondResults, `${runId}.json`), 'utf8')) as Journal;
      const undo = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'stop-half');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
      const stopped = (undo?.output?.started as string[] | undefined) ?? [];
      assert.ok(stopped.length > 0, 'the fault stopped instances before the stall');

      // Once awake, the stalled worker learns it lost the run, says so once, and ends without a verdict.
      const line = await waitFor(
        'the stalled worker to log that it lost the run',
        () => first.stderr().match(new RegExp(`run ${runId}: lost ownership to .+ after a stall of (\\d+\\.\\d)s; it undoes the run`)) ?? undefined,
      );
      assert.ok(Number(line[1]) * 1_000 >= 2_000, `a stall longer than the lease: ${line[0]}`);
      assert.equal(first.stderr().match(/lost ownership/g)?.length, 1, first.stderr());
      await first.stop('SIGTERM');
      assert.doesNotMatch(first.stderr(), new RegExp(`run ${runId} ended`), first.stderr());
      await assert.rejects(access(join(firstResults, `${runId}.json`)), 'the stalled worker wrote no journal');
      const after = await runStatus(env, runId);
      assert.deepEqual(
        { verdict: after.verdict, reason: after.reason, endedAt: after.endedAt, journalPath: after.journalPath },
        { verdict: done.verdict, reason: done.reason, endedAt: done.endedAt, journalPath: done.journalPath },
      );

      // One stop (the fault, before the stall) and one start (the second worker's undo): nothing from the stalled one after.
      const calls = (await requestLog(sim.endpoint)).filter((r) => r.action === 'StopInstances' || r.action === 'StartInstances');
      assert.deepEqual(
        calls.map((c) => c.action),
        ['StopInstances', 'StartInstances'],
        JSON.stringify(calls),
      );
      // The ground truth is whole: every instance the fault stopped runs again, and none is left stopped.
      const states = await waitFor('the stopped instances to run again', async () => {
        const all = new Map((await allInstances(ec2)).map((i) => [i.InstanceId, i.State?.Name]));
        return stopped.every((id) => all.get(id) === 'running') ? all : undefined;
      });
      assert.deepEqual(
        [...states].filter(([, state]) => state !== 'running'),
        [],
      );
    } finally {
      ec2.destroy();
      await Promise.all([first.stop('SIGKILL'), second?.stop()]);
      await sim.stop();
    }
  });
});
