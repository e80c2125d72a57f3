import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { ROOT, tempDir } from '../support/cli.js';
import { startSimProcess, type Daemon } from '../support/daemon.js';
import { queueEnv, startWorker, submitDetached, waitForFinishedRuns } from '../support/queue.js';
import { startRedis, type TestRedis, SKIP_WITHOUT_REDIS } from '../support/redis.js';

const SPEED = 100;
const RUNS = 12;
const INSTANCES = 6;
/** Runs submitted at once: enough to overlap, few enough that `gameday` processes do not only contend for the machine's cores. */
const BATCH = 4;

/** Stops one instance (running or not, so runs compete for the same six) for 30 AWS seconds. */
const stopOne = (endpoint: string): string => `apiVersion: gameday/v1
metadata: { name: stop-one, description: Stop one instance of the group for 30 seconds. }
environment: { type: sim, speed: ${SPEED}, endpoint: "${endpoint}" }
steadyState: { samples: 1, timeout: 10m }
probes:
  - { name: region, probe: http, args: { url: "\${sim:region.endpoint}/_sim/health" }, interval: 5s }
faults:
  - name: stop-one
    action: aws.ec2.stop-instances
    targets:
      tags: { "aws:autoscaling:groupName": web-asg }
      filters: [{ path: State.Name, values: [pending, running, stopping, stopped] }]
      selection: COUNT(1)
    duration: 30s
recovery: { stableFor: 5s, timeout: 10m, observeAtLeast: 30s }
`;

describe('one worker, many runs at once', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
    const reference = await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8');
    const topology = await tmp.write(
      'six.yaml',
      reference
        .replace(/min: 3/, `min: ${INSTANCES}`)
        .replace(/max: 6/, `max: ${INSTANCES}`)
        .replace(/desired: 3/, `desired: ${INSTANCES}`)
        // The group leaves stopped instances alone, so the six stay the same six.
        .concat('\ntimings: { asgHealthCheckPeriod: 10h }\n'),
    );
    sim = await startSimProcess({ speed: SPEED, topology });
  });
  after(async () => {
    await Promise.all([redis?.stop(), sim?.stop(), tmp?.cleanup()]);
  });

  it(`${RUNS} runs competing for ${INSTANCES} instances all complete, and no instance is ever in two runs' faults at once`, async () => {
    const env = queueEnv(redis);
    // Its lease outlasts the pauses of a machine busy with a dozen runs and the `gameday` processes submitting them.
    const worker = await startWorker(env, join(tmp.dir, 'results'), { concurrency: RUNS, lease: '10s' });
    try {
      const file = await tmp.write('stop-one.yaml', stopOne(sim.endpoint));
      // A few at a time, so runs submitted together contend for the same instances while earlier ones still hold theirs.
      const runIds: string[] = [];
      for (let first = 0; first < RUNS; first += BATCH) {
        const seeds = Array.from({ length: Math.min(BATCH, RUNS - first) }, (_, i) => first + i);
        runIds.push(...(await Promise.all(seeds.map((seed) => submitDetached(env, file, ['--wait-for-locks', '--seed', String(seed)])))));
      }
      // One `gameday list` reads every run's state, where a `gameday status` per run would take a dozen processes a round.
      const finished = await waitForFinishedRuns(env, RUNS);
      assert.deepEqual(finished.map((r) => r.runId).sort(), [...runIds].sort());
      const journals: Journal[] = [];
      for (const done of finished) {
        assert.equal(done.verdict, 'passed', `${done.runId}: ${done.reason ?? ''}`);
        journals.push(JSON.parse(await readFile(join(tmp.dir, 'results', `${done.runId}.json`), 'utf8')) as Journal);
      }
      // From injection to the end of its undo, each run held its instance alone.
      const holds = journals.map((j) => {
        const fault = j.activities.find((a) => a.kind === 'fault');
        const undo = j.activities.find((a) => a.kind === 'fault-end');
        assert.equal(undo?.status, 'succeeded');
        return {
          id: (fault?.output?.instanceIds as string[] | undefined)?.[0] ?? '',
          from: j.startedAtEpochMs + (fault?.startedAt ?? NaN),
          to: j.startedAtEpochMs + (undo?.endedAt ?? NaN),
        };
      });
      assert.ok(new Set(holds.map((h) => h.id)).size < RUNS, 'some runs competed for the same instance');
      for (const a of holds) {
        for (const b of holds) {
          if (a === b || a.id !== b.id) continue;
          assert.ok(a.to <= b.from || b.to <= a.from, `${a.id} was in two runs' faults at once`);
        }
      }
    } finally {
      await worker.stop();
    }
  });
});
