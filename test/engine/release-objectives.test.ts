/**
 * Objectives fit for a release, judged on a whole run on a virtual clock: an error rate and a p99 measured over the
 * rollout step (or the method phase) rather than the fault window, and the time from a release's start to the
 * rollback its action reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ManualClock } from '../../src/core/manual-clock.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { decodeSamples, encodeSamples, journalSchema, type Journal } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { duration } from '../../src/experiment/fields.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSummary } from '../../src/report/summary.js';
import type { ActionDefinition } from '../../src/registry/types.js';
import { REQUEST_MS, VirtualService, virtualRegistry } from '../support/virtual-service.js';

/**
 * A release on the virtual service that goes bad at once (the service is down), and is rolled back after `badFor`
 * (the service is back) unless `rollsBack` is false; the step lasts `takes` in all. Its output is what the instance
 * refresh action reports: the refresh's status and, when it rolled back, the ISO instant it did.
 */
function releaseAction(service: VirtualService): ActionDefinition<{ badFor: number; takes: number; rollsBack: boolean }> {
  return {
    id: 'virtual.release',
    summary: 'Releases a bad version of the virtual service, rolled back after a while.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({ badFor: duration(), takes: duration(), rollsBack: z.boolean().default(true) }),
    async run(a, ctx) {
      const at = ctx.clock.now();
      service.down();
      ctx.recordCall({ service: 'virtual', operation: 'release', request: {}, startedAt: at, endedAt: at, mutating: true, ok: true });
      await ctx.clock.sleep(a.badFor, ctx.signal);
      if (!a.rollsBack) return { output: { status: 'Successful' } };
      service.up();
      const rolledBackAt = new Date(ctx.clock.toEpochMs(ctx.clock.now())).toISOString();
      await ctx.clock.sleep(a.takes - a.badFor, ctx.signal);
      return { output: { status: 'RollbackSuccessful', rolledBackAt } };
    },
  };
}

function releaseExperiment(release: string, objectives: string): string {
  return `apiVersion: gameday/v1
metadata: { name: release-objectives }
steadyState: { samples: 2 }
probes:
  - name: web
    probe: virtual.up
    interval: 1s
faults:
  - name: release
    action: virtual.release
    args: ${release}
recovery: { stableFor: 1s, timeout: 30s }
objectives: ${objectives}`;
}

async function run(text: string): Promise<{ journal: Journal; service: VirtualService }> {
  const clock = new ManualClock();
  const service = new VirtualService(clock);
  const registry = virtualRegistry(service).registerAction(releaseAction(service));
  const loaded = parseExperiment(text, 'release.yaml', { registry, env: {} });
  const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
  const journal = await clock.run(runExperiment(loaded, { registry, aws, clock }).finally(() => aws.destroy()));
  journalSchema.parse(journal);
  return { journal, service };
}

const objective = (j: Journal, name: string, n = 0) => j.objectives.filter((o) => o.objective === name)[n];

describe('release objectives', () => {
  it('measures the error rate and p99 over the rollout step, and the time to the reported rollback', async () => {
    const { journal } = await run(
      releaseExperiment(
        '{ badFor: 2s, takes: 10s }',
        '{ maxErrorRate: { max: 30%, during: release }, maxP99Latency: { max: 1s, during: method }, rolledBackWithin: 5s }',
      ),
    );
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    const step = journal.activities.find((a) => a.name === 'release');
    assert.ok(step?.startedAt != null && step.endedAt != null);
    // The error rate: down 2 s of the 10 s step, within the fast sampling's brackets.
    const rate = objective(journal, 'maxErrorRate');
    assert.equal(rate?.status, 'pass', rate?.detail);
    assert.deepEqual(rate?.during, { step: 'release', start: step.startedAt, end: step.endedAt });
    assert.ok(rate?.measured != null && Math.abs(rate.measured - 0.2) <= 0.01, `error rate ${rate?.measured}`);
    assert.ok(rate.uncertainty !== null && rate.uncertainty <= 0.01);
    assert.match(rate.detail, /of step release/);
    const p99 = objective(journal, 'maxP99Latency');
    assert.equal(p99?.status, 'pass', p99?.detail);
    assert.equal(p99?.during?.step, 'method');
    assert.ok(p99?.measured != null && Math.abs(p99.measured - REQUEST_MS) < 0.01, `p99 ${p99?.measured}`);
    // The rollback: reported 2 s after the step started, in AWS time (speed 1).
    const back = objective(journal, 'rolledBackWithin');
    assert.equal(back?.status, 'pass', back?.detail);
    assert.ok(back?.measured != null && Math.abs(back.measured - 2_000) < 1, `rolled back after ${back?.measured}`);
    assert.equal(back.margin, 5_000 - back.measured);
    assert.match(back.detail, /^step release rolled back 2\.00s after it started \(status RollbackSuccessful\), limit 5\.00s$/);
    // Reports show it like every other objective: its measured value, target and margin.
    assert.match(renderMarkdown(journal), /\| rolledBackWithin \| PASS \| 2\.00s \| 5\.00s \| \+3\.00s \|/);
    assert.match(renderSummary(journal), /objective maxErrorRate: PASS — web out of tolerance \d+\.\d\d% of step release/);
  });

  it('fails a window whose error rate is over its limit, and a rollback slower than allowed', async () => {
    const { journal } = await run(
      releaseExperiment('{ badFor: 4s, takes: 8s }', '{ maxErrorRate: { max: 10%, during: release }, rolledBackWithin: { within: 3s, step: release } }'),
    );
    assert.equal(journal.verdict.status, 'failed-objective');
    const rate = objective(journal, 'maxErrorRate');
    assert.equal(rate?.status, 'fail');
    assert.ok(rate?.measured != null && Math.abs(rate.measured - 0.5) <= 0.01, `error rate ${rate?.measured}`);
    const back = objective(journal, 'rolledBackWithin');
    assert.equal(back?.status, 'fail');
    assert.ok(back?.margin != null && back.margin < 0);
    assert.match(journal.verdict.reason, /rolledBackWithin \(step release rolled back 4\.00s after it started/);
  });

  it('fails rolledBackWithin when the release never rolled back', async () => {
    const { journal } = await run(releaseExperiment('{ badFor: 1s, takes: 1s, rollsBack: false }', '{ rolledBackWithin: 10m }'));
    const back = objective(journal, 'rolledBackWithin');
    assert.equal(back?.status, 'fail');
    assert.equal(back?.measured, null);
    assert.equal(back?.detail, 'step release never rolled back (status Successful), limit 10m00s');
  });

  it('refuses a window or a release step that is not a fault, before anything runs', () => {
    const service = new VirtualService(new ManualClock());
    const registry = virtualRegistry(service).registerAction(releaseAction(service));
    assert.throws(
      () =>
        parseExperiment(releaseExperiment('{ badFor: 1s, takes: 2s }', '{ maxErrorRate: { max: 1%, during: relaese } }'), 'bad.yaml', { registry, env: {} }),
      (e: Error) => /measures during step 'relaese', which is not a fault \(did you mean 'release'\?\)/.test(e.message),
    );
    assert.throws(
      () =>
        parseExperiment(releaseExperiment('{ badFor: 1s, takes: 2s }', '{ rolledBackWithin: { within: 5m, step: deploy } }'), 'bad.yaml', {
          registry,
          env: {},
        }),
      (e: Error) => /times the rollback of step 'deploy', which is not a fault/.test(e.message),
    );
  });

  it('journals what each sample said beyond its value, and nothing when no sample did', () => {
    const samples = [
      { start: 10, end: 11, ok: true, fast: false, value: 'InProgress', detail: 'refresh r-1 InProgress at 50%' },
      { start: 20, end: 21, ok: true, fast: false, value: 'InProgress', detail: 'refresh r-1 InProgress at 50%' },
      { start: 30, end: 31, ok: false, fast: false, value: 'RollbackInProgress', reason: 'rolling back', detail: 'refresh r-1 RollbackInProgress at 0%' },
    ];
    const encoded = encodeSamples(samples, 0);
    assert.deepEqual(encoded.detail, [
      ['refresh r-1 InProgress at 50%', 2],
      ['refresh r-1 RollbackInProgress at 0%', 1],
    ]);
    assert.deepEqual(decodeSamples(encoded), samples);
    assert.equal('detail' in encodeSamples([{ start: 1, end: 2, ok: true, fast: false, value: 200 }], 0), false);
  });
});
