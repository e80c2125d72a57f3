import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpProbe } from '../../src/probes/net/http.js';
import { tcpProbe } from '../../src/probes/net/tcp.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ActivityContext } from '../../src/registry/types.js';
import { ROOT } from '../support/cli.js';

const ctx: ActivityContext = {
  runId: 'test',
  signal: new AbortController().signal,
  clock: systemClock,
  logger: silentLogger,
  aws: new AwsClientFactory({ kind: 'sim', region: 'us-east-1' }),
  speed: 1,
  recordCall: () => undefined,
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/slow') {
    setTimeout(() => res.end('slow ok'), Number(url.searchParams.get('ms') ?? '100'));
    return;
  }
  if (url.pathname === '/hang') return;
  const status = Number(url.searchParams.get('status') ?? '200');
  res.writeHead(status, { 'content-type': 'text/plain' }).end(url.searchParams.get('body') ?? 'healthy');
}

/** Opens a session, takes `n` samples, closes, and returns the observations with their tolerance verdicts. */
async function probe(
  args: Record<string, unknown>,
  tolerance: Record<string, unknown> = {},
  n = 1,
): Promise<{ reasons: (string | null)[]; values: unknown[] }> {
  const a = httpProbe.args.parse(args);
  const t = httpProbe.tolerance.parse(tolerance);
  const session = httpProbe.open(a, ctx, t);
  const reasons: (string | null)[] = [];
  const values: unknown[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = await session.sample(ctx.signal);
      reasons.push(httpProbe.check(o, t));
      values.push(o.value);
    }
  } finally {
    await session.close();
  }
  return { reasons, values };
}

describe('http probe', () => {
  let server: Server;
  let tls: Server;
  let base: string;
  let secure: string;
  let connections = 0;
  before(async () => {
    server = createHttp(handler);
    server.on('connection', () => connections++);
    base = `http://${await listen(server)}`;
    const dir = join(ROOT, 'test', 'fixtures', 'tls');
    tls = createHttps({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, handler);
    secure = `https://${await listen(tls)}`;
  });
  after(async () => {
    for (const s of [server, tls]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('is within tolerance on a 2xx by default and reports the status', async () => {
    assert.deepEqual(await probe({ url: `${base}/` }), { reasons: [null], values: [200] });
  });

  it('checks status lists, classes, bodies and latency', async () => {
    assert.deepEqual((await probe({ url: `${base}/?status=503` })).reasons, ['HTTP 503, expected 2xx or 3xx']);
    assert.deepEqual((await probe({ url: `${base}/?status=503` }, { status: [200, 503] })).reasons, [null]);
    assert.deepEqual((await probe({ url: `${base}/?status=404` }, { status: '4xx' })).reasons, [null]);
    assert.deepEqual((await probe({ url: `${base}/?body=degraded` }, { body: '^healthy$' })).reasons, ['body does not match /^healthy$/']);
    assert.deepEqual((await probe({ url: `${base}/?body=healthy` }, { body: '^healthy$' })).reasons, [null]);
    const slow = await probe({ url: `${base}/slow?ms=150` }, { maxLatency: '50ms' });
    assert.match(slow.reasons[0] ?? '', /^latency \d+ms above 50ms$/);
  });

  it('times out a request that never answers', async () => {
    const { reasons } = await probe({ url: `${base}/hang`, timeout: '200ms' });
    assert.deepEqual(reasons, ['timed out after 200ms']);
  });

  it('says connection refused when nothing listens', async () => {
    const { reasons } = await probe({ url: 'http://127.0.0.1:1/' });
    assert.deepEqual(reasons, ['connection refused']);
  });

  it('keeps its connection alive between samples', async () => {
    const before = connections;
    const { reasons } = await probe({ url: `${base}/` }, {}, 20);
    assert.equal(reasons.filter((r) => r !== null).length, 0);
    assert.equal(connections - before, 1);
  });

  it('verifies certificates unless told the endpoint is a test one', async () => {
    const strict = await probe({ url: `${secure}/` });
    assert.match(strict.reasons[0] ?? '', /self.signed|certificate/i);
    assert.deepEqual((await probe({ url: `${secure}/`, insecure: true })).reasons, [null]);
  });
});

describe('tcp probe', () => {
  it('connects to a listening port and refuses a closed one', async () => {
    const server = createHttp(handler);
    const [host, port] = (await listen(server)).split(':') as [string, string];
    try {
      const a = tcpProbe.args.parse({ host, port: Number(port) });
      const t = tcpProbe.tolerance.parse({});
      const session = tcpProbe.open(a, ctx, t);
      const ok = await session.sample(ctx.signal);
      assert.equal(tcpProbe.check(ok, t), null);
      assert.equal(ok.value, true);
      const closed = tcpProbe.open(tcpProbe.args.parse({ host: '127.0.0.1', port: 1 }), ctx, t);
      assert.equal(tcpProbe.check(await closed.sample(ctx.signal), t), 'connection refused');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
