import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { ClientLocation } from '../../src/sim/clients.js';
import { translateTemplate } from '../../src/sim/cloudformation/translate.js';
import { type QuestionOrigin, SimDnsServer } from '../../src/sim/dns/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import { type AnswerContext, type RecordSet, SimHostedZone } from '../../src/sim/world/hosted-zone.js';

/*
 * The answer rules of location-routed records without a region: health as "How Amazon Route 53 chooses records when
 * health checking is configured" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html)
 * and the geolocation fall-back of ResourceRecordSet.HealthCheckId
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html); the topology and
 * CloudFormation readings of the same fields.
 */

function place(over: Partial<ClientLocation> & { name: string }): ClientLocation {
  return { address: '127.9.0.1', latency: {}, ...over };
}

const SEATTLE = place({ name: 'seattle', country: 'US', subdivision: 'WA', continent: 'NA', coordinates: { latitude: 47.61, longitude: -122.33 } });
const LISBON = place({ name: 'lisbon', country: 'PT', continent: 'EU', coordinates: { latitude: 38.72, longitude: -9.14 }, latency: { 'us-east-1': 80 } });

function zone(records: Partial<RecordSet>[]): SimHostedZone {
  const z = new SimHostedZone({ name: 'rules.test', callerReference: 'rules' });
  for (const r of records)
    z.records.push({
      name: 'www.rules.test.',
      type: 'A',
      ttl: 60,
      values: [],
      alias: undefined,
      setIdentifier: undefined,
      failover: undefined,
      weight: undefined,
      healthCheckId: undefined,
      ...r,
    });
  return z;
}

function context(unhealthy: string[] = [], homeRegion = 'eu-central-1'): AnswerContext {
  return { healthCheckHealthy: (id) => !unhealthy.includes(id), aliasTarget: () => undefined, homeRegion };
}

const ask = (z: SimHostedZone, ctx: AnswerContext, client?: ClientLocation): string[] =>
  z.answer('www.rules.test.', 'A', ctx, client).answers.map((a) => a.data);

describe('latency records', () => {
  const z = zone([
    { values: ['192.0.2.1'], region: 'us-east-1', setIdentifier: 'b-east', healthCheckId: 'east' },
    { values: ['192.0.2.2'], region: 'eu-central-1', setIdentifier: 'a-eu' },
  ]);
  it('treat a Region the table lacks as unreachably far, and answer an unplaced client from the home Region', () => {
    assert.deepEqual(ask(z, context(), LISBON), ['192.0.2.1'], 'the only Region in Lisbon’s table');
    assert.deepEqual(ask(z, context(['east']), LISBON), ['192.0.2.2'], 'its Region unhealthy: the unreachable one still answers');
    assert.deepEqual(ask(z, context(), undefined), ['192.0.2.2'], 'home Region eu-central-1');
    assert.deepEqual(ask(z, context([], 'us-east-1'), undefined), ['192.0.2.1'], 'home Region us-east-1');
    assert.equal(z.answer('www.rules.test.', 'A', context(), LISBON).byLocation, true);
  });
});

describe('latency aliases with EvaluateTargetHealth', () => {
  const alias = (dnsName: string) => ({ hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName, evaluateTargetHealth: true });
  const z = zone([
    { alias: alias('east-lb.'), region: 'us-east-1', setIdentifier: 'east', ttl: undefined },
    { alias: alias('eu-lb.'), region: 'eu-central-1', setIdentifier: 'eu', ttl: undefined },
  ]);
  const lbs = (eastHealthy: boolean): AnswerContext => ({
    ...context(),
    aliasTarget: (name) => (name === 'east-lb.' ? { address: '127.5.0.1', healthy: eastHealthy } : { address: '127.5.0.2', healthy: true }),
  });
  it('move a client off a Region whose load balancer has no healthy target', () => {
    assert.deepEqual(ask(z, lbs(true), LISBON), ['127.5.0.1']);
    assert.deepEqual(ask(z, lbs(false), LISBON), ['127.5.0.2']);
  });
});

describe('geolocation records', () => {
  const z = zone([
    { values: ['192.0.2.11'], geolocation: { country: 'US', subdivision: 'WA' }, setIdentifier: 'wa', healthCheckId: 'wa' },
    { values: ['192.0.2.12'], geolocation: { country: 'US' }, setIdentifier: 'us', healthCheckId: 'us' },
    { values: ['192.0.2.13'], geolocation: { continent: 'NA' }, setIdentifier: 'na', healthCheckId: 'na' },
    { values: ['192.0.2.14'], geolocation: { country: '*' }, setIdentifier: 'default', healthCheckId: 'default' },
  ]);
  it('fall from the state to the country, the continent and the default as each becomes unhealthy, and answer the state when none is healthy', () => {
    assert.deepEqual(ask(z, context(), SEATTLE), ['192.0.2.11']);
    assert.deepEqual(ask(z, context(['wa']), SEATTLE), ['192.0.2.12']);
    assert.deepEqual(ask(z, context(['wa', 'us']), SEATTLE), ['192.0.2.13']);
    assert.deepEqual(ask(z, context(['wa', 'us', 'na']), SEATTLE), ['192.0.2.14']);
    assert.deepEqual(ask(z, context(['wa', 'us', 'na', 'default']), SEATTLE), ['192.0.2.11'], 'all unhealthy: all considered healthy');
    assert.deepEqual(ask(z, context(), LISBON), ['192.0.2.14']);
    assert.deepEqual(ask(z, context(), undefined), ['192.0.2.14'], 'an unmapped address gets the default');
  });
});

describe('geoproximity records', () => {
  const z = zone([
    { values: ['192.0.2.21'], geoproximity: { region: 'us-east-1' }, setIdentifier: 'east' },
    { values: ['192.0.2.22'], geoproximity: { coordinates: { latitude: 47.6, longitude: -122.3 }, bias: -99 }, setIdentifier: 'sea' },
  ]);
  it('shrink a record’s area with a negative bias, and measure an unplaced client from the home Region', () => {
    // Seattle is ~3 km from the Seattle record and ~3,700 km from us-east-1; × (1 + 99/100) is still nearer.
    assert.deepEqual(ask(z, context(), SEATTLE), ['192.0.2.22']);
    // Lisbon: ~8,000 km × 1.99 to Seattle loses to ~5,500 km to Virginia.
    assert.deepEqual(ask(z, context(), LISBON), ['192.0.2.21']);
    assert.deepEqual(ask(z, context([], 'us-west-2'), undefined), ['192.0.2.22'], 'from Oregon, Seattle is nearer even biased');
  });
});

describe('routing fields of a topology and of a template', () => {
  const topology = (records: Record<string, unknown>[]) => () =>
    parseTopology({ launchTemplates: [{ name: 'lt' }], hostedZones: [{ name: 'example.com', records }] });
  it('refuse a record with two policies, none with a setIdentifier, a misplaced geoproximity and a mixed group in one sentence', () => {
    assert.throws(
      topology([{ name: 'a', values: ['192.0.2.1'], region: 'us-east-1', weight: 1, setIdentifier: 'x' }]),
      /^Error: topology: record 'a' of hosted zone 'example\.com' has more than one routing policy \(weight, region\); a record has one\.$/,
    );
    assert.throws(
      topology([{ name: 'a', values: ['192.0.2.1'], region: 'us-east-1' }]),
      /record 'a' of hosted zone 'example\.com' needs setIdentifier exactly when/,
    );
    assert.throws(
      topology([{ name: 'a', values: ['192.0.2.1'], geoproximity: { localZoneGroup: 'us-east-1-atl-1' }, setIdentifier: 'x' }]),
      /geoproximity names us-east-1-atl-1, which the simulated region cannot place; it knows us-east-1, /,
    );
    assert.throws(
      topology([{ name: 'a', values: ['192.0.2.1'], geolocation: { country: 'DE', subdivision: 'BE' }, setIdentifier: 'x' }]),
      /subdivision needs country US/,
    );
    assert.throws(
      topology([
        { name: 'a', values: ['192.0.2.1'], region: 'us-east-1', setIdentifier: 'x' },
        { name: 'a', values: ['192.0.2.2'], geolocation: { country: '*' }, setIdentifier: 'y' },
      ]),
      /records 'a A' of hosted zone 'example\.com' mix routing policies \(region, geolocation\)/,
    );
  });

  it('translate a RecordSetGroup’s Region, GeoLocation, MultiValueAnswer and GeoProximityLocation into topology records', () => {
    const record = (id: string, extra: Record<string, unknown>) => ({
      Name: 'www.shop.example',
      Type: 'A',
      TTL: 60,
      SetIdentifier: id,
      ResourceRecords: ['192.0.2.1'],
      ...extra,
    });
    const { topology } = translateTemplate(
      {
        Resources: {
          Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { InstanceType: 't3.small' } } },
          Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'shop.example' } },
          Latency: {
            Type: 'AWS::Route53::RecordSetGroup',
            Properties: { HostedZoneId: { Ref: 'Zone' }, RecordSets: [record('e', { Region: 'us-east-1' }), record('t', { Region: 'ap-northeast-1' })] },
          },
          Geo: {
            Type: 'AWS::Route53::RecordSet',
            Properties: {
              HostedZoneId: { Ref: 'Zone' },
              ...record('g', { Name: 'geo.shop.example', GeoLocation: { CountryCode: 'US', SubdivisionCode: 'WA' } }),
            },
          },
          Multi: {
            Type: 'AWS::Route53::RecordSet',
            Properties: { HostedZoneId: { Ref: 'Zone' }, ...record('m', { Name: 'mv.shop.example', MultiValueAnswer: true }) },
          },
          Prox: {
            Type: 'AWS::Route53::RecordSet',
            Properties: {
              HostedZoneId: { Ref: 'Zone' },
              ...record('p', { Name: 'prox.shop.example', GeoProximityLocation: { Coordinates: { Latitude: '38.72', Longitude: '-9.14' }, Bias: 10 } }),
            },
          },
        },
      },
      { stackName: 'shop' },
    );
    const records = parseTopology(topology, 'template').hostedZones[0]?.records ?? [];
    const of = (id: string) => records.find((r) => r.setIdentifier === id);
    assert.equal(of('e')?.region, 'us-east-1');
    assert.equal(of('t')?.region, 'ap-northeast-1');
    assert.deepEqual(of('g')?.geolocation, { country: 'US', subdivision: 'WA' });
    assert.equal(of('m')?.multiValueAnswer, true);
    assert.deepEqual(of('p')?.geoproximity, { coordinates: { latitude: 38.72, longitude: -9.14 }, bias: 10 });
  });
});

describe('the DNS server over TCP', () => {
  it('passes the address a client connects from to the answer, as over UDP', async () => {
    const seen: QuestionOrigin[] = [];
    const server = new SimDnsServer((name, _type, from) => {
      seen.push(from);
      return { rcode: 'NOERROR', answers: [{ name, type: 'A', ttl: 60, data: '192.0.2.1' }], authorities: [] };
    });
    await server.start();
    try {
      const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.77.0.9' });
      const reply = await new Promise<Buffer>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('data', resolve);
        socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'www.rules.test' }] }));
      });
      socket.destroy();
      assert.deepEqual(
        (dnsPacket.streamDecode(reply).answers ?? []).map((a) => (a.type === 'A' ? a.data : '')),
        ['192.0.2.1'],
      );
      assert.deepEqual(seen, [{ source: '127.77.0.9', clientSubnet: undefined }]);
    } finally {
      await server.stop();
    }
  });
});
