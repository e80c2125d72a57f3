import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { journalSchema } from '../../src/engine/journal.js';
import { runExperiment, type RollbackStep } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { startWorkload } from '../support/workload.js';

const registry = defaultRegistry();

describe("the hooks of an experiment's own rollbacks", () => {
  let w: Awaited<ReturnType<typeof startWorkload>>;
  before(async () => {
    w = await startWorkload();
  });
  after(async () => {
    await w.close();
  });

  function load(text: string): ReturnType<typeof parseExperiment> {
    return parseExperiment(text.replaceAll('CONTROL', w.control), 'test.yaml', { registry, env: {} });
  }

  const text = (rollbacks: string): string => `apiVersion: gameday/v1
metadata: { name: rollback-hooks }
steadyState: { samples: 1 }
probes:
  - { name: web, probe: http, args: { url: "${w.workload.url}/health", timeout: 500ms }, interval: 1s }
faults:
  - name: outage
    action: http.request
    args: { url: "CONTROL/down" }
recovery: { stableFor: 1s, timeout: 20s }
${rollbacks}`;

  it('records the rollbacks before anything is injected, skips one the claim refuses, and marks each that ran with its output', async () => {
    const loaded = load(
      text(`rollbacks:
  - { name: already-done, action: http.request, args: { url: "CONTROL/up" } }
  - { name: restore, action: http.request, args: { url: "CONTROL/up" } }`),
    );
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    const events: string[] = [];
    let recorded: readonly RollbackStep[] = [];
    const outputs = new Map<string, unknown>();
    try {
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        recordRollbacks: async (rollbacks) => {
          recorded = rollbacks;
          events.push('record');
        },
        beforeMutation: async (step) => {
          events.push(`inject ${step.fault}`);
        },
        // Another process ran the first one already: the claim says so.
        beforeRollbackStep: async (step) => {
          events.push(`claim ${step.name}`);
          return step.index !== 0;
        },
        afterRollbackStep: async (step, record, output) => {
          events.push(`end ${step.name} ${record.status}`);
          outputs.set(step.name, output);
        },
      });
      journalSchema.parse(journal);
      assert.deepEqual(recorded, [
        { index: 0, name: 'already-done', action: 'http.request' },
        { index: 1, name: 'restore', action: 'http.request' },
      ]);
      assert.deepEqual(events, ['record', 'inject outage', 'claim already-done', 'claim restore', 'end restore succeeded']);
      assert.deepEqual(
        journal.activities.filter((a) => a.kind === 'rollback').map((a) => [a.name, a.status, a.calls.length]),
        [
          ['already-done', 'skipped', 0],
          ['restore', 'succeeded', 1],
        ],
      );
      assert.equal((outputs.get('restore') as { status?: number } | undefined)?.status, 200);
      assert.equal(w.workload.isUp, true);
    } finally {
      aws.destroy();
      await w.workload.up();
    }
  });

  it('injects nothing when the rollbacks cannot be recorded, and says why', async () => {
    const loaded = load(text('rollbacks:\n  - { name: restore, action: http.request, args: { url: "CONTROL/up" } }'));
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    const injected: string[] = [];
    try {
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        recordRollbacks: () => Promise.reject(new Error('Redis is unreachable')),
        beforeMutation: async (step) => {
          injected.push(step.fault);
        },
      });
      assert.equal(journal.verdict.status, 'errored');
      assert.equal(journal.verdict.reason, "the experiment's rollbacks could not be recorded, so nothing was injected: Redis is unreachable");
      assert.deepEqual(injected, []);
      assert.deepEqual(
        journal.activities.map((a) => [a.kind, a.name, a.status]),
        [['rollback', 'restore', 'skipped']],
      );
      assert.equal(w.workload.isUp, true);
    } finally {
      aws.destroy();
    }
  });
  it('once the run is lost to another process (mayMutate false), injects nothing more and leaves every undo to it', async () => {
    const loaded = load(`apiVersion: gameday/v1
metadata: { name: rollback-hooks-lost }
steadyState: { samples: 1 }
probes:
  - { name: web, probe: http, args: { url: "${w.workload.url}/health", timeout: 500ms }, interval: 1s }
faults:
  - name: outage
    action: http.request
    args: { url: "CONTROL/down" }
  - name: later
    action: http.request
    args: { url: "CONTROL/down" }
    startAfter: 1s
recovery: { stableFor: 1s, timeout: 20s }
rollbacks:
  - { name: restore, action: http.request, args: { url: "CONTROL/up" } }`);
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    const events: string[] = [];
    // Owned until the first fault landed: then another process took the run over.
    let owned = true;
    try {
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        mayMutate: () => owned,
        confirmMayMutate: async () => {
          events.push('confirm');
          return owned;
        },
        beforeMutation: async (step) => {
          events.push(`inject ${step.fault}`);
        },
        afterMutation: async () => {
          owned = false;
        },
        beforeRollbackStep: async (step) => {
          events.push(`claim ${step.name}`);
          return true;
        },
      });
      journalSchema.parse(journal);
      // Asked before the rollbacks and before the steady state after, both skipped; no rollback was claimed.
      assert.deepEqual(events, ['inject outage', 'confirm', 'confirm']);
      assert.equal(journal.verdict.status, 'aborted');
      assert.equal(journal.verdict.reason, "fault 'later' was not injected: this process no longer owns the run");
      assert.deepEqual(
        journal.activities.map((a) => [a.kind, a.name, a.status]),
        [
          ['fault', 'outage', 'succeeded'],
          ['rollback', 'restore', 'skipped'],
        ],
      );
      // The restore was left to the new owner: the workload is still down here.
      assert.equal(w.workload.isUp, false);
    } finally {
      aws.destroy();
      await w.workload.up();
    }
  });
});
