import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { auditArchitecture } from '../../src/audit/audit.js';
import { ROOT } from '../support/cli.js';
import { OBJECTIVES, reference, referenceWith } from './builder.js';
import { prove } from './prove-twin.js';

/** The reference architecture with its group on EC2 health checks: the weakness. */
const ec2Checked = () => referenceWith((a) => Object.assign(a.autoScalingGroups[0] ?? {}, { healthCheckType: 'EC2' }));

// https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html : AWSFIS-Run-Kill-Process on one instance.
describe('the app-failure experiment of asg-ec2-health-check-behind-lb', () => {
  it('kills the application on one instance of the group and expects desired healthy targets within grace + detection + replacement', () => {
    const finding = auditArchitecture(ec2Checked(), OBJECTIVES, { twin: 'twin.yaml' }).findings.find((f) => f.rule === 'asg-ec2-health-check-behind-lb');
    assert.ok(finding?.experiment !== undefined, 'the finding is provable');
    assert.equal(finding.unprovable, undefined);
    const doc = parse(finding.experiment.yaml) as {
      faults: { action: string; args: Record<string, string>; targets: { tags: Record<string, string>; selection: string } }[];
      probes: { probe: string; args: Record<string, string>; tolerance: { atLeast: number } }[];
      objectives: { rto: { within: string } };
    };
    assert.deepEqual(doc.faults[0], {
      name: 'kill-app-on-one',
      action: 'aws.ssm.kill-process',
      args: { processName: '${sim:asg.web-asg.processName}', signal: 'SIGKILL' },
      targets: { tags: { 'aws:autoscaling:groupName': 'web-asg' }, selection: 'COUNT(1)' },
    });
    assert.equal(doc.probes[0]?.probe, 'aws.elbv2.healthy-targets');
    assert.equal(doc.probes[0]?.tolerance.atLeast, 3);
    // Grace 600 s + detection 2 × 30 s + a replacement's 600 s.
    assert.equal(doc.objectives.rto.within, '1260s');
    assert.match(finding.experiment.yaml, /\$\{sim:asg\.web-asg\.processName\} -> the name of the application's process/);
  });

  it("counts the target group's targets outside the group: one dead instance must show below them all", () => {
    const withPet = referenceWith((a) => {
      Object.assign(a.autoScalingGroups[0] ?? {}, { healthCheckType: 'EC2' });
      a.targetGroups[0]?.targets.push({ id: 'i-0pet0000000000000', state: 'healthy' });
    });
    const finding = auditArchitecture(withPet, OBJECTIVES, { twin: 'twin.yaml' }).findings.find((f) => f.rule === 'asg-ec2-health-check-behind-lb');
    const doc = parse(finding?.experiment?.yaml ?? '') as { probes: { tolerance: { atLeast: number } }[] };
    assert.equal(doc.probes[0]?.tolerance.atLeast, 4);
  });

  it("fails on a group on EC2 health checks (confirmed): the dead application's instance keeps running, never replaced", async () => {
    const twin = (await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8')).replace('healthCheckType: ELB', 'healthCheckType: EC2');
    assert.match(twin, /healthCheckType: EC2/);
    const journal = await prove(ec2Checked(), 'asg-ec2-health-check-behind-lb', twin);
    // Never back to three healthy targets: the run does not recover, which `audit --prove` counts as confirmed.
    assert.equal(journal.verdict.status, 'not-recovered', journal.verdict.reason);
    assert.notEqual(journal.measurement.injectedAt, null);
    const [fault] = journal.activities;
    assert.deepEqual(
      fault?.calls.filter((c) => c.mutating).map((c) => c.operation),
      ['SendCommand'],
    );
  });

  it('passes on the reference (ELB health checks): the group replaces the instance, the claim holds', async () => {
    const twin = await readFile(join(ROOT, 'experiments', 'topologies', 'reference.yaml'), 'utf8');
    const journal = await prove(reference(), 'claim-app-failure-replacement', twin);
    assert.equal(journal.verdict.status, 'passed', `${journal.verdict.reason} ${JSON.stringify(journal.objectives)}`);
  });
});
