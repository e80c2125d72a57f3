import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import { dbiResourceId, RdsResource } from './rds-resource.js';
import { ReadReplication } from './read-replication.js';

export type { DbEvent } from './rds-resource.js';

export interface DatabaseTimings {
  /** Draws one RebootDBInstance-with-ForceFailover duration on a Multi-AZ instance, AWS ms (timing `dbFailover`). */
  failover(): number;
  /** Draws one plain reboot's duration, AWS ms (timing `dbReboot`). */
  reboot(): number;
  /** Draws one StopDBInstance's stopping time, AWS ms (timing `dbStop`). */
  stop(): number;
  /** Draws one StartDBInstance's starting time, AWS ms (timing `dbStart`). */
  start(): number;
  /** Draws one PromoteReadReplica's time before the reboot, AWS ms (timing `dbPromote`). */
  promote(): number;
  /** Draws one unit of work's replication lag on a read replica, AWS ms (timing `replicaLag`). */
  replicaLag(): number;
}

/** Statuses a simulated DB instance goes through (the DBInstanceStatus values RDS shows for them). */
export type DbInstanceStatus = 'available' | 'rebooting' | 'stopping' | 'stopped' | 'starting' | 'modifying';

/** How a read replica's replication stands, as DescribeDBInstances' StatusInfos says it. */
export interface ReplicationStatus {
  /** `replicating`, or `error` while the source is unreachable (values of DBInstanceStatusInfo.Status). */
  status: 'replicating' | 'error';
  normal: boolean;
  message: string | undefined;
}

/**
 * An RDS for PostgreSQL instance: a real PostgreSQL-protocol server on loopback (an embedded PGlite), Multi-AZ or not.
 * A Multi-AZ instance has a synchronous standby in another zone, so acknowledged writes survive a failover: both
 * nodes share one store, and only the primary serves, on its own node's address. The endpoint's DNS name resolves
 * (TTL 5 s) to the primary: after a failover it answers the standby's address, as RDS flips its CNAME.
 */
export class SimDatabase extends RdsResource<DbInstanceStatus> {
  readonly arn: string;
  readonly region: string;
  /** DbiResourceId: the region-unique, immutable identifier of the instance. */
  readonly resourceId = dbiResourceId();
  readonly multiAZ: boolean;
  readonly instanceClass: string;
  readonly dnsName: string;
  zone: string;
  secondaryZone: string | undefined;
  readonly #hostIn: (zone: string) => string;
  readonly #timings: DatabaseTimings;
  /** Whether a zone has lost power or connectivity, as the region last said. */
  #isDark: (zone: string) => boolean = () => false;
  /** The primary's zone is dark and no failover was possible: the endpoint is down until the zone returns. */
  #stranded = false;
  /** The snapshot StopDBInstance was asked to take first (recorded; the sim keeps the data anyway). */
  stopSnapshot: string | undefined;
  /** The source DB instance while this is a read replica (possibly another Region's). */
  replicaSource: SimDatabase | undefined;
  /** This instance's read replicas, in any Region. */
  readonly replicas = new Set<SimDatabase>();
  #replication: ReadReplication | undefined;
  #unwatch: (() => void)[] = [];

  constructor(options: {
    id: string;
    region: string;
    accountId: string;
    multiAZ: boolean;
    instanceClass: string;
    zone: string;
    secondaryZone: string | undefined;
    /** Loopback address of this instance's node in a zone. */
    hostIn: (zone: string) => string;
    port: number;
    tags: Record<string, string>;
    scheduler: SimScheduler;
    truth: GroundTruth;
    timings: DatabaseTimings;
  }) {
    super({
      id: options.id,
      sourceType: 'db-instance',
      host: options.hostIn(options.zone),
      port: options.port,
      tags: options.tags,
      scheduler: options.scheduler,
      truth: options.truth,
    });
    this.arn = `arn:aws:rds:${options.region}:${options.accountId}:db:${options.id}`;
    this.region = options.region;
    this.multiAZ = options.multiAZ;
    this.instanceClass = options.instanceClass;
    this.zone = options.zone;
    this.secondaryZone = options.secondaryZone;
    this.dnsName = `${options.id}.c${randomBytes(6).toString('hex')}.${options.region}.rds.amazonaws.com`;
    this.#hostIn = options.hostIn;
    this.#timings = options.timings;
  }

  /**
   * The region's zones changed. A Multi-AZ instance whose primary's zone lost power or connectivity fails over to its
   * standby by itself, after the failover time, which includes detection
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html: RDS "automatically
   * switches to a standby replica" when the primary's Availability Zone fails). Without a standby to promote (Single-AZ,
   * or the standby's zone dark too) the endpoint is down until the primary's zone returns.
   */
  zonesChanged(isDark: (zone: string) => boolean): void {
    this.#isDark = isDark;
    if (this.#stranded && !isDark(this.zone)) {
      this.#stranded = false;
      this.resume();
      return;
    }
    if (this.#stranded || this.status !== 'available' || !isDark(this.zone)) return;
    if (this.multiAZ && this.secondaryZone !== undefined && !isDark(this.secondaryZone)) {
      this.#failover(true);
      return;
    }
    this.#stranded = true;
    this.suspend();
  }

  /** RebootDBInstance: a Multi-AZ failover when `forceFailover`, otherwise a restart in place. */
  reboot(forceFailover: boolean): void {
    if (this.status !== 'available' || this.#stranded) {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not in available state.`);
    }
    if (forceFailover && !this.multiAZ) {
      throw new SimApiError('InvalidParameterCombination', `Cannot do a failover on a DB instance that is not Multi-AZ: ${this.id}.`);
    }
    // A failover promotes the standby; one in a zone without power or connectivity cannot be promoted.
    if (forceFailover && this.secondaryZone !== undefined && this.#isDark(this.secondaryZone)) {
      throw new SimApiError(
        'InvalidDBInstanceState',
        `DB instance ${this.id} cannot fail over: its standby in ${this.secondaryZone} is unavailable while that Availability Zone is impaired.`,
      );
    }
    this.#failover(forceFailover);
  }

  /**
   * StopDBInstance: a normal shutdown, `stopping` then `stopped`; the endpoint refuses from the start, and the data
   * stays (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html: "storage volumes remain
   * attached to the DB instance, and their data is kept"). AWS starts it again after seven days; the sim does not.
   */
  stopDbInstance(snapshotId: string | undefined): void {
    if (this.status !== 'available' || this.#stranded) {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not in available state.`);
    }
    this.stopSnapshot = snapshotId;
    this.setStatus('stopping');
    this.endpoint.refuse();
    this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'serving', to: 'refusing', detail: { ...this.placement(), stopped: true } });
    this.scheduler.after(this.#timings.stop(), () => {
      this.event('DB instance stopped.', ['notification']);
      this.setStatus('stopped');
    });
  }

  /**
   * StartDBInstance on a stopped instance: `starting`, then `available` with the same endpoint and data. A Multi-AZ
   * instance whose primary's zone is dark starts in its standby's zone (AWS: "the primary and secondary Availability
   * Zones might be switched after you start the DB instance"); one with no usable zone stays down until its zone returns.
   */
  startDbInstance(): void {
    if (this.status !== 'stopped') {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not stopped, it is ${this.status}.`);
    }
    this.setStatus('starting');
    this.scheduler.after(this.#timings.start(), () => {
      if (this.#isDark(this.zone) && this.multiAZ && this.secondaryZone !== undefined && !this.#isDark(this.secondaryZone)) {
        [this.zone, this.secondaryZone] = [this.secondaryZone, this.zone];
      }
      this.event('DB instance started.', ['notification']);
      this.setStatus('available');
      if (this.#isDark(this.zone)) {
        this.#stranded = true;
        return;
      }
      void this.endpoint.serve(this.#hostIn(this.zone)).then(() => {
        this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'refusing', to: 'serving', detail: this.placement() });
      });
    });
  }

  /** The loopback address of its node in `zone` (the primary's or the standby's, or where either may go). */
  addressIn(zone: string): string {
    return this.#hostIn(zone);
  }

  /** Whether clients reach it now: available, and its serving zone not dark. */
  get reachable(): boolean {
    return this.status === 'available' && !this.#stranded;
  }

  /** Calls `listener` on every change of this instance's state or placement; returns the unsubscribe. */
  watch(listener: () => void): () => void {
    return this.truth.subscribe((e) => {
      if (e.resource === `rds/${this.id}`) listener();
    });
  }

  /**
   * Makes this instance a read replica of `source` (CreateDBInstanceReadReplica, or a topology's `replicaOf`): its
   * endpoint serves read-only, and the source's work reaches it asynchronously (`ReadReplication`). Resolves once it
   * holds the source's data as of now.
   */
  async replicate(source: SimDatabase): Promise<void> {
    this.replicaSource = source;
    source.replicas.add(this);
    this.endpoint.role = 'read-only';
    const replication = new ReadReplication({
      source: source.endpoint,
      target: this.endpoint,
      sourceReachable: () => source.reachable,
      targetReachable: () => !this.#stranded && this.status !== 'stopping' && this.status !== 'stopped',
      lag: () => this.#timings.replicaLag(),
      scheduler: this.scheduler,
    });
    this.#replication = replication;
    const kick = (): void => replication.kick();
    this.#unwatch = [source.watch(kick), this.watch(kick)];
    await replication.start();
  }

  /** How replication stands while this is a read replica. */
  get replication(): ReplicationStatus | undefined {
    const source = this.replicaSource;
    if (source === undefined || this.#replication === undefined) return undefined;
    if (source.reachable) return { status: 'replicating', normal: true, message: undefined };
    return { status: 'error', normal: false, message: `Replication from ${source.arn} stopped: the source DB instance is unreachable.` };
  }

  /** The replica's lag behind its source, seconds (the ReplicaLag metric), while this is a read replica. */
  get replicaLagSeconds(): number | undefined {
    return this.#replication?.lagSeconds();
  }

  /**
   * PromoteReadReplica: replication stops at once, so every unit of work the replica had not applied is lost for good;
   * the instance is `modifying`, then reboots (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html:
   * "RDS reboots the DB instance before making it available"), and serves read-write from then on. Its source no longer
   * lists it.
   */
  promote(): void {
    const source = this.replicaSource;
    const replication = this.#replication;
    if (source === undefined || replication === undefined) {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not a read replica.`);
    }
    if (this.status !== 'available' || this.#stranded) {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not in available state.`);
    }
    const lost = replication.stop();
    for (const unwatch of this.#unwatch) unwatch();
    this.#unwatch = [];
    this.#replication = undefined;
    this.replicaSource = undefined;
    source.replicas.delete(this);
    this.truth.record({
      kind: 'replication',
      resource: `rds/${this.id}`,
      from: 'replicating',
      to: 'promoted',
      detail: { source: source.arn, appliedUnits: replication.applied, lostUnits: lost },
    });
    this.setStatus('modifying');
    this.scheduler.after(this.#timings.promote(), () => {
      this.endpoint.role = 'read-write';
      this.#failover(false);
    });
  }

  #failover(forceFailover: boolean): void {
    this.interrupt({
      status: 'rebooting',
      // RDS-EVENT-0013/0049, RDS-EVENT-0004/0006 (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html)
      started: forceFailover ? 'Multi-AZ instance failover started.' : 'DB instance shutdown.',
      completed: forceFailover ? 'Multi-AZ instance failover completed.' : 'DB instance restarted.',
      categories: forceFailover ? ['failover'] : ['availability'],
      ms: forceFailover ? this.#timings.failover() : this.#timings.reboot(),
      complete: () => {
        if (forceFailover && this.secondaryZone !== undefined) [this.zone, this.secondaryZone] = [this.secondaryZone, this.zone];
        return this.#hostIn(this.zone);
      },
    });
  }

  protected placement(): Record<string, unknown> {
    return { zone: this.zone };
  }
}
