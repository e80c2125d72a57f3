import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { type CommittedUnit, createStore, SharedSession, type SessionRole } from './postgres-engine.js';

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
  /** Followers that asked before the store existed: they follow it from its creation. */
  readonly #pendingFollowers = new Set<(unit: CommittedUnit) => void>();
  /**
   * Followers' own store starts, awaited when this store is created: a replica's store exists before the first unit of
   * work commits, so the seconds an embedded engine takes to start never pass for replication lag.
   */
  readonly #followerStores = new Map<(unit: CommittedUnit) => void, () => Promise<void>>();
  readonly #unfollows = new Map<(unit: CommittedUnit) => void, () => void>();
  #serving = false;
  #stopped = false;
  /** The role of the main address's connections: a read replica's writer node only reads until it is promoted. */
  #role: SessionRole = 'read-write';

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

  /** Whether the endpoint serves clients now. */
  get serving(): boolean {
    return this.#serving;
  }

  /** Sets the role of connections to the main address from the next `serve` on (a read replica, or its promotion). */
  set role(role: SessionRole) {
    this.#role = role;
  }

  /**
   * Follows this store as a read replica: `follower` gets every read-write unit of work completed from now on. Resolves
   * with the data the replica starts from: a copy of the store, or `undefined` while none was created (the replica then
   * starts empty, as this store will).
   */
  async follow(follower: (unit: CommittedUnit) => void, followerStore?: () => Promise<void>): Promise<{ snapshot: Blob | undefined; unfollow: () => void }> {
    if (this.#engine === undefined) {
      this.#pendingFollowers.add(follower);
      if (followerStore !== undefined) this.#followerStores.set(follower, followerStore);
      return { snapshot: undefined, unfollow: () => this.#unfollow(follower) };
    }
    const { session } = await this.#engine;
    const { snapshot, unfollow } = await session.follow(follower);
    return { snapshot, unfollow };
  }

  /**
   * A read replica's start: creates the store now from `snapshot`, unless it exists already. Without a snapshot the
   * store is created empty when first needed, as its source's was.
   */
  seed(snapshot: Blob | undefined): void {
    if (snapshot !== undefined && this.#engine === undefined) void this.#store(snapshot);
  }

  /** Creates the store now if no client has yet (a replica's, when its source's store starts). */
  async warm(): Promise<void> {
    await this.#store();
  }

  /** Replays a source's unit of work on this store, creating the store if no client has yet. */
  async apply(unit: CommittedUnit): Promise<void> {
    const { session } = await this.#store();
    await session.apply(unit);
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
    await this.#listen(host, this.#role);
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

  #unfollow(follower: (unit: CommittedUnit) => void): void {
    this.#pendingFollowers.delete(follower);
    this.#followerStores.delete(follower);
    this.#unfollows.get(follower)?.();
    this.#unfollows.delete(follower);
  }

  /** The store, created once however many clients connect at once. */
  #store(from?: Blob): Promise<Engine> {
    if (this.#engine === undefined) {
      this.#state = 'starting';
      const engine = createStore(from).then(async (db) => {
        const session = new SharedSession(db);
        for (const follower of this.#pendingFollowers) {
          // Followed from the store's creation: the replica starts empty too, so no copy is needed.
          const { unfollow } = await session.follow(follower, { snapshot: false });
          this.#unfollows.set(follower, unfollow);
        }
        const stores = [...this.#pendingFollowers].flatMap((f) => this.#followerStores.get(f) ?? []);
        this.#pendingFollowers.clear();
        this.#followerStores.clear();
        await Promise.all(stores.map((start) => start()));
        return { db, session };
      });
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
