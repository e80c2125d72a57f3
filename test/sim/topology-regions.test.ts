import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTopology, parseTopology, placeholderOutputs } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';

/** A Region's resources: a launch template, a load balancer and a group behind it, named after `tag`. */
function site(tag: string): Record<string, unknown> {
  return {
    launchTemplates: [{ name: `${tag}-lt` }],
    loadBalancers: [{ name: `${tag}-alb`, targetGroup: { name: `${tag}-tg` } }],
    autoScalingGroups: [{ name: `${tag}-asg`, launchTemplate: `${tag}-lt`, min: 1, max: 2, desired: 1, targetGroups: [`${tag}-tg`] }],
  };
}

describe('topologies of several Regions', () => {
  it('reads the two-Region example: its outputs name every Region, its zones and where each resource runs', async () => {
    const t = await loadTopology(join(ROOT, 'experiments/topologies/two-regions.yaml'));
    assert.deepEqual(
      t.regions.map((r) => r.region),
      ['eu-central-1'],
    );
    const out = placeholderOutputs(t);
    assert.equal(out['region.names'], 'us-east-1,eu-central-1');
    assert.equal(out['region.us-east-1.zones'], 'us-east-1a,us-east-1b,us-east-1c');
    assert.equal(out['alb.web-euc1.region'], 'eu-central-1');
    assert.equal(out['asg.web-use1-asg.region'], 'us-east-1');
    assert.equal(out['region.name'], 'us-east-1', 'the home Region names the world');
  });

  it('refuses a Region declared twice, or the home Region again, in one sentence', () => {
    assert.throws(
      () =>
        parseTopology({
          ...site('home'),
          regions: [
            { region: 'eu-central-1', ...site('a') },
            { region: 'eu-central-1', ...site('b') },
          ],
        }),
      /^Error: topology: region 'eu-central-1' is declared twice\.$/,
    );
    assert.throws(
      () => parseTopology({ ...site('home'), regions: [{ region: 'us-east-1', ...site('a') }] }),
      /region 'us-east-1' is declared twice \(it is the home region/,
    );
    assert.throws(() => parseTopology({ ...site('home'), regions: [{ ...site('a') }] }), /regions\.0\.region: /);
    assert.throws(
      () => parseTopology({ ...site('home'), regions: [{ region: 'mars-1', ...site('a') }] }),
      /regions\.0\.region: a Region name such as eu-central-1/,
    );
    assert.throws(() => parseTopology({ ...site('home'), regions: [{ region: 'eu-west-1', template: 'x.yaml', bogus: 1 }] }), /regions\.0: Unrecognized key/);
  });

  it('refuses a name used in two Regions, naming both', () => {
    const twice = (kind: string, edit: (eu: Record<string, unknown>) => void): void => {
      const eu = { region: 'eu-central-1', ...site('eu') };
      edit(eu);
      assert.throws(
        () => parseTopology({ ...site('us'), regions: [eu] }),
        new RegExp(`${kind} is declared in both us-east-1 and eu-central-1; names are unique across Regions\\.$`),
      );
    };
    twice("load balancer 'us-alb'", (eu) => {
      eu.loadBalancers = [{ name: 'us-alb', targetGroup: { name: 'eu-tg' } }];
    });
    twice("launch template 'us-lt'", (eu) => {
      eu.launchTemplates = [{ name: 'us-lt' }];
      eu.autoScalingGroups = [];
    });
    assert.throws(
      () =>
        parseTopology({ ...site('us'), databases: [{ id: 'orders' }], regions: [{ region: 'eu-central-1', ...site('eu'), databases: [{ id: 'orders' }] }] }),
      /RDS identifier 'orders' is declared in both us-east-1 and eu-central-1/,
    );
  });

  it("checks each Region's own references, and lets Route 53 name a load balancer of any Region", () => {
    assert.throws(
      () =>
        parseTopology({
          ...site('us'),
          regions: [{ region: 'eu-central-1', ...site('eu'), instances: [{ name: 'x', launchTemplate: 'eu-lt', availabilityZone: 'us-east-1a' }] }],
        }),
      /^Error: topology, region eu-central-1: instance 'x' availabilityZone names zone 'us-east-1a', which is not one of the region's \(eu-central-1a/,
    );
    assert.throws(
      () =>
        parseTopology({
          ...site('us'),
          regions: [{ region: 'eu-central-1', ...site('eu'), alarms: [{ name: 'a', loadBalancer: 'us-alb', metric: 'HealthyHostCount', threshold: 1 }] }],
        }),
      /region eu-central-1: alarm 'a' watches load balancer 'us-alb', which is not declared/,
    );
    const t = parseTopology({
      ...site('us'),
      regions: [{ region: 'eu-central-1', ...site('eu') }],
      healthChecks: [{ name: 'eu-hc', target: 'alb:eu-alb' }],
      hostedZones: [{ name: 'example.com', records: [{ name: 'app', alias: 'alb:eu-alb', healthCheck: 'eu-hc' }] }],
    });
    assert.equal(t.hostedZones.length, 1);
  });

  it('loads a Region from a CloudFormation template relative to the topology file; its Route 53 joins the global one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gameday-regions-'));
    try {
      const file = join(dir, 'world.yaml');
      await writeFile(
        file,
        JSON.stringify({
          ...site('us'),
          regions: [{ region: 'eu-west-1', template: join(ROOT, 'infra/reference-architecture.yaml'), stackName: 'euw1' }],
        }),
      );
      const t = await loadTopology(file);
      const eu = t.regions[0];
      assert.ok(eu !== undefined && !('template' in eu), 'the template became an inline Region');
      assert.equal(eu.region, 'eu-west-1');
      assert.equal(eu.loadBalancers.length, 1);
      assert.equal(eu.stack?.name, 'euw1');
      assert.ok(t.hostedZones.length + t.healthChecks.length > 0, "the template's Route 53 is the world's");
      assert.match(placeholderOutputs(t)['region.names'] ?? '', /^us-east-1,eu-west-1$/);
      await writeFile(file, JSON.stringify({ ...site('us'), regions: [{ region: 'eu-west-1', template: 'missing.yaml' }] }));
      await assert.rejects(loadTopology(file), /ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.throws(
      () => parseTopology({ ...site('us'), regions: [{ region: 'eu-west-1', template: 'x.yaml' }] }),
      /region 'eu-west-1' names template 'x.yaml', which only a topology file read by loadTopology can load\./,
    );
  });
});
