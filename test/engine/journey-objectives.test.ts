import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { notEvaluated } from '../../src/engine/objectives.js';
import { runExperiment } from '../../src/engine/runner.js';
import { objectiveProbes } from '../../src/experiment/objective-probes.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { ExperimentValidationError, formatIssue } from '../../src/errors/validation-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSummary } from '../../src/report/summary.js';
import { OrdersServer } from '../support/orders-server.js';

const registry = defaultRegistry();

/** An experiment whose `orders` probe follows the order journey (create, then read back) every 200 ms. */
function experiment(base: string, rest: string, extraProbe = ''): string {
  return `apiVersion: gameday/v1
metadata: { name: journey-objectives }
steadyState: { samples: 2 }
probes:
  - name: orders
    probe: http.journey
    args:
      steps:
        - { method: POST, url: "${base}/orders", body: '{"item":"x"}', expect: 201, capture: { id: "$.id" } }
        - { method: GET, url: "${base}/orders/\${id}", expect: 200 }
      limit: 1s
      timeout: 500ms
    interval: 200ms
${extraProbe}recovery: { stableFor: 500ms, timeout: 10s }
${rest}`;
}

async function run(text: string): Promise<Journal> {
  const loaded = parseExperiment(text, 'journey.yaml', { registry, env: {} });
  const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
  const journal = await runExperiment(loaded, { registry, aws }).finally(() => aws.destroy());
  journalSchema.parse(journal);
  return journal;
}

function refusal(text: string): string[] {
  try {
    parseExperiment(text, 'journey.yaml', { registry, env: {} });
  } catch (error) {
    assert.ok(error instanceof ExperimentValidationError, String(error));
    return error.issues.map(formatIssue);
  }
  assert.fail('the experiment was accepted');
}

describe('journey objectives', () => {
  const server = new OrdersServer();
  let base: string;
  before(async () => {
    base = await server.start();
  });
  after(() => server.close());

  it('passes minJourneySuccessRate and maxJourneyP99 when every journey completes quickly', async () => {
    const created = server.orders.size;
    const journal = await run(
      experiment(
        base,
        `faults:
  - name: nudge
    action: http.request
    args: { url: "${base}/control/slow?ms=0" }
objectives:
  minJourneySuccessRate: { min: 99%, probes: [orders] }
  maxJourneyP99: 500ms`,
      ),
    );
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    const byName = Object.fromEntries(journal.objectives.map((o) => [o.objective, o]));
    assert.equal(byName.minJourneySuccessRate?.status, 'pass', byName.minJourneySuccessRate?.detail);
    assert.equal(byName.minJourneySuccessRate?.measured, 1);
    assert.deepEqual(byName.minJourneySuccessRate?.probes, ['orders']);
    assert.match(
      byName.minJourneySuccessRate?.detail ?? '',
      /^orders completed journeys 100\.00% of the fault window \(0 of \d+ journeys failed\), minimum 99\.00%$/,
    );
    assert.equal(byName.maxJourneyP99?.status, 'pass', byName.maxJourneyP99?.detail);
    assert.deepEqual(byName.maxJourneyP99?.probes, ['orders'], 'the journey probe is the default of a journey objective');
    assert.match(byName.maxJourneyP99?.detail ?? '', /^p99 \d+ms on orders \(\d+ completed journeys\), limit 500ms$/);
    const samples = journal.measurement.probes.orders?.samples ?? 0;
    assert.ok(samples >= 3);
    assert.ok(server.orders.size - created >= samples, 'every journey created an order');
  });

  it('fails both when journeys fail and slow down during the fault, counting the failed journeys', async () => {
    const journal = await run(
      experiment(
        base,
        `faults:
  - name: break-reads
    action: http.request
    args: { url: "${base}/control/fail?for=1200" }
  - name: slow-down
    action: http.request
    args: { url: "${base}/control/slow?ms=120&for=2000" }
objectives:
  minJourneySuccessRate: 99%
  maxJourneyP99: { max: 200ms, probes: [orders] }`,
      ).replace('limit: 1s', 'limit: 200ms'),
    );
    assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
    const byName = Object.fromEntries(journal.objectives.map((o) => [o.objective, o]));
    const rate = byName.minJourneySuccessRate;
    assert.equal(rate?.status, 'fail');
    assert.ok(rate?.measured !== null && rate?.measured !== undefined && rate.measured < 0.99, String(rate?.measured));
    assert.ok((rate?.uncertainty ?? -1) >= 0);
    assert.match(rate?.detail ?? '', /^orders completed journeys \d+\.\d\d% of the fault window \([1-9]\d* of \d+ journeys failed\), minimum 99\.00%$/);
    const p99 = byName.maxJourneyP99;
    assert.equal(p99?.status, 'fail', p99?.detail);
    // Journeys over their 200 ms limit failed, and still count in the p99: two steps of 120 ms each.
    assert.ok((p99?.measured ?? 0) >= 240, `two steps of 120 ms: ${p99?.measured}`);
    assert.ok(journal.objectives.every((o) => o.status === 'fail'));
    // Every report shows the journey, its steps and the step that failed it, as many times as the journal counts.
    const failedReads = /(\d+)× step 2 \(GET \/orders\/\$\{id\}\): HTTP 500, expected 200/;
    const terminal = renderSummary(journal);
    const line = terminal.split('\n').find((l) => l.startsWith('journey orders: '));
    assert.ok(line !== undefined, terminal);
    assert.ok(line.startsWith('journey orders: step 1 (POST /orders) → step 2 (GET /orders/${id}); failed journeys: '), line);
    const reads = Number(failedReads.exec(line)?.[1] ?? 0);
    assert.ok(reads >= 1, line);
    assert.ok(reads <= (journal.measurement.probes.orders?.failedSamples ?? 0));
    assert.match(terminal, /probe orders \(http\.journey\): \d+ journeys, [1-9]\d* failed/);
    const markdown = renderMarkdown(journal);
    assert.match(markdown, /### Journeys\n\n\| probe \| steps \| journeys \| failed \| p99 during \| failures \|/);
    assert.match(
      markdown,
      new RegExp(`\\| orders \\| step 1 \\(POST /orders\\) → step 2 \\(GET /orders/\\$\\{id\\}\\) \\| \\d+ \\| [1-9]\\d* \\| \\d+ms \\| .*${reads}× step 2`),
    );
    const html = renderHtml(journal);
    assert.match(html, /<table id="journeys">.*<td>orders<\/td><td>step 1 \(POST \/orders\) → step 2 \(GET \/orders\/\$\{id\}\)<\/td>/s);
    assert.match(line, /\d+× journey over its 200ms limit/);
    assert.ok(html.includes(`${reads}× step 2 (GET /orders/\${id}): HTTP 500, expected 200`));
  });

  it('refuses, one sentence each, journey objectives on probes that follow no journey, and a journey held to maxP99Latency', () => {
    const issues = refusal(
      experiment(
        base,
        `faults:
  - name: nudge
    action: http.request
    args: { url: "${base}/control/slow?ms=0" }
objectives:
  minJourneySuccessRate: { min: 99%, probes: [home] }
  maxP99Latency: { max: 300ms, probes: [orders] }`,
        `  - name: home
    probe: http
    args: { url: "${base}/" }
`,
      ),
    );
    assert.deepEqual(issues.sort(), [
      "journey.yaml:23:47 at objectives.minJourneySuccessRate.probes[0]: probe 'home' (http) follows no journey, so it has none to hold to minJourneySuccessRate; name journey probes (http.journey)",
      "journey.yaml:24:41 at objectives.maxP99Latency.probes[0]: probe 'orders' (http.journey) times whole journeys, not requests: hold its latency to maxJourneyP99 instead",
    ]);
  });

  it('reports the journey objectives of an aborted run as not evaluated, on the journey probe, in its units', () => {
    const loaded = parseExperiment(
      experiment(
        base,
        `faults:
  - name: nudge
    action: http.request
    args: { url: "${base}/control/slow?ms=0" }
objectives: { minJourneySuccessRate: 99.5%, maxJourneyP99: 800ms, maxP99Latency: 300ms }`,
        `  - name: home
    probe: http
    args: { url: "${base}/" }
`,
      ),
      'journey.yaml',
      { registry, env: {} },
    );
    const e = loaded.experiment;
    const probesOf = objectiveProbes(e, registry);
    assert.deepEqual(probesOf.maxP99Latency, ['home'], 'the latency objective leaves the journey out');
    assert.deepEqual(
      notEvaluated(e.objectives, probesOf, 'stopped').map((o) => [o.objective, o.target, o.unit, o.timeBase, o.probes, o.status]),
      [
        ['maxP99Latency', 300, 'ms', 'real', ['home'], 'not-evaluated'],
        ['minJourneySuccessRate', 0.995, 'ratio', undefined, ['orders'], 'not-evaluated'],
        ['maxJourneyP99', 800, 'ms', 'real', ['orders'], 'not-evaluated'],
      ],
    );
  });

  it('refuses a journey step that uses a value no earlier step captures, naming the step', () => {
    const issues = refusal(
      experiment(base, 'faults:\n  - name: nudge\n    action: http.request\n    args: { url: "http://127.0.0.1:1/" }\n').replace(
        'capture: { id: "$.id" }',
        'capture: { ref: "$.id" }',
      ),
    );
    assert.equal(issues.length, 1, issues.join('\n'));
    assert.match(
      issues[0] ?? '',
      /at probes\[0\]\.args\.steps\[1\]\.url: '\$\{id\}' is not captured by an earlier step \(capture it with capture: \{ id: '\$\.…' \}\)$/,
    );
  });
});
