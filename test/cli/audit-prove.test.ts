import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/audit/finding.js';
import { journalSchema } from '../../src/engine/journal.js';
import { proveFindings, TWIN_FILE } from '../../src/cli/prove.js';
import { ROOT, tempDir } from '../support/cli.js';

/**
 * `--prove` on real runs: the reference architecture as the twin, and the terminate-one-instance experiment with an
 * RTO it misses (confirmed) and one it meets (refuted), plus an experiment that cannot run (error). Each run has its
 * own simulated region at 100×.
 */
describe('audit --prove', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let twin: string;
  let experiment: string;
  before(async () => {
    tmp = await tempDir();
    twin = await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8');
    experiment = (await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8')).replace('  speed: 20\n', `  topology: ${TWIN_FILE}\n`);
    assert.match(experiment, /topology: twin\.yaml/);
  });
  after(() => tmp.cleanup());

  const finding = (rule: string, yaml: string): Finding => ({
    rule,
    layer: 'zones',
    severity: 'high',
    title: `${rule} title`,
    evidence: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/web-asg'],
    principle: 'p',
    fix: 'f',
    reference: 'https://docs.aws.amazon.com/',
    experiment: { file: `${rule}.yaml`, yaml, claim: 'the group recovers' },
  });

  it('confirms a finding whose experiment breaks its objective, refutes one that holds, and says error for one that cannot run', async () => {
    const progress: string[] = [];
    const findings = [
      finding('tight-rto', experiment.replace('rto: 7m', 'rto: 1m')),
      finding('loose-rto', experiment),
      finding('broken', experiment.replace('action: aws.ec2.terminate-instances', 'action: aws.ec2.no-such-action')),
      { ...finding('unprovable', experiment), experiment: undefined, unprovable: 'no fault shows it' },
    ];
    const results = join(tmp.dir, 'results');
    const proofs = await proveFindings(findings, { twin, results, speed: 100, progress: (l) => progress.push(l) });
    assert.deepEqual(
      proofs.map((p) => [p.rule, p.outcome]),
      [
        ['tight-rto', 'confirmed'],
        ['loose-rto', 'refuted'],
        ['broken', 'error'],
      ],
    );
    const [tight, loose, broken] = proofs;
    assert.equal(tight?.verdict, 'failed-objective');
    assert.equal(loose?.verdict, 'passed');
    assert.deepEqual(tight?.evidence, findings[0]?.evidence);
    for (const p of [tight, loose]) {
      const names = p?.measurements.map((m) => m.name) ?? [];
      assert.ok(names.includes('time to recovery') && names.includes('objective rto'), names.join(', '));
      assert.match(p?.measurements.find((m) => m.name === 'time to recovery')?.value ?? '', /^\d+m\d/);
      // The journal is where the proof says, and it is a journal.
      journalSchema.parse(JSON.parse(await readFile(p?.journal ?? '', 'utf8')));
      assert.ok(p?.journal?.startsWith(results));
      assert.ok((p?.wallMs ?? 0) > 0);
    }
    assert.match(tight?.measurements.find((m) => m.name === 'objective rto')?.value ?? '', /^fail: measured \d+m/);
    assert.match(broken?.error ?? '', /no-such-action/);
    assert.equal(broken?.journal, undefined);
    assert.equal(progress.length, 6, progress.join('\n'));
    assert.match(progress[1] ?? '', /prove 1\/3: tight-rto: confirmed \(failed-objective\)/);
  });
});
