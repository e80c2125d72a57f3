import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { serveWorkloadControl, Workload } from '../../src/sim/workload.js';
import { gameday, tempDir, type CliResult } from '../support/cli.js';

/** A valid experiment; the malformed files below each change one thing. Nothing listens on its ports. */
const VALID = `apiVersion: gameday/v1
metadata:
  name: cli-valid
probes:
  - name: web
    probe: http
    args:
      url: http://127.0.0.1:9/health
      timeout: 1s
    interval: 1s
faults:
  - name: outage
    action: http.request
    args:
      url: http://127.0.0.1:9/outage?for=5s
recovery:
  stableFor: 3s
objectives:
  rto: 10s
`;

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `test setup: '${from}' not found`);
  return text.replace(from, to);
}

/** 1-based line and column of `needle` in `text`, plus `skip` characters. */
function where(text: string, needle: string, skip = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at !== -1, `test setup: '${needle}' not found`);
  const before = text.slice(0, at + skip).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** A malformed file, with the location (that of `needle`) and field of its first problem. */
function malformed(name: string, text: string, needle: string, path: string, message: RegExp) {
  return { name, text, ...where(text, needle), path, message };
}

const MALFORMED = [
  malformed('metadata-list.yaml', edit(VALID, 'metadata:\n  name: cli-valid', 'metadata: [a, b]'), '[a, b]', 'metadata', /expected a map, got a list/),
  malformed(
    'typo.yaml',
    edit(VALID, '      timeout: 1s', '      timout: 1s'),
    'timout',
    'probes[0].args.timout',
    /unknown field 'timout' \(did you mean 'timeout'\?\)/,
  ),
  malformed('parsecs.yaml', edit(VALID, 'interval: 1s', 'interval: 5 parsecs'), '5 parsecs', 'probes[0].interval', /unknown unit 'parsecs'/),
  malformed(
    'bad-url.yaml',
    edit(VALID, 'url: http://127.0.0.1:9/outage?for=5s', 'url: not-a-url'),
    'not-a-url',
    'faults[0].args.url',
    /http:\/\/ or https:\/\/ URL/,
  ),
];

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a user must never see without --debug: stack frames or an error class dumped by name. */
function assertNoStackTrace(r: CliResult): void {
  for (const stream of [r.stdout, r.stderr]) {
    assert.doesNotMatch(stream, /^ {4}at /m, `no stack trace:\n${stream}`);
    assert.doesNotMatch(stream, /\b[A-Z]\w*Error\b:?|^Error:/m, `no error class dump:\n${stream}`);
    assert.doesNotMatch(stream, /node:internal|file:\/\//, `no internals:\n${stream}`);
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/** An HTTP server that records every connection and request, to prove that nothing was called. */
async function recorder(): Promise<{ url: string; requests: string[]; connections: () => number; close(): Promise<void> }> {
  const requests: string[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('gameday validate', () => {
  it('accepts a valid file: exit 0 and one ok line', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write('valid.yaml', VALID);
      const r = await gameday(['validate', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `ok: ${file}: experiment 'cli-valid' is valid (1 probe(s), 1 fault(s))\n`);
      assert.equal(r.stderr, '');
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses each malformed file with exit 2 and `error: FILE:LINE:COL at PATH: …` lines, without a stack trace', async () => {
    const tmp = await tempDir();
    try {
      for (const bad of MALFORMED) {
        const file = await tmp.write(bad.name, bad.text);
        const r = await gameday(['validate', file]);
        assert.equal(r.code, 2, `${bad.name}: ${r.stderr}`);
        assert.equal(r.stdout, '', `${bad.name}: nothing reported ok`);
        assertNoStackTrace(r);
        const errors = lines(r.stderr);
        assert.ok(errors.length >= 1, bad.name);
        for (const line of errors) assert.match(line, new RegExp(`^error: ${escapeRegex(file)}:\\d+:\\d+ at [\\w.\\[\\]-]+: \\S.*$`), `${bad.name}: ${line}`);
        const first = errors[0] ?? '';
        assert.ok(first.startsWith(`error: ${file}:${bad.line}:${bad.column} at ${bad.path}: `), `${bad.name}: ${first}`);
        assert.match(first, bad.message, bad.name);
      }
    } finally {
      await tmp.cleanup();
    }
  });

  it('reports broken YAML as one located sentence, without a stack trace', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write('broken.yaml', 'apiVersion: gameday/v1\nmetadata:\n  name: x\n description: misaligned\n');
      const r = await gameday(['validate', file]);
      assert.equal(r.code, 2);
      assertNoStackTrace(r);
      const [only, ...rest] = lines(r.stderr);
      assert.equal(rest.length, 0, r.stderr);
      assert.match(only ?? '', new RegExp(`^error: ${escapeRegex(file)}:4:\\d+: broken YAML: \\S`));
    } finally {
      await tmp.cleanup();
    }
  });

  it('prints a stack trace with --debug, as well as the located errors', async () => {
    const tmp = await tempDir();
    try {
      const bad = MALFORMED[0];
      assert.ok(bad !== undefined);
      const file = await tmp.write(bad.name, bad.text);
      for (const args of [
        ['--debug', 'validate', file],
        ['validate', '--debug', file],
      ]) {
        const r = await gameday(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.stderr, /^ {4}at /m, `${args.join(' ')}: a stack trace is allowed with --debug`);
        assert.ok(r.stderr.includes(`error: ${file}:${bad.line}:${bad.column} at ${bad.path}: `), r.stderr);
      }
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses a missing file with exit 2 and one clear sentence', async () => {
    const tmp = await tempDir();
    try {
      const file = join(tmp.dir, 'does-not-exist.yaml');
      const r = await gameday(['validate', file]);
      assert.equal(r.code, 2);
      assertNoStackTrace(r);
      assert.deepEqual(lines(r.stderr), [`error: Cannot read experiment file ${file}: no such file.`]);
      assert.equal(r.stdout, '');
    } finally {
      await tmp.cleanup();
    }
  });

  it('checks every file given: one bad file gives exit 2 and the good ones are still reported ok', async () => {
    const tmp = await tempDir();
    try {
      const good = await tmp.write('good.yaml', VALID);
      const bad = MALFORMED[2];
      assert.ok(bad !== undefined);
      const badFile = await tmp.write(bad.name, bad.text);
      const missing = join(tmp.dir, 'missing.yaml');
      const r = await gameday(['validate', badFile, good, missing]);
      assert.equal(r.code, 2);
      assertNoStackTrace(r);
      assert.equal(r.stdout, `ok: ${good}: experiment 'cli-valid' is valid (1 probe(s), 1 fault(s))\n`);
      const errors = lines(r.stderr);
      assert.ok(
        errors.some((l) => l.startsWith(`error: ${badFile}:${bad.line}:${bad.column} at ${bad.path}: `)),
        r.stderr,
      );
      assert.ok(
        errors.some((l) => l === `error: Cannot read experiment file ${missing}: no such file.`),
        r.stderr,
      );
      assert.ok(!r.stderr.includes(good), 'the good file is not reported as an error');
    } finally {
      await tmp.cleanup();
    }
  });

  it('prints machine-readable results with --json', async () => {
    const tmp = await tempDir();
    try {
      const good = await tmp.write('good.yaml', VALID);
      const bad = MALFORMED[1];
      assert.ok(bad !== undefined);
      const badFile = await tmp.write(bad.name, bad.text);
      const r = await gameday(['--json', 'validate', good, badFile]);
      assert.equal(r.code, 2);
      const results = JSON.parse(r.stdout) as {
        file: string;
        valid: boolean;
        name?: string;
        issues?: { file: string; line: number; column: number; path: string; message: string }[];
      }[];
      assert.equal(results.length, 2);
      assert.deepEqual(results[0], { file: good, valid: true, name: 'cli-valid' });
      assert.equal(results[1]?.file, badFile);
      assert.equal(results[1]?.valid, false);
      const issue = results[1]?.issues?.find((i) => i.path === bad.path);
      assert.ok(issue !== undefined, r.stdout);
      assert.deepEqual({ file: issue.file, line: issue.line, column: issue.column }, { file: badFile, line: bad.line, column: bad.column });
      assert.match(issue.message, bad.message);

      const run = await gameday(['--json', 'run', badFile, '--results', join(tmp.dir, 'results')]);
      assert.equal(run.code, 2);
      const refusal = JSON.parse(run.stderr) as { error: string; issues: { path: string }[] };
      assert.equal(refusal.error, 'GD_INVALID_EXPERIMENT');
      assert.ok(refusal.issues.some((i) => i.path === bad.path));
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('gameday run on a malformed file', () => {
  it('exits 2 before any network call: the recorder every endpoint points at sees nothing', async () => {
    const tmp = await tempDir();
    const rec = await recorder();
    try {
      // Every address the file and the environment name is the recorder: the AWS endpoint, the probes, the fault.
      const text = (defect: string): string => `apiVersion: gameday/v1
metadata:
  name: no-call
environment:
  type: localstack
  endpoint: ${rec.url}
steadyState:
  samples: 1
probes:
  - name: web
    probe: http
    args:
      url: ${rec.url}/health
    interval: ${defect}
  - name: port
    probe: tcp
    args:
      host: 127.0.0.1
      port: ${new URL(rec.url).port}
faults:
  - name: outage
    action: http.request
    args:
      url: ${rec.url}/outage
recovery:
  stableFor: 500ms
  timeout: 10s
`;
      const env = { AWS_ENDPOINT_URL: rec.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
      const results = join(tmp.dir, 'results');
      const badText = text('5 parsecs');
      const file = await tmp.write('bad.yaml', badText);
      const at = where(badText, '5 parsecs');
      const r = await gameday(['run', file, '--results', results, '--view', 'plain'], { env });
      assert.equal(r.code, 2, r.stderr);
      assertNoStackTrace(r);
      assert.deepEqual(lines(r.stderr), [
        `error: ${file}:${at.line}:${at.column} at probes[0].interval: '5 parsecs' has an unknown unit 'parsecs' (use ms, s, m or h, e.g. 500ms, 30s, 1m30s, 5m, 1h)`,
      ]);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /phase/, 'no phase started');
      assert.deepEqual(rec.requests, [], 'no request reached the recorder');
      assert.equal(rec.connections(), 0, 'not even a connection');
      assert.equal(existsSync(results), false, 'no journal written');

      // Control: the same file, valid, does reach the recorder, so the silence above means something.
      const good = await tmp.write('good.yaml', text('1s'));
      const control = await gameday(['run', good, '--journal', join(tmp.dir, 'control.json'), '--view', 'none'], { env, timeoutMs: 30_000 });
      assert.notEqual(control.code, 2, control.stderr);
      assert.ok(rec.connections() > 0, 'a valid run does connect to the recorder');
    } finally {
      await rec.close();
      await tmp.cleanup();
    }
  });
});

describe('gameday schema', () => {
  it('prints the JSON Schema of experiment files, with every built-in action among the fault variants', async () => {
    const r = await gameday(['schema']);
    assert.equal(r.code, 0, r.stderr);
    const schema = JSON.parse(r.stdout) as { $schema?: string; properties: Record<string, unknown> };
    assert.match(schema.$schema ?? '', /json-schema\.org/);
    assert.ok(schema.properties.probes !== undefined);
    assert.ok(schema.properties.faults !== undefined);
    const faults = JSON.stringify(schema.properties.faults);
    assert.ok(faults.includes('"const":"http.request"'), 'http.request is a fault variant');
    assert.ok(faults.includes('"const":"process.exec"'), 'process.exec is a fault variant');
    const probes = JSON.stringify(schema.properties.probes);
    assert.ok(probes.includes('"const":"http"') && probes.includes('"const":"tcp"'));
  });

  it('prints the journal schema with --journal', async () => {
    const r = await gameday(['schema', '--journal']);
    assert.equal(r.code, 0, r.stderr);
    const schema = JSON.parse(r.stdout) as { $id?: string; title?: string; properties: Record<string, { const?: string }> };
    assert.match(schema.$id ?? '', /journal/);
    assert.equal(schema.properties.schema?.const, 'gameday.journal/v1');
    for (const key of ['runId', 'verdict', 'measurement', 'probes', 'activities', 'objectives']) assert.ok(key in schema.properties, key);
    assert.equal(schema.properties.probes === undefined, false);
    assert.ok(!('faults' in schema.properties), 'not the experiment schema');
  });
});

describe('help and usage errors', () => {
  for (const args of [['--help'], ['run', '--help']]) {
    it(`gameday ${args.join(' ')} exits 0 and lists the exit codes and an example`, async () => {
      const r = await gameday(args);
      assert.equal(r.code, 0, r.stderr);
      const text = r.stdout;
      assert.match(text, /^Usage: gameday/m);
      assert.match(text, /Exit codes:/);
      for (const code of ['0  passed', '1  an objective was missed', '2  invalid input', '3  aborted', '4  error']) assert.ok(text.includes(code), code);
      assert.match(text, /Examples?:\n\s+\$ gameday (run|validate) \S+/);
    });
  }

  it('refuses an unknown command with exit 2 and no stack trace', async () => {
    const r = await gameday(['frobnicate']);
    assert.equal(r.code, 2);
    assertNoStackTrace(r);
    assert.match(r.stderr, /^error: unknown command 'frobnicate'$/m);
  });

  it('refuses an unknown option with exit 2 and no stack trace', async () => {
    for (const args of [
      ['validate', '--frob', 'x.yaml'],
      ['--frob', 'schema'],
      ['run', 'x.yaml', '--view', 'fancy'],
    ]) {
      const r = await gameday(args);
      assert.equal(r.code, 2, args.join(' '));
      assertNoStackTrace(r);
      assert.match(r.stderr, /^error: (unknown option '--frob'|option '--view <kind>' argument 'fancy' is invalid)/m, r.stderr);
    }
  });
});

describe('gameday run end to end against a real HTTP service', () => {
  const OUTAGE_MS = 2_000;

  /** The shipped example's structure, with a 2 s outage and a 1 s stabilisation window. */
  const experiment = (rto: string): string => `apiVersion: gameday/v1
metadata:
  name: cli-http-outage
  description: The web service refuses connections for 2s; it must be back in time.
  tags: [test, http]
environment:
  type: sim
steadyState:
  samples: 2
probes:
  - name: web
    probe: http
    args:
      url: \${env:DEMO_URL:-http://127.0.0.1:8080}/health
      timeout: 1s
    tolerance:
      status: 200
      body: ok
      # A probe's first request opens its connection: on a loaded CI machine that took 587 ms once.
      maxLatency: 900ms
    interval: 1s
  - name: port
    probe: tcp
    args:
      host: 127.0.0.1
      port: \${env:DEMO_PORT:-8080}
    interval: 1s
faults:
  - name: outage
    action: http.request
    args:
      url: \${env:DEMO_CONTROL:-http://127.0.0.1:8081}/outage?for=${OUTAGE_MS}ms&mode=refuse
      expectStatus: [200]
recovery:
  stableFor: 1s
  timeout: 30s
objectives:
  rto: ${rto}
  maxErrorRate: 80%
  maxP99Latency: 1s
stopConditions:
  - name: outage-too-long
    probe: web
    failingFor: 20s
`;

  async function system(): Promise<{ workload: Workload; env: Record<string, string>; close(): Promise<void> }> {
    const workload = await new Workload({ name: 'cli-e2e' }).start();
    const control = await serveWorkloadControl(workload);
    return {
      workload,
      env: { DEMO_URL: workload.url, DEMO_PORT: String(workload.port), DEMO_CONTROL: control.url },
      close: async () => {
        await control.close();
        await workload.close();
      },
    };
  }

  /** A loopback port nothing listens on. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  async function readJournal(path: string): Promise<Journal> {
    const journal = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return journalSchema.parse(journal);
  }

  it('passes: exit 0, PASSED summary, a journal whose time to recovery matches the 2 s outage, phases on stderr', async () => {
    const tmp = await tempDir();
    const sys = await system();
    try {
      const file = await tmp.write('outage.yaml', experiment('10s'));
      const journalPath = join(tmp.dir, 'j.json');
      const r = await gameday(['run', file, '--journal', journalPath, '--view', 'plain'], { env: sys.env, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assertNoStackTrace(r);
      assert.match(r.stdout, /^verdict: PASSED — /m);
      assert.ok(r.stdout.includes(`journal: ${journalPath}`), r.stdout);

      const journal = await readJournal(journalPath);
      assert.equal(journal.schema, 'gameday.journal/v1');
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      assert.equal(journal.verdict.exitCode, 0);
      assert.equal(journal.experiment.name, 'cli-http-outage');

      const m = journal.measurement;
      assert.ok(m.timeToRecovery !== null && m.impactAt !== null && m.recoveredAt !== null, JSON.stringify(m));
      const ttr = m.timeToRecovery;
      // The hook's timer decides the real outage; on a loaded machine it can fire late, so the measurement is checked
      // against what the service recorded (below), and against the nominal duration only loosely.
      assert.ok(Math.abs(ttr.value - OUTAGE_MS) <= 1_000, `time to recovery ${ttr.value}ms, expected about ${OUTAGE_MS}ms`);
      const slack = 100;

      // The truth, as the service recorded it (this process's clock, mapped onto the journal's).
      const down = sys.workload.transitions.findLast((t) => !t.up);
      const up = sys.workload.transitions.findLast((t) => t.up);
      assert.ok(down !== undefined && up !== undefined && up.at > down.at, JSON.stringify(sys.workload.transitions));
      const toJournal = (at: number): number => performance.timeOrigin + at - journal.startedAtEpochMs;
      const trueDown = toJournal(down.at);
      const trueUp = toJournal(up.at);
      assert.ok(
        m.impactAt.lower - slack <= trueDown && trueDown <= m.impactAt.upper + slack,
        `down at ${trueDown}, impact [${m.impactAt.lower}, ${m.impactAt.upper}]`,
      );
      assert.ok(
        m.recoveredAt.lower - slack <= trueUp && trueUp <= m.recoveredAt.upper + slack,
        `up at ${trueUp}, recovered [${m.recoveredAt.lower}, ${m.recoveredAt.upper}]`,
      );
      const trueOutage = up.at - down.at;
      assert.ok(
        ttr.lower - slack <= trueOutage && trueOutage <= ttr.upper + slack,
        `true outage ${trueOutage}ms, time to recovery [${ttr.lower}, ${ttr.upper}]`,
      );

      // The plain live view: one timestamped line per event, phases in order.
      const phases = [...r.stderr.matchAll(/^\[\s*\d+\.\d{3}s\] phase (\S+)$/gm)].map((p) => p[1]);
      assert.deepEqual(phases, ['resolve-targets', 'steady-state-before', 'method', 'recovery', 'steady-state-after'], r.stderr);
      assert.match(r.stderr, /^\[\s*\d+\.\d{3}s\] fault outage succeeded$/m);
      assert.match(r.stderr, /^\[\s*\d+\.\d{3}s\] probe web failing: /m);
      assert.match(r.stderr, /^\[\s*\d+\.\d{3}s\] recovered$/m);
    } finally {
      await sys.close();
      await tmp.cleanup();
    }
  });

  it('fails with exit 1 and verdict failed-objective when the outage outlasts the RTO', async () => {
    const tmp = await tempDir();
    const sys = await system();
    try {
      const file = await tmp.write('outage.yaml', experiment('500ms'));
      const journalPath = join(tmp.dir, 'j.json');
      const r = await gameday(['run', file, '--journal', journalPath, '--view', 'none'], { env: sys.env, timeoutMs: 60_000 });
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assertNoStackTrace(r);
      assert.match(r.stdout, /^verdict: FAILED-OBJECTIVE — .*rto/m);
      const journal = await readJournal(journalPath);
      assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
      assert.equal(journal.verdict.exitCode, 1);
      const rto = journal.objectives.find((o) => o.objective === 'rto');
      assert.equal(rto?.status, 'fail');
      assert.ok((rto?.margin ?? 0) < 0, 'missed by a negative margin');
      assert.equal(journal.measurement.recovered, true, 'it did recover, only too late');
    } finally {
      await sys.close();
      await tmp.cleanup();
    }
  });

  it('errors with exit 4 and verdict invalid-fault when the fault does not land, and still writes the journal', async () => {
    const tmp = await tempDir();
    const sys = await system();
    try {
      const port = await closedPort();
      const file = await tmp.write('outage.yaml', experiment('10s'));
      const journalPath = join(tmp.dir, 'out', 'j.json');
      const r = await gameday(['run', file, '--journal', journalPath, '--view', 'plain'], {
        env: { ...sys.env, DEMO_CONTROL: `http://127.0.0.1:${port}` },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 4, `${r.stdout}\n${r.stderr}`);
      assertNoStackTrace(r);
      assert.match(r.stdout, /^verdict: INVALID-FAULT — fault 'outage' did not land: /m);
      assert.deepEqual(await readdir(join(tmp.dir, 'out')), ['j.json']);
      const journal = await readJournal(journalPath);
      assert.equal(journal.verdict.status, 'invalid-fault', journal.verdict.reason);
      assert.equal(journal.verdict.exitCode, 4);
      assert.match(journal.verdict.reason, /connection refused/);
      assert.deepEqual(
        journal.activities.map((a) => [a.kind, a.name, a.status]),
        [['fault', 'outage', 'failed']],
      );
      assert.equal(journal.measurement.injectedAt, null);
      assert.equal(sys.workload.transitions.length, 1, 'the service never went down');
    } finally {
      await sys.close();
      await tmp.cleanup();
    }
  });
});
