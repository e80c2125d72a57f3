import assert from 'node:assert/strict';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyArchitecture } from '../../src/architecture/model.js';
import type { AuditReport, Finding } from '../../src/audit/finding.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { type AuditCommandOptions, exitCodeOf, runAudit } from '../../src/cli/audit.js';
import type { AuditPieces } from '../../src/cli/audit-pieces.js';
import { ExitCode } from '../../src/errors/gameday-error.js';
import { gameday, tempDir } from '../support/cli.js';

const TOPOLOGY = 'experiments/topologies/reference.yaml';

describe('gameday audit: bad input is one sentence, exit 2, and nothing is written', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  const cases: [string, string[], RegExp][] = [
    ['no source', [], /^error: Name what to audit: --account, --endpoint URL, --template FILE or --topology FILE\.\n$/],
    [
      'two sources',
      ['--template', 'infra/reference-architecture.yaml', '--topology', TOPOLOGY],
      /^error: --template and --topology name two sources: give one\.\n$/,
    ],
    ['an account and a file', ['--account', '--topology', TOPOLOGY], /^error: --account and --topology name two sources: give one\.\n$/],
    ['an unknown file', ['--template', 'infra/no-such-template.yaml'], /^error: Cannot read --template infra\/no-such-template\.yaml: no such file\.\n$/],
    ['a bad --need', ['--topology', TOPOLOGY, '--need', 'web-asg:3'], /^error: --need takes GROUP=N, .* got 'web-asg:3'\.\n$/],
    ['a bad --rto', ['--topology', TOPOLOGY, '--rto', 'soon'], /^error: --rto needs a duration such as 30s, got 'soon'/],
    ['a bad --fail-on', ['--topology', TOPOLOGY, '--fail-on', 'severe'], /error: option '--fail-on <severity>' argument 'severe' is invalid/],
    ['a bad --format', ['--topology', TOPOLOGY, '--format', 'pdf'], /error: option '--format <format>' argument 'pdf' is invalid/],
    ['an account option for a file', ['--topology', TOPOLOGY, '--profile', 'prod'], /^error: --profile applies to --account or --endpoint, not to --topology /],
    ['a bad --endpoint', ['--endpoint', 'localhost:4566'], /^error: --endpoint needs an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const out = join(tmp.dir, `${what.replace(/\W+/g, '-')}`);
      const r = await gameday(['audit', ...args, '-o', `${out}.html`, '--write-experiments', out]);
      assert.equal(r.code, ExitCode.InvalidInput, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
      await assert.rejects(access(out), 'no experiment written');
      await assert.rejects(access(`${out}.html`), 'no report written');
    });
  }
});

/** Stand-ins of the reader, the twin and the rules, which other parts of gameday provide: here they give a fixed report. */
function pieces(findings: Finding[]): AuditPieces {
  const source = { kind: 'topology' as const, name: TOPOLOGY };
  const architecture = emptyArchitecture(source, 'us-east-1', '123456789012');
  return {
    openArchitectureSource: async () => ({ aws: {} as AwsClients, source, close: async () => undefined }),
    readArchitecture: async () => architecture,
    topologyOf: () => ({ topology: { region: 'us-east-1', zones: ['us-east-1a'] }, notes: [] }),
    auditArchitecture: (a, objectives): AuditReport => ({ architecture: a, objectives, findings, scores: [], unmodelled: [] }),
  };
}

const finding = (severity: Finding['severity'], file?: string): Finding => ({
  rule: `rule-${severity}`,
  layer: 'zones',
  severity,
  title: `a ${severity} finding`,
  evidence: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x'],
  principle: 'p',
  fix: 'f',
  reference: 'https://docs.aws.amazon.com/',
  ...(file === undefined ? {} : { experiment: { file, yaml: `# ${file}\n`, claim: 'c' } }),
});

describe('gameday audit: outputs and exit codes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());
  const options = (o: Partial<AuditCommandOptions>): AuditCommandOptions => ({ topology: TOPOLOGY, rto: 300_000, format: 'json', ...o });
  const globals = { debug: false, json: true };

  it('--fail-on: exit 6 when a finding is at or above the severity, 0 below it and without --fail-on', () => {
    const report = { findings: [finding('medium')] } as AuditReport;
    assert.equal(exitCodeOf(report, 'critical'), ExitCode.Passed);
    assert.equal(exitCodeOf(report, 'high'), ExitCode.Passed);
    assert.equal(exitCodeOf(report, 'medium'), ExitCode.FindingsAboveThreshold);
    assert.equal(exitCodeOf(report, 'low'), ExitCode.FindingsAboveThreshold);
    assert.equal(exitCodeOf(report, undefined), ExitCode.Passed);
    assert.equal(exitCodeOf({ findings: [finding('info')] } as AuditReport, 'low'), ExitCode.Passed);
  });

  it('writes the report to -o, twin.yaml and every experiment to --write-experiments, and passes the objectives on', async () => {
    const out = join(tmp.dir, 'reports', 'audit.json');
    const dir = join(tmp.dir, 'experiments');
    const code = await runAudit(
      globals,
      options({ output: out, writeExperiments: dir, failOn: 'high', need: ['web-asg=3', 'api=2'], rto: 90_000 }),
      pieces([finding('high', 'rule-high-web.yaml'), finding('low', 'rule-low-web.yaml'), finding('info')]),
    );
    assert.equal(code, ExitCode.FindingsAboveThreshold);
    const report = JSON.parse(await readFile(out, 'utf8')) as AuditReport & { schemaVersion: string };
    assert.equal(report.schemaVersion, 'gameday.audit/v1');
    assert.deepEqual(report.objectives, { rtoSeconds: 90, need: { 'web-asg': 3, api: 2 } });
    assert.equal(report.findings.length, 3);
    assert.deepEqual((await readdir(dir)).sort(), ['rule-high-web.yaml', 'rule-low-web.yaml', 'twin.yaml']);
    assert.equal(await readFile(join(dir, 'twin.yaml'), 'utf8'), 'region: us-east-1\nzones:\n  - us-east-1a\n');
    assert.equal(await readFile(join(dir, 'rule-low-web.yaml'), 'utf8'), '# rule-low-web.yaml\n');
  });

  it('--format html to a file: the page names the experiment files where they were written', async () => {
    const out = join(tmp.dir, 'audit.html');
    const code = await runAudit(
      globals,
      options({ output: out, format: 'html', writeExperiments: join(tmp.dir, 'x') }),
      pieces([finding('critical', 'a.yaml')]),
    );
    assert.equal(code, ExitCode.Passed);
    const html = await readFile(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes(`${join(tmp.dir, 'x')}/a.yaml (c)`));
  });
});

describe('gameday audit through the real reader, twin and rules', () => {
  it('prints the JSON report of a topology, writes runnable experiments beside twin.yaml, and exits 6 at --fail-on', async () => {
    const tmp = await tempDir();
    try {
      const dir = join(tmp.dir, 'experiments');
      const r = await gameday(['audit', '--template', 'infra/fragile-architecture.yaml', '--format', 'json', '--write-experiments', dir, '--fail-on', 'high'], {
        env: { GAMEDAY_SPEED: '100' },
      });
      assert.equal(r.code, ExitCode.FindingsAboveThreshold, r.stderr);
      const report = JSON.parse(r.stdout) as AuditReport & { schemaVersion: string };
      assert.equal(report.schemaVersion, 'gameday.audit/v1');
      assert.equal(report.architecture.source.kind, 'template');
      assert.deepEqual(report.scores.map((s) => s.layer).sort(), ['database', 'deployments', 'dns', 'load-balancing', 'network', 'zones']);
      assert.ok(report.findings.some((f) => f.severity === 'high'));
      const files = (await readdir(dir)).sort();
      const expected = report.findings.flatMap((f) => (f.experiment === undefined ? [] : [f.experiment.file]));
      assert.deepEqual(files, ['twin.yaml', ...expected].sort());
      assert.match(r.stderr, new RegExp(`wrote twin\\.yaml and ${expected.length} experiments into `));
      // The same source below the threshold exits 0.
      const low = await gameday(
        ['audit', '--template', 'infra/fragile-architecture.yaml', '--fail-on', 'critical', '-o', join(tmp.dir, 'a.md'), '--format', 'markdown'],
        {
          env: { GAMEDAY_SPEED: '100' },
        },
      );
      assert.equal(low.code, ExitCode.Passed, low.stderr);
      assert.match(await readFile(join(tmp.dir, 'a.md'), 'utf8'), /^# gameday audit\n/);
    } finally {
      await tmp.cleanup();
    }
  });
});
