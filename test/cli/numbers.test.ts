import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { formatDuration } from '../../src/experiment/duration.js';
import type { HeadlineTimes } from '../../src/report/times.js';
import { BIN, ROOT, gameday, tempDir } from '../support/cli.js';

/**
 * The speed of the running region; deliberately not the 20 the demo experiment is written for, nor the 40 a run asks
 * for below. High enough that the two full runs take seconds: every assertion compares clocks, never wall durations.
 */
const REGION_SPEED = 50;

interface RunJson {
  verdict: Journal['verdict'];
  journal: string;
  times: HeadlineTimes;
  measurement: Journal['measurement'];
  objectives: Journal['objectives'];
}

/** Equal up to float rounding: wall × speed is computed, never rounded, but a division may lose the last bit. */
function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
}

describe('the numbers a user reads, against a running gameday sim', () => {
  let child: ChildProcessWithoutNullStreams;
  let endpoint: string;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  /** The demo experiment aimed at the running region, with `environment.speed` replaced by `speed` (none when absent). */
  let experiment: (speed: number | undefined, objectives?: string, extra?: string) => Promise<string>;
  const terminations = async (): Promise<number> => {
    const body = (await (await fetch(`${endpoint}/_sim/requests`)).json()) as { requests: { action: string }[] };
    return body.requests.filter((r) => r.action === 'TerminateInstances').length;
  };

  before(async () => {
    tmp = await tempDir();
    child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--speed', String(REGION_SPEED), '--json'], { cwd: ROOT });
    endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0] ?? '') as { endpoint: string }).endpoint);
      });
      child.on('exit', (code) => reject(new Error(`gameday sim exited ${String(code)}`)));
    });
    const demo = await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8');
    let n = 0;
    experiment = async (speed, objectives, extra = '') => {
      let text = demo.replace('  speed: 20\n', `${speed === undefined ? '' : `  speed: ${speed}\n`}  endpoint: ${endpoint}\n`);
      if (objectives !== undefined) text = text.replace(/^objectives:\n( {2}.*\n)+/m, `objectives:\n${objectives}`);
      return tmp.write(`experiment-${++n}.yaml`, text + extra);
    };
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await tmp.cleanup();
  });

  it('refuses an experiment pinning another speed than the region runs at, in one sentence, before anything runs', async () => {
    const before = await terminations();
    const file = await experiment(20);
    const result = await gameday(['run', file, '--view', 'plain', '--results', tmp.dir]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^error: .*pins environment\\.speed: 20, but the simulated region at ${endpoint.replace(/[.:/]/g, '\\$&')} runs at ${REGION_SPEED}×: remove environment\\.speed .* gameday sim --speed 20\\.$`,
        'm',
      ),
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(await terminations(), before, 'nothing was terminated');

    const flag = await gameday(['run', await experiment(undefined), '--speed', '40', '--view', 'plain', '--results', tmp.dir]);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, new RegExp(`^error: --speed 40, but the simulated region at .* runs at ${REGION_SPEED}×: leave out --speed`, 'm'));
    assert.equal(await terminations(), before);
  });

  it('runs at the region’s speed when the experiment pins none, and gives every headline duration on both clocks', async () => {
    // The short forms: each objective takes its default probes.
    // 7 minutes: a replacement launches, boots and needs the ALB's five passing checks (docs/fidelity.md).
    const file = await experiment(undefined, '  rto: 7m\n  maxP99Latency: 500ms\n  maxErrorRate: 50%\n');
    const journalPath = join(tmp.dir, 'unpinned.json');
    const run = await gameday(['--json', 'run', file, '--journal', journalPath, '--view', 'plain', '--results', tmp.dir]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^simulated region at ${endpoint.replace(/[.:/]/g, '\\$&')} runs at ${REGION_SPEED}×: using its speed$`, 'm'));
    const out = JSON.parse(run.stdout) as RunJson;
    const journal = journalSchema.parse(JSON.parse(await readFile(journalPath, 'utf8')));
    assert.equal(journal.environment.speed, REGION_SPEED);

    const t = out.times;
    assert.equal(t.speed, REGION_SPEED);
    const m = journal.measurement;
    const pairs: [string, HeadlineTimes['downtime'] | null, number | undefined][] = [
      ['time to impact', t.timeToImpact, m.timeToImpact?.value],
      ['time to recovery', t.timeToRecovery, m.timeToRecovery?.value],
      ['downtime', t.downtime, m.downtime.value],
    ];
    for (const [what, dual, wall] of pairs) {
      assert.ok(dual !== null && wall !== undefined, `${what} was measured`);
      assert.equal(dual.wallMs, wall, `${what}: wallMs is the journal's wall-clock value`);
      close(dual.awsMs, dual.wallMs * REGION_SPEED, what);
    }
    const rto = journal.objectives.find((o) => o.objective === 'rto');
    assert.equal(rto?.timeBase, 'aws');
    const rtoTimes = t.objectives.find((o) => o.objective === 'rto');
    assert.ok(rtoTimes?.measured !== null && rtoTimes?.measured !== undefined);
    assert.equal(rtoTimes.target.awsMs, 420_000, 'the RTO is declared as 7m of AWS time');
    close(rtoTimes.target.wallMs * REGION_SPEED, rtoTimes.target.awsMs, 'rto target');
    close(rtoTimes.measured.wallMs * REGION_SPEED, rtoTimes.measured.awsMs, 'rto measured');
    close(rtoTimes.measured.awsMs, t.timeToRecovery?.awsMs ?? NaN, 'the RTO is measured on the time to recovery');
    assert.equal(
      t.objectives.some((o) => o.objective === 'maxP99Latency'),
      false,
      'a latency is real time, on no AWS clock',
    );
    // By default latency and error rate are the site's (what users met), and recovery waits for every probe.
    const probesOf = Object.fromEntries(journal.objectives.map((o) => [o.objective, o.probes]));
    assert.deepEqual(probesOf, { rto: ['site', 'capacity', 'targets'], maxP99Latency: ['site'], maxErrorRate: ['site'] });
    assert.match(journal.objectives.find((o) => o.objective === 'maxP99Latency')?.detail ?? '', /^p99 \S+ on site \(/);

    // The terminal summary shows the same AWS numbers, and report --format json the same times.
    const text = await gameday(['report', journalPath, '--format', 'text']);
    const aws = (ms: number): string => formatDuration(ms);
    assert.match(
      text.stdout,
      new RegExp(
        `^time to recovery: ${aws(t.timeToRecovery?.awsMs ?? NaN)} ±\\S+ AWS-equivalent \\(${formatDuration(t.timeToRecovery?.wallMs ?? NaN)} ±\\S+ wall at ${REGION_SPEED}×\\)$`,
        'm',
      ),
    );
    assert.match(text.stdout, new RegExp(`^time to impact:   ${aws(t.timeToImpact?.awsMs ?? NaN)} ±`, 'm'));
    assert.match(text.stdout, new RegExp(`^objective rto: PASS — recovered in ${aws(rtoTimes.measured.awsMs)} ±`, 'm'));
    const reported = JSON.parse((await gameday(['report', journalPath, '--format', 'json'])).stdout) as { times: HeadlineTimes }[];
    assert.deepEqual(reported[0]?.times, t);

    // The error rate is the site's (what users met); the AWS-state probes are reported apart, each naming its probes.
    assert.deepEqual(out.measurement.requests?.probes, ['site']);
    assert.deepEqual(out.measurement.resourceState?.probes, ['capacity', 'targets']);
    assert.equal(out.measurement.requests?.errorRate?.value, m.probes.site?.errorRate?.value);
    const site = m.probes.site;
    assert.ok(site !== undefined);
    const rate = out.measurement.requests?.errorRate;
    assert.ok(rate !== null && rate !== undefined);
    assert.match(
      text.stdout,
      new RegExp(
        `^error rate: +${(rate.value * 100).toFixed(2)}% \\S+ of the fault window on requests \\(site\\); ${out.measurement.requests?.failedSamples} of ${out.measurement.requests?.samples} samples failed$`,
        'm',
      ),
    );
    assert.match(text.stdout, /^resource state: +out of tolerance [\d.]+% .* \(capacity, targets\)$/m);
  });

  it('measures each objective on its own probes: latency on requests, recovery on every probe unless narrowed', async () => {
    // The shared list narrows to the site; the RTO names its own probes, which include the group's capacity.
    const file = await experiment(
      undefined,
      '  probes: [site]\n  rto: { within: 3m, probes: [site, capacity] }\n  maxP99Latency: 500ms\n  maxErrorRate: 50%\n',
      // Recovery ends with the group's capacity, before the new target has passed its checks: the steady state after
      // the rollbacks (three healthy targets) needs those minutes too.
      'steadyState: { samples: 3, timeout: 10m }\n',
    );
    const journalPath = join(tmp.dir, 'per-objective.json');
    const run = await gameday(['run', file, '--journal', journalPath, '--view', 'none', '--results', tmp.dir]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const journal = journalSchema.parse(JSON.parse(await readFile(journalPath, 'utf8')));
    const o = (name: string) => journal.objectives.find((x) => x.objective === name);
    assert.deepEqual(o('rto')?.probes, ['site', 'capacity']);
    assert.deepEqual(o('maxP99Latency')?.probes, ['site']);
    assert.deepEqual(o('maxErrorRate')?.probes, ['site']);
    assert.match(o('maxP99Latency')?.detail ?? '', /on site /);
    // Capacity comes back only once a replacement is in service: the RTO waited for it, not for the site alone.
    const capacityBack = journal.measurement.probes.capacity?.valueChanges.find((c) => c.to === 3);
    assert.ok(capacityBack !== undefined, 'capacity came back to 3');
    const injected = journal.measurement.injectedAt?.value ?? NaN;
    assert.ok((o('rto')?.measured ?? 0) >= (capacityBack.at.lower - injected) * REGION_SPEED, `RTO ${o('rto')?.measured} covers the capacity's return`);
    assert.match(run.stdout, /^objective rto: PASS — recovered in \S+ ±\S+ \(site, capacity\), RTO 3m/m);
  });
});

describe('gameday schema --journal', () => {
  it('says which clock each time is on: wall-clock ms with the speed beside it, objectives in AWS time', async () => {
    const result = await gameday(['schema', '--journal']);
    assert.equal(result.code, 0, result.stderr);
    const schema = JSON.parse(result.stdout) as {
      properties: Record<
        string,
        {
          properties?: Record<string, { description?: string; anyOf?: { description?: string }[] }>;
          items?: { properties: Record<string, { description?: string }> };
        }
      >;
    };
    const measurement = schema.properties.measurement?.properties ?? {};
    const described = (field: { description?: string; anyOf?: { description?: string }[] } | undefined): string =>
      [field?.description ?? '', ...(field?.anyOf ?? []).map((a) => a.description ?? '')].join(' ');
    for (const field of ['injectedAt', 'impactAt', 'recoveredAt', 'timeToImpact', 'timeToRecovery', 'downtime']) {
      assert.match(described(measurement[field]), /wall-clock ms; AWS-equivalent = × environment\.speed/, `measurement.${field}`);
    }
    const objective = schema.properties.objectives?.items?.properties ?? {};
    assert.match(objective.timeBase?.description ?? '', /'aws' when target, measured, uncertainty and margin are AWS time/);
    assert.match(objective.status?.description ?? '', /not-evaluated/);
  });
});
