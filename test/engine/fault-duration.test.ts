import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { httpProbe } from '../../src/probes/net/http.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition } from '../../src/registry/types.js';

/**
 * A fault's `duration` reaches its action in AWS time (ActionContext.duration): what an SSM document's DurationSeconds
 * is made of. The schedule runs it at the sim's speed; the action sends AWS time, which the simulated region scales.
 */
function timedAction(seen: { duration?: number | undefined; undone: number }): ActionDefinition<Record<string, never>> {
  return {
    id: 'test.timed',
    summary: 'Records the duration it is given; its rollback counts itself.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    requiresDuration: 'it sends its duration.',
    args: z.strictObject({}),
    async run(_a, ctx) {
      seen.duration = ctx.duration;
      return { output: {} };
    },
    async rollback() {
      seen.undone++;
      return { output: {} };
    },
  };
}

const experiment = (url: string, duration: string): string => `apiVersion: gameday/v1
metadata: { name: timed }
environment: { type: sim, speed: 20 }
steadyState: { samples: 1 }
probes:
  - { name: web, probe: http, args: { url: "${url}/", timeout: 500ms }, interval: 2s }
faults:
  - { name: slow, action: test.timed${duration} }
recovery: { stableFor: 4s, timeout: 2m }
`;

let server: Server;
let url = '';
before(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a fault’s duration', () => {
  it('reaches the action in AWS time at any sim speed, and the undo runs when it ends', async () => {
    const seen: { duration?: number | undefined; undone: number } = { undone: 0 };
    const registry = new Registry().registerProbe(httpProbe).registerAction(timedAction(seen));
    const loaded = parseExperiment(experiment(url, ', duration: 10s'), 'timed.yaml', { registry, env: {} });
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    try {
      const journal = await runExperiment(loaded, { registry, aws });
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    } finally {
      await aws.destroy();
    }
    assert.equal(seen.duration, 10_000);
    assert.equal(seen.undone, 1);
  });

  it('is required by an action that says it needs one', () => {
    const registry = new Registry().registerProbe(httpProbe).registerAction(timedAction({ undone: 0 }));
    assert.throws(() => parseExperiment(experiment(url, ''), 'timed.yaml', { registry, env: {} }), /fault 'slow' needs a duration: it sends its duration\./);
  });
});
