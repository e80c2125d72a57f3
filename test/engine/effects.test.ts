import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectCheck, judgeEffect, type EffectCheck } from '../../src/engine/effects.js';
import type { Sample } from '../../src/engine/sampler.js';
import { ExperimentValidationError } from '../../src/errors/validation-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';

const registry = defaultRegistry();

/** A sample that started at `start` (ms) and took `latency` ms; `ok: false` for a failed one. */
const sample = (start: number, latency: number, ok = true): Sample => ({
  start,
  end: start + latency,
  ok,
  latencyMs: latency,
  fast: false,
  ...(ok ? {} : { reason: 'timed out after 3s' }),
});

/** Steady state: a warm-up of 900 ms (not counted), then samples of 40 ms every 100 ms until the method at 1,000. */
const steady = (): Sample[] => [sample(0, 90), ...[100, 200, 300, 400, 500, 600, 700, 800].map((t) => sample(t, 40))];
const window = { methodStart: 1_000, from: 1_000, to: 2_000, speed: 10 };
const latencyCheck = (over: Partial<EffectCheck> = {}): EffectCheck => ({
  fault: 'slow-db',
  effect: { text: '200 ms added towards db', slowerByMs: 100, checkedByDefault: true },
  slowerByMs: 100,
  probes: ['orders'],
  within: undefined,
  ...over,
});

function experiment(fault: string): string {
  return `apiVersion: gameday/v1
metadata: { name: verify }
environment: { type: aws, region: us-east-1, allowedAccountIds: ["111122223333"] }
probes:
  - name: orders
    probe: http
    args: { url: "http://127.0.0.1:1/orders" }
  - name: healthy-targets
    probe: aws.elbv2.healthy-targets
    args: { targetGroupName: app-tg }
faults:
${fault}
safety: { requireTags: { "gameday:allowed": "true" } }
`;
}

const latencyFault = (verify = ''): string => `  - name: slow-db
    action: aws.ec2.network-latency
    targets: { tags: { app: web } }
    args: { delay: 200ms }
    duration: 1m
${verify}`;

describe('whether a degradation took effect', () => {
  it('is seen by the first sample slower than its steady-state median by the margin, and says by whom and how much', () => {
    const samples = [...steady(), sample(1_050, 60), sample(1_150, 145), sample(1_250, 300)];
    const found = judgeEffect(latencyCheck(), new Map([['orders', samples]]), window);
    assert.deepEqual(found, {
      expected: '200 ms added towards db',
      seen: true,
      probe: 'orders',
      at: 1_150,
      detail: 'orders: of 3 samples, 2 took 145 ms or more (steady state 40 ms)',
    });
  });

  it('is not seen by one slow sample among many: the injection itself may have stalled the process timing the probes', () => {
    const samples = [...steady(), sample(1_050, 400), ...[1_150, 1_250, 1_350, 1_450].map((t) => sample(t, 45))];
    const found = judgeEffect(latencyCheck(), new Map([['orders', samples]]), window);
    assert.equal(found.seen, false);
    assert.match(found.detail, /orders: 5 samples, only 1 failed or slow, the slowest 400 ms \(steady state 40 ms\)$/);
  });

  it('is seen by the only sample a probe took while it was in place, failed, which no margin is needed for', () => {
    const found = judgeEffect(latencyCheck({ slowerByMs: undefined }), new Map([['orders', [...steady(), sample(1_100, 3_000, false)]]]), window);
    assert.equal(found.seen, true);
    assert.equal(found.detail, 'orders: of 1 sample, 1 failed (timed out after 3s) (steady state 40 ms)');
  });

  it('is not seen when every sample while it was in place stays within the margin, and says what was looked at', () => {
    const samples = [...steady(), ...[1_100, 1_200, 1_300].map((t) => sample(t, 120))];
    const found = judgeEffect(latencyCheck(), new Map([['orders', samples]]), window);
    assert.equal(found.seen, false);
    assert.equal(
      found.detail,
      'in the 10.0s it was checked, no probe saw it (2 samples of one probe failed or 100 ms slower than its steady state): orders: 3 samples, none failed, the slowest 120 ms (steady state 40 ms)',
    );
  });

  it('counts only samples that started while it was in place, and within its window when the fault gives one', () => {
    // Slow before the landing (a sample in flight), and after the undo: neither saw the fault.
    const samples = [...steady(), sample(950, 500), sample(1_100, 41), sample(2_000, 900), sample(1_700, 200), sample(1_800, 250)];
    assert.equal(judgeEffect(latencyCheck(), new Map([['orders', samples]]), window).seen, true);
    const narrowed = judgeEffect(latencyCheck({ within: 500 }), new Map([['orders', samples]]), window);
    assert.equal(narrowed.seen, false, narrowed.detail);
    assert.match(narrowed.detail, /^in the 5\.00s it was checked/);
  });

  it('cannot be checked without a probe that times requests, and says so rather than calling the fault invalid', () => {
    assert.deepEqual(judgeEffect(latencyCheck({ probes: [] }), new Map(), window), {
      expected: '200 ms added towards db',
      seen: null,
      detail: 'not checked: no probe of the experiment times requests',
    });
  });

  it('is checked by default for network latency on every request probe, never by default for stress, and as the fault asks', () => {
    const checkOf = (fault: string) => {
      const e = parseExperiment(experiment(fault), 'verify.yaml', { registry, env: {} }).experiment;
      const f = e.faults[0];
      assert.ok(f !== undefined);
      return effectCheck(f, registry.action(f.action)?.effect?.(f.args), e, registry);
    };
    const byDefault = checkOf(latencyFault());
    assert.deepEqual(
      { probes: byDefault?.probes, slowerByMs: byDefault?.slowerByMs, text: byDefault?.effect.text },
      {
        probes: ['orders'],
        slowerByMs: 100,
        text: '200 ms added',
      },
    );
    assert.equal(checkOf(latencyFault('    verify: false\n')), undefined);
    const stress = `  - name: busy
    action: aws.ec2.cpu-stress
    targets: { tags: { app: web } }
    args: { loadPercent: 80 }
    duration: 1m
`;
    assert.equal(checkOf(stress), undefined, 'an app with headroom may rightly absorb a CPU stress');
    const asked = checkOf(`${stress}    verify: { slowerBy: 30ms, within: 30s }\n`);
    assert.deepEqual(
      { slowerByMs: asked?.slowerByMs, within: asked?.within, text: asked?.effect.text },
      { slowerByMs: 30, within: 30_000, text: '80% CPU load' },
    );
  });

  it('refuses to be checked by a probe that times no request, naming it and the probes that can', () => {
    assert.throws(
      () => parseExperiment(experiment(latencyFault('    verify: { probes: [healthy-targets] }\n')), 'verify.yaml', { registry, env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ExperimentValidationError);
        assert.match(
          error.message,
          /faults\[0\]\.verify\.probes\[0\].*probe 'healthy-targets' \(aws\.elbv2\.healthy-targets\) times no request, so it cannot see a degradation; name request probes \(.*http.*\)/s,
        );
        return true;
      },
    );
  });
});
