/**
 * The capability matrix: every registered action and probe declares its row, a definition without a complete one is
 * refused when it registers, moto claims name a conformance test which exists, and docs/capabilities.md is exactly
 * what `gameday capabilities` prints.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CAPABILITY_ENVIRONMENTS, type Capabilities } from '../../src/registry/capabilities.js';
import { capabilityMatrix, servicesUsed, type CapabilityMatrixRow } from '../../src/registry/capability-matrix.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import type { AnyActionDefinition, AnyProbeDefinition } from '../../src/registry/types.js';
import { renderCapabilitiesMarkdown } from '../../src/report/capabilities-md.js';
import { gameday, ROOT } from '../support/cli.js';

const registry = defaultRegistry();
const CAPABILITIES: Readonly<Record<string, CapabilityMatrixRow>> = Object.fromEntries(capabilityMatrix(registry).map((row) => [row.id, row]));

describe('the capability matrix', () => {
  it('has exactly one row per registered action and probe, of the right kind', () => {
    const matrix = capabilityMatrix(registry);
    assert.deepEqual(
      matrix.map((r) => [r.id, r.kind]),
      [...registry.actions.map((a) => [a.id, 'action']), ...registry.probes.map((p) => [p.id, 'probe'])],
    );
    const ids = [...registry.actions.map((a) => a.id), ...registry.probes.map((p) => p.id)].sort();
    assert.deepEqual(Object.keys(CAPABILITIES).sort(), ids);
  });

  it('refuses a definition without a complete row when it registers, one sentence each', () => {
    const action = registry.action('aws.rds.failover') as AnyActionDefinition;
    const probe = registry.probe('aws.rds.status') as AnyProbeDefinition;
    const without = { ...action, id: 'test.no-capabilities' } as Partial<AnyActionDefinition>;
    delete without.capabilities;
    assert.throws(() => new Registry().registerAction(without as AnyActionDefinition), {
      message:
        "The action 'test.no-capabilities' must declare its capabilities as { services: [...], support: { sim, moto, localstack-free, localstack-paid, aws } }.",
    });
    const { moto: _moto, ...noMoto } = probe.capabilities.support;
    const missing = { ...probe.capabilities, support: noMoto } as unknown as Capabilities;
    assert.throws(() => new Registry().registerProbe({ ...probe, id: 'test.no-moto', capabilities: missing }), {
      message: "The probe 'test.no-moto' must say whether it works on moto: yes, partial or no.",
    });
    const unexplained: Capabilities = { ...action.capabilities, support: { ...action.capabilities.support, aws: { support: 'partial' } } };
    assert.throws(() => new Registry().registerAction({ ...action, id: 'test.unexplained', capabilities: unexplained }), {
      message: "The action 'test.unexplained' is partial on aws and must say why in a note.",
    });
    const unknown = { ...action.capabilities, services: ['rds', 'lambda'] } as unknown as Capabilities;
    assert.throws(() => new Registry().registerAction({ ...action, id: 'test.lambda', capabilities: unknown }), {
      message: "The action 'test.lambda' declares 'lambda' as a service; expected one of ec2, autoscaling, elbv2, rds, route53, fis, ssm, sts, cloudwatch.",
    });
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
    for (const id of ['aws.fis.experiment', 'aws.asg.in-service', 'aws.elbv2.healthy-targets', 'aws.rds.status', 'aws.rds.failover'])
      assert.equal(support(id, 'localstack-free'), 'no', id);
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
    assert.deepEqual(servicesUsed(registry, ['aws.ec2.stop-instances', 'aws.ec2.instance-state']), ['ec2', 'sts']);
    assert.deepEqual(servicesUsed(registry, ['aws.ec2.terminate-instances', 'aws.asg.in-service'], { alarms: true }), [
      'autoscaling',
      'cloudwatch',
      'ec2',
      'sts',
    ]);
    assert.deepEqual(servicesUsed(registry, ['http', 'http.request']), []);
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
    assert.deepEqual(
      data.rows.map((r) => r.id),
      [...registry.actions.map((a) => a.id), ...registry.probes.map((p) => p.id)],
    );
    assert.equal(data.rows.find((r) => r.id === 'aws.fis.experiment')?.support.moto?.support, 'no');
  });

  it('refuses an unknown format with one line and exit code 2', async () => {
    const result = await gameday(['capabilities', '--format', 'xml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /argument 'xml' is invalid\. Allowed choices are md, json/);
    assert.equal(result.stdout, '');
  });
});
