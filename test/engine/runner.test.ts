import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { ActionFailedError } from '../../src/errors/action-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { httpProbe } from '../../src/probes/net/http.js';
import { tcpProbe } from '../../src/probes/net/tcp.js';
import { httpRequestAction } from '../../src/actions/local/http-request.js';
import type { ActionDefinition } from '../../src/registry/types.js';
import type { Workload } from '../../src/sim/workload.js';
import { startWorkload, toJournalTime } from '../support/workload.js';
import { REQUEST_MS, VirtualService, virtualRegistry } from '../support/virtual-service.js';

const registry = defaultRegistry();

/** A fault that takes the test service down until the rollback below brings it back. */
const DOWN = 'faults:\n  - name: outage\n    action: http.request\n    args: { url: "CONTROL/down" }\n';
const RESTORE = 'rollbacks:\n  - name: restore\n    action: http.request\n    args: { url: "CONTROL/up" }';

function experiment(url: string, control: string, body: string): string {
  return `apiVersion: gameday/v1
metadata: { name: runner-test }
steadyState: { samples: 2 }
probes:
  - name: web
    probe: http
    args: { url: "${url}/health", timeout: 500ms }
    interval: 1s
${body.replaceAll('CONTROL', control)}`;
}

async function run(text: string, options: { signal?: AbortSignal; registry?: Registry; onFailing?: () => void; clock?: ManualClock } = {}): Promise<Journal> {
  const reg = options.registry ?? registry;
  const loaded = parseExperiment(text, 'test.yaml', { registry: reg, env: {} });
  // These runs make no AWS call; the engine is given its clients all the same.
  const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
  const running = runExperiment(loaded, {
    registry: reg,
    aws,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    listener: { probeState: (_p, ok) => (ok ? undefined : options.onFailing?.()) },
  }).finally(() => aws.destroy());
  const journal = await (options.clock === undefined ? running : options.clock.run(running));
  journalSchema.parse(journal);
  return journal;
}

/** What a passed outage run shows besides its timing: objectives met, every phase in order, the fault's one call. */
function assertPassedOutage(journal: Journal, operation: string): void {
  const objectives = Object.fromEntries(journal.objectives.map((o) => [o.objective, o]));
  assert.equal(objectives.rto?.status, 'pass');
  assert.equal(objectives.maxP99Latency?.status, 'pass');
  assert.deepEqual(
    journal.phases.map((p) => p.name),
    ['resolve-targets', 'steady-state-before', 'method', 'recovery', 'steady-state-after'],
  );
  const fault = journal.activities.find((a) => a.kind === 'fault');
  assert.equal(fault?.status, 'succeeded');
  assert.equal(fault?.calls[0]?.operation, operation);
}

/** The runner's test experiment against the virtual service: one probe every second, 25 ms when fast. */
function virtualExperiment(body: string): string {
  return `apiVersion: gameday/v1
metadata: { name: runner-test }
steadyState: { samples: 2 }
probes:
  - name: web
    probe: virtual.up
    interval: 1s
${body}`;
}

/** Fast interval of a 1 s probe (a fortieth), the width every bracket around a change must stay within. */
const FAST_MS = 25;

describe('runExperiment on a virtual clock', () => {
  it('measures impact and recovery of a 3 s outage at the instants the service really went down and came back', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const origin = clock.now();
    const journal = await run(
      virtualExperiment(`faults:
  - name: outage
    action: virtual.outage
    args: { for: 3s }
recovery: { stableFor: 1s, timeout: 20s }
objectives: { rto: 10s, maxP99Latency: 400ms }`),
      { registry: virtualRegistry(service), clock },
    );
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    assert.equal(journal.verdict.exitCode, 0);
    const down = service.transitions.findLast((t) => !t.up);
    const up = service.transitions.findLast((t) => t.up);
    assert.ok(down !== undefined && up !== undefined);
    assert.equal(up.at - down.at, 3_000);
    const m = journal.measurement;
    assert.ok(m.impactAt !== null && m.recoveredAt !== null && m.timeToRecovery !== null && m.injectedAt !== null);
    const trueDown = down.at - origin;
    const trueUp = up.at - origin;
    // The truth lies inside the brackets the journal reports.
    assert.ok(m.impactAt.lower <= trueDown && trueDown <= m.impactAt.upper, `down ${trueDown} outside [${m.impactAt.lower}, ${m.impactAt.upper}]`);
    assert.ok(m.recoveredAt.lower <= trueUp && trueUp <= m.recoveredAt.upper, `up ${trueUp} outside [${m.recoveredAt.lower}, ${m.recoveredAt.upper}]`);
    // Adaptive sampling: each bracket is one fast interval (plus the request), not the 1 s steady-state interval.
    assert.ok(m.recoveredAt.upper - m.recoveredAt.lower <= FAST_MS + REQUEST_MS, `recovery bracket ${m.recoveredAt.upper - m.recoveredAt.lower}ms`);
    assert.ok(m.impactAt.upper - m.impactAt.lower <= FAST_MS + REQUEST_MS, `impact bracket ${m.impactAt.upper - m.impactAt.lower}ms`);
    const trueTtr = trueUp - m.injectedAt.value;
    assert.ok(Math.abs(m.timeToRecovery.value - trueTtr) <= (m.timeToRecovery.upper - m.timeToRecovery.lower) / 2);
    assert.ok(m.downtime.lower <= 3_000 && m.downtime.upper >= 3_000, `downtime ${JSON.stringify(m.downtime)}`);
    assert.ok(m.downtime.upper - m.downtime.lower <= 2 * (FAST_MS + REQUEST_MS), `downtime ${JSON.stringify(m.downtime)}`);
    // Steady-state sampling stays at the declared interval before injection: the warm-up answer, then the two judged.
    const web = journal.probes[0];
    assert.ok(web !== undefined);
    const before = web.samples.start.filter((t) => t < (m.injectedAt?.lower ?? 0));
    assert.equal(before.length, 3);
    assertPassedOutage(journal, 'outage');
  });

  it('ends a fault after its duration through its own rollback, and measures the recovery that follows', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const journal = await run(
      virtualExperiment(`faults:
  - name: takedown
    action: virtual.take-down
    duration: 1500ms
recovery: { stableFor: 1s, timeout: 20s }`),
      { registry: virtualRegistry(service), clock },
    );
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    assert.deepEqual(
      journal.activities.map((a) => a.kind),
      ['fault', 'fault-end'],
    );
    const ttr = journal.measurement.timeToRecovery;
    // The service came back exactly 1.5 s after the fault landed; recovery is seen within one fast sample of it.
    assert.ok(ttr !== null && ttr.lower <= 1_500 && 1_500 <= ttr.upper && ttr.upper - ttr.lower <= 2 * (FAST_MS + REQUEST_MS), JSON.stringify(ttr));
    assert.equal(service.isUp, true);
  });
});

describe('the steady state before injection', () => {
  const body = `faults:
  - name: outage
    action: virtual.outage
    args: { for: 1s }
recovery: { stableFor: 1s, timeout: 20s }`;

  it('gives up with not-steady when the required samples do not come within the timeout, injecting nothing', async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    const journal = await run(virtualExperiment(body).replace('steadyState: { samples: 2 }', 'steadyState: { samples: 3, timeout: 1500ms }'), {
      registry: virtualRegistry(service),
      clock,
    });
    assert.equal(journal.verdict.status, 'not-steady');
    assert.equal(journal.verdict.reason, 'the steady state could not be established within 1.50s');
    assert.equal(journal.measurement.injectedAt, null);
    assert.deepEqual(
      service.transitions.map((t) => t.up),
      [true],
    );
  });

  it("does not count the probes' answering time against the timeout: slow answers at a high sim speed are not an unsteady system", async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    // Each answer takes 1.5 s against a 1-s interval: three samples need 4.5 s, while 2.5 s covers three intervals.
    service.requestMs = 1_500;
    const journal = await run(virtualExperiment(body).replace('steadyState: { samples: 2 }', 'steadyState: { samples: 3, timeout: 2500ms }'), {
      registry: virtualRegistry(service),
      clock,
    });
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    const web = journal.probes[0];
    assert.ok(web !== undefined && web.samples.duration.slice(0, 3).every((d) => d >= 1_500), 'every sample took its 1.5 s');
  });

  it("does not count a probe's cold start (its first answer) against the timeout", async () => {
    const clock = new ManualClock();
    const service = new VirtualService(clock);
    service.coldStartMs = 8_000;
    const journal = await run(virtualExperiment(body).replace('steadyState: { samples: 2 }', 'steadyState: { samples: 2, timeout: 5s }'), {
      registry: virtualRegistry(service),
      clock,
    });
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    const web = journal.probes[0];
    assert.ok(web !== undefined && (web.samples.duration[0] ?? 0) >= 8_000, 'the first sample took the cold start');
  });
});

describe('runExperiment against a real HTTP service', () => {
  // Real sockets take real time: these tests wait on what the service and the run report, never on fixed sleeps.
  let w: Awaited<ReturnType<typeof startWorkload>>;
  before(async () => {
    w = await startWorkload();
  });
  after(async () => {
    await w.close();
  });

  it('measures impact and recovery of a 3 s outage at the instants the service really went down and came back', async () => {
    const journal = await run(
      experiment(
        w.workload.url,
        w.control,
        `faults:
  - name: outage
    action: http.request
    args: { url: "CONTROL/outage?for=3s" }
recovery: { stableFor: 1s, timeout: 20s }
objectives: { rto: 10s, maxP99Latency: 400ms }`,
      ),
    );
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    assert.equal(journal.verdict.exitCode, 0);
    const down = w.workload.transitions.findLast((t) => !t.up);
    const up = w.workload.transitions.findLast((t) => t.up);
    assert.ok(down !== undefined && up !== undefined);
    const m = journal.measurement;
    assert.ok(m.impactAt !== null && m.recoveredAt !== null && m.timeToRecovery !== null && m.injectedAt !== null);
    const trueDown = toJournalTime(journal, down.at);
    const trueUp = toJournalTime(journal, up.at);
    // The truth lies inside the brackets the journal reports.
    assert.ok(m.impactAt.lower <= trueDown && trueDown <= m.impactAt.upper, `down ${trueDown} outside [${m.impactAt.lower}, ${m.impactAt.upper}]`);
    assert.ok(m.recoveredAt.lower <= trueUp && trueUp <= m.recoveredAt.upper, `up ${trueUp} outside [${m.recoveredAt.lower}, ${m.recoveredAt.upper}]`);
    // Bracket widths and the downtime are asserted exactly on the virtual clock above; over real sockets, the
    // measured recovery time agrees with the truth within its own bracket (and the request in flight).
    const trueTtr = trueUp - m.injectedAt.value;
    assert.ok(Math.abs(m.timeToRecovery.value - trueTtr) <= (m.timeToRecovery.upper - m.timeToRecovery.lower) / 2 + 5);
    // Steady-state sampling stays at the declared interval before injection.
    const web = journal.probes[0];
    assert.ok(web !== undefined);
    const before = web.samples.start.filter((t) => t < (m.injectedAt?.lower ?? 0));
    assert.ok(before.length <= 3, `${before.length} samples before injection`);
    assertPassedOutage(journal, `POST ${w.control}/outage?for=3s`);
  });

  it('says not-steady and injects nothing when the steady state does not hold', async () => {
    await w.workload.down('error');
    try {
      const before = w.workload.requests;
      const journal = await run(
        experiment(
          w.workload.url,
          w.control,
          `faults:\n  - name: outage\n    action: http.request\n    args: { url: "CONTROL/outage?for=1s" }\nrollbacks:\n  - name: restore\n    action: http.request\n    args: { url: "CONTROL/up" }`,
        ),
      );
      assert.equal(journal.verdict.status, 'not-steady');
      assert.equal(journal.verdict.exitCode, 1);
      assert.match(journal.verdict.reason, /probe 'web' HTTP 503/);
      // Nothing was attempted, so nothing is undone: the rollback is recorded, not called.
      assert.deepEqual(
        journal.activities.map((a) => [a.kind, a.name, a.status, a.calls.length]),
        [['rollback', 'restore', 'skipped', 0]],
      );
      assert.equal(w.workload.isUp, false);
      assert.equal(journal.objectives.length, 0);
      assert.ok(w.workload.requests > before);
    } finally {
      await w.workload.up();
    }
  });

  it('says invalid-fault when the fault does not land, and still runs the rollbacks', async () => {
    const journal = await run(
      experiment(
        w.workload.url,
        w.control,
        `faults:
  - name: outage
    action: http.request
    args: { url: "http://127.0.0.1:1/outage", timeout: 2s }
${RESTORE}`,
      ),
    );
    assert.equal(journal.verdict.status, 'invalid-fault');
    assert.equal(journal.verdict.exitCode, 4);
    assert.match(journal.verdict.reason, /fault 'outage' did not land: .*connection refused/);
    assert.deepEqual(
      journal.activities.map((a) => [a.kind, a.name, a.status]),
      [
        ['fault', 'outage', 'failed'],
        ['rollback', 'restore', 'succeeded'],
      ],
    );
    assert.equal(journal.measurement.injectedAt, null);
  });

  it('aborts on request, runs the rollbacks, and leaves the service restored', async () => {
    const abort = new AbortController();
    const journal = await run(
      experiment(
        w.workload.url,
        w.control,
        `${DOWN}recovery: { stableFor: 1s, timeout: 60s }
${RESTORE}`,
      ),
      { signal: abort.signal, onFailing: () => abort.abort() },
    );
    assert.equal(journal.verdict.status, 'aborted');
    assert.equal(journal.verdict.exitCode, 3);
    assert.match(journal.verdict.reason, /aborted by the operator/);
    assert.deepEqual(
      journal.activities.map((a) => a.kind),
      ['fault', 'rollback'],
    );
    assert.equal(journal.activities[1]?.status, 'succeeded');
    assert.equal(w.workload.isUp, true);
    assert.equal(journal.phases.find((p) => p.name === 'recovery')?.status, 'aborted');
  });

  it('stops the run when a stop condition trips, naming it, and rolls back', async () => {
    const journal = await run(
      experiment(
        w.workload.url,
        w.control,
        `${DOWN}recovery: { stableFor: 1s, timeout: 60s }
stopConditions:
  - name: web-down-too-long
    probe: web
    failingFor: 700ms
${RESTORE}`,
      ),
    );
    assert.equal(journal.verdict.status, 'aborted');
    assert.match(journal.verdict.reason, /stop condition 'web-down-too-long' \(web failing for 700ms\) tripped/);
    const sc = journal.stopConditions[0];
    assert.ok(sc?.trippedAt !== null && sc?.trippedAt !== undefined);
    const impact = journal.measurement.impactAt;
    assert.ok(impact !== null && sc.trippedAt - impact.lower >= 700);
    assert.equal(journal.activities.at(-1)?.name, 'restore');
    assert.equal(w.workload.isUp, true);
  });

  it('says not-recovered when the service stays down past the recovery timeout', async () => {
    const journal = await run(
      experiment(
        w.workload.url,
        w.control,
        `${DOWN}recovery: { stableFor: 1s, timeout: 2s }
objectives: { rto: 1s }
rollbacks:
  - name: restore
    action: http.request
    args: { url: "CONTROL/up?after=\${outage.output.status}" }`,
      ),
    );
    assert.equal(journal.verdict.status, 'not-recovered');
    assert.equal(journal.verdict.exitCode, 1);
    assert.equal(journal.measurement.recovered, false);
    assert.equal(journal.measurement.timeToRecovery, null);
    assert.equal(journal.objectives[0]?.status, 'fail');
    // The rollback used a value the fault produced.
    assert.equal(journal.activities[1]?.calls[0]?.operation, `POST ${w.control}/up?after=200`);
    assert.equal(journal.phases.find((p) => p.name === 'steady-state-after')?.status, 'completed');
  });

  it('names the probe that did not hold after the rollbacks, and how', async () => {
    try {
      const text = experiment(w.workload.url, w.control, `${DOWN}recovery: { stableFor: 1s, timeout: 1s }`);
      const journal = await run(text.replace('steadyState: { samples: 2 }', 'steadyState: { samples: 2, timeout: 4s }'));
      assert.equal(journal.verdict.status, 'not-recovered');
      const after = journal.phases.find((p) => p.name === 'steady-state-after');
      assert.equal(after?.status, 'failed');
      assert.match(after?.detail ?? '', /^the steady state did not hold after rollbacks within 4\.00s: web: 2 of its last 2 samples out of tolerance \(.+\)$/);
    } finally {
      await w.workload.up();
    }
  });
});

describe('faults with an automatic undo', () => {
  let w: Awaited<ReturnType<typeof startWorkload>>;
  before(async () => {
    w = await startWorkload();
  });
  after(async () => {
    await w.close();
  });

  function toggleAction(workload: Workload): ActionDefinition<{ mode: 'refuse' | 'error' }> {
    return {
      id: 'test.take-down',
      summary: 'Takes the test workload down; its rollback brings it back.',
      mutating: true,
      permissions: { read: [], write: [] },
      capabilities: NO_AWS_CALL,
      args: z.strictObject({ mode: z.enum(['refuse', 'error']).default('refuse') }),
      async run(a) {
        if (!workload.isUp) throw new ActionFailedError('The workload is already down.');
        await workload.down(a.mode);
        return { output: { mode: a.mode } };
      },
      async rollback() {
        await workload.up();
        return { output: { up: true } };
      },
    };
  }

  it('always undoes a landed fault on the way out, even when the run is aborted', async () => {
    const reg = new Registry().registerProbe(httpProbe).registerProbe(tcpProbe).registerAction(httpRequestAction).registerAction(toggleAction(w.workload));
    const abort = new AbortController();
    const journal = await run(
      experiment(w.workload.url, w.control, `faults:\n  - name: takedown\n    action: test.take-down\nrecovery: { stableFor: 1s, timeout: 60s }`),
      { registry: reg, signal: abort.signal, onFailing: () => abort.abort() },
    );
    assert.equal(journal.verdict.status, 'aborted');
    assert.deepEqual(
      journal.activities.map((a) => [a.kind, a.status]),
      [
        ['fault', 'succeeded'],
        ['auto-rollback', 'succeeded'],
      ],
    );
    assert.equal(w.workload.isUp, true);
  });
});
