import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTopology, parseTopology, placeholderOutputs } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';

describe('topologies', () => {
  it('experiments/topologies/reference.yaml describes exactly the built-in reference architecture', async () => {
    assert.deepEqual(await loadTopology(join(ROOT, 'experiments', 'topologies', 'reference.yaml')), await loadTopology(undefined));
  });

  it('refuses a group that names an undeclared launch template or target group, or impossible sizes, in one sentence', () => {
    assert.throws(
      () => parseTopology({ launchTemplates: [{ name: 'lt' }], autoScalingGroups: [{ name: 'g', launchTemplate: 'nope', min: 1, max: 1, desired: 1 }] }),
      /launch template 'nope', which is not declared/,
    );
    assert.throws(
      () =>
        parseTopology({
          launchTemplates: [{ name: 'lt' }],
          autoScalingGroups: [{ name: 'g', launchTemplate: 'lt', min: 1, max: 1, desired: 1, targetGroups: ['tg'] }],
        }),
      /target group 'tg', which is not declared/,
    );
    assert.throws(
      () => parseTopology({ launchTemplates: [{ name: 'lt' }], autoScalingGroups: [{ name: 'g', launchTemplate: 'lt', min: 2, max: 3, desired: 1 }] }),
      /min <= desired <= max/,
    );
    assert.throws(() => parseTopology({ launchTemplates: [{ name: 'lt' }], timings: { instancePending: '5 parsecs' } }), /timings\.instancePending/);
  });

  it('names the outputs experiments can use, for several load balancers and groups', () => {
    const outputs = placeholderOutputs(
      parseTopology({
        launchTemplates: [{ name: 'lt' }],
        loadBalancers: [
          { name: 'a', targetGroup: { name: 'ta' } },
          { name: 'b', targetGroup: { name: 'tb' } },
        ],
        autoScalingGroups: [{ name: 'ga', launchTemplate: 'lt', min: 1, max: 2, desired: 1, targetGroups: ['ta'] }],
      }),
    );
    for (const key of ['alb.a.url', 'alb.b.url', 'tg.ta.arn', 'tg.tb.arn', 'asg.ga.name', 'region.endpoint']) assert.ok(key in outputs, key);
  });
});
