import type { Client, ClientConfig } from 'pg';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { duration } from '../../experiment/fields.js';
import { dnsServerArg, TtlResolver } from '../dns/ttl-resolver.js';

/** How a SQL probe reaches PostgreSQL: a URL, plus an optional password kept out of it (or PGPASSWORD). */
export const connectionArgs = {
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^/]+/, { error: 'expected a PostgreSQL URL such as postgres://user@host:5432/db' })
    .meta({ description: 'postgres://user@host:port/database; the password may come from `password` or PGPASSWORD.' }),
  password: z.string().optional(),
  timeout: duration().default(2_000),
  resolver: dnsServerArg.optional().meta({
    description:
      "DNS server (host:port) to resolve the URL's host through, honouring TTLs (an RDS endpoint follows its primary); samples record the address that served.",
  }),
};

export interface ConnectionArgs {
  url: string;
  password?: string | undefined;
  timeout: number;
  resolver?: string | undefined;
}

/** A connection and the address it reached, when the host was resolved through a `resolver`. */
export interface Connection {
  client: Client;
  address: string | undefined;
}

/**
 * Wall time a probe's first connection may take to be ready, whatever its `timeout`: loading the client and a cold
 * server's first session (the simulated region starts a database's engine when its first client arrives) are a cold
 * start, not an outage. Later connections, and every query, keep the probe's own timeout.
 */
export const FIRST_CONNECTION_TIMEOUT_MS = 30_000;

/**
 * Opens connections for one probe. With a `resolver`, each new connection goes to the address the URL's host resolves
 * to at that moment (kept for its TTL, scaled by the world's speed, on `clock`), as a client library would.
 */
export function connector(a: ConnectionArgs, speed = 1, clock?: Clock): { open(): Promise<Connection>; close(): void } {
  const dns = a.resolver === undefined ? undefined : new TtlResolver(a.resolver, { timeoutMs: a.timeout, speed, ...(clock === undefined ? {} : { clock }) });
  let connected = false;
  const ready = async (args: ConnectionArgs): Promise<Client> => {
    const client = await connect(args, connected ? args.timeout : Math.max(args.timeout, FIRST_CONNECTION_TIMEOUT_MS));
    connected = true;
    return client;
  };
  return {
    async open() {
      if (dns === undefined) return { client: await ready(a), address: undefined };
      const url = new URL(a.url);
      const address = await dns.address(url.hostname);
      url.hostname = address;
      return { client: await ready({ ...a, url: url.toString() }), address };
    },
    close: () => dns?.close(),
  };
}

/** Opens a new connection; pg is loaded on first use. Fails within `connectTimeout` (default: the timeout). */
export async function connect(a: ConnectionArgs, connectTimeout = a.timeout): Promise<Client> {
  const { default: pg } = await import('pg');
  const config: ClientConfig = {
    connectionString: a.url,
    connectionTimeoutMillis: connectTimeout,
    query_timeout: a.timeout,
    statement_timeout: a.timeout,
  };
  if (a.password !== undefined) config.password = a.password;
  const client = new pg.Client(config);
  // A server that vanishes emits 'error' on an idle client; the next query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    drop(client);
    throw error;
  }
  return client;
}

/** Abandons a connection without waiting for a server that may be gone. */
export function drop(client: Client | undefined): void {
  if (client === undefined) return;
  client.end().catch(() => undefined);
}

/** A pg or socket error as the short phrase a probe records. */
export function sqlErrorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (/timeout/i.test(message)) return `timed out (${message})`;
  return code !== '' && /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : message;
}
