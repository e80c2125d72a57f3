import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { runExperiment } from '../../src/engine/runner.js';
import { journalSchema } from '../../src/engine/journal.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { dnsProbe } from '../../src/probes/dns/dns.js';
import { TtlResolver } from '../../src/probes/dns/ttl-resolver.js';
import { httpProbe } from '../../src/probes/net/http.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { ActivityContext, ProbeObservation } from '../../src/registry/types.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { CREDENTIALS, referenceWith, startSim, type Sim } from '../support/sim.js';

/**
 * Probes placed at client locations (`from:`). The load balancer answers a located client one round trip later, its
 * location's latency to the Region from the topology's table, in wall ms at any speed (an assumed behaviour, see
 * src/sim/fidelity/behaviours.ts), so a probe reports the table's figure plus the sim's own overhead. DNS questions are
 * checked against a small server of this file, which records where each came from and its EDNS client subnet.
 */
const SPEED = 30;
const TOKYO = { name: 'tokyo', address: '127.77.0.1', subnet: '203.0.113.0/24', latency: { 'us-east-1': 160 } };
const VIRGINIA = { name: 'virginia', address: '127.77.0.2', latency: { 'us-east-1': 5 } };

const ctx: ActivityContext = {
  runId: 'from-location',
  signal: new AbortController().signal,
  clock: systemClock,
  logger: silentLogger,
  aws: new AwsClientFactory({ kind: 'sim', region: 'us-east-1' }),
  speed: SPEED,
  recordCall: () => undefined,
};

interface Question {
  source: string;
  name: string;
  subnet?: string;
}

/** A UDP DNS server answering every A question with `answer`, recording each question's source and client subnet. */
async function recordingDns(answer: string): Promise<{ server: string; questions: Question[]; close(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const questions: Question[] = [];
  socket.on('message', (buf, rinfo) => {
    const query = dnsPacket.decode(buf);
    const question = query.questions?.[0];
    if (question === undefined) return;
    const ecs = query.additionals?.flatMap((a) => (a.type === 'OPT' ? a.options : [])).find((o): o is Extract<typeof o, { code: 8 }> => o.code === 8);
    questions.push({
      source: rinfo.address,
      name: question.name,
      ...(ecs === undefined ? {} : { subnet: `${ecs.ip}/${ecs.sourcePrefixLength}` }),
    });
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [question],
      answers: question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 60, class: 'IN', data: answer }] : [],
    });
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * A DNS server whose UDP answers come back truncated (TC, no records), so the client must ask again over TCP on the
 * same port (RFC 7766); records the source address of each TCP question.
 */
async function truncatingDns(answer: string): Promise<{ server: string; tcpSources: string[]; close(): Promise<void> }> {
  const udp = createSocket('udp4');
  const tcpSources: string[] = [];
  udp.on('message', (buf, rinfo) => {
    const query = dnsPacket.decode(buf);
    udp.send(
      dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.TRUNCATED_RESPONSE, questions: query.questions ?? [] }),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = (udp.address() as AddressInfo).port;
  const tcp = createServer((socket) => {
    socket.once('data', (buf) => {
      tcpSources.push(socket.remoteAddress ?? '');
      const query = dnsPacket.streamDecode(buf);
      const question = query.questions?.[0];
      if (question === undefined) return;
      socket.end(
        dnsPacket.streamEncode({
          type: 'response',
          id: query.id,
          flags: dnsPacket.AUTHORITATIVE_ANSWER,
          questions: [question],
          answers: [{ type: 'A', name: question.name, ttl: 60, class: 'IN', data: answer }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${port}`,
    tcpSources,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** `n` samples of a probe session, each checked against its tolerance. */
async function samples(args: Record<string, unknown>, n: number): Promise<ProbeObservation[]> {
  const session = httpProbe.open(httpProbe.args.parse(args), ctx, httpProbe.tolerance.parse({}));
  const out: ProbeObservation[] = [];
  try {
    for (let i = 0; i < n; i++) out.push(await session.sample(ctx.signal));
  } finally {
    await session.close();
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const latencies = (os: ProbeObservation[]): number[] => os.map((o) => o.latencyMs ?? NaN);

describe('probes placed at client locations (from:)', () => {
  let sim: Sim;
  let dns: Awaited<ReturnType<typeof recordingDns>>;
  let alb: string;
  before(async () => {
    sim = await startSim({ speed: SPEED, topology: referenceWith((t) => Object.assign(t, { clients: [TOKYO, VIRGINIA] })) });
    alb = sim.outputs['alb.web-alb.url'] ?? '';
    dns = await recordingDns(sim.outputs['alb.web-alb.address'] ?? '');
  });
  after(async () => {
    await dns.close();
    await sim.close();
  });

  it("answers an http probe from each location after that location's latency to the Region, unscaled by the speed", async () => {
    const url = `${alb}/health`;
    const tokyo = await samples({ url, from: { name: 'tokyo', address: TOKYO.address } }, 5);
    const virginia = await samples({ url, from: { name: 'virginia', address: VIRGINIA.address } }, 5);
    const nowhere = await samples({ url }, 5);
    for (const o of [...tokyo, ...virginia, ...nowhere]) assert.equal(o.value, 200, JSON.stringify(o));
    for (const ms of latencies(tokyo)) assert.ok(ms >= 160, `tokyo answered in ${ms}ms, under its 160ms round trip`);
    for (const ms of latencies(virginia)) assert.ok(ms >= 5, `virginia answered in ${ms}ms, under its 5ms round trip`);
    // One round trip per request on a kept-alive connection: the table's figure plus the sim's overhead, not twice it.
    assert.ok(median(latencies(tokyo)) < 320, `tokyo's median ${median(latencies(tokyo))}ms is more than one round trip`);
    assert.ok(median(latencies(virginia)) < median(latencies(tokyo)), 'virginia is nearer us-east-1 than tokyo');
    assert.ok(median(latencies(nowhere)) < 160, 'a client without a location waits for nothing');
  });

  it('asks a dns probe from its source address, and with its EDNS client subnet', async () => {
    const ask = async (from: Record<string, string>): Promise<ProbeObservation> => {
      const a = dnsProbe.args.parse({ name: 'app.example.com', server: dns.server, from });
      const session = dnsProbe.open(a, ctx, dnsProbe.tolerance.parse({}));
      try {
        return await session.sample(ctx.signal);
      } finally {
        await session.close();
      }
    };
    const before = dns.questions.length;
    const byAddress = await ask({ address: TOKYO.address });
    const bySubnet = await ask({ subnet: '203.0.113.77/24' });
    const [first, second] = dns.questions.slice(before);
    assert.deepEqual(first, { source: TOKYO.address, name: 'app.example.com' });
    // The subnet goes out with its host bits cleared (RFC 7871 §6), from wherever the machine sends.
    assert.deepEqual(second, { source: '127.0.0.1', name: 'app.example.com', subnet: '203.0.113.0/24' });
    for (const o of [byAddress, bySubnet]) {
      assert.equal(o.value, sim.outputs['alb.web-alb.address']);
      assert.equal(dnsProbe.check(o, dnsProbe.tolerance.parse({})), null);
    }
  });

  it('asks again over TCP, from the same address, when the UDP answer is truncated', async () => {
    const truncating = await truncatingDns('192.0.2.10');
    try {
      const a = dnsProbe.args.parse({ name: 'big.example.com', server: truncating.server, from: { address: TOKYO.address } });
      const session = dnsProbe.open(a, ctx, dnsProbe.tolerance.parse({}));
      const o = await session.sample(ctx.signal).finally(() => session.close());
      assert.equal(o.value, '192.0.2.10', JSON.stringify(o));
      assert.deepEqual(truncating.tcpSources, [TOKYO.address]);
    } finally {
      await truncating.close();
    }
  });

  it('resolves as the client through TtlResolver, and the http probe connects from there to what it resolved', async () => {
    const before = dns.questions.length;
    const resolver = new TtlResolver(dns.server, { timeoutMs: 1_000, from: { address: TOKYO.address, subnet: TOKYO.subnet } });
    try {
      assert.equal(await resolver.address('db.example.com'), sim.outputs['alb.web-alb.address']);
    } finally {
      resolver.close();
    }
    const port = new URL(alb).port;
    const observed = await samples(
      { url: `http://app.example.com:${port}/health`, resolver: dns.server, from: { name: 'tokyo', address: TOKYO.address, subnet: TOKYO.subnet } },
      2,
    );
    const asked = dns.questions.slice(before);
    assert.deepEqual(asked[0], { source: TOKYO.address, name: 'db.example.com', subnet: TOKYO.subnet });
    assert.deepEqual(asked[1], { source: TOKYO.address, name: 'app.example.com', subnet: TOKYO.subnet });
    for (const o of observed) {
      assert.equal(o.value, 200, JSON.stringify(o));
      assert.equal(o.endpoint, sim.outputs['alb.web-alb.address']);
      assert.ok((o.latencyMs ?? 0) >= 160, `${o.latencyMs}ms from tokyo`);
    }
  });

  it('runs an experiment whose probes stand at `from: tokyo` and `from: virginia`, and names the locations in the journal', async () => {
    const registry = defaultRegistry();
    const text = `apiVersion: gameday/v1
metadata: { name: two-places }
environment: { type: sim, speed: ${SPEED} }
steadyState: { samples: 2 }
probes:
  - name: users-tokyo
    probe: http
    args: { url: "\${sim:alb.web-alb.url}/health", from: tokyo }
    interval: 100ms
  - name: users-virginia
    probe: http
    args: { url: "\${sim:alb.web-alb.url}/health", from: virginia }
    interval: 100ms
faults:
  - name: poke
    action: http.request
    args: { url: "\${sim:alb.web-alb.url}/health" }
recovery: { stableFor: 300ms, timeout: 10s }
`;
    const loaded = parseExperiment(text, 'two-places.yaml', { registry, env: {}, simOutputs: sim.outputs });
    const args = loaded.experiment.probes.map((p) => p.args);
    assert.deepEqual(args[0], { url: `${alb}/health`, method: 'GET', headers: {}, timeout: 2_000, insecure: false, from: { name: 'tokyo', ...pick(TOKYO) } });
    assert.equal(loaded.refersToSim, true);
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS });
    const journal = await runExperiment(loaded, { registry, aws }).finally(() => aws.destroy());
    journalSchema.parse(journal);
    assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
    assert.deepEqual(
      journal.probes.map((p) => p.from),
      ['tokyo', 'virginia'],
    );
    const p50 = (name: string): number => journal.measurement.probes[name]?.latency.before?.p50 ?? NaN;
    assert.ok(p50('users-tokyo') >= 160, `tokyo p50 ${p50('users-tokyo')}`);
    assert.ok(p50('users-virginia') < p50('users-tokyo'), `virginia p50 ${p50('users-virginia')}`);
    assert.match(renderMarkdown(journal), /users-tokyo \(http from tokyo\)/);
  });
});

function pick(l: typeof TOKYO): { address: string; subnet: string } {
  return { address: l.address, subnet: l.subnet };
}
