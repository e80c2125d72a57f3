import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { failingSpans, findRecovery, measure, transitions, unionSpans, type MeasureInput } from '../../src/engine/measurement.js';
import type { Sample } from '../../src/engine/sampler.js';
import { exact } from '../../src/engine/bracket.js';

/** Samples of 1 ms requests at the given start times, failing inside any of `down` ([from, to) pairs). */
function samplesAt(starts: number[], down: [number, number][], latencyMs = 1): Sample[] {
  return starts.map((start) => {
    const ok = !down.some(([a, b]) => start >= a && start < b);
    return { start, end: start + 1, ok, fast: false, latencyMs, value: ok ? 200 : undefined, ...(ok ? {} : { reason: 'connection refused' }) };
  });
}

const range = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let t = from; t < to; t += step) out.push(t);
  return out;
};

const base = (samples: Sample[], extra: Partial<MeasureInput> = {}): MeasureInput => ({
  probes: [{ name: 'web', samples }],
  measured: ['web'],
  injectedAt: { value: 1_000, lower: 1_000, upper: 1_000 },
  lastInjectionAt: 1_000,
  windowEnd: 10_000,
  stableForMs: 2_000,
  observeAtLeastMs: 0,
  ...extra,
});

describe('measurement', () => {
  it('brackets each transition between the samples around it', () => {
    const s = samplesAt([0, 1_000, 2_000, 3_000, 4_000], [[1_500, 3_500]]);
    assert.deepEqual(transitions(s), [
      { to: 'failing', at: { value: 1_500.5, lower: 1_000, upper: 2_001 } },
      { to: 'ok', at: { value: 3_500.5, lower: 3_000, upper: 4_001 } },
    ]);
    assert.equal(failingSpans(s).length, 1);
  });

  it('measures impact, recovery, downtime and error rate of one outage', () => {
    const s = samplesAt(range(0, 10_000, 10), [[2_000, 5_000]]);
    const m = measure(base(s));
    assert.ok(m.impactAt !== null && m.timeToImpact !== null && m.timeToRecovery !== null && m.errorRate !== null);
    assert.ok(m.impactAt.lower <= 2_000 && 2_000 <= m.impactAt.upper);
    assert.ok(Math.abs(m.timeToImpact.value - 1_000) <= 10);
    assert.ok(Math.abs(m.timeToRecovery.value - 4_000) <= 10);
    assert.ok(m.timeToRecovery.lower <= 4_000 && 4_000 <= m.timeToRecovery.upper);
    assert.ok(Math.abs(m.downtime.value - 3_000) <= 10);
    assert.ok(Math.abs(m.errorRate.value - 3_000 / 9_000) < 0.01);
    assert.equal(m.recovered, true);
  });

  it('reports no impact and a zero recovery time when nothing failed', () => {
    const m = measure(base(samplesAt(range(0, 10_000, 100), [])));
    assert.equal(m.impactAt, null);
    assert.deepEqual(m.timeToRecovery, { value: 0, lower: 0, upper: 0 });
    assert.deepEqual(m.downtime, { value: 0, lower: 0, upper: 0 });
  });

  it('does not count a window broken by a flap as stable', () => {
    // Down 2–3 s, back, flaps 4–4.5 s (inside the 2 s window), then stable from 4.5 s.
    const s = samplesAt(range(0, 10_000, 10), [
      [2_000, 3_000],
      [4_000, 4_500],
    ]);
    const m = measure(base(s));
    assert.ok(m.timeToRecovery !== null && Math.abs(m.timeToRecovery.value - 3_500) <= 10, JSON.stringify(m.timeToRecovery));
  });

  it('honours observeAtLeast: a late second outage moves the recovery', () => {
    const s = samplesAt(range(0, 12_000, 10), [
      [2_000, 3_000],
      [6_000, 7_000],
    ]);
    const early = measure(base(s, { windowEnd: 12_000 }));
    const late = measure(base(s, { windowEnd: 12_000, observeAtLeastMs: 8_000 }));
    assert.ok(early.timeToRecovery !== null && Math.abs(early.timeToRecovery.value - 2_000) <= 10);
    assert.ok(late.timeToRecovery !== null && Math.abs(late.timeToRecovery.value - 6_000) <= 10);
  });

  it('does not recover when the last stretch is shorter than the stable window', () => {
    const s = samplesAt(range(0, 10_000, 10), [[2_000, 9_000]]);
    const m = measure(base(s));
    assert.equal(m.recovered, false);
    assert.equal(m.timeToRecovery, null);
    assert.equal(findRecovery(unionSpans(failingSpans(s)), base(s)), null);
  });

  it('treats the system as down while any measured probe is down', () => {
    const a = samplesAt(range(0, 10_000, 10), [[2_000, 3_000]]);
    const b = samplesAt(range(0, 10_000, 10), [[2_500, 4_000]]);
    const m = measure({
      ...base(a),
      probes: [
        { name: 'a', samples: a },
        { name: 'b', samples: b },
      ],
      measured: ['a', 'b'],
    });
    assert.ok(m.timeToRecovery !== null && Math.abs(m.timeToRecovery.value - 3_000) <= 10);
    assert.ok(Math.abs(m.downtime.value - 2_000) <= 10);
    const onlyA = measure({
      ...base(a),
      probes: [
        { name: 'a', samples: a },
        { name: 'b', samples: b },
      ],
      measured: ['a'],
    });
    assert.ok(onlyA.timeToRecovery !== null && Math.abs(onlyA.timeToRecovery.value - 2_000) <= 10);
  });

  it('splits latency percentiles into before, during and after the fault window', () => {
    const s = samplesAt(range(0, 10_000, 10), []).map((x) => ({ ...x, latencyMs: x.start < 1_000 ? 5 : x.start < 10_000 ? 50 : 5 }));
    const m = measure(base(s, { windowEnd: 8_000 }));
    const lat = m.probes.web?.latency;
    // HDR histograms keep three significant digits.
    const near = (actual: number | undefined, expected: number): void =>
      assert.ok(actual !== undefined && Math.abs(actual - expected) <= expected * 0.001, `${actual} ≉ ${expected}`);
    near(lat?.before?.p99, 5);
    near(lat?.during?.p99, 50);
    near(lat?.after?.p50, 50);
  });

  it('keeps the true change inside every reported bracket (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 50, max: 2_000 }), { minLength: 2, maxLength: 12 }),
        fc.array(fc.integer({ min: 5, max: 1_000 }), { minLength: 30, maxLength: 200 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 200, maxLength: 200 }),
        (gaps, sampleGaps, where) => {
          // A square wave of true states: changes at cumulative `gaps`, starting up.
          const changes: number[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            changes.push(t);
          }
          const upAt = (x: number): boolean => changes.filter((c) => c <= x).length % 2 === 0;
          // Each sample observes the truth at some instant inside its own request window.
          const samples: Sample[] = [];
          let s = 0;
          sampleGaps.forEach((g, i) => {
            s += g;
            const duration = 1 + (i % 7);
            const observed = s + (where[i] ?? 0.5) * duration;
            samples.push({ start: s, end: s + duration, ok: upAt(observed), fast: false });
          });
          for (const tr of transitions(samples)) {
            const inside = changes.some((c) => c >= tr.at.lower && c <= tr.at.upper);
            if (!inside) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives an exact zero-width bracket for a known instant', () => {
    assert.deepEqual(exact(5), { value: 5, lower: 5, upper: 5 });
  });
});

describe('value changes', () => {
  it('brackets every change of the observed value, skipping samples without one', async () => {
    const { valueChanges } = await import('../../src/engine/measurement.js');
    const s: Sample[] = [
      { start: 0, end: 1, ok: true, fast: false, value: '10.0.0.1' },
      { start: 100, end: 101, ok: false, fast: false, reason: 'timeout' },
      { start: 200, end: 201, ok: true, fast: false, value: '10.0.0.2' },
      { start: 300, end: 301, ok: true, fast: false, value: '10.0.0.2' },
      { start: 400, end: 401, ok: true, fast: false, value: '10.0.0.1' },
    ];
    assert.deepEqual(valueChanges(s), [
      { from: '10.0.0.1', to: '10.0.0.2', at: { value: 100.5, lower: 0, upper: 201 } },
      { from: '10.0.0.2', to: '10.0.0.1', at: { value: 350.5, lower: 300, upper: 401 } },
    ]);
  });

  it('brackets a change of serving endpoint by the failed sample just before the first one the new endpoint served', async () => {
    const { valueChanges } = await import('../../src/engine/measurement.js');
    // A failover: served by .1, refused for a while (no endpoint served), then served by .2.
    const s: Sample[] = [
      { start: 0, end: 1, ok: true, fast: false, value: 'acknowledged', endpoint: '10.0.0.1' },
      ...range(100, 1_000, 100).map((start) => ({ start, end: start + 1, ok: false, fast: true, reason: 'connection refused' })),
      { start: 1_000, end: 1_002, ok: true, fast: true, value: 'acknowledged', endpoint: '10.0.0.2' },
      { start: 1_100, end: 1_101, ok: true, fast: true, value: 'acknowledged', endpoint: '10.0.0.2' },
    ];
    assert.deepEqual(valueChanges(s, 100, 'endpoint'), [{ from: '10.0.0.1', to: '10.0.0.2', at: { value: 951, lower: 900, upper: 1_002 } }]);
    // The value never changed.
    assert.deepEqual(valueChanges(s), []);
  });
});

describe('impact at the edge of the injection', () => {
  it('counts a failure whose bracket overlaps the fault call as its impact, with a time to impact never below zero', () => {
    // The request that failed started 5 ms before the fault call began (it was in flight when the service went down).
    const s: Sample[] = [
      { start: 900, end: 901, ok: true, fast: false, value: 200, latencyMs: 1 },
      { start: 995, end: 1_003, ok: false, fast: true, reason: 'connection reset' },
      ...range(1_010, 3_000, 10).map((start) => ({ start, end: start + 1, ok: false, fast: true, reason: 'connection refused' })),
      ...range(3_000, 10_000, 10).map((start) => ({ start, end: start + 1, ok: true, fast: true, value: 200, latencyMs: 1 })),
    ];
    const m = measure(base(s));
    assert.ok(m.impactAt !== null, 'impact observed');
    assert.ok(m.timeToImpact !== null && m.timeToImpact.value >= 0 && m.timeToImpact.lower === 0);
  });
});

describe('the switchover objective', () => {
  const on = (measurement: ReturnType<typeof measure>, speed = 1) => ({
    measurement,
    samples: [],
    probesOf: { rto: ['web'], rpo: ['web'], maxErrorRate: ['web'], maxP99Latency: ['web'], minJourneySuccessRate: [], maxJourneyP99: [] },
    speed,
    reports: [],
  });
  const served = (endpointAfter: (start: number) => string | undefined): Sample[] =>
    range(0, 10_000, 100).map((start) => {
      const endpoint = endpointAfter(start);
      return endpoint === undefined
        ? { start, end: start + 1, ok: false, fast: false, reason: 'connection refused' }
        : { start, end: start + 1, ok: true, fast: false, value: 200, endpoint };
    });

  it('passes with the time from the injection to the first sample served by the new endpoint, in AWS time', async () => {
    const { checkObjectives } = await import('../../src/engine/objectives.js');
    const m = measure(base(served((t) => (t < 1_000 ? 'a' : t < 3_000 ? undefined : 'b'))));
    const [result] = checkObjectives({ switchover: { probe: 'web', within: 60_000, to: 'b' } }, on(m, 20));
    // The switch lies in [2 900, 3 001] ms of wall time: 1 950 ms ± 50.5 after the injection at 1 000, ×20.
    assert.equal(result?.status, 'pass');
    assert.equal(result?.measured, 39_010);
    assert.equal(result?.uncertainty, 1_010);
  });

  it('fails, saying so, when the probe never switched or switched to another endpoint or too late', async () => {
    const { checkObjectives } = await import('../../src/engine/objectives.js');
    const never = measure(base(served(() => 'a')));
    assert.match(checkObjectives({ switchover: { probe: 'web', within: 60_000 } }, on(never))[0]?.detail ?? '', /never switched after the injection/);
    const elsewhere = measure(base(served((t) => (t < 2_000 ? 'a' : 'c'))));
    assert.equal(checkObjectives({ switchover: { probe: 'web', within: 60_000, to: 'b' } }, on(elsewhere))[0]?.status, 'fail');
    const late = measure(base(served((t) => (t < 5_000 ? 'a' : 'b'))));
    const [result] = checkObjectives({ switchover: { probe: 'web', within: 2_000, to: 'b' } }, on(late));
    assert.equal(result?.status, 'fail');
    assert.ok((result?.margin ?? 0) < 0);
  });
});

describe('error rate of requests apart from resource state', () => {
  const failingBetween = (from: number, to: number): Sample[] =>
    range(0, 10_000, 100).map((start) => ({ start, end: start + 1, ok: start < from || start >= to, fast: false }));

  it('counts only request probes in the users’ error rate, and names the probes of each figure', () => {
    // The site failed for 0.9 s; the group's capacity was short for 5 s (a replacement booting) without users noticing.
    const m = measure(
      base([], {
        probes: [
          { name: 'site', samples: failingBetween(1_100, 2_000) },
          { name: 'capacity', samples: failingBetween(1_500, 6_500) },
        ],
        measured: ['site', 'capacity'],
        requestProbes: ['site'],
      }),
    );
    assert.deepEqual(m.requests?.probes, ['site']);
    assert.deepEqual(m.resourceState?.probes, ['capacity']);
    assert.equal(m.requests?.errorRate?.value, m.probes.site?.errorRate?.value);
    assert.equal(m.requests?.failedSamples, 9);
    assert.ok((m.requests?.errorRate?.value ?? 1) < 0.11, `users met ~10% errors, not ${m.requests?.errorRate?.value}`);
    assert.ok((m.resourceState?.errorRate?.value ?? 0) > 0.5);
    // The union over every probe (the old single figure) is what mixed them.
    assert.ok((m.errorRate?.value ?? 0) > 0.5);
  });
});
