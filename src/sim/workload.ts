import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../core/clock.js';
import { AppTier, type AppDatabase, type OutboundRule, type TierAnswer } from './app-tier.js';
import { simDurationMs } from './duration.js';

/**
 * How a workload fails: refuse connections, answer 503, accept and never answer (`hang`: the application is stuck),
 * or sit behind a network that drops its packets (`blackhole`: a connection is never established, so nothing is ever
 * answered either; a load balancer sees a connect timeout rather than an idle one).
 */
export type OutageMode = 'refuse' | 'error' | 'hang' | 'blackhole';

export interface WorkloadTransition {
  /** Monotonic ms of the clock the workload was given. */
  at: number;
  up: boolean;
  mode?: OutageMode;
}

/**
 * How an app version answers (the topology's `apps`): the simulated region's own stand-in for the software an AMI
 * holds, so a release can be good or bad.
 */
export interface WorkloadApp {
  /** Reported as `app` in the body of `/`, so a client can tell which version answered. */
  name: string;
  /** `failing`: `/health` answers 500. */
  health: 'passing' | 'failing';
  /** The share `rate` of the requests on `paths` (default every path but `/health`) answer `status`. */
  errors?: { rate: number; paths?: readonly string[] | undefined; status: number } | undefined;
  /** Wall ms added to every answer. */
  latencyMs?: number | undefined;
  /**
   * The database it serves `/orders` from (`app-tier.ts`); without one, `/orders` is not found and `/health` never
   * touches a database, as before apps had databases.
   */
  database?: AppDatabase | undefined;
  /**
   * `shallow`: `/health` answers 200 while the process is up; `deep`: it runs `SELECT 1` through the app's pool and
   * answers 503 when that fails, 504 when it takes longer than the database's timeout. @defaultValue 'shallow'
   */
  healthCheck?: 'shallow' | 'deep' | undefined;
}

export interface WorkloadOptions {
  host?: string;
  /** 0 picks a free port. @defaultValue 0 */
  port?: number;
  name?: string;
  clock?: Clock;
  /** The app version it serves; without one it is the default healthy service. */
  app?: WorkloadApp | undefined;
  /**
   * Runs `then` after `wallMs` wall ms and returns its cancel, for an app's latency (the region passes its scheduler's,
   * so its timers stop with the region). @defaultValue setTimeout
   */
  delay?: ((wallMs: number, then: () => void) => () => void) | undefined;
  /** The region's DNS server (`host:port`), through which an app with a database resolves its endpoint. */
  dnsServer?: (() => string | undefined) | undefined;
  /** The region's speed: a DNS TTL of `n` AWS seconds lasts `n / speed` wall seconds. @defaultValue 1 */
  speed?: number | undefined;
  /** What the network does to the app's database traffic, consulted before each connection and query (`OutboundRule`). */
  outbound?: OutboundRule | undefined;
  /**
   * What a request from `client` to `port` meets before the app sees it (the instance's impairments): `delayMs` wall
   * ms, then the answer, no answer (`hang`) or a 503. `clientPort` is the connection's other end.
   */
  inbound?: ((client: string, port: number, clientPort?: number) => { delayMs: number; fail?: 'hang' | 503 | undefined } | undefined) | undefined;
}

function timeoutDelay(wallMs: number, then: () => void): () => void {
  const timer = setTimeout(then, wallMs);
  return () => clearTimeout(timer);
}

/** Ports a workload asked for any port picks from: below the kernel's ephemeral range. */
const FIXED_PORTS = { from: 20_000, to: 32_000 };

/**
 * A small web service serving `/` and `/health` on a real socket, which can be taken down and brought back.
 * It records the instant of every transition on its clock, so a measurement can be checked against the truth.
 * The simulated region's instances serve this workload.
 */
export class Workload {
  readonly transitions: WorkloadTransition[] = [];
  readonly #host: string;
  readonly #name: string;
  readonly #clock: Clock;
  #port: number;
  #server: Server | undefined;
  readonly #app: WorkloadApp | undefined;
  readonly #delay: (wallMs: number, then: () => void) => () => void;
  readonly #inbound: WorkloadOptions['inbound'];
  #mode: OutageMode | null = null;
  #requests = 0;
  /** The app's client of its database, when its app has one. */
  readonly #tier: AppTier | undefined;
  /** Requests on the app's error paths so far: the n-th is an error when ⌊n·rate⌋ passes an integer, spreading them evenly. */
  #errorPathRequests = 0;

  constructor(options: WorkloadOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#name = options.name ?? 'workload';
    this.#clock = options.clock ?? systemClock;
    this.#app = options.app;
    this.#delay = options.delay ?? timeoutDelay;
    const database = options.app?.database;
    this.#tier =
      database === undefined
        ? undefined
        : new AppTier({
            database,
            dnsServer: options.dnsServer ?? (() => undefined),
            speed: options.speed ?? 1,
            clock: this.#clock,
            delay: this.#delay,
            outbound: options.outbound,
          });
    this.#inbound = options.inbound;
  }

  /** The app version it serves, if one was declared for its image. */
  get app(): WorkloadApp | undefined {
    return this.#app;
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#host;
  }

  get isUp(): boolean {
    return this.#mode === null && this.#server !== undefined;
  }

  get requests(): number {
    return this.#requests;
  }

  /**
   * False while the network drops the workload's packets (`blackhole`). Loopback cannot drop a SYN, so a client that
   * must tell a connect timeout from an idle one (the load balancer) asks here before it connects.
   */
  get reachable(): boolean {
    return this.#mode !== 'blackhole';
  }

  /** Warms the app's database client (its pool and table), when its app has a database. */
  warm(): Promise<void> {
    return this.#tier?.warm() ?? Promise.resolve();
  }

  /** Starts serving (again, after `close`). */
  async start(): Promise<this> {
    if (this.#server !== undefined) return this;
    this.#mode = null;
    this.#tier?.start();
    await this.#listen();
    this.transitions.push({ at: this.#clock.now(), up: true });
    return this;
  }

  /** Takes the service down now; resolves once it no longer serves. */
  async down(mode: OutageMode = 'refuse'): Promise<void> {
    if (this.#mode !== null) return;
    this.#mode = mode;
    if (mode === 'refuse') {
      // The process exits: its connections and the address it resolved go with it.
      this.#tier?.stop();
      const server = this.#server;
      this.#server = undefined;
      if (server !== undefined) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        this.transitions.push({ at: this.#clock.now(), up: false, mode });
        await closed;
        return;
      }
    }
    this.transitions.push({ at: this.#clock.now(), up: false, mode });
  }

  /** Brings the service back on the same port. */
  async up(): Promise<void> {
    if (this.#mode === null) return;
    const mode = this.#mode;
    if (mode === 'refuse' && this.#server === undefined) {
      this.#tier?.start();
      await this.#listen();
    }
    this.#mode = null;
    this.transitions.push({ at: this.#clock.now(), up: true });
  }

  async close(): Promise<void> {
    this.#tier?.stop();
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #listen(): Promise<void> {
    if (this.#port !== 0) return this.#listenOn(this.#port);
    // Asked for any port: one below Linux's ephemeral range (32768–60999 by default), tried at random. A port the kernel
    // hands out may be given to an outgoing connection while the service is down for an outage, and its restart on the
    // same port would then fail with EADDRINUSE; no outgoing connection takes a port below the range.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#listenOn(FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw error;
      }
    }
  }

  #listenOn(port: number): Promise<void> {
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.#handle(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        this.#port = (server.address() as AddressInfo).port;
        this.#server = server;
        resolve();
      });
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse, impaired = false): void {
    const effect = impaired || this.#mode !== null ? undefined : this.#inbound?.(req.socket.remoteAddress ?? '', this.#port, req.socket.remotePort);
    if (effect !== undefined) return this.#impaired(effect, req, res);
    this.#requests++;
    if (this.#mode === 'hang' || this.#mode === 'blackhole') return;
    if (this.#mode === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const app = this.#app;
    if (app === undefined) return this.#answer(res, path);
    const tier = this.#tier;
    const answer = (): void => {
      if (res.destroyed || res.writableEnded) return;
      if (this.#isError(app, path)) {
        const status = app.errors?.status ?? 500;
        res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify({ service: this.#name, app: app.name, status: 'error' })}\n`);
      } else if (path === '/health' && app.health === 'failing') res.writeHead(500, { 'content-type': 'text/plain' }).end('unhealthy\n');
      else if (tier !== undefined && path === '/health' && app.healthCheck === 'deep') void tier.health().then((a) => this.#answerTier(res, app, a));
      else if (tier?.serves(path)) void tier.orders(req, path).then((a) => this.#answerTier(res, app, a));
      else this.#answer(res, path, app.name);
    };
    const latency = app.latencyMs ?? 0;
    if (latency <= 0) return answer();
    res.on('close', this.#atLeast(latency, answer));
  }

  /** A request under the instance's impairments: never answered, or answered (503, or served) after their delay. */
  #impaired(effect: { delayMs: number; fail?: 'hang' | 503 | undefined }, req: IncomingMessage, res: ServerResponse): void {
    if (effect.fail === 'hang') return;
    const answer = (): void => {
      if (res.destroyed || res.writableEnded) return;
      if (effect.fail === 503) res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
      else this.#handle(req, res, true);
    };
    if (effect.delayMs <= 0) return answer();
    res.on('close', this.#atLeast(effect.delayMs, answer));
  }

  /**
   * Runs `then` no sooner than `wallMs` from now, and returns its cancel. A Node timer counts from the event loop's
   * cached time, which can be a millisecond or two behind when it is set late in a busy turn, so it may fire that much
   * early: the rest is waited again, and an added latency is never shorter than the one asked.
   */
  #atLeast(wallMs: number, then: () => void): () => void {
    const due = performance.now() + wallMs;
    let cancel = (): void => undefined;
    const fire = (): void => {
      const left = due - performance.now();
      if (left > 0) cancel = this.#delay(left, fire);
      else then();
    };
    cancel = this.#delay(wallMs, fire);
    return () => cancel();
  }

  /** Whether this request on `path` is one of the app's errors: deterministic by the count of requests on its error paths. */
  #isError(app: WorkloadApp, path: string): boolean {
    const errors = app.errors;
    if (errors === undefined || errors.rate <= 0) return false;
    if (errors.paths === undefined ? path === '/health' : !errors.paths.includes(path)) return false;
    const n = ++this.#errorPathRequests;
    return Math.floor(n * errors.rate) > Math.floor((n - 1) * errors.rate);
  }

  /** An answer of the app's database tier, as JSON naming the instance and the app. */
  #answerTier(res: ServerResponse, app: WorkloadApp, answer: TierAnswer): void {
    if (res.destroyed || res.writableEnded) return;
    const body = { service: this.#name, app: app.name, ...answer.body };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  }

  /** The healthy service's answer; `/` names the app when one is declared. */
  #answer(res: ServerResponse, path: string, app?: string): void {
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/') {
      const body = app === undefined ? `{"service":"${this.#name}","status":"ok"}` : JSON.stringify({ service: this.#name, app, status: 'ok' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${body}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

/**
 * An HTTP control endpoint for a workload, on its own port so it answers while the workload is down:
 * `POST /outage?for=5s&mode=refuse`, `POST /down`, `POST /up`, `GET /transitions`.
 */
export async function serveWorkloadControl(workload: Workload, host = '127.0.0.1', port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const modeParam = url.searchParams.get('mode') ?? 'refuse';
    if (modeParam !== 'refuse' && modeParam !== 'error' && modeParam !== 'hang' && modeParam !== 'blackhole') {
      return reply(400, { message: `unknown mode '${modeParam}': use refuse, error, hang or blackhole` });
    }
    const mode: OutageMode = modeParam;
    if (req.method === 'GET' && url.pathname === '/transitions') return reply(200, { transitions: workload.transitions });
    if (req.method !== 'POST') return reply(405, { message: 'use POST' });
    if (url.pathname === '/down') return void workload.down(mode).then(() => reply(200, { up: false }));
    if (url.pathname === '/up') return void workload.up().then(() => reply(200, { up: true }));
    if (url.pathname === '/outage') {
      const parsed = simDurationMs(url.searchParams.get('for') ?? '');
      if (!('ms' in parsed)) return reply(400, { message: parsed.reason });
      return void workload.down(mode).then(() => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          void workload.up();
        }, parsed.ms);
        timers.add(timer);
        reply(200, { up: false, backInMs: parsed.ms });
      });
    }
    return reply(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
