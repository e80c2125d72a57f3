import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import dnsPacket, { type OptAnswer, type Packet } from 'dns-packet';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { CREDENTIALS, waitFor, waitReady } from '../support/sim.js';

/*
 * Route 53 routing by the client's location: latency, geolocation, multivalue answer and geoproximity records, asked
 * over UDP from each client location's own loopback address (or with an EDNS client subnet), as a resolver there would.
 * Sources: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geoproximity.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-edns0.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html.
 */

const SPEED = 40;

const TOKYO = {
  name: 'tokyo',
  address: '127.77.0.1',
  subnet: '203.0.113.0/24',
  country: 'JP',
  continent: 'AS',
  coordinates: { latitude: 35.68, longitude: 139.69 },
  latency: { 'ap-northeast-1': 8, 'us-east-1': 160, 'eu-central-1': 230 },
};
const BERLIN = {
  name: 'berlin',
  address: '127.77.0.2',
  country: 'DE',
  continent: 'EU',
  coordinates: { latitude: 52.52, longitude: 13.4 },
  latency: { 'eu-central-1': 6, 'us-east-1': 90, 'ap-northeast-1': 240 },
};
const VIRGINIA = {
  name: 'virginia',
  address: '127.77.0.3',
  country: 'US',
  subdivision: 'VA',
  continent: 'NA',
  coordinates: { latitude: 38.9, longitude: -77.04 },
  latency: { 'us-east-1': 2, 'eu-central-1': 90, 'ap-northeast-1': 160 },
};
const UNPLACED = '127.0.0.1';

/** A health check of the one ALB: healthy until a test inverts it, so each record's health is the test's to set. */
const check = (name: string) => ({ name, target: 'alb:web', resourcePath: '/health', requestInterval: 10, failureThreshold: 2 });
const CHECKS = ['lat-east', 'lat-eu', 'lat-ap', 'geo-va', 'mv-hc'];

const RECORDS = [
  { name: 'api', values: ['192.0.2.11'], region: 'us-east-1', setIdentifier: 'east', healthCheck: 'lat-east' },
  { name: 'api', values: ['192.0.2.12'], region: 'eu-central-1', setIdentifier: 'eu', healthCheck: 'lat-eu' },
  { name: 'api', values: ['192.0.2.13'], region: 'ap-northeast-1', setIdentifier: 'ap', healthCheck: 'lat-ap' },
  { name: 'geo', values: ['192.0.2.31'], geolocation: { country: 'US', subdivision: 'VA' }, setIdentifier: 'va', healthCheck: 'geo-va' },
  { name: 'geo', values: ['192.0.2.32'], geolocation: { country: 'US' }, setIdentifier: 'us' },
  { name: 'geo', values: ['192.0.2.33'], geolocation: { continent: 'EU' }, setIdentifier: 'eu' },
  { name: 'geo', values: ['192.0.2.34'], geolocation: { country: '*' }, setIdentifier: 'default' },
  { name: 'jp-only', values: ['192.0.2.35'], geolocation: { country: 'JP' }, setIdentifier: 'jp' },
  ...Array.from({ length: 10 }, (_, i) => ({
    name: 'mv',
    values: [`192.0.2.${101 + i}`],
    multiValueAnswer: true,
    setIdentifier: `mv${i}`,
    ...(i === 0 ? { healthCheck: 'mv-hc' } : {}),
  })),
  { name: 'mv-all', values: ['192.0.2.121'], multiValueAnswer: true, setIdentifier: 'a', healthCheck: 'mv-hc' },
  { name: 'mv-all', values: ['192.0.2.122'], multiValueAnswer: true, setIdentifier: 'b', healthCheck: 'mv-hc' },
  { name: 'near', values: ['192.0.2.41'], geoproximity: { region: 'us-east-1' }, setIdentifier: 'east' },
  { name: 'near', values: ['192.0.2.42'], geoproximity: { region: 'eu-central-1' }, setIdentifier: 'eu' },
  { name: 'near', values: ['192.0.2.43'], geoproximity: { localZoneGroup: 'us-west-2-lax-1' }, setIdentifier: 'lax' },
  { name: 'biased', values: ['192.0.2.41'], geoproximity: { region: 'us-east-1' }, setIdentifier: 'east' },
  { name: 'biased', values: ['192.0.2.42'], geoproximity: { region: 'eu-central-1', bias: 50 }, setIdentifier: 'eu' },
  { name: 'biased', values: ['192.0.2.43'], geoproximity: { localZoneGroup: 'us-west-2-lax-1' }, setIdentifier: 'lax' },
];

function topology() {
  return parseTopology({
    launchTemplates: [{ name: 'lt' }],
    loadBalancers: [
      { name: 'web', address: '127.3.0.1', targetGroup: { name: 'web-tg', healthCheck: { path: '/health', interval: '10s', healthyThreshold: 2 } } },
    ],
    autoScalingGroups: [
      { name: 'web-asg', launchTemplate: 'lt', min: 1, max: 1, desired: 1, healthCheckType: 'ELB', healthCheckGracePeriod: '600s', targetGroups: ['web-tg'] },
    ],
    healthChecks: CHECKS.map(check),
    hostedZones: [{ name: 'example.com', records: RECORDS }],
    clients: [TOKYO, BERLIN, VIRGINIA],
  });
}

let region: SimRegion;
let r53: Route53Client;
let dnsPort = 0;
const checkIds = new Map<string, string>();

/** One UDP question from `from` (a bound loopback address), with an EDNS client subnet option when `subnet` is given. */
async function ask(name: string, from: string, subnet?: { ip: string; prefix: number }): Promise<Packet> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  try {
    const query = dnsPacket.encode({
      type: 'query',
      id: Math.floor(Math.random() * 65_535),
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'A', name }],
      ...(subnet === undefined
        ? {}
        : {
            additionals: [
              {
                type: 'OPT',
                name: '.',
                udpPayloadSize: 4096,
                extendedRcode: 0,
                ednsVersion: 0,
                flags: 0,
                flag_do: false,
                options: [{ code: 8, family: 1, sourcePrefixLength: subnet.prefix, scopePrefixLength: 0, ip: subnet.ip }],
              },
            ],
          }),
    });
    const reply = new Promise<Buffer>((resolve, reject) => {
      socket.once('message', (msg) => resolve(msg));
      socket.once('error', reject);
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      socket.send(query, dnsPort, '127.0.0.1');
      const got = await Promise.race([reply, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500))]);
      if (got !== undefined) return dnsPacket.decode(got);
    }
    throw new Error(`no DNS answer to ${name} from ${from}`);
  } finally {
    socket.close();
  }
}

/** The A addresses of an answer, sorted. */
async function a(name: string, from: string, subnet?: { ip: string; prefix: number }): Promise<string[]> {
  const p = await ask(name, from, subnet);
  return (p.answers ?? []).flatMap((r) => (r.type === 'A' ? [r.data] : [])).sort();
}

async function invert(check: string, inverted: boolean): Promise<void> {
  await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: checkIds.get(check), Inverted: inverted }));
}

async function events(): Promise<TruthEvent[]> {
  return ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events;
}

/** Waits (AWS detection time: 2 × 10 s, plus the checkers' spread) until `from` is answered `expected` for `name`. */
async function answers(name: string, from: string, expected: string[]): Promise<void> {
  await waitFor(
    `${name} from ${from} to answer ${expected.join(',')}`,
    async () => JSON.stringify(await a(name, from)) === JSON.stringify(expected) || undefined,
    {
      timeoutMs: 15_000,
      intervalMs: 50,
    },
  );
}

before(async () => {
  region = await SimRegion.start({ topology: topology(), speed: SPEED });
  dnsPort = Number((region.outputs()['dns.server'] ?? '').split(':')[1]);
  r53 = new Route53Client({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  await waitReady(region.endpoint, 20_000);
  for (const hc of (await r53.send(new ListHealthChecksCommand({}))).HealthChecks ?? [])
    checkIds.set(hc.CallerReference?.replace(/^gameday-sim-/, '') ?? '', hc.Id ?? '');
  assert.deepEqual([...checkIds.keys()].sort(), [...CHECKS].sort());
  // Steady: every checker of every check reports success (a check probing the ALB while its instance booted may not).
  await waitFor(
    'every health check to pass from every checker',
    async () => {
      for (const id of checkIds.values()) {
        const observations = (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? [];
        if (observations.length === 0 || observations.some((o) => !(o.StatusReport?.Status ?? '').startsWith('Success'))) return undefined;
      }
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
});

after(async () => {
  r53?.destroy();
  await region?.stop();
});

describe('Route 53 latency routing by client location', () => {
  it('answers each location its lowest-latency Region, a client subnet before the source, and the home Region to an unplaced client', async () => {
    // Waited on, not read once: a checker starved on a loaded machine may flip a check for a moment.
    await answers('api.example.com', TOKYO.address, ['192.0.2.13']);
    await answers('api.example.com', BERLIN.address, ['192.0.2.12']);
    await answers('api.example.com', VIRGINIA.address, ['192.0.2.11']);
    // A client without a location is answered as in us-east-1, the region's own Region (assumed).
    await answers('api.example.com', UNPLACED, ['192.0.2.11']);
    // A resolver in Berlin forwarding a Tokyo client's subnet is answered for Tokyo, and the option comes back scoped.
    const viaEcs = await ask('api.example.com', BERLIN.address, { ip: '203.0.113.0', prefix: 24 });
    assert.deepEqual(
      (viaEcs.answers ?? []).map((r) => (r.type === 'A' ? r.data : '')),
      ['192.0.2.13'],
    );
    const opt = (viaEcs.additionals ?? []).find((r): r is OptAnswer => r.type === 'OPT');
    const ecs = opt?.options.find((o) => o.code === 8);
    assert.ok(ecs !== undefined && 'ip' in ecs, 'the answer echoes the client subnet option');
    assert.equal(ecs.ip, '203.0.113.0');
    assert.equal(ecs.sourcePrefixLength, 24);
    assert.equal(ecs.scopePrefixLength, 24, 'a location-routed answer holds for the whole source prefix');
    const unscoped = await ask('mv.example.com', BERLIN.address, { ip: '203.0.113.0', prefix: 24 });
    const opt2 = (unscoped.additionals ?? []).find((r): r is OptAnswer => r.type === 'OPT');
    assert.equal(opt2?.options.find((o) => o.code === 8)?.scopePrefixLength, 0, 'an answer the same for every client has scope 0');
  });

  it('moves Tokyo to its next nearest Region once its Region’s check fails, records it per location, and answers as if all were healthy when none is', async () => {
    await invert('lat-ap', true);
    await answers('api.example.com', TOKYO.address, ['192.0.2.11']);
    assert.deepEqual(await a('api.example.com', BERLIN.address), ['192.0.2.12'], 'Berlin keeps its Region');
    const truth = await events();
    assert.ok(
      truth.some((e) => e.kind === 'dns-answer' && e.resource === 'api.example.com.' && e.detail?.location === 'tokyo' && e.to === '192.0.2.11'),
      'ground truth records that Tokyo now gets us-east-1',
    );
    await invert('lat-east', true);
    await invert('lat-eu', true);
    // Every latency record unhealthy: Route 53 considers them all healthy, so each location gets its nearest again.
    await answers('api.example.com', TOKYO.address, ['192.0.2.13']);
    await answers('api.example.com', BERLIN.address, ['192.0.2.12']);
    await answers('api.example.com', VIRGINIA.address, ['192.0.2.11']);
    for (const c of ['lat-ap', 'lat-east', 'lat-eu']) await invert(c, false);
    await answers('api.example.com', TOKYO.address, ['192.0.2.13']);
  });
});

describe('Route 53 geolocation routing', () => {
  it('answers the most specific match, the default to an unmatched or unplaced client, and no answer when nothing matches', async () => {
    assert.deepEqual(await a('geo.example.com', VIRGINIA.address), ['192.0.2.31'], 'the state before the country');
    assert.deepEqual(await a('geo.example.com', BERLIN.address), ['192.0.2.33'], 'the continent');
    assert.deepEqual(await a('geo.example.com', TOKYO.address), ['192.0.2.34'], 'the default');
    assert.deepEqual(await a('geo.example.com', UNPLACED), ['192.0.2.34'], 'an address mapped to no location gets the default');
    const none = await ask('jp-only.example.com', BERLIN.address);
    assert.equal((none.flags ?? 0) & 0xf, 0, 'NOERROR');
    assert.deepEqual(none.answers, [], 'no match and no default record: a "no answer" response');
    assert.deepEqual(await a('jp-only.example.com', TOKYO.address), ['192.0.2.35']);
  });

  it('falls from an unhealthy state record to the country record', async () => {
    await invert('geo-va', true);
    await answers('geo.example.com', VIRGINIA.address, ['192.0.2.32']);
    await invert('geo-va', false);
    await answers('geo.example.com', VIRGINIA.address, ['192.0.2.31']);
  });
});

describe('Route 53 multivalue answer routing', () => {
  it('answers up to eight distinct healthy values, drawn anew per question, drops one whose check fails, and answers the unhealthy ones when none is healthy', async () => {
    const all = Array.from({ length: 10 }, (_, i) => `192.0.2.${101 + i}`);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const got = await a('mv.example.com', BERLIN.address);
      assert.equal(got.length, 8);
      assert.equal(new Set(got).size, 8);
      for (const v of got) {
        assert.ok(all.includes(v));
        seen.add(v);
      }
    }
    assert.equal(seen.size, 10, 'different questions get different combinations of the ten');
    assert.deepEqual(await a('mv-all.example.com', BERLIN.address), ['192.0.2.121', '192.0.2.122']);
    await invert('mv-hc', true);
    await waitFor(
      'the unhealthy multivalue record to leave the answers',
      async () => {
        for (let i = 0; i < 20; i++) if ((await a('mv.example.com', BERLIN.address)).includes('192.0.2.101')) return undefined;
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.deepEqual(await a('mv-all.example.com', BERLIN.address), ['192.0.2.121', '192.0.2.122'], 'all unhealthy: Route 53 answers them anyway');
    await invert('mv-hc', false);
  });
});

describe('Route 53 geoproximity routing', () => {
  it('answers the nearest location, and a bias of 50 halves a Region’s distance so it wins farther clients', async () => {
    assert.deepEqual(await a('near.example.com', TOKYO.address), ['192.0.2.43'], 'Los Angeles is nearer Tokyo than Frankfurt or Virginia');
    assert.deepEqual(await a('near.example.com', BERLIN.address), ['192.0.2.42']);
    assert.deepEqual(await a('near.example.com', VIRGINIA.address), ['192.0.2.41']);
    assert.deepEqual(await a('biased.example.com', TOKYO.address), ['192.0.2.42'], '~9,300 km × (1 − 50/100) beats ~8,800 km');
    assert.deepEqual(await a('biased.example.com', VIRGINIA.address), ['192.0.2.41']);
  });
});

describe('routing policies through the Route 53 API', () => {
  it('round-trips each policy through ChangeResourceRecordSets and ListResourceRecordSets, and refuses what Route 53 refuses', async () => {
    const zone = (await r53.send(new CreateHostedZoneCommand({ Name: 'api-routing.test', CallerReference: 'routing' }))).HostedZone?.Id ?? '';
    const sets: ResourceRecordSet[] = [
      { Name: 'lat.api-routing.test.', Type: 'A', SetIdentifier: 'tokyo', Region: 'ap-northeast-1', TTL: 60, ResourceRecords: [{ Value: '198.51.100.1' }] },
      { Name: 'lat.api-routing.test.', Type: 'A', SetIdentifier: 'virginia', Region: 'us-east-1', TTL: 60, ResourceRecords: [{ Value: '198.51.100.2' }] },
      {
        Name: 'geo.api-routing.test.',
        Type: 'A',
        SetIdentifier: 'eu',
        GeoLocation: { ContinentCode: 'EU' },
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.3' }],
      },
      {
        Name: 'geo.api-routing.test.',
        Type: 'A',
        SetIdentifier: 'wa',
        GeoLocation: { CountryCode: 'US', SubdivisionCode: 'WA' },
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.4' }],
      },
      { Name: 'mv.api-routing.test.', Type: 'A', SetIdentifier: 'one', MultiValueAnswer: true, TTL: 60, ResourceRecords: [{ Value: '198.51.100.5' }] },
      {
        Name: 'prox.api-routing.test.',
        Type: 'A',
        SetIdentifier: 'pt',
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.6' }],
        GeoProximityLocation: { Coordinates: { Latitude: '38.72', Longitude: '-9.14' }, Bias: -20 },
      },
      {
        Name: 'prox.api-routing.test.',
        Type: 'A',
        SetIdentifier: 'lax',
        TTL: 60,
        ResourceRecords: [{ Value: '198.51.100.7' }],
        GeoProximityLocation: { LocalZoneGroup: 'us-west-2-lax-1' },
      },
    ];
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone,
        ChangeBatch: { Changes: sets.map((ResourceRecordSet) => ({ Action: 'CREATE', ResourceRecordSet })) },
      }),
    );
    const listed = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }))).ResourceRecordSets ?? [];
    const key = (r: ResourceRecordSet): string => `${r.Name} ${r.SetIdentifier}`;
    for (const s of sets)
      assert.deepEqual(
        listed.find((l) => key(l) === key(s)),
        s,
        `${key(s)} lists as it was created`,
      );
    assert.deepEqual(await a('lat.api-routing.test', TOKYO.address), ['198.51.100.1']);

    const refused = async (r: ResourceRecordSet, code: string, message: RegExp): Promise<void> => {
      await assert.rejects(
        r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: r }] } })),
        (e: Error) => {
          assert.equal(e.name, code);
          assert.match(e.message, message);
          return true;
        },
      );
    };
    const base = { Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '198.51.100.9' }] };
    await refused({ ...base, Name: 'x.api-routing.test', Region: 'us-east-1' }, 'InvalidChangeBatch', /Missing field 'SetIdentifier'/);
    await refused({ ...base, Name: 'lat.api-routing.test', SetIdentifier: 'w', Weight: 1 }, 'InvalidChangeBatch', /conflicting RRSet of type A/);
    await refused(
      { ...base, Name: 'lat.api-routing.test', SetIdentifier: 'again', Region: 'us-east-1' },
      'InvalidChangeBatch',
      /latency record .* in region us-east-1/,
    );
    await refused({ ...base, Name: 'x.api-routing.test', SetIdentifier: 'x', Region: 'mars-north-1' as never }, 'InvalidInput', /Invalid Region: mars-north-1/);
    await refused(
      { ...base, Name: 'x.api-routing.test', SetIdentifier: 'x', GeoLocation: { ContinentCode: 'EU', CountryCode: 'DE' } },
      'InvalidInput',
      /ContinentCode with either CountryCode or SubdivisionCode/,
    );
    await refused(
      { ...base, Name: 'x.api-routing.test', SetIdentifier: 'x', Region: 'us-east-1', MultiValueAnswer: true },
      'InvalidChangeBatch',
      /found more than one \(Region, MultiValueAnswer\)/,
    );
  });

  it('takes a latency record from the AWS CLI, lists it as botocore reads it, and TestDNSAnswer answers a client subnet’s location', async () => {
    const cli = awsCli(region.endpoint);
    const zone = (
      await cli.json<{ HostedZone: { Id: string } }>('route53', 'create-hosted-zone', '--name', 'cli-routing.test', '--caller-reference', 'cli-routing')
    ).HostedZone.Id;
    const dir = await mkdtemp(join(tmpdir(), 'r53-routing-'));
    try {
      const batch = join(dir, 'batch.json');
      const record = (id: string, region: string, ip: string) => ({
        Action: 'CREATE',
        ResourceRecordSet: { Name: 'www.cli-routing.test', Type: 'A', SetIdentifier: id, Region: region, TTL: 60, ResourceRecords: [{ Value: ip }] },
      });
      await writeFile(
        batch,
        JSON.stringify({ Changes: [record('tokyo', 'ap-northeast-1', '198.51.100.21'), record('frankfurt', 'eu-central-1', '198.51.100.22')] }),
      );
      await cli.json('route53', 'change-resource-record-sets', '--hosted-zone-id', zone, '--change-batch', `file://${batch}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const listed = await cli.json<{ ResourceRecordSets: Record<string, unknown>[] }>('route53', 'list-resource-record-sets', '--hosted-zone-id', zone);
    assert.deepEqual(
      listed.ResourceRecordSets.filter((r) => r.SetIdentifier !== undefined),
      [
        {
          Name: 'www.cli-routing.test.',
          Type: 'A',
          SetIdentifier: 'frankfurt',
          Region: 'eu-central-1',
          TTL: 60,
          ResourceRecords: [{ Value: '198.51.100.22' }],
        },
        { Name: 'www.cli-routing.test.', Type: 'A', SetIdentifier: 'tokyo', Region: 'ap-northeast-1', TTL: 60, ResourceRecords: [{ Value: '198.51.100.21' }] },
      ],
    );
    const test = (...extra: string[]) =>
      cli.json<{ RecordData: string[] }>(
        'route53',
        'test-dns-answer',
        '--hosted-zone-id',
        zone,
        '--record-name',
        'www.cli-routing.test',
        '--record-type',
        'A',
        ...extra,
      );
    assert.deepEqual((await test('--edns0-client-subnet-ip', '203.0.113.7')).RecordData, ['198.51.100.21'], 'a Tokyo client subnet');
    assert.deepEqual((await test('--resolver-ip', BERLIN.address)).RecordData, ['198.51.100.22'], 'a resolver in Berlin');
  });
});
