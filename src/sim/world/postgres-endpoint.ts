import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { createStore, SharedSession, type SessionRole } from './postgres-engine.js';

/** Whether an endpoint's store exists: none is created until the first client connects. */
export type EngineState = 'idle' | 'starting' | 'started';

/** Connections one node accepts at once, as a small RDS instance class's `max_connections` would bound them. */
const MAX_CONNECTIONS = 32;

interface Engine {
  readonly db: PGlite;
  readonly session: SharedSession;
}

/**
 * A PostgreSQL-protocol endpoint backed by one embedded store (PGlite) that outlives interruptions: `refuse` drops
 * every connection and stops listening, `serve(host)` listens again, on the address of whichever node now serves,
 * with the same data. An RDS instance and a Multi-AZ DB cluster each own one; its DNS name points at `host`. A cluster's
 * readers (`withReaders`) serve the same store read-only on their own addresses.
 *
 * The endpoint listens from the start, as a database's port answers on AWS, but creates its store only when the first
 * client connects: a twin of an account has tens of databases, an experiment touches one or two, and each store costs
 * tens of MB and seconds to start.
 */
export class PostgresEndpoint {
  readonly port: number;
  #host: string;
  #readerHosts: () => readonly string[] = () => [];
  #engine: Promise<Engine> | undefined;
  #state: EngineState = 'idle';
  readonly #listeners = new Map<string, Server>();
  readonly #sockets = new Set<Socket>();
  #serving = false;
  #stopped = false;

  constructor(host: string, port: number) {
    this.#host = host;
    this.port = port;
  }

  /** Address of the node that serves (or served last, while refusing). */
  get host(): string {
    return this.#host;
  }

  /** Whether the store has been created (`started`), is being created, or was never needed (`idle`). */
  get engine(): EngineState {
    return this.#state;
  }

  /** Addresses of reader nodes, which serve the same store read-only whenever the endpoint serves. */
  withReaders(hosts: () => readonly string[]): void {
    this.#readerHosts = hosts;
  }

  /** Starts listening on the initial address; the store waits for a client. */
  async start(): Promise<void> {
    await this.serve(this.#host);
  }

  /** Listens (again) on `host`, and on the readers' addresses; a no-op once stopped or while already serving. */
  async serve(host: string): Promise<void> {
    if (this.#stopped || this.#serving) return;
    this.#serving = true;
    this.#host = host;
    await this.#listen(host, 'read-write');
    await this.readersChanged();
  }

  /** The set of readers changed (a failover, a zone): serve on exactly the current readers' addresses. */
  async readersChanged(): Promise<void> {
    if (!this.#serving) return;
    const wanted = new Set(this.#readerHosts().filter((h) => h !== this.#host));
    for (const [host, server] of this.#listeners) if (host !== this.#host && !wanted.has(host)) this.#close(host, server);
    for (const host of wanted) await this.#listen(host, 'read-only');
  }

  /** Drops open connections and refuses new ones until `serve`. */
  refuse(): void {
    this.#serving = false;
    for (const [host, server] of this.#listeners) this.#close(host, server);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.refuse();
    const engine = this.#engine;
    this.#engine = undefined;
    const db = await engine?.then((e) => e.db).catch(() => undefined);
    await db?.close().catch(() => undefined);
  }

  async #listen(host: string, role: SessionRole): Promise<void> {
    if (this.#listeners.has(host)) return;
    const server = createServer((socket) => this.#accept(socket, role, server));
    server.maxConnections = MAX_CONNECTIONS;
    this.#listeners.set(host, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  #close(host: string, server: Server): void {
    this.#listeners.delete(host);
    server.close();
    for (const s of this.#sockets) if (s.localAddress === host) s.destroy();
  }

  #accept(socket: Socket, role: SessionRole, server: Server): void {
    this.#sockets.add(socket);
    // Until a handler owns the socket its errors (a client giving up) must not crash the region.
    const drop = (): void => {
      this.#sockets.delete(socket);
    };
    socket.on('error', drop);
    socket.on('close', drop);
    // A TCP check that connects and leaves costs no store: the first bytes of a client (its startup message) do.
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      void this.#store().then(
        async (engine) => {
          // The node stopped serving while the store started: the connection was dropped with it.
          if (socket.destroyed || !server.listening) return void socket.destroy();
          const { PGLiteSocketHandler } = await import('@electric-sql/pglite-socket');
          // pglite-socket types the queue as its own class, which it does not export; ours has the same three methods.
          const queryQueue = engine.session.queue(role) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
          await new PGLiteSocketHandler({ queryQueue, closeOnDetach: true }).attach(socket);
          socket.resume();
        },
        () => socket.destroy(),
      );
    });
  }

  /** The store, created once however many clients connect at once. */
  #store(): Promise<Engine> {
    if (this.#engine === undefined) {
      this.#state = 'starting';
      const engine = createStore().then((db) => ({ db, session: new SharedSession(db) }));
      this.#engine = engine;
      engine.then(
        () => {
          this.#state = 'started';
        },
        () => {
          // The next client tries again.
          if (this.#engine === engine) this.#engine = undefined;
          this.#state = 'idle';
        },
      );
    }
    return this.#engine;
  }
}
