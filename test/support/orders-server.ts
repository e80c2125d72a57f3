import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny order service for journey tests: POST /orders stores the body and answers 201 `{"id":…}`, GET /orders/<id>
 * answers 200 with the order or 404. POST /control/slow?ms=&for= delays every answer, POST /control/fail?for= makes
 * GET /orders/<id> answer 500 (`for` omitted: until POST /control/up).
 */
export class OrdersServer {
  readonly orders = new Map<string, string>();
  /** Ids GET /orders/<id> was asked for, found or not. */
  readonly fetched: string[] = [];
  /** The Host header of every request, in order. */
  readonly hosts: string[] = [];
  delayMs = 0;
  failing = false;
  private next = 1;
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.hosts.push(req.headers.host ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (url.pathname.startsWith('/control/')) {
          const forMs = url.searchParams.has('for') ? Number(url.searchParams.get('for')) : undefined;
          if (url.pathname === '/control/slow') {
            this.delayMs = Number(url.searchParams.get('ms') ?? '0');
            if (forMs !== undefined) setTimeout(() => (this.delayMs = 0), forMs).unref();
          } else if (url.pathname === '/control/fail') {
            this.failing = true;
            if (forMs !== undefined) setTimeout(() => (this.failing = false), forMs).unref();
          } else if (url.pathname === '/control/up') {
            this.failing = false;
            this.delayMs = 0;
          }
          res.writeHead(200).end('ok');
          return;
        }
        const answer = (): void => {
          if (req.method === 'POST' && url.pathname === '/orders') {
            const id = `o${this.next++}`;
            this.orders.set(id, body);
            res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, order: { id } }));
            return;
          }
          const m = /^\/orders\/([^/]+)$/.exec(url.pathname);
          if (req.method === 'GET' && m !== null) {
            const id = decodeURIComponent(m[1] ?? '');
            this.fetched.push(id);
            if (this.failing) res.writeHead(500).end('broken');
            else if (this.orders.has(id)) res.writeHead(200, { 'content-type': 'application/json' }).end(this.orders.get(id));
            else res.writeHead(404).end('no such order');
            return;
          }
          if (url.pathname === '/hang') return;
          res.writeHead(404).end();
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
