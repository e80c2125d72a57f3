import type { SimScheduler } from '../timing.js';
import type { CommittedUnit } from './postgres-engine.js';
import type { PostgresEndpoint } from './postgres-endpoint.js';

/** One unit of work the replica has received but not applied: it applies at `dueAtMs` (wall clock), in commit order. */
interface InFlight {
  unit: CommittedUnit;
  dueAtMs: number;
}

/** What a replication stream needs of its two ends. */
export interface ReplicationEnds {
  /** The source's endpoint, whose completed read-write units of work the stream follows. */
  source: PostgresEndpoint;
  /** The replica's endpoint, which replays them. */
  target: PostgresEndpoint;
  /** Whether the source can send now (its instance available, its zone and Region up). */
  sourceReachable: () => boolean;
  /** Whether the replica can apply now. */
  targetReachable: () => boolean;
  /** Draws one unit's replication lag, AWS ms (timing `replicaLag`). */
  lag: () => number;
  scheduler: SimScheduler;
}

/**
 * Asynchronous replication of a PostgreSQL store to a read replica, as RDS does it for a read replica
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html: the source's changes are copied to the
 * replica "asynchronously"). Each unit of work the source completes in read-write role is replayed on the replica's
 * store after a lag drawn per unit, never before an earlier unit: lag is how far the replica is behind
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html, the ReplicaLag metric).
 * While the source is unreachable nothing is delivered; what was pending resumes in order when it returns, and is lost
 * for good if the replica is promoted first (`stop`).
 */
export class ReadReplication {
  readonly #ends: ReplicationEnds;
  readonly #inFlight: InFlight[] = [];
  #unfollow: () => void = () => undefined;
  #timer: NodeJS.Timeout | undefined;
  #applying = false;
  #stopped = false;
  /** The replica's store holds the source's data as of the start: units may apply. */
  #seeded = false;
  /** Units applied on the replica since the stream started. */
  applied = 0;

  constructor(ends: ReplicationEnds) {
    this.#ends = ends;
  }

  /** Follows the source from now on; resolves once the replica's store holds the source's data as of now. */
  async start(): Promise<void> {
    const { snapshot, unfollow } = await this.#ends.source.follow(
      (unit) => this.#receive(unit),
      () => this.#ends.target.warm(),
    );
    this.#unfollow = unfollow;
    if (this.#stopped) return unfollow();
    this.#ends.target.seed(snapshot);
    this.#seeded = true;
    this.#pump();
  }

  /** Units the source completed that the replica has not applied yet. */
  get pending(): number {
    return this.#inFlight.length;
  }

  /** How far behind the source the replica is, AWS seconds: the age of the oldest unit not applied, else 0. */
  lagSeconds(now = Date.now()): number {
    const oldest = this.#inFlight[0];
    return oldest === undefined ? 0 : ((now - oldest.unit.committedAtMs) * this.#ends.scheduler.speed) / 1_000;
  }

  /** Something changed at either end (a status, a zone): deliver what is due if both ends can. */
  kick(): void {
    this.#pump();
  }

  /** Stops replicating (a promotion): every unit not applied is dropped. Returns how many were lost. */
  stop(): number {
    this.#stopped = true;
    this.#unfollow();
    this.#ends.scheduler.cancel(this.#timer);
    // A unit being replayed at this instant reaches the replica: it is not lost.
    const lost = this.#inFlight.length - (this.#applying ? 1 : 0);
    this.#inFlight.length = 0;
    return lost;
  }

  #receive(unit: CommittedUnit): void {
    if (this.#stopped) return;
    const last = this.#inFlight.at(-1);
    const due = unit.committedAtMs + this.#ends.scheduler.wall(this.#ends.lag());
    this.#inFlight.push({ unit, dueAtMs: Math.max(due, last?.dueAtMs ?? 0) });
    this.#pump();
  }

  #pump(): void {
    if (this.#applying || this.#stopped || !this.#seeded) return;
    const head = this.#inFlight[0];
    if (head === undefined || !this.#ends.sourceReachable() || !this.#ends.targetReachable()) return;
    const wait = head.dueAtMs - Date.now();
    if (wait > 0) {
      this.#ends.scheduler.cancel(this.#timer);
      this.#timer = this.#ends.scheduler.after(wait * this.#ends.scheduler.speed, () => this.#pump());
      return;
    }
    this.#applying = true;
    void this.#ends.target
      .apply(head.unit)
      // A unit the replica cannot replay (a failed statement fails there as it did on the source) is passed.
      .catch(() => undefined)
      .then(() => {
        this.#applying = false;
        this.applied++;
        if (this.#stopped) return;
        this.#inFlight.shift();
        this.#pump();
      });
  }
}
