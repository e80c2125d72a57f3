import type { PGlite } from '@electric-sql/pglite';

/** How a connection may use the store: a writer's node reads and writes, a reader's (a Multi-AZ DB cluster reader) only reads. */
export type SessionRole = 'read-write' | 'read-only';

/**
 * The queue a `PGLiteSocketHandler` feeds its wire messages into (the shape of pglite-socket's own, which it does not
 * export): one per role, all over the one session of a store.
 */
export interface MessageQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/**
 * One completed read-write unit of work of a store (a transaction, an extended-query sequence through its Sync, or one
 * simple query): its frontend wire messages in order and the wall-clock instant it completed, which for a committed
 * transaction is its commit.
 */
export interface CommittedUnit {
  messages: Uint8Array[];
  committedAtMs: number;
}

interface Pending {
  handlerId: number;
  role: SessionRole;
  /** A wire message to run, or `undefined` for the end of a client that left: its open unit of work is closed. */
  message: Uint8Array | undefined;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
  /** Work that needs the session between units of work (a snapshot), run instead of a message. */
  task?: () => Promise<void>;
}

/** The handler id of the session's own work (replaying a source's units): pglite-socket numbers its handlers from 1. */
const REPLAY_HANDLER = 0;

/** Frontend message types that change or read data: the startup message, Terminate and the rest are not replayed. */
const REPLAYED = new Set(['Q', 'P', 'B', 'D', 'E', 'C', 'H', 'S', 'd', 'c', 'f', 'F']);

/** A simple query that only reads (or shows a setting), whose unit a replica need not replay. */
const READ_ONLY_QUERY = /^\s*(select|show)\b/i;

/** A Sync message: ends an extended-query sequence, and the "skip until Sync" state after an error in one. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * Message types after which the client's next message continues the same unit of work (an extended-query sequence
 * before its Sync, a COPY before its end): another client's message in between would take over its unnamed
 * statement or portal.
 */
const CONTINUED = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'd']);

/**
 * PGlite is one PostgreSQL backend in single-user mode, so every client of a store shares its one session. This queue
 * runs the clients' wire messages one at a time, keeps a client's transaction or extended-query sequence together
 * (no other client's message runs until it ends), and, between units of work, sets the session to the role of the
 * client whose turn it is: a reader's statements run in read-only transactions, so a write fails with SQLSTATE 25006
 * ("cannot execute INSERT in a read-only transaction"), as on a hot standby.
 */
export class SharedSession {
  readonly #db: PGlite;
  #queue: Pending[] = [];
  #processing = false;
  /** The client whose unit of work is open. */
  #pinned: number | undefined;
  /** The client whose message is running. */
  #running: number | undefined;
  /** The role the session was last set to by this queue. */
  #role: SessionRole = 'read-write';
  /** The messages of the read-write unit of work running now, captured while someone follows the store. */
  #unit: Uint8Array[] = [];
  readonly #followers = new Set<(unit: CommittedUnit) => void>();

  constructor(db: PGlite) {
    this.#db = db;
  }

  /**
   * Follows the store as a read replica does: resolves with a copy of its data directory taken between two units of
   * work (unless `snapshot` is false: a store followed from its creation needs none), and from that instant on hands `follower` every read-write unit of work that completes, in completion order.
   * The returned promise's `unfollow` stops it.
   */
  follow(
    follower: (unit: CommittedUnit) => void,
    options: { snapshot: boolean } = { snapshot: true },
  ): Promise<{ snapshot: Blob | undefined; unfollow: () => void }> {
    return new Promise((resolve, reject) => {
      const task = async (): Promise<void> => {
        const snapshot = options.snapshot ? await this.#db.dumpDataDir('none') : undefined;
        this.#followers.add(follower);
        resolve({ snapshot, unfollow: () => this.#followers.delete(follower) });
      };
      this.#queue.push({ handlerId: -1, role: 'read-write', message: undefined, onData: () => undefined, resolve: () => undefined, reject, task });
      void this.#process();
    });
  }

  /** Replays a source's unit of work on this store, in read-write role whatever role its clients have; its replies are dropped. */
  apply(unit: CommittedUnit): Promise<void> {
    const runs = unit.messages.map(
      (message) =>
        new Promise<number>((resolve, reject) => {
          this.#queue.push({ handlerId: REPLAY_HANDLER, role: 'read-write', message, onData: () => undefined, resolve, reject });
        }),
    );
    void this.#process();
    return Promise.all(runs).then(() => undefined);
  }

  /** The queue for connections of one role, to give a `PGLiteSocketHandler`. */
  queue(role: SessionRole): MessageQueue {
    return {
      enqueue: (handlerId, message, onData) =>
        new Promise<number>((resolve, reject) => {
          this.#queue.push({ handlerId, role, message, onData, resolve, reject });
          void this.#process();
        }),
      clearQueueForHandler: (handlerId) => {
        this.#queue = this.#queue.filter((p) => {
          if (p.handlerId !== handlerId) return true;
          p.reject(new Error('The client disconnected.'));
          return false;
        });
      },
      // Queued behind the client's message in flight, if any, so that it ends the unit of work that message left open.
      clearTransactionIfNeeded: (handlerId) =>
        new Promise<void>((resolve, reject) => {
          if (this.#pinned !== handlerId && this.#running !== handlerId) return resolve();
          this.#queue.push({ handlerId, role, message: undefined, onData: () => undefined, resolve: () => resolve(), reject });
          void this.#process();
        }),
    };
  }

  async #process(): Promise<void> {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (;;) {
        const at = this.#pinned === undefined ? 0 : this.#queue.findIndex((p) => p.handlerId === this.#pinned);
        const next = at < 0 ? undefined : this.#queue[at];
        if (next === undefined) return;
        this.#queue.splice(at, 1);
        this.#running = next.handlerId;
        await this.#run(next);
        this.#running = undefined;
      }
    } finally {
      this.#processing = false;
    }
  }

  async #run(p: Pending): Promise<void> {
    if (p.task !== undefined) return p.task().catch((error: unknown) => p.reject(error instanceof Error ? error : new Error(String(error))));
    if (p.message === undefined) return this.#end(p);
    const message = p.message;
    let bytes = 0;
    try {
      // A reader's mode is set again before each of its units of work: its own SET cannot make it a writer.
      if (this.#pinned === undefined && (p.role === 'read-only' || this.#role !== p.role)) {
        await this.#db.exec(`SET SESSION CHARACTERISTICS AS TRANSACTION ${p.role === 'read-only' ? 'READ ONLY' : 'READ WRITE'}`);
        this.#role = p.role;
      }
      await this.#db.runExclusive(() =>
        this.#db.execProtocolRawStream(message, {
          onRawData: (data) => {
            bytes += data.length;
            p.onData(data);
          },
        }),
      );
    } catch (error) {
      p.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const type = String.fromCharCode(message[0] ?? 0);
    this.#pinned = this.#db.isInTransaction() || CONTINUED.has(type) ? p.handlerId : undefined;
    if (p.role === 'read-write') this.#capture(type, message);
    p.resolve(bytes);
  }

  /** Keeps a read-write unit's messages while it runs, and hands the followers the unit when it completes. */
  #capture(type: string, message: Uint8Array): void {
    if (this.#followers.size === 0) {
      this.#unit = [];
      return;
    }
    if (REPLAYED.has(type)) this.#unit.push(message);
    if (this.#pinned !== undefined) return;
    const messages = this.#unit;
    this.#unit = [];
    if (messages.length === 0 || (messages.length === 1 && type === 'Q' && READ_ONLY_QUERY.test(queryText(message)))) return;
    const unit = { messages, committedAtMs: Date.now() };
    for (const f of this.#followers) f(unit);
  }

  /** A client left in the middle of its unit of work: end it, so the next client starts from a clean session. */
  async #end(p: Pending): Promise<void> {
    if (this.#pinned !== p.handlerId) return p.resolve(0);
    this.#unit = [];
    try {
      await this.#db.runExclusive(() => this.#db.execProtocolRaw(SYNC));
      if (this.#db.isInTransaction()) await this.#db.exec('ROLLBACK');
      p.resolve(0);
    } catch (error) {
      p.reject(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#pinned = undefined;
    }
  }
}

/** The SQL text of a simple Query message ('Q', length, text, NUL). */
function queryText(message: Uint8Array): string {
  return Buffer.from(message.subarray(5, Math.max(5, message.length - 1))).toString('utf8');
}

/** Settings of every store: PostgreSQL's default 128 MB of shared buffers is most of an idle PGlite's memory. */
const SHARED_BUFFERS = '8MB';

/** The data directory of a freshly initialised cluster, taken from the process's first store, so later ones skip initdb. */
let template: Promise<Blob> | undefined;

/**
 * Creates an empty store, or one holding the data directory `from`. The first runs initdb; each later one loads a copy of the first's data directory as it was
 * before any client used it, which is several times faster.
 */
export async function createStore(from?: Blob): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];
  // A read replica starts from a copy of its source's data.
  if (from !== undefined) return PGlite.create({ startParams, loadDataDir: from });
  const pending = template;
  if (pending !== undefined) {
    const loadDataDir = await pending.catch(() => undefined);
    if (loadDataDir !== undefined) return PGlite.create({ startParams, loadDataDir });
  }
  const first = PGlite.create({ startParams });
  const dumped = first.then((db) => db.dumpDataDir('none'));
  template = dumped;
  // A store that could not be copied still serves; the next store runs initdb again.
  dumped.catch(() => {
    if (template === dumped) template = undefined;
  });
  const db = await first;
  await dumped.catch(() => undefined);
  return db;
}
