import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * A PostgreSQL-protocol endpoint on its own loopback address, backed by one embedded store (PGlite) that outlives
 * interruptions: `refuse` drops every connection and stops listening, `serve` listens again on the same address with
 * the same data. An RDS instance and a Multi-AZ DB cluster each own one.
 */
export class PostgresEndpoint {
  readonly host: string;
  readonly port: number;
  #db: PGlite | undefined;
  #server: PGLiteSocketServer | undefined;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  /** postgres:// URL of the endpoint. */
  get url(): string {
    return `postgres://postgres@${this.host}:${this.port}/postgres`;
  }

  /** Creates the store and starts serving. */
  async start(): Promise<void> {
    const { PGlite } = await import('@electric-sql/pglite');
    this.#db = await PGlite.create();
    await this.serve();
  }

  /** Listens (again); a no-op once stopped. */
  async serve(): Promise<void> {
    const db = this.#db;
    if (db === undefined || this.#server !== undefined) return;
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    // PGlite is one connection; the server multiplexes clients (probes, the application, a read-back) over it.
    this.#server = new PGLiteSocketServer({ db, host: this.host, port: this.port, maxConnections: 32 });
    await this.#server.start();
  }

  /** Drops open connections and refuses new ones until `serve`. */
  refuse(): void {
    void this.#server?.stop();
    this.#server = undefined;
  }

  async stop(): Promise<void> {
    await this.#server?.stop().catch(() => undefined);
    this.#server = undefined;
    const db = this.#db;
    this.#db = undefined;
    await db?.close().catch(() => undefined);
  }
}
