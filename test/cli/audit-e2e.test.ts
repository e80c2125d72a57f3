import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEVERITIES, type AuditReport } from '../../src/audit/finding.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gameday, tempDir } from '../support/cli.js';

/** The weaknesses infra/fragile-architecture.yaml plants (listed at its top), by the rule that must find each. */
const PLANTED = [
  'asg-fewer-than-three-zones',
  'rds-single-az',
  'dns-routed-record-without-health-check',
  'asg-ec2-health-check-behind-lb',
  'asg-no-update-policy-or-refresh',
  'nat-gateway-shared-across-zones',
];
const above = (s: string, threshold: string): boolean => SEVERITIES.indexOf(s as never) < SEVERITIES.indexOf(threshold as never);

/** The whole command as a user runs it: the template or topology loaded in a simulated region, read, audited, proven. */
describe('gameday audit end to end', () => {
  it('finds every weakness planted in the fragile architecture, and --prove confirms each one an experiment can show', async () => {
    const tmp = await tempDir();
    const auditLog = join(tmp.dir, 'calls.jsonl');
    const r = await gameday(
      ['audit', '--template', 'infra/fragile-architecture.yaml', '--prove', '--format', 'json', '--speed', '100', '--audit-log', auditLog],
      { timeoutMs: 600_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as AuditReport & { schemaVersion: string };
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const rule of PLANTED) assert.ok(rules.has(rule), `${rule} found (found: ${[...rules].join(', ')})`);
    const proofs = report.proofs ?? [];
    const weaknesses = report.findings.filter((f) => above(f.severity, 'info') && f.experiment !== undefined);
    assert.ok(weaknesses.length > 0, 'at least one planted weakness is provable');
    for (const f of weaknesses) {
      const proof = proofs.find((p) => p.rule === f.rule && p.evidence.join() === f.evidence.join());
      assert.equal(proof?.outcome, 'confirmed', `${f.rule}: ${JSON.stringify(proof)}`);
      assert.ok((proof?.measurements.length ?? 0) > 0 && proof?.journal !== undefined, f.rule);
    }
    assert.match(r.stderr, /journals in \S+/);
    assert.match(r.stderr, /prove \d+\/\d+: /);
    // Read-only, by the request log: every call of the reading is a Describe, List or Get, and none changed anything.
    const calls = (await readFile(auditLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { operation: string; mutating: boolean });
    assert.ok(calls.length > 20, `${calls.length} calls logged`);
    assert.deepEqual(
      calls.filter((c) => c.mutating || !/^(Describe|List|Get)/.test(c.operation)).map((c) => c.operation),
      [],
    );
    await tmp.cleanup();
    // --fail-on turns the same findings into a CI failure.
    const ci = await gameday(['audit', '--template', 'infra/fragile-architecture.yaml', '--fail-on', 'high'], { timeoutMs: 120_000 });
    assert.equal(ci.code, 6, ci.stderr);
  });

  it('has nothing above info on the reference architecture, and every experiment it generates passes there', async () => {
    const r = await gameday(['audit', '--template', 'infra/reference-architecture.yaml', '--prove', '--format', 'json', '--speed', '100', '--fail-on', 'low'], {
      timeoutMs: 600_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as AuditReport;
    assert.deepEqual(
      report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.rule}: ${f.title}`),
      [],
    );
    for (const s of report.scores) assert.equal(s.score, 100, s.layer);
    for (const p of report.proofs ?? []) assert.equal(p.outcome, 'refuted', `${p.rule}: ${p.error ?? p.verdict ?? ''}`);
  });
});
