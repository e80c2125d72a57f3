/**
 * The journey-throughput benchmark's target: a tiny order service (POST /orders answers 201 `{"id":…}`, GET
 * /orders/<id> answers the order) in its own process, so it does not share the measuring process's event loop.
 * Prints one JSON line `{"type":"ready",...}` on stdout, answers `stats` lines on stdin with its request count and
 * CPU time, and exits when stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { TargetReady, TargetStats } from './target-server.js';

const orders = new Map<string, string>();
let next = 1;
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/orders') {
      const id = `o${next++}`;
      // Keeps the store bounded over a long benchmark: only recent orders are read back.
      if (orders.size > 100_000) orders.clear();
      orders.set(id, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      return;
    }
    const order = orders.get((req.url ?? '').replace(/^\/orders\//, ''));
    if (req.method === 'GET' && order !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(order);
    else res.writeHead(404).end();
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const send = (message: TargetReady | TargetStats): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
send({ type: 'ready', port, url: `http://127.0.0.1:${port}`, pid: process.pid });
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  send({ type: 'stats', requests, cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
});
lines.on('close', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
