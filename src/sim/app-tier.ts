import { Resolver } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../core/clock.js';

/**
 * How an app version reaches its database (the topology's `apps[].database`, with the endpoint the region declared
 * for its `id`): the client side of a three-tier application, whose choices decide whether an RDS failover reaches
 * its users.
 */
export interface AppDatabase {
  /** The endpoint's DNS name (an RDS endpoint), resolved through the region's DNS server. */
  endpoint: string;
  port: number;
  /**
   * `ttl`: the name is resolved again once the answer's TTL (AWS seconds, scaled by the region's speed) has passed;
   * `forever`: it is resolved once, at first use, and the address kept for the life of the process, as a JVM with
   * `networkaddress.cache.ttl=-1` does (https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/jvm-ttl-dns.html).
   */
  dns: 'ttl' | 'forever';
  /** Most connections open at once; a request waits for a free one (within its timeout). */
  pool: number;
  /** Attempts after the first, per query, on a connection error, each on a new connection. */
  retries: number;
  /** Wall ms one attempt (address, connection and query) may take before the answer is 504. */
  timeoutMs: number;
}

/**
 * What the network does to a connection or query from the app to `address:port`: delay it by `delayMs` wall ms, or
 * lose it (`drop`: it fails as a lost connection). Undefined: nothing. Consulted before each attempt.
 */
export type OutboundRule = (address: string, port: number) => { delayMs: number; drop: boolean } | undefined;

export interface AppTierOptions {
  database: AppDatabase;
  /** The region's DNS server (`host:port`), once it listens. */
  dnsServer: () => string | undefined;
  /** The region's speed: a TTL of `n` AWS seconds lasts `n / speed` wall seconds. */
  speed: number;
  clock: Clock;
  /** Runs `then` after `wallMs` wall ms; returns its cancel. */
  delay: (wallMs: number, then: () => void) => () => void;
  outbound?: OutboundRule | undefined;
}

/** An app tier's answer to one request. */
export interface TierAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A database call that failed (`failed`: 503) or ran out of time (`timeout`: 504). */
class DatabaseUnavailable extends Error {
  readonly kind: 'failed' | 'timeout';
  readonly connection: boolean;
  constructor(kind: 'failed' | 'timeout', message: string, connection = false) {
    super(message);
    this.kind = kind;
    this.connection = connection;
  }
}

const ORDER_PATH = /^\/orders\/(\d{1,9})$/;
const MAX_BODY = 64 * 1024;

/**
 * The application and data tiers' client: `/orders` reads and writes orders in the database through a small pool,
 * resolving the endpoint's name as its `dns` setting says, and a deep `/health` runs `SELECT 1` through the same pool.
 * The pool and the address it holds live as long as the process: `stop` (the process exits) forgets both.
 */
export class AppTier {
  readonly #db: AppDatabase;
  readonly #options: AppTierOptions;
  #resolver: Resolver | undefined;
  #resolved: { address: string; expiresAt: number } | undefined;
  #resolving: Promise<string> | undefined;
  #pool: { address: string; pool: Pool } | undefined;
  #table: Promise<void> | undefined;
  #running = true;

  constructor(options: AppTierOptions) {
    this.#db = options.database;
    this.#options = options;
  }

  /** Whether `path` is the tier's: `/orders` and `/orders/<id>`. */
  serves(path: string): boolean {
    return path === '/orders' || path.startsWith('/orders/');
  }

  /** Answers `/orders` (GET: the count and the latest ten; POST: a new order) and `GET /orders/<id>`. */
  async orders(req: IncomingMessage, path: string): Promise<TierAnswer> {
    const method = req.method ?? 'GET';
    try {
      if (path === '/orders' && method === 'POST') {
        const item = await readJson(req);
        if (item === undefined) return { status: 400, body: { message: 'The body of POST /orders must be JSON (or empty).' } };
        await this.#ensureTable();
        const [row] = await this.#query<{ id: number }>('INSERT INTO orders (item) VALUES ($1::jsonb) RETURNING id', [JSON.stringify(item)]);
        return { status: 201, body: { id: row?.id } };
      }
      if (method !== 'GET') return { status: 405, body: { message: `Use GET or POST on /orders, not ${method}.` } };
      if (path === '/orders') {
        await this.#ensureTable();
        const [row] = await this.#query<{ count: number; latest: unknown[] }>(
          "SELECT (SELECT count(*)::int FROM orders) AS count, coalesce((SELECT json_agg(o) FROM (SELECT id, item, created_at FROM orders ORDER BY id DESC LIMIT 10) o), '[]'::json) AS latest",
        );
        return { status: 200, body: { count: row?.count ?? 0, latest: row?.latest ?? [] } };
      }
      const id = ORDER_PATH.exec(path)?.[1];
      if (id === undefined) return { status: 404, body: { message: `No order at ${path}.` } };
      await this.#ensureTable();
      const [order] = await this.#query<Record<string, unknown>>('SELECT id, item, created_at FROM orders WHERE id = $1', [Number(id)]);
      return order === undefined ? { status: 404, body: { message: `Order ${id} does not exist.` } } : { status: 200, body: order };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** A deep health check: `SELECT 1` through the pool; 503 when it fails, 504 when it takes longer than the timeout. */
  async health(): Promise<TierAnswer> {
    try {
      await this.#query('SELECT 1');
      return { status: 200, body: { status: 'ok' } };
    } catch (error) {
      return unavailable(error);
    }
  }

  /**
   * Opens the app's pool and creates its table now rather than at the first user request, as a running app has: the
   * first use loads the PostgreSQL client and starts a connection, wall time that a sped-up region turns into minutes
   * of AWS time. A failure is left for the first request to meet again.
   */
  async warm(): Promise<void> {
    await this.#ensureTable().catch(() => undefined);
  }

  /** The process starts (again): it resolves and connects anew at first use. */
  start(): void {
    this.#running = true;
  }

  /** The process exits: its connections close, and the address and pool it held are forgotten. */
  stop(): void {
    this.#running = false;
    this.#resolver?.cancel();
    this.#resolver = undefined;
    this.#resolved = undefined;
    this.#resolving = undefined;
    this.#table = undefined;
    this.#endPool();
  }

  #endPool(): void {
    const held = this.#pool;
    this.#pool = undefined;
    held?.pool.end().catch(() => undefined);
  }

  /** Creates the orders table on first use, once per process (again after a failure). */
  #ensureTable(): Promise<void> {
    this.#table ??= this.#query(
      "CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now())",
    ).then(
      () => undefined,
      (error: unknown) => {
        this.#table = undefined;
        throw error;
      },
    );
    return this.#table;
  }

  /** Runs one query, again on a new connection after a connection error, up to `retries` times. */
  async #query<T>(text: string, values?: unknown[]): Promise<T[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt<T>(text, values);
      } catch (error) {
        if (!(error instanceof DatabaseUnavailable && error.connection) || attempt >= this.#db.retries) throw error;
      }
    }
  }

  /** One attempt within the timeout: the address, a connection from the pool (a new one if none is idle), the query. */
  #attempt<T>(text: string, values: unknown[] | undefined): Promise<T[]> {
    const { timeoutMs, port } = this.#db;
    return new Promise<T[]>((resolve, reject) => {
      let settled = false;
      let client: PoolClient | undefined;
      // A connection that failed or timed out is closed, not returned to the pool, so the next attempt opens a new one.
      const discard = (): void => {
        client?.release(true);
        client = undefined;
      };
      const cancel = this.#options.delay(timeoutMs, () => {
        if (settled) return;
        settled = true;
        discard();
        reject(new DatabaseUnavailable('timeout', `the database did not answer within ${timeoutMs} ms`));
      });
      const work = async (): Promise<T[]> => {
        const address = await this.#address();
        const rule = this.#options.outbound?.(address, port);
        if (rule?.drop === true) throw new DatabaseUnavailable('failed', 'the connection to the database was lost', true);
        if (rule !== undefined && rule.delayMs > 0) await new Promise<void>((done) => this.#options.delay(rule.delayMs, done));
        if (settled) return [];
        const pool = await this.#poolAt(address);
        const connected = await pool.connect();
        if (settled) {
          connected.release(true);
          return [];
        }
        client = connected;
        const result = await connected.query(text, values);
        client = undefined;
        connected.release();
        return result.rows as T[];
      };
      work().then(
        (rows) => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(rows);
        },
        (error: unknown) => {
          discard();
          if (settled) return;
          settled = true;
          cancel();
          reject(asUnavailable(error));
        },
      );
    });
  }

  /** The endpoint's address: resolved at first use, then again once the TTL has passed (`ttl`) or never (`forever`). */
  #address(): Promise<string> {
    const held = this.#resolved;
    if (held !== undefined && (this.#db.dns === 'forever' || this.#options.clock.now() < held.expiresAt)) return Promise.resolve(held.address);
    this.#resolving ??= this.#resolve().finally(() => {
      this.#resolving = undefined;
    });
    return this.#resolving;
  }

  async #resolve(): Promise<string> {
    const server = this.#options.dnsServer();
    if (server === undefined) throw new DatabaseUnavailable('failed', 'no DNS server answers yet', true);
    if (this.#resolver === undefined) {
      this.#resolver = new Resolver({ timeout: Math.max(100, this.#db.timeoutMs), tries: 1 });
      this.#resolver.setServers([server]);
    }
    let answers: { address: string; ttl: number }[];
    try {
      answers = await this.#resolver.resolve4(this.#db.endpoint, { ttl: true });
    } catch (error) {
      throw new DatabaseUnavailable('failed', `${this.#db.endpoint} did not resolve (${(error as { code?: string }).code ?? String(error)})`, true);
    }
    const [first] = answers;
    if (first === undefined) throw new DatabaseUnavailable('failed', `${this.#db.endpoint} has no address`, true);
    this.#resolved = { address: first.address, expiresAt: this.#options.clock.now() + (first.ttl * 1000) / this.#options.speed };
    return first.address;
  }

  /** The pool to `address`; a new address (the name now answers another node) replaces the pool. */
  async #poolAt(address: string): Promise<Pool> {
    if (this.#pool?.address === address) return this.#pool.pool;
    const { default: pg } = await import('pg');
    if (!this.#running) throw new DatabaseUnavailable('failed', 'the process has exited');
    if (this.#pool?.address === address) return this.#pool.pool;
    this.#endPool();
    const pool = new pg.Pool({
      host: address,
      port: this.#db.port,
      user: 'postgres',
      database: 'postgres',
      max: this.#db.pool,
      connectionTimeoutMillis: this.#db.timeoutMs,
      allowExitOnIdle: true,
    });
    // A connection whose server vanished emits 'error', idle (to the pool) or in use (to the client, besides failing
    // its query); the query reports it, and the next one opens a new connection.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    this.#pool = { address, pool };
    return pool;
  }
}

/**
 * Whether an error means the connection, not the query, failed: socket errors and pg's own connection errors carry
 * no SQLSTATE, and classes 08 (connection exception) and 57P (operator intervention, a server shutting down) do.
 */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || code.startsWith('57P');
}

function asUnavailable(error: unknown): DatabaseUnavailable {
  if (error instanceof DatabaseUnavailable) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : code || String(error);
  if (/timeout/i.test(message)) return new DatabaseUnavailable('timeout', message, false);
  return new DatabaseUnavailable('failed', code === '' || message.includes(code) ? message : `${message} (${code})`, isConnectionError(error));
}

function unavailable(error: unknown): TierAnswer {
  const e = asUnavailable(error);
  return e.kind === 'timeout'
    ? { status: 504, body: { status: 'error', error: `database timeout: ${e.message}` } }
    : { status: 503, body: { status: 'error', error: `database unavailable: ${e.message}` } };
}

/** The request's body as JSON: `{}` when empty, undefined when it is not JSON or too long. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('error', () => resolve(undefined));
    req.on('end', () => {
      if (size > MAX_BODY) return resolve(undefined);
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(undefined);
      }
    });
  });
}
