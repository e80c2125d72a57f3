import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration, parseIsoDuration } from '../../src/experiment/duration.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { ExperimentValidationError, formatIssue } from '../../src/errors/validation-error.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { gameday, tempDir } from '../support/cli.js';

/** Hours, minutes and (possibly fractional) seconds, with the ISO 8601 spelling FIS uses and gameday's own. */
const hms = fc
  .record({ h: fc.nat(30), m: fc.nat(59), s: fc.nat(59), ms: fc.constantFrom(0, 500, 250) })
  .filter((d) => d.h + d.m + d.s + d.ms > 0)
  .map((d) => {
    const seconds = d.ms === 0 ? `${d.s}` : `${d.s}.${String(d.ms).padStart(3, '0').replace(/0+$/, '')}`;
    return {
      iso: `PT${d.h > 0 ? `${d.h}H` : ''}${d.m > 0 ? `${d.m}M` : ''}${d.s + d.ms > 0 ? `${seconds}S` : ''}`,
      units: `${d.h}h${d.m}m${d.s}s${d.ms}ms`,
      ms: ((d.h * 60 + d.m) * 60 + d.s) * 1_000 + d.ms,
    };
  });

/** An experiment with a duration field of every kind the format has: step timing, probe and action args, tolerances, recovery, objectives, stop conditions. */
const everyDurationField = (d: string, long: string): string => `apiVersion: gameday/v1
metadata: { name: iso-durations }
steadyState: { timeout: ${d} }
probes:
  - { name: web, probe: http, args: { url: "http://127.0.0.1:8080/health", timeout: ${d} }, tolerance: { maxLatency: ${d} }, interval: ${d}, fastInterval: ${d} }
  - { name: ledger, probe: sql.write-ledger, args: { url: "postgres://u@127.0.0.1:5432/db" } }
faults:
  - { name: outage, action: http.request, args: { url: "http://127.0.0.1:8081/outage", timeout: ${d} }, startAfter: ${d} }
  - { name: stop, action: aws.ec2.stop-instances, targets: { ids: [i-0123456789abcdef0], selection: ALL }, args: { restartTimeout: ${d} }, duration: ${d} }
recovery: { stableFor: ${d}, timeout: ${long}, observeAtLeast: ${d} }
objectives: { rto: ${d}, rpo: ${d}, maxP99Latency: ${d}, switchover: { probe: web, within: ${d} } }
stopConditions:
  - { probe: web, failingFor: ${d} }
  - { probe: web, p99LatencyAbove: ${d}, window: ${d} }
  - { alarm: web-healthy-hosts, pollInterval: ${d} }
`;

describe('parseDuration', () => {
  it('reads single and compound units', () => {
    assert.deepEqual(parseDuration('500ms'), { ok: true, ms: 500 });
    assert.deepEqual(parseDuration('30s'), { ok: true, ms: 30_000 });
    assert.deepEqual(parseDuration('1m30s'), { ok: true, ms: 90_000 });
    assert.deepEqual(parseDuration('1.5m'), { ok: true, ms: 90_000 });
    assert.deepEqual(parseDuration('2 hours'), { ok: true, ms: 7_200_000 });
    assert.deepEqual(parseDuration('5 seconds'), { ok: true, ms: 5_000 });
    assert.deepEqual(parseDuration('0s'), { ok: true, ms: 0 });
  });

  it('refuses unknown units, bare numbers and negatives with a reason', () => {
    const parsecs = parseDuration('5 parsecs');
    assert.equal(parsecs.ok, false);
    assert.match(parsecs.ok ? '' : parsecs.reason, /unknown unit 'parsecs'/);
    assert.equal(parseDuration('5').ok, false);
    assert.equal(parseDuration('').ok, false);
    assert.match((parseDuration('-5s') as { reason: string }).reason, /negative/);
    assert.equal(parseDuration('5s garbage').ok, false);
  });

  it('reads ISO 8601 durations as FIS writes them, to the same value as the unit spelling', () => {
    assert.deepEqual(parseDuration('PT5M'), { ok: true, ms: 300_000 });
    assert.deepEqual(parseDuration('PT1H30M'), { ok: true, ms: 5_400_000 });
    assert.deepEqual(parseDuration('PT0.5S'), { ok: true, ms: 500 });
    assert.deepEqual(parseDuration('P1DT2H'), { ok: true, ms: 93_600_000 });
    fc.assert(
      fc.property(hms, (d) => {
        assert.deepEqual(parseDuration(d.iso), { ok: true, ms: d.ms });
        assert.deepEqual(parseDuration(d.units), { ok: true, ms: d.ms });
        assert.equal(parseIsoDuration(d.iso), d.ms);
      }),
    );
  });

  it('refuses a malformed ISO 8601 duration in one sentence naming it', () => {
    for (const bad of ['PT', 'P', 'PT5X', 'PT5M3H', 'P1M', 'P2W', 'PT5', 'P5H']) {
      const parsed = parseDuration(bad);
      assert.equal(parsed.ok, false, bad);
      const reason = parsed.ok ? '' : parsed.reason;
      assert.match(reason, new RegExp(`^'${bad}' is not an ISO 8601 duration.* \\(use e\\.g\\. PT30S, PT5M, PT1H30M or PT0\\.5S\\)$`), reason);
      assert.doesNotMatch(reason, /\n/);
    }
    assert.match((parseDuration('P1M') as { reason: string }).reason, /months .* vary in length/);
  });

  it('the experiment format takes ISO 8601 in every duration field, with the same value as the unit spelling', () => {
    fc.assert(
      fc.property(hms, (d) => {
        const { experiment: e } = parseExperiment(everyDurationField(d.iso, 'P2D'), 'iso.yaml', { registry: defaultRegistry(), env: {} });
        const { experiment: u } = parseExperiment(everyDurationField(d.units, '48h'), 'units.yaml', { registry: defaultRegistry(), env: {} });
        assert.deepEqual(e, u);
        assert.equal(e.recovery.timeout, 48 * 3_600_000);
        const [web] = e.probes;
        const [outage, stop] = e.faults;
        const [failing, latency, alarm] = e.stopConditions;
        const fields = [
          e.steadyState.timeout,
          web?.interval,
          web?.fastInterval,
          (web?.args as { timeout: number }).timeout,
          (web?.tolerance as { maxLatency: number }).maxLatency,
          outage?.startAfter,
          (outage?.args as { timeout: number }).timeout,
          stop?.duration,
          (stop?.args as { restartTimeout: number }).restartTimeout,
          e.recovery.stableFor,
          e.recovery.observeAtLeast,
          e.objectives.rto,
          e.objectives.rpo?.ms,
          e.objectives.maxP99Latency,
          e.objectives.switchover?.within,
          failing?.failingFor,
          latency?.p99LatencyAbove,
          latency?.window,
          alarm?.pollInterval,
        ];
        assert.deepEqual(
          fields,
          fields.map(() => d.ms),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('a malformed ISO 8601 duration in an experiment is one sentence at its file, line:column and field', () => {
    let caught: unknown;
    try {
      parseExperiment(everyDurationField('PT30S', 'PT1H').replace('stableFor: PT30S', 'stableFor: PT30X'), 'iso.yaml', {
        registry: defaultRegistry(),
        env: {},
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ExperimentValidationError);
    assert.deepEqual(caught.issues.map(formatIssue), [
      `iso.yaml:10:24 at recovery.stableFor: 'PT30X' is not an ISO 8601 duration (use e.g. PT30S, PT5M, PT1H30M or PT0.5S)`,
    ]);
  });

  it('CLI duration options take ISO 8601 too, and refuse a malformed one in one sentence (exit 2)', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write('x.yaml', everyDurationField('PT1S', 'PT1H'));
      const ok = await gameday(['validate', file]);
      assert.equal(ok.code, 0, ok.stderr);
      // Refused while the options are read, before any connection to Redis.
      const bad = await gameday(['schedule', 'add', 'nightly', '--cron', '0 3 * * *', '--jitter', 'PT10X', file, '--redis', 'redis://127.0.0.1:1']);
      assert.equal(bad.code, 2);
      assert.equal(
        bad.stderr.trim(),
        `error: --jitter needs a duration such as 30s, got 'PT10X': 'PT10X' is not an ISO 8601 duration (use e.g. PT30S, PT5M, PT1H30M or PT0.5S)`,
      );
    } finally {
      await tmp.cleanup();
    }
  });

  it('formats for people', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(5_004), '5.00s');
    assert.equal(formatDuration(125_000), '2m05s');
  });
});
