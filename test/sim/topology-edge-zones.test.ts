import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { edgeZonesOf, loadTopology, parseTopology, placementZones } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';

/**
 * A topology's `edgeZones`: names as the Local Zones guide (https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html)
 * and the Wavelength guide (https://docs.aws.amazon.com/wavelength/latest/developerguide/available-wavelength-zones.html)
 * give them, and the ALB rule that "the zones must be of the same type"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html).
 */
const base = { launchTemplates: [{ name: 'lt' }] };
const oneSentence = (pattern: RegExp) => (e: unknown) =>
  e instanceof Error && pattern.test(e.message) && e.message.split('. ').length === 1 && !e.message.includes('\n');

describe('topology edge zones', () => {
  it('edge.yaml places its Local Zone after the AZs with the group, border group and id AWS gives Boston', async () => {
    const t = await loadTopology(join(ROOT, 'experiments', 'topologies', 'edge.yaml'));
    assert.deepEqual(placementZones(t), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1-bos-1a']);
    assert.deepEqual(edgeZonesOf(t), [
      {
        name: 'us-east-1-bos-1a',
        type: 'local-zone',
        groupName: 'us-east-1-bos-1',
        networkBorderGroup: 'us-east-1-bos-1',
        zoneId: 'use1-bos1-az1',
        parentZoneName: 'us-east-1a',
        optedIn: true,
      },
    ]);
  });

  it('refuses a name of another Region or of the wrong shape, an unknown parent and a zone declared twice, in one sentence each', () => {
    const withZones =
      (edgeZones: unknown[], more: Record<string, unknown> = {}) =>
      () =>
        parseTopology({ ...base, edgeZones, ...more });
    assert.throws(
      withZones([{ name: 'us-west-2-lax-1a', type: 'local-zone', parent: 'a' }]),
      oneSentence(/'us-west-2-lax-1a' is not a Local Zone of us-east-1: its name starts with the Region's \(us-east-1-bos-1a\)/),
    );
    assert.throws(withZones([{ name: 'us-east-1-boston', type: 'local-zone', parent: 'a' }]), oneSentence(/'us-east-1-boston' is not a Local Zone name/));
    assert.throws(
      withZones([{ name: 'us-east-1-bos-1a', type: 'wavelength-zone', parent: 'a' }]),
      oneSentence(/'us-east-1-bos-1a' is not a Wavelength Zone name: .*us-east-1-wl1-bos-wlz-1/),
    );
    assert.throws(
      withZones([{ name: 'us-east-1-bos-1a', type: 'local-zone', parent: 'd' }]),
      oneSentence(/edge zone 'us-east-1-bos-1a' names parent 'd', which is not one of the region's Availability Zones \(us-east-1a, us-east-1b, us-east-1c\)/),
    );
    assert.throws(
      withZones([
        { name: 'us-east-1-bos-1a', type: 'local-zone', parent: 'a' },
        { name: 'us-east-1-bos-1a', type: 'local-zone', parent: 'b' },
      ]),
      oneSentence(/edge zone 'us-east-1-bos-1a' is declared twice/),
    );
    assert.throws(withZones([{ name: 'us-east-1-bos-1a', type: 'edge', parent: 'a' }]), /edgeZones\.0\.type/);
  });

  it('refuses an ALB enabled in both an AZ and a Local Zone, and placing anything in a zone the account has not opted in to', () => {
    const lz = { name: 'us-east-1-bos-1a', type: 'local-zone', parent: 'a' };
    assert.throws(
      () =>
        parseTopology({
          ...base,
          edgeZones: [lz],
          loadBalancers: [{ name: 'alb', availabilityZones: ['a', 'us-east-1-bos-1a'], targetGroup: { name: 'tg' } }],
        }),
      oneSentence(/load balancer 'alb' mixes zones of different types \(availability-zone, local-zone\); an ALB's zones must all be of one type/),
    );
    assert.throws(
      () =>
        parseTopology({
          ...base,
          edgeZones: [{ ...lz, optedIn: false }],
          instances: [{ name: 'i', launchTemplate: 'lt', availabilityZone: 'us-east-1-bos-1a' }],
        }),
      oneSentence(/instance 'i' availabilityZone names zone 'us-east-1-bos-1a', whose zone group the account has not opted in to/),
    );
    assert.throws(
      () =>
        parseTopology({
          ...base,
          edgeZones: [{ ...lz, optedIn: false }],
          autoScalingGroups: [{ name: 'g', launchTemplate: 'lt', min: 1, max: 1, desired: 1, availabilityZones: ['us-east-1-bos-1a'] }],
        }),
      oneSentence(/auto scaling group 'g' availabilityZones names zone 'us-east-1-bos-1a', whose zone group the account has not opted in to/),
    );
    // A Wavelength Zone's ALB and a Local Zone's group are accepted.
    const ok = parseTopology({
      ...base,
      edgeZones: [lz, { name: 'us-east-1-wl1-bos-wlz-1', type: 'wavelength-zone', parent: 'b' }],
      loadBalancers: [{ name: 'alb', availabilityZones: ['us-east-1-wl1-bos-wlz-1'], targetGroup: { name: 'tg' } }],
      autoScalingGroups: [{ name: 'g', launchTemplate: 'lt', min: 1, max: 1, desired: 1, availabilityZones: ['us-east-1-bos-1a'] }],
    });
    assert.equal(edgeZonesOf(ok)[1]?.groupName, 'us-east-1-wl1');
  });
});
