/**
 * The capability matrix: a row for every registered action and probe and none for anything else, moto claims that
 * name a conformance test which exists, and docs/capabilities.md exactly what `gameday capabilities` prints.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CAPABILITIES, CAPABILITY_ENVIRONMENTS, capabilityProblems, renderCapabilitiesMarkdown, servicesUsed, type CapabilityRow } from '../../src/registry/capabilities.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { gameday, ROOT } from '../support/cli.js';

const registry = defaultRegistry();

describe('the capability matrix', () => {
  it('has exactly one row per registered action and probe, of the right kind', () => {
    assert.deepEqual(capabilityProblems(registry), []);
    const ids = [...registry.actions.map((a) => a.id), ...registry.probes.map((p) => p.id)].sort();
    assert.deepEqual(Object.keys(CAPABILITIES).sort(), ids);
  });

  it('names what is missing, unregistered or of the wrong kind, one sentence each', () => {
    const { 'aws.rds.failover': removed, ...rest } = CAPABILITIES;
    assert.ok(removed !== undefined);
    const extra: CapabilityRow = { ...removed, kind: 'action' };
    const table = { ...rest, 'aws.ec2.melt-instances': extra, 'aws.rds.status': { ...(CAPABILITIES['aws.rds.status'] as CapabilityRow), kind: 'action' as const } };
    assert.deepEqual(capabilityProblems(registry, table).sort(), [
      'The action aws.rds.failover has no row in the capability matrix (src/registry/capabilities.ts).',
      'The capability matrix calls aws.rds.status an action, but it is registered as a probe.',
      'The capability matrix has a row for aws.ec2.melt-instances, which is not a registered action or probe.',
    ].sort());
  });

  it('says something for every environment, and explains every partial or missing support', () => {
    for (const [id, row] of Object.entries(CAPABILITIES)) {
      for (const e of CAPABILITY_ENVIRONMENTS) {
        const c = row.support[e];
        assert.ok(['yes', 'partial', 'no'].includes(c.support), `${id} ${e}`);
        if (c.support !== 'yes') assert.ok((c.note ?? '').length > 10, `${id} on ${e} is ${c.support}: the note says why`);
      }
    }
  });

  it('follows AWS-FACTS where it matters: FIS, failover and Auto Scaling', () => {
    const support = (id: string, e: (typeof CAPABILITY_ENVIRONMENTS)[number]): string => CAPABILITIES[id]?.support[e].support ?? '?';
    // moto 5.2.1's FIS has no experiments; LocalStack free has no FIS, Auto Scaling, ELBv2 or RDS.
    assert.equal(support('aws.fis.experiment', 'moto'), 'no');
    for (const id of ['aws.fis.experiment', 'aws.asg.in-service', 'aws.elbv2.healthy-targets', 'aws.rds.status', 'aws.rds.failover']) assert.equal(support(id, 'localstack-free'), 'no', id);
    // LocalStack does not implement FailoverDBCluster.
    assert.equal(support('aws.rds.failover', 'localstack-paid'), 'no');
    // moto: ForceFailover is a no-op; health checks never change; relaunch is instant.
    assert.equal(support('aws.rds.failover', 'moto'), 'partial');
    assert.equal(support('aws.route53.health-check-status', 'moto'), 'partial');
    assert.equal(support('aws.asg.in-service', 'moto'), 'partial');
    for (const id of Object.keys(CAPABILITIES)) assert.equal(support(id, 'sim'), 'yes', `${id} works on the sim`);
  });

  it('backs its moto claims by conformance tests that exist', async () => {
    let cited = 0;
    for (const [id, row] of Object.entries(CAPABILITIES)) {
      const note = row.support.moto.note ?? '';
      for (const m of note.matchAll(/(test\/conformance\/[\w.-]+\.test\.ts): ((?:"[^"]+"(?:, )?)+)/g)) {
        const source = await readFile(join(ROOT, m[1] ?? ''), 'utf8');
        for (const title of (m[2] ?? '').matchAll(/"([^"]+)"/g)) {
          cited++;
          assert.ok(source.includes(`'${title[1] ?? ''}`), `${id}: ${m[1]} has no describe or it titled '${title[1]}…'`);
        }
      }
    }
    assert.ok(cited >= 6, `${cited} citations`);
  });

  it('lists the services an experiment calls, with STS for the account guard and CloudWatch for alarms', () => {
    assert.deepEqual(servicesUsed(['aws.ec2.stop-instances', 'aws.ec2.instance-state']), ['ec2', 'sts']);
    assert.deepEqual(servicesUsed(['aws.ec2.terminate-instances', 'aws.asg.in-service'], { alarms: true }), ['autoscaling', 'cloudwatch', 'ec2', 'sts']);
    assert.deepEqual(servicesUsed(['http', 'http.request']), []);
  });
});

describe('gameday capabilities', () => {
  it('prints docs/capabilities.md, which is current', async () => {
    const result = await gameday(['capabilities']);
    assert.equal(result.code, 0, result.stderr);
    const doc = await readFile(join(ROOT, 'docs', 'capabilities.md'), 'utf8');
    assert.equal(result.stdout, renderCapabilitiesMarkdown(registry));
    assert.equal(doc, result.stdout, 'docs/capabilities.md is stale: run node bin/gameday.js capabilities > docs/capabilities.md');
    for (const a of registry.actions) assert.match(doc, new RegExp(`^\\| \\[\`${a.id.replaceAll('.', '\\.')}\`\\]\\(#[a-z0-9-]+\\) \\| action \\|`, 'm'));
    for (const p of registry.probes) assert.match(doc, new RegExp(`^\\| \\[\`${p.id.replaceAll('.', '\\.')}\`\\]\\(#[a-z0-9-]+\\) \\| probe \\|`, 'm'));
  });

  it('--format json gives every row with its per-environment support', async () => {
    const result = await gameday(['capabilities', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout) as { environments: string[]; rows: { id: string; kind: string; support: Record<string, { support: string }> }[] };
    assert.deepEqual(data.environments, ['sim', 'moto', 'localstack-free', 'localstack-paid', 'aws']);
    assert.deepEqual(data.rows.map((r) => r.id), [...registry.actions.map((a) => a.id), ...registry.probes.map((p) => p.id)]);
    assert.equal(data.rows.find((r) => r.id === 'aws.fis.experiment')?.support.moto?.support, 'no');
  });

  it('refuses an unknown format with one line and exit code 2', async () => {
    const result = await gameday(['capabilities', '--format', 'xml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /argument 'xml' is invalid\. Allowed choices are md, json/);
    assert.equal(result.stdout, '');
  });
});
