import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * A PostgreSQL-protocol endpoint backed by one embedded store (PGlite) that outlives interruptions: `refuse` drops
 * every connection and stops listening, `serve(host)` listens again, on the address of whichever node now serves,
 * with the same data. An RDS instance and a Multi-AZ DB cluster each own one; its DNS name points at `host`.
 */
export class PostgresEndpoint {
  readonly port: number;
  #host: string;
  #db: PGlite | undefined;
  #server: PGLiteSocketServer | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.port = port;
  }

  /** Address of the node that serves (or served last, while refusing). */
  get host(): string {
    return this.#host;
  }

  /** Creates the store and starts serving on the initial address. */
  async start(): Promise<void> {
    const { PGlite } = await import('@electric-sql/pglite');
    this.#db = await PGlite.create();
    await this.serve(this.#host);
  }

  /** Listens (again) on `host`; a no-op once stopped or while already serving. */
  async serve(host: string): Promise<void> {
    const db = this.#db;
    if (db === undefined || this.#server !== undefined) return;
    this.#host = host;
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    // PGlite is one connection; the server multiplexes clients (probes, the application, a read-back) over it.
    this.#server = new PGLiteSocketServer({ db, host, port: this.port, maxConnections: 32 });
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
