import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket, { type Packet } from 'dns-packet';
import { performance } from 'node:perf_hooks';
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { SimDnsServer } from '../../src/sim/dns/server.js';
import { SimRegion } from '../../src/sim/server.js';
import type { DnsAnswer } from '../../src/sim/world/hosted-zone.js';
import { parseTopology } from '../../src/sim/topology.js';
import { waitFor } from '../support/sim.js';

const SPEED = 100;
const credentials = { accessKeyId: 'A', secretAccessKey: 'b' };
const PRIMARY = '127.1.0.1';
const SECONDARY = '127.2.0.1';

/** Two sites, each an ALB on its own loopback address in front of its own ASG, and a hosted zone answering for both. */
function twoSites(records: Record<string, unknown>[]) {
  const site = (name: string, address: string) => ({
    name,
    address,
    targetGroup: { name: `${name}-tg`, healthCheck: { path: '/health', interval: '10s', healthyThreshold: 2 } },
  });
  const group = (name: string) => ({
    name: `${name}-asg`,
    launchTemplate: 'lt',
    min: 0,
    max: 2,
    desired: 1,
    healthCheckType: 'ELB',
    // Longer than a replacement's boot and checks: with none, a booting instance is replaced before it can serve.
    healthCheckGracePeriod: '600s',
    targetGroups: [`${name}-tg`],
  });
  return parseTopology({
    launchTemplates: [{ name: 'lt' }],
    loadBalancers: [site('primary', PRIMARY), site('secondary', SECONDARY)],
    autoScalingGroups: [group('primary'), group('secondary')],
    healthChecks: [
      { name: 'primary-hc', target: 'alb:primary', resourcePath: '/health', requestInterval: 10, failureThreshold: 2 },
      { name: 'secondary-hc', target: 'alb:secondary', resourcePath: '/health', requestInterval: 10, failureThreshold: 2 },
    ],
    hostedZones: [{ name: 'example.com', records }],
  });
}

const FAILOVER = [
  { name: 'app', alias: 'alb:primary', failover: 'PRIMARY', setIdentifier: 'primary', healthCheck: 'primary-hc' },
  { name: 'app', alias: 'alb:secondary', failover: 'SECONDARY', setIdentifier: 'secondary', healthCheck: 'secondary-hc' },
  { name: 'static', values: ['192.0.2.10', '192.0.2.11'], ttl: 120 },
  { name: 'docs', type: 'CNAME', values: ['static.example.com'], ttl: 300 },
  { name: 'w', values: ['192.0.2.1'], weight: 3, setIdentifier: 'a' },
  { name: 'w', values: ['192.0.2.2'], weight: 1, setIdentifier: 'b' },
  { name: 'w', values: ['192.0.2.3'], weight: 0, setIdentifier: 'zero' },
];

interface Env {
  region: SimRegion;
  dns: Resolver;
  asg: AutoScalingClient;
  r53: Route53Client;
  stop: () => Promise<void>;
}

async function start(records: Record<string, unknown>[] = FAILOVER): Promise<Env> {
  const region = await SimRegion.start({ topology: twoSites(records), speed: SPEED });
  const dns = new Resolver({ timeout: 1000, tries: 2 });
  dns.setServers([region.outputs()['dns.server'] ?? '']);
  const asg = new AutoScalingClient({ region: 'us-east-1', endpoint: region.endpoint, credentials, maxAttempts: 1 });
  const r53 = new Route53Client({ region: 'us-east-1', endpoint: region.endpoint, credentials, maxAttempts: 1 });
  await waitFor('a ready region', () => region.world.isReady() || undefined, { timeoutMs: 20_000 });
  return {
    region,
    dns,
    asg,
    r53,
    stop: async () => {
      dns.cancel();
      asg.destroy();
      r53.destroy();
      await region.stop();
    },
  };
}

async function events(region: SimRegion): Promise<TruthEvent[]> {
  return ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events;
}

async function a(dns: Resolver, name: string): Promise<string[]> {
  return (await dns.resolve4(name)).sort();
}

const code = (expected: string) => (e: { code?: string }) => {
  assert.equal(e.code, expected);
  return true;
};

describe('the region’s DNS server answers hosted zones by routing policy and health', () => {
  it('fails a failover pair over to the SECONDARY site when the primary’s check fails, and back, as ground truth records', async () => {
    const env = await start();
    try {
      const { region, dns, asg } = env;
      assert.match(region.outputs()['dns.server'] ?? '', /^127\.0\.0\.1:\d+$/);
      assert.match(region.outputs()['route53.zone.example.com.id'] ?? '', /^Z[A-Z0-9]{13,}$/);
      assert.equal(new URL(region.outputs()['alb.primary.url'] ?? '').hostname, PRIMARY);
      const answer = await dns.resolve4('app.example.com', { ttl: true });
      assert.deepEqual(answer, [{ address: PRIMARY, ttl: 60 }], 'an alias to an ALB answers its address with TTL 60');

      // HTTP through the answer: the address from DNS, the port of that site's ALB passed explicitly.
      const port = new URL(region.outputs()['alb.primary.url'] ?? '').port;
      assert.equal((await fetch(`http://${answer[0]?.address ?? ''}:${port}/health`)).status, 200);

      const now = (): number => performance.timeOrigin + performance.now(); // ground truth's clock
      const t0 = now();
      await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'primary-asg', DesiredCapacity: 0 }));
      await waitFor('the SECONDARY answer', async () => ((await a(dns, 'app.example.com')).join() === SECONDARY ? true : undefined), { timeoutMs: 20_000 });
      const measured = now();
      const flip = (await events(region)).find((e) => e.kind === 'dns-answer' && e.resource === 'app.example.com.' && e.to === SECONDARY && e.epochMs >= t0);
      assert.ok(flip !== undefined, `ground truth has the answer change: ${JSON.stringify((await events(region)).filter((e) => e.kind === 'dns-answer'))}`);
      assert.equal(flip.from, PRIMARY);
      assert.ok(flip.epochMs >= t0 && flip.epochMs <= measured, 'the truth flip lies between the fault and the measured flip');
      const unhealthy = (await events(region)).find(
        (e) => e.kind === 'health-check' && e.to === 'unhealthy' && e.epochMs >= t0 && e.resource === region.outputs()['route53.healthcheck.primary-hc.id'],
      );
      assert.ok(
        unhealthy !== undefined && unhealthy.seq < flip.seq,
        `the answer follows the check: ${JSON.stringify((await events(region)).filter((e) => e.kind === 'dns-answer' || e.kind === 'health-check').map((e) => [e.seq, e.kind, e.resource, e.from, e.to, Math.round(e.epochMs - t0)]))}`,
      );

      await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'primary-asg', DesiredCapacity: 1 }));
      await waitFor('the PRIMARY answer again', async () => ((await a(dns, 'app.example.com')).join() === PRIMARY ? true : undefined), { timeoutMs: 20_000 });
      assert.ok((await events(region)).some((e) => e.kind === 'dns-answer' && e.resource === 'app.example.com.' && e.from === SECONDARY && e.to === PRIMARY));
    } finally {
      await env.stop();
    }
  });

  it('answers PRIMARY when both sites are unhealthy, and follows Inverted checks set through the API', async () => {
    const env = await start();
    try {
      const { region, dns, r53 } = env;
      const out = region.outputs();
      const primary = out['route53.healthcheck.primary-hc.id'] ?? '';
      const secondary = out['route53.healthcheck.secondary-hc.id'] ?? '';
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: primary, HealthCheckVersion: 1, Inverted: true }));
      await waitFor('SECONDARY while the primary check is inverted', async () => ((await a(dns, 'app.example.com')).join() === SECONDARY ? true : undefined), {
        timeoutMs: 20_000,
      });
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: secondary, HealthCheckVersion: 1, Inverted: true }));
      await waitFor('PRIMARY when every check is unhealthy', async () => ((await a(dns, 'app.example.com')).join() === PRIMARY ? true : undefined), {
        timeoutMs: 20_000,
      });
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: secondary, HealthCheckVersion: 2, Inverted: false }));
      await waitFor('SECONDARY again', async () => ((await a(dns, 'app.example.com')).join() === SECONDARY ? true : undefined), { timeoutMs: 20_000 });
    } finally {
      await env.stop();
    }
  });

  it('answers simple, CNAME, NS and SOA records, nothing for AAAA, and NXDOMAIN for unknown names', async () => {
    const env = await start();
    try {
      const { dns } = env;
      assert.deepEqual(await dns.resolve4('static.example.com', { ttl: true }), [
        { address: '192.0.2.10', ttl: 120 },
        { address: '192.0.2.11', ttl: 120 },
      ]);
      assert.deepEqual(await dns.resolveCname('docs.example.com'), ['static.example.com']);
      assert.deepEqual(await a(dns, 'docs.example.com'), ['192.0.2.10', '192.0.2.11'], 'the CNAME is chased within the zone');
      assert.equal((await dns.resolveNs('example.com')).length, 4);
      assert.equal((await dns.resolveSoa('example.com')).hostmaster, 'awsdns-hostmaster.amazon.com');
      await assert.rejects(dns.resolve6('app.example.com'), code('ENODATA'));
      await assert.rejects(dns.resolve4('nope.example.com'), code('ENOTFOUND'));
      await assert.rejects(dns.resolve4('www.not-a-zone.org'), code('ENOTFOUND'));
    } finally {
      await env.stop();
    }
  });

  it('spreads weighted answers by weight over healthy records, never answering a weight of 0', async () => {
    const env = await start();
    try {
      const counts = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        const [ip = ''] = await a(env.dns, 'w.example.com');
        counts.set(ip, (counts.get(ip) ?? 0) + 1);
      }
      assert.equal(counts.get('192.0.2.3'), undefined);
      const heavy = counts.get('192.0.2.1') ?? 0;
      const light = counts.get('192.0.2.2') ?? 0;
      assert.equal(heavy + light, 200);
      assert.ok(heavy > light * 1.5 && light > 10, `3:1 split, got ${heavy}:${light}`);
      assert.ok((await events(env.region)).some((e) => e.kind === 'dns-answer' && e.resource === 'w.example.com.' && e.to === '192.0.2.1,192.0.2.2'));
    } finally {
      await env.stop();
    }
  });

  it('answers failover records created through the API with health checks created through the API', async () => {
    const env = await start([]);
    try {
      const { r53, dns, region } = env;
      const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'shop.test', CallerReference: 'shop' }));
      const zoneId = zone.HostedZone?.Id ?? '';
      const portOf = (lb: string): number => Number(new URL(region.outputs()[`alb.${lb}.url`] ?? '').port);
      const check = async (ref: string, ip: string, port: number): Promise<string> =>
        (
          await r53.send(
            new CreateHealthCheckCommand({
              CallerReference: ref,
              HealthCheckConfig: { Type: 'HTTP', IPAddress: ip, Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 2 },
            }),
          )
        ).HealthCheck?.Id ?? '';
      const primaryCheck = await check('p', PRIMARY, portOf('primary'));
      const albDns = region.outputs()['alb.secondary.dnsName'] ?? '';
      await r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'CREATE',
                ResourceRecordSet: {
                  Name: 'www.shop.test',
                  Type: 'A',
                  SetIdentifier: 'one',
                  Failover: 'PRIMARY',
                  TTL: 10,
                  ResourceRecords: [{ Value: PRIMARY }],
                  HealthCheckId: primaryCheck,
                },
              },
              {
                Action: 'CREATE',
                ResourceRecordSet: {
                  Name: 'www.shop.test',
                  Type: 'A',
                  SetIdentifier: 'two',
                  Failover: 'SECONDARY',
                  AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: `dualstack.${albDns}`, EvaluateTargetHealth: true },
                },
              },
            ],
          },
        }),
      );
      assert.deepEqual(await dns.resolve4('www.shop.test', { ttl: true }), [{ address: PRIMARY, ttl: 10 }]);
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: primaryCheck, HealthCheckVersion: 1, Port: 1 }));
      await waitFor('SECONDARY through the alias', async () => ((await a(dns, 'www.shop.test')).join() === SECONDARY ? true : undefined), {
        timeoutMs: 20_000,
      });
      const flip = (await events(region)).find((e) => e.kind === 'dns-answer' && e.resource === 'www.shop.test.' && e.to === SECONDARY);
      assert.equal(flip?.from, PRIMARY);
    } finally {
      await env.stop();
    }
  });
});

describe('Route 53 in the topology', () => {
  it('defaults to no zones and no checks, names their outputs, and refuses dangling references', async () => {
    const { placeholderOutputs, REFERENCE_TOPOLOGY } = await import('../../src/sim/topology.js');
    const reference = parseTopology(REFERENCE_TOPOLOGY);
    assert.deepEqual([reference.hostedZones, reference.healthChecks], [[], []]);
    assert.equal(reference.loadBalancers[0]?.address, undefined);
    const out = placeholderOutputs(twoSites(FAILOVER));
    for (const key of ['dns.server', 'route53.zone.example.com.id', 'route53.healthcheck.primary-hc.id', 'route53.healthcheck.secondary-hc.id'])
      assert.ok(key in out, key);
    assert.equal(out['alb.primary.url'], `http://${PRIMARY}:80`);
    assert.throws(() => twoSites([{ name: 'x', alias: 'alb:nope' }]), /aliases load balancer 'nope'/);
    assert.throws(() => twoSites([{ name: 'x', values: ['192.0.2.1'], failover: 'PRIMARY' }]), /setIdentifier/);
    assert.throws(() => twoSites([{ name: 'x', values: ['192.0.2.1'], healthCheck: 'nope' }]), /health check 'nope'/);
    assert.throws(() => parseTopology({ launchTemplates: [{ name: 'lt' }], healthChecks: [{ name: 'h', target: 'alb:none' }] }), /not declared/);
    assert.throws(() => parseTopology({ launchTemplates: [{ name: 'lt' }], healthChecks: [{ name: 'h', target: '127.0.0.1:80', requestInterval: 20 }] }));
  });
});

/** `count` A records of `name`: 192.0.2.1, 192.0.2.2, … */
function manyA(name: string, count: number): DnsAnswer {
  return {
    rcode: 'NOERROR',
    answers: Array.from({ length: count }, (_, i) => ({ name, type: 'A', ttl: 60, data: `192.0.2.${i + 1}` })),
    authorities: [],
  };
}

/** One UDP exchange with the server, raw: what a resolver receives before it decides to retry over TCP. */
async function udpExchange(port: number, query: Packet): Promise<Packet> {
  const socket = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
    socket.send(dnsPacket.encode(query), port, '127.0.0.1');
    return dnsPacket.decode(await reply);
  } finally {
    socket.close();
  }
}

/** Writes `chunks` on one TCP connection and reads `count` length-prefixed answers (RFC 1035 §4.2.2). */
async function tcpExchange(port: number, chunks: Buffer[], count: number): Promise<Packet[]> {
  const socket = connect(port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const answers: Packet[] = [];
    const done = new Promise<void>((resolve, reject) => {
      let pending = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          answers.push(dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))));
          pending = pending.subarray(2 + pending.readUInt16BE(0));
          if (answers.length === count) resolve();
        }
      });
    });
    for (const chunk of chunks) {
      socket.write(chunk);
      // A query split across segments must still be read whole.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    return answers;
  } finally {
    socket.destroy();
  }
}

const query = (id: number, name: string): Packet => ({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });

// RFC 1035 §4.2 (UDP answers up to 512 bytes, TCP messages framed by a two-byte length) and RFC 7766 (a name server
// answers over TCP too; several queries may share one connection): https://www.rfc-editor.org/rfc/rfc7766
describe('the region’s DNS server over TCP and UDP', () => {
  const server = new SimDnsServer((name) => (name === 'big.example.com.' ? manyA('big.example.com.', 60) : manyA(name, 2)));
  before(() => server.start());
  after(() => server.stop());

  it('answers over TCP on the UDP port, length-prefixed, several queries on one connection, one split across writes', async () => {
    const first = dnsPacket.streamEncode(query(1, 'small.example.com'));
    const second = dnsPacket.streamEncode(query(2, 'big.example.com'));
    const third = dnsPacket.streamEncode(query(3, 'other.example.com'));
    // The first two in one write, the third split after its first byte of length.
    const answers = await tcpExchange(server.port, [Buffer.concat([first, second, third.subarray(0, 1)]), third.subarray(1)], 3);
    assert.deepEqual(
      answers.map((p) => [p.id, p.answers?.length, (p.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE]),
      [
        [1, 2, 0],
        [2, 60, 0],
        [3, 2, 0],
      ],
    );
    assert.deepEqual(
      answers[0]?.answers?.map((a) => (a.type === 'A' ? a.data : a.type)),
      ['192.0.2.1', '192.0.2.2'],
    );
  });

  it('truncates a UDP answer over 512 bytes (TC, no records), which a resolver then asks again over TCP', async () => {
    const small = await udpExchange(server.port, query(7, 'small.example.com'));
    assert.equal((small.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE, 0);
    assert.equal(small.answers?.length, 2);
    const big = await udpExchange(server.port, query(8, 'big.example.com'));
    assert.equal(big.id, 8);
    assert.notEqual((big.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE, 0, 'the TC bit is set');
    assert.deepEqual(big.answers, []);
    // Node's resolver (c-ares) asks over UDP, sees TC and retries over TCP: it gets all sixty addresses.
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([server.address]);
    const addresses = await resolver.resolve4('big.example.com');
    assert.equal(addresses.length, 60);
    assert.deepEqual(await resolver.resolve4('small.example.com'), ['192.0.2.1', '192.0.2.2']);
  });
});
