import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { recoverLostRun } from '../../src/orchestrator/lost-run-recovery.js';
import { UndoLog } from '../../src/orchestrator/undo-log.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { httpProbe } from '../../src/probes/net/http.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition } from '../../src/registry/types.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../support/redis.js';

/**
 * An action's undo checkpoint (ActivityContext.checkpoint): what its rollback needs, recorded in the undo log before
 * its mutating call, so a worker lost during the call still leaves the way back.
 */
interface World {
  version: number;
  events: string[];
}

/** Releases version 2 of a pretend group, checkpointing the version it had; its rollback puts that version back. */
function releaseAction(world: World): ActionDefinition<Record<string, never>> {
  return {
    id: 'test.release',
    summary: 'Moves the pretend group to version 2; its rollback moves it back.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({}),
    async run(_a, ctx) {
      const from = world.version;
      await ctx.checkpoint?.({ output: { from } });
      world.events.push('mutate');
      world.version = 2;
      return { output: { from, to: 2 } };
    },
    async rollback(_a, result) {
      world.events.push(`rollback to ${String(result.output.from)}`);
      world.version = Number(result.output.from);
      return { output: { version: world.version } };
    },
  };
}

/** The experiment, its one probe on a local service that always answers 200. */
const experiment = (url: string): string => `apiVersion: gameday/v1
metadata: { name: checkpoint }
steadyState: { samples: 1 }
probes:
  - { name: web, probe: http, args: { url: "${url}/", timeout: 500ms }, interval: 200ms }
faults:
  - name: deploy
    action: test.release
recovery: { stableFor: 400ms, timeout: 10s }
`;

let server: Server;
let EXPERIMENT = '';
before(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  EXPERIMENT = experiment(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`);
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('an undo checkpoint', () => {
  it('reaches the run’s hook after beforeMutation and before the mutating call, with the result the rollback will get', async () => {
    const world: World = { version: 1, events: [] };
    const registry = new Registry().registerProbe(httpProbe).registerAction(releaseAction(world));
    const loaded = parseExperiment(EXPERIMENT, 'test.yaml', { registry, env: {} });
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    try {
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        beforeMutation: async (step) => void world.events.push(`before ${step.fault}`),
        checkpoint: async (step, undo) => void world.events.push(`checkpoint ${step.fault} from ${String(undo.output.from)}`),
        afterMutation: async (step, landed) => void world.events.push(`after ${step.fault} ${landed === null ? 'not landed' : 'landed'}`),
      });
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    } finally {
      await aws.destroy();
    }
    assert.deepEqual(world.events, ['before deploy', 'checkpoint deploy from 1', 'mutate', 'after deploy landed', 'rollback to 1']);
  });
});

describe('a lost worker’s undo log with a checkpoint', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('keeps the step injecting with the checkpointed result, and the next worker runs its rollback from it', async () => {
    const world: World = { version: 2, events: [] };
    const registry = new Registry().registerProbe(httpProbe).registerAction(releaseAction(world));
    const log = new UndoLog(client, new Keys(redis.prefix()));
    const step = { fault: 'deploy', action: 'test.release', args: {}, targets: [], region: 'us-east-1', undoable: true };
    await log.beforeMutation('run-1', step);
    await log.checkpoint('run-1', 'deploy', { output: { from: 1 } });
    const [logged] = await log.steps('run-1');
    assert.equal(logged?.state, 'injecting');
    assert.equal(logged?.checkpointed, true);
    assert.deepEqual(logged?.result, { output: { from: 1 } });

    const loaded = parseExperiment(EXPERIMENT, 'test.yaml', { registry, env: {} });
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    try {
      const journal = await recoverLostRun({
        job: { runId: 'run-1', file: '/tmp/test.yaml', text: EXPERIMENT, experiment: 'checkpoint', waitForLocks: false, submittedAt: Date.now() },
        context: { startedEpochMs: Date.now() - 1_000 },
        steps: await log.steps('run-1'),
        undoLog: log,
        registry,
        prepare: async () => ({ loaded, aws, close: async () => undefined }),
        recoveredBy: 'worker-2',
        rollbackTimeoutMs: 10_000,
      });
      const undo = journal.activities.find((a) => a.kind === 'auto-rollback');
      assert.equal(undo?.status, 'succeeded', JSON.stringify(undo));
    } finally {
      await aws.destroy();
    }
    assert.deepEqual(world.events, ['rollback to 1']);
    assert.equal(world.version, 1);
    assert.equal((await log.steps('run-1'))[0]?.state, 'undone');
  });

  it('still leaves an injecting step without a checkpoint alone, its outcome unknown', async () => {
    const world: World = { version: 2, events: [] };
    const registry = new Registry().registerProbe(httpProbe).registerAction(releaseAction(world));
    const log = new UndoLog(client, new Keys(redis.prefix()));
    await log.beforeMutation('run-2', { fault: 'deploy', action: 'test.release', args: {}, targets: [], region: 'us-east-1', undoable: true });
    const loaded = parseExperiment(EXPERIMENT, 'test.yaml', { registry, env: {} });
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    try {
      const journal = await recoverLostRun({
        job: { runId: 'run-2', file: '/tmp/test.yaml', text: EXPERIMENT, experiment: 'checkpoint', waitForLocks: false, submittedAt: Date.now() },
        context: { startedEpochMs: Date.now() - 1_000 },
        steps: await log.steps('run-2'),
        undoLog: log,
        registry,
        prepare: async () => ({ loaded, aws, close: async () => undefined }),
        recoveredBy: 'worker-2',
        rollbackTimeoutMs: 10_000,
      });
      assert.match(journal.activities.find((a) => a.kind === 'auto-rollback')?.error?.message ?? '', /whether it landed is unknown/);
    } finally {
      await aws.destroy();
    }
    assert.deepEqual(world.events, []);
  });
});
