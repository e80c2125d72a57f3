import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { auditArchitecture } from '../../src/audit/audit.js';
import type { Finding } from '../../src/audit/finding.js';
import { placeholderSimOutputs } from '../../src/cli/sim-host.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { LB_DNS, OBJECTIVES, reference, referenceWith } from './builder.js';
import { REFERENCE_TWIN } from './twin.js';
import { WEAKNESSES } from './weaknesses.js';

/** The reference with its failover primary knowing no health, still an alias to the load balancer: its site loss is proven. */
const primaryWithoutHealth = () =>
  referenceWith((a) => {
    const primary = a.hostedZones[0]?.records[0];
    if (primary?.alias === undefined) return;
    primary.healthCheckId = undefined;
    primary.alias.evaluateTargetHealth = false;
  });

/** Every finding with an experiment, of the reference and of each planted weakness. */
function everyExperiment(speed?: number): Finding[] {
  const architectures = [reference(), ...WEAKNESSES.map((w) => referenceWith(w.plant)), primaryWithoutHealth()];
  return architectures.flatMap((a) => auditArchitecture(a, OBJECTIVES, { twin: 'twin.yaml', speed }).findings).filter((f) => f.experiment !== undefined);
}

describe('generated experiments', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gameday-audit-'));
    await writeFile(join(dir, 'twin.yaml'), REFERENCE_TWIN);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('each validates as `gameday validate` checks it, against the twin topology’s outputs', async () => {
    const registry = defaultRegistry();
    const findings = everyExperiment();
    const rules = new Set(findings.map((f) => f.rule));
    // Every kind of experiment is among them: zone loss, replacement, database failover, DNS failover.
    for (const rule of [
      'capacity-below-need-after-zone-loss',
      'asg-suspended-processes',
      'rds-single-az',
      'db-cluster-single-zone',
      'dns-routed-record-without-health-check',
      'dns-failover-slower-than-rto',
      'claim-zone-loss',
    ])
      assert.ok(rules.has(rule), rule);
    for (const f of findings) {
      const e = f.experiment ?? assert.fail();
      const loaded = await loadExperimentText(e.yaml, join(dir, e.file), { registry, env: {}, simOutputs: placeholderSimOutputs });
      assert.equal(loaded.experiment.environment.type, 'sim');
      assert.equal(loaded.experiment.environment.speed, 60);
      assert.equal(loaded.experiment.environment.topology, 'twin.yaml');
      assert.equal(loaded.experiment.metadata.description, e.claim);
      assert.match(e.file, /^[A-Za-z][A-Za-z0-9_-]*\.yaml$/);
    }
  });

  it('says in its comment what to change for the account: the environment and the load balancer’s DNS name', () => {
    const zone = everyExperiment().find((f) => f.rule === 'claim-zone-loss')?.experiment ?? assert.fail();
    assert.match(zone.yaml, /^# Claim: web-asg keeps at least 2 serving through the loss of us-east-1a/);
    assert.match(zone.yaml, /allowedAccountIds: \["123456789012"\]/);
    assert.ok(zone.yaml.includes(`\${sim:alb.web-alb.url} -> http://${LB_DNS}`));
    // Only environment changes on the body: nothing else of the twin's is named but the one URL.
    const body = parse(zone.yaml) as { probes: { args: Record<string, unknown> }[]; stopConditions: { alarm: string }[] };
    assert.deepEqual(body.probes[1]?.args, { autoScalingGroupName: 'web-asg' });
    assert.deepEqual(body.stopConditions, [{ name: 'too-few-healthy-hosts', alarm: 'web-healthy-hosts' }]);
  });

  it('runs at the speed it is given', () => {
    const [f] = everyExperiment(100);
    assert.match(f?.experiment?.yaml ?? '', /speed: 100/);
  });
});
