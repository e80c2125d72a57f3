import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { after, before, beforeEach, describe, it } from 'node:test';
import { httpJourneyProbe } from '../../src/probes/net/http-journey.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ActivityContext, ProbeObservation } from '../../src/registry/types.js';
import { OrdersServer } from '../support/orders-server.js';

const ctx: ActivityContext = {
  runId: 'test',
  signal: new AbortController().signal,
  clock: systemClock,
  logger: silentLogger,
  aws: new AwsClientFactory({ kind: 'sim', region: 'us-east-1' }),
  speed: 1,
  recordCall: () => undefined,
};

/** A UDP DNS server answering every A question with 127.0.0.1, counting the names it was asked. */
async function loopbackDns(): Promise<{ server: string; asked: string[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (buf, rinfo) => {
    const query = dnsPacket.decode(buf);
    const question = query.questions?.[0];
    if (question === undefined) return;
    asked.push(question.name);
    const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, class: 'IN' as const, data: '127.0.0.1' }] : [];
    socket.send(
      dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: [question], answers }),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Opens a session, takes `n` journeys, closes, and returns each observation with its verdict. */
async function journeys(args: Record<string, unknown>, n = 1): Promise<{ o: ProbeObservation; reason: string | null }[]> {
  const session = httpJourneyProbe.open(httpJourneyProbe.args.parse(args), ctx, {});
  const out: { o: ProbeObservation; reason: string | null }[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = await session.sample(ctx.signal);
      out.push({ o, reason: httpJourneyProbe.check(o, {}) });
    }
  } finally {
    await session.close();
  }
  return out;
}

describe('http.journey probe', () => {
  const server = new OrdersServer();
  let base: string;
  const orderJourney = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    steps: [
      { method: 'POST', url: `${base}/orders`, body: '{"item":"x"}', expect: 201, capture: { id: '$.id' } },
      { method: 'GET', url: `${base}/orders/\${id}`, expect: 200 },
    ],
    timeout: '500ms',
    ...extra,
  });
  before(async () => {
    base = await server.start();
  });
  beforeEach(() => {
    server.failing = false;
    server.delayMs = 0;
  });
  after(() => server.close());

  it('passes a journey whose every step answers as expected, timing the whole journey', async () => {
    const created = server.orders.size;
    const results = await journeys(orderJourney(), 3);
    for (const r of results) assert.equal(r.reason, null, r.o.error);
    assert.equal(server.orders.size, created + 3, 'each journey created its own order');
    for (const r of results) assert.ok((r.o.latencyMs ?? 0) > 0);
  });

  it('substitutes a captured value into later steps: each GET asks for the order its POST created', async () => {
    server.fetched.length = 0;
    const before = new Set(server.orders.keys());
    await journeys(
      {
        steps: [
          { method: 'POST', url: `${base}/orders`, body: '{"item":"y"}', expect: 201, capture: { oid: '$.order.id' } },
          { url: `${base}/orders/\${oid}?again=\${oid}`, expect: 200, headers: { 'x-order': '${oid}' } },
        ],
      },
      2,
    );
    const made = [...server.orders.keys()].filter((id) => !before.has(id));
    assert.equal(made.length, 2);
    assert.deepEqual(server.fetched, made);
  });

  it('names the failing step and the status it got', async () => {
    server.failing = true;
    const [r] = await journeys(orderJourney());
    assert.equal(r?.reason, 'step 2 (GET /orders/${id}): HTTP 500, expected 200');
    const named = await journeys({ steps: [{ name: 'open basket', url: `${base}/nowhere`, expect: [200, '3xx'] }] });
    assert.equal(named[0]?.reason, 'open basket: HTTP 404, expected 200 or 3xx');
  });

  it('names a step that timed out, and one whose connection was refused', async () => {
    const [slow] = await journeys({
      steps: [
        { url: `${base}/orders/x`, expect: '4xx' },
        { name: 'hang', url: `${base}/hang` },
      ],
      timeout: '150ms',
    });
    assert.equal(slow?.reason, 'hang: timed out after 150ms');
    const [refused] = await journeys({ steps: [{ name: 'home', url: 'http://127.0.0.1:1/' }] });
    assert.equal(refused?.reason, 'home: connection refused');
  });

  it('counts a journey slower than its limit as failed, though every step answered', async () => {
    server.delayMs = 60;
    const [r] = await journeys(orderJourney({ limit: '100ms' }));
    assert.ok((r?.o.latencyMs ?? 0) >= 120, `two steps of 60 ms: ${r?.o.latencyMs}`);
    assert.match(r?.reason ?? '', /^journey took 1\d\dms, over its 100ms limit$/);
    assert.equal(r?.o.value, 2, 'a slow journey completed its steps, so its latency counts in journey percentiles');
    const [within] = await journeys(orderJourney({ limit: '1s' }));
    assert.equal(within?.reason, null);
  });

  it('fails a step whose body lacks what it should capture', async () => {
    const [r] = await journeys({
      steps: [{ method: 'POST', url: `${base}/orders`, body: '{}', expect: 201, capture: { ref: '$.reference' } }],
    });
    assert.equal(r?.reason, 'step 1 (POST /orders): no $.reference in the response body to capture as ref');
  });

  it("resolves each step's host through `resolver`, keeping the URL's Host, and records the address it reached", async () => {
    const dns = await loopbackDns();
    try {
      const port = new URL(base).port;
      server.hosts.length = 0;
      const [r] = await journeys({
        steps: [
          { method: 'POST', url: `http://shop.test:${port}/orders`, body: '{}', expect: 201, capture: { id: '$.id' } },
          { url: `http://shop.test:${port}/orders/\${id}`, expect: 200 },
        ],
        resolver: dns.server,
      });
      assert.equal(r?.reason, null, r?.o.error);
      assert.equal(r?.o.endpoint, '127.0.0.1');
      assert.deepEqual(server.hosts, [`shop.test:${port}`, `shop.test:${port}`]);
      assert.ok(dns.asked.includes('shop.test'), dns.asked.join(', '));
    } finally {
      await dns.close();
    }
  });

  it('refuses, in one sentence each, a reference no earlier step captures and a capture that is no JSON path', () => {
    const bad = httpJourneyProbe.args.safeParse({
      steps: [{ url: `${base}/orders/\${id}` }, { method: 'POST', url: `${base}/orders`, capture: { id: 'id' } }],
    });
    assert.equal(bad.success, false);
    const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    assert.deepEqual(issues.sort(), [
      "steps.0.url: '${id}' is not captured by an earlier step (capture it with capture: { id: '$.…' })",
      "steps.1.capture.id: a capture is a JSON path such as '$.id' or '$.items[0].id'",
    ]);
    const empty = httpJourneyProbe.args.safeParse({ steps: [] });
    assert.equal(empty.error?.issues[0]?.message, 'a journey needs at least one step');
  });
});
