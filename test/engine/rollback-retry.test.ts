import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import type { RollbackRetryOptions } from '../../src/engine/run/options.js';
import { backoffDelay } from '../../src/engine/run/rollback-retry.js';
import { runExperiment } from '../../src/engine/runner.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import type { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition } from '../../src/registry/types.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJUnit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSummary } from '../../src/report/summary.js';
import { VirtualService, virtualRegistry } from '../support/virtual-service.js';

/**
 * `virtual.stuck-down`: takes the virtual service down (its targets named as `vs-1`); its undo fails `failures` times
 * (a failure it marks retryable, or not) before it brings the service back. Every undo attempt is a call at its instant.
 */
function stuckDown(service: VirtualService, failures: number, retryable: boolean): ActionDefinition<Record<string, never>> {
  let failed = 0;
  return {
    id: 'virtual.stuck-down',
    summary: 'Takes the virtual service down; its undo fails a few times first.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({}),
    async run(_a, ctx) {
      const at = ctx.clock.now();
      service.down();
      ctx.recordCall({ service: 'virtual', operation: 'down', request: { ServiceIds: ['vs-1'] }, startedAt: at, endedAt: at, mutating: true, ok: true });
      return { output: { down: true } };
    },
    async rollback(_a, _r, ctx) {
      const at = ctx.clock.now();
      const ok = failed >= failures;
      ctx.recordCall({ service: 'virtual', operation: 'up', request: { ServiceIds: ['vs-1'] }, startedAt: at, endedAt: at, mutating: true, ok });
      if (!ok) {
        failed++;
        throw new ActionFailedError(`The service's control plane is unavailable (failure ${failed}).`, { retryable });
      }
      service.up();
      return { output: { up: true } };
    },
  };
}

const EXPERIMENT = `apiVersion: gameday/v1
metadata: { name: rollback-retry }
steadyState: { samples: 2 }
probes:
  - name: web
    probe: virtual.up
    interval: 1s
faults:
  - name: stuck
    action: virtual.stuck-down
    duration: 1500ms
recovery: { stableFor: 1s, timeout: 20s }
`;

async function run(clock: ManualClock, registry: Registry, retry: { rollbackTimeoutMs: number; rollbackRetry: RollbackRetryOptions }): Promise<Journal> {
  const loaded = parseExperiment(EXPERIMENT, 'test.yaml', { registry, env: {} });
  // These runs make no AWS call; the engine is given its clients all the same.
  const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
  const journal = await clock.run(runExperiment(loaded, { registry, aws, clock, runId: 'gd-test-run', ...retry }).finally(() => aws.destroy()));
  journalSchema.parse(journal);
  return journal;
}

describe('a failing rollback is retried with backoff up to its deadline', () => {
  it('waits 1 s then 2 s (doubling, no jitter) between attempts, and the run passes once the third attempt succeeds', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const journal = await run(clock, virtualRegistry(service).registerAction(stuckDown(service, 2, true)), {
      rollbackTimeoutMs: 60_000,
      rollbackRetry: { initialDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 },
    });
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    assert.equal(journal.verdict.exitCode, 0);
    assert.equal(journal.outstandingUndo, undefined);
    const end = journal.activities.find((a) => a.kind === 'fault-end');
    assert.ok(end !== undefined);
    assert.equal(end.status, 'succeeded');
    assert.equal(end.attempts, 3);
    const ups = end.calls.filter((c) => c.operation === 'up');
    assert.deepEqual(
      ups.map((c) => c.ok),
      [false, false, true],
    );
    const first = ups[0]?.startedAt ?? Number.NaN;
    assert.deepEqual(
      ups.map((c) => c.startedAt - first),
      [0, 1_000, 3_000],
    );
    // The activity spans its attempts: it starts with the first and ends with the last.
    assert.equal(end.startedAt, first);
    assert.equal(service.isUp, true);
    const up = service.transitions.findLast((t) => t.up);
    const down = service.transitions.findLast((t) => !t.up);
    assert.equal((up?.at ?? 0) - (down?.at ?? 0), 1_500 + 3_000);
  });

  it('gives up at the deadline: the verdict is rollback-failed (exit 7) whatever else happened, and names what may still be faulted', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const journal = await run(clock, virtualRegistry(service).registerAction(stuckDown(service, 1_000, true)), {
      rollbackTimeoutMs: 10_000,
      rollbackRetry: { initialDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 },
    });
    assert.equal(journal.verdict.status, 'rollback-failed');
    assert.equal(journal.verdict.exitCode, 7);
    // Attempts at 0, 1, 3 and 7 s; the next would start at 15 s, past the 10-s deadline.
    const end = journal.activities.find((a) => a.kind === 'fault-end');
    const ups = end?.calls.filter((c) => c.operation === 'up') ?? [];
    const first = ups[0]?.startedAt ?? Number.NaN;
    assert.deepEqual(
      ups.map((c) => c.startedAt - first),
      [0, 1_000, 3_000, 7_000],
    );
    assert.equal(end?.attempts, 4);
    assert.equal(end?.status, 'failed');
    assert.equal(journal.outstandingUndo?.length, 1);
    const u = journal.outstandingUndo?.[0];
    assert.deepEqual(
      {
        kind: u?.kind,
        fault: u?.fault,
        action: u?.action,
        resources: u?.resources,
        attempts: u?.attempts,
        span: (u?.lastAttemptAt ?? 0) - (u?.firstAttemptAt ?? 0),
      },
      { kind: 'fault-end', fault: 'stuck', action: 'virtual.stuck-down', resources: ['vs-1'], attempts: 4, span: 7_000 },
    );
    assert.deepEqual(u?.result, { output: { down: true } });
    assert.match(u?.error.message ?? '', /failure 4/);
    assert.equal(
      journal.verdict.reason,
      "Rollback failed: vs-1 may still be faulted (virtual.stuck-down, fault 'stuck'); tried 4 times over 7.00s; last error: The service's control plane is unavailable (failure 4). Finish with 'gameday undo gd-test-run'.",
    );
    // The service never came back, so the run did not recover either: that is kept beside the headline.
    assert.equal(journal.verdict.otherwise?.status, 'not-recovered');
    assert.equal(service.isUp, false);
    // Every report leads with it.
    assert.match(renderSummary(journal).split('\n')[0] ?? '', /^verdict: ROLLBACK-FAILED — Rollback failed: vs-1 may still be faulted/);
    assert.match(renderMarkdown(journal), /^## 🚨 rollback-retry: ROLLBACK-FAILED\n\nRollback failed: vs-1[^\n]*\n\n\*\*Faults may still be in place\.\*\*/);
    const html = renderHtml(journal);
    assert.ok(html.indexOf('id="rollback-failed"') > 0 && html.indexOf('id="rollback-failed"') < html.indexOf('<h1>'), 'the banner comes before everything');
    assert.match(
      renderJUnit([journal]),
      /<testcase classname="gameday\.rollback-retry\.rollbacks" name="fault-end stuck" time="0">\s*<failure type="rollback-failed"/,
    );
  });

  it('does not retry a failure that cannot pass: one attempt, then rollback-failed', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const journal = await run(clock, virtualRegistry(service).registerAction(stuckDown(service, 1_000, false)), {
      rollbackTimeoutMs: 10_000,
      rollbackRetry: { initialDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 },
    });
    assert.equal(journal.verdict.status, 'rollback-failed');
    const end = journal.activities.find((a) => a.kind === 'fault-end');
    assert.equal(end?.attempts, undefined);
    assert.equal(end?.calls.filter((c) => c.operation === 'up').length, 1);
    assert.match(journal.verdict.reason, /tried once/);
  });
});

describe('backoffDelay', () => {
  it('doubles from the first wait up to the longest, and takes at most the jitter share off at random', () => {
    const o = { initialDelayMs: 500, maxDelayMs: 3_000, jitter: 0.5 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, () => 0)),
      [500, 1_000, 2_000, 3_000, 3_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(n, o, () => 1)),
      [250, 500, 1_000],
    );
  });
});
