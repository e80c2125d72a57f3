import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import { dbiResourceId, RdsResource } from './rds-resource.js';

/** One DB instance of a Multi-AZ DB cluster. */
export interface SimClusterMember {
  readonly id: string;
  readonly arn: string;
  readonly zone: string;
  /** Loopback address of this member's node. */
  readonly host: string;
  readonly dnsName: string;
  readonly createdTime: Date;
  readonly promotionTier: number;
  /** DbiResourceId of the member's DB instance. */
  readonly resourceId: string;
  writer: boolean;
  /** The member's own DBInstanceStatus: `rebooting` while RebootDBInstance restarts it. */
  status: 'available' | 'rebooting';
}

/**
 * An RDS Multi-AZ DB cluster for PostgreSQL: a writer and readers in different zones over one shared store (an embedded
 * PGlite), so acknowledged writes survive a failover. The writer endpoint is served on the writer's node address and its
 * DNS name follows the writer (TTL 5 s). During a failover (`failing-over`, about 35 s of AWS time) or a reboot
 * (`rebooting`) connections to the writer drop and new ones are refused; after a failover another member is the
 * writer, in another zone. The reader endpoint resolves to one reader per answer, in turn; each reader serves the same store read-only
 * on its own address (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html:
 * the reader endpoint connects to the reader DB instances, "which support only read operations").
 */
export class SimDbCluster extends RdsResource<'available' | 'failing-over' | 'rebooting'> {
  readonly arn: string;
  readonly resourceId = `cluster-${randomBytes(13).toString('hex').toUpperCase()}`;
  readonly instanceClass: string;
  readonly dnsName: string;
  readonly readerDnsName: string;
  readonly members: SimClusterMember[];
  readonly #failoverMs: () => number;
  readonly #rebootMs: () => number;
  #isDark: (zone: string) => boolean = () => false;
  /** How many answers the reader endpoint has given: the turn of the next reader. */
  #readerTurn = 0;

  constructor(options: {
    id: string;
    region: string;
    accountId: string;
    instanceClass: string;
    /** Zones and node addresses of the members, in order; the first member starts as the writer. */
    members: { zone: string; host: string }[];
    port: number;
    tags: Record<string, string>;
    scheduler: SimScheduler;
    truth: GroundTruth;
    /** Draws one failover's duration, AWS ms. */
    failoverMs: () => number;
    /** Draws one reboot's duration, AWS ms. */
    rebootMs: () => number;
  }) {
    const first = options.members[0];
    if (first === undefined) throw new Error(`DB cluster ${options.id} needs at least one member.`);
    super({
      id: options.id,
      sourceType: 'db-cluster',
      host: first.host,
      port: options.port,
      tags: options.tags,
      scheduler: options.scheduler,
      truth: options.truth,
    });
    this.arn = `arn:aws:rds:${options.region}:${options.accountId}:cluster:${options.id}`;
    this.instanceClass = options.instanceClass;
    const suffix = `c${randomBytes(6).toString('hex')}.${options.region}.rds.amazonaws.com`;
    this.dnsName = `${options.id}.cluster-${suffix}`;
    this.readerDnsName = `${options.id}.cluster-ro-${suffix}`;
    this.members = options.members.map(({ zone, host }, i) => {
      const id = `${options.id}-instance-${i + 1}`;
      return {
        id,
        arn: `arn:aws:rds:${options.region}:${options.accountId}:db:${id}`,
        zone,
        host,
        dnsName: `${id}.${suffix}`,
        createdTime: this.createdTime,
        promotionTier: 1,
        resourceId: dbiResourceId(),
        writer: i === 0,
        status: 'available',
      };
    });
    this.#failoverMs = options.failoverMs;
    this.#rebootMs = options.rebootMs;
    // A reader in a zone without power or connectivity serves nobody.
    this.endpoint.withReaders(() => this.readers.filter((m) => !this.#isDark(m.zone)).map((m) => m.host));
  }

  get writer(): SimClusterMember | undefined {
    return this.members.find((m) => m.writer);
  }

  get readers(): SimClusterMember[] {
    return this.members.filter((m) => !m.writer);
  }

  /**
   * The reader endpoint's address for one DNS answer: one reader per answer, the next available one each time, so
   * successive connections spread over the readers ("The reader endpoint connects to either of the two reader DB
   * instances",
   * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html).
   * A reader in a zone without power or connectivity is passed over; with no reader left the writer answers (assumed,
   * as an Aurora reader endpoint does for a cluster without replicas).
   */
  nextReaderHost(): string {
    const available = this.readers.filter((m) => !this.#isDark(m.zone));
    const reader = available[this.#readerTurn++ % Math.max(1, available.length)];
    return reader?.host ?? this.host;
  }

  /** Distinct zones of the members, in member order. */
  get zones(): string[] {
    return [...new Set(this.members.map((m) => m.zone))];
  }

  /**
   * The region's zones changed: when the writer's zone has lost power or connectivity, a reader in another zone is
   * promoted by itself after the failover time
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html).
   */
  zonesChanged(isDark: (zone: string) => boolean): void {
    this.#isDark = isDark;
    void this.endpoint.readersChanged();
    const writer = this.writer;
    if (this.status !== 'available' || this.#restarting() !== undefined || writer === undefined || !isDark(writer.zone)) return;
    const reader = this.readers.find((m) => !isDark(m.zone));
    if (reader !== undefined) this.failover(reader.id);
  }

  /** FailoverDBCluster: promotes `targetId` (or the next reader) after the failover time. */
  failover(targetId: string | undefined): void {
    this.#assertAvailable();
    if (this.members.length < 2)
      throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} has fewer than 2 DB instances: there is no reader to fail over to.`);
    const current = this.writer;
    let target: SimClusterMember | undefined;
    if (targetId !== undefined) {
      target = this.members.find((m) => m.id === targetId);
      if (target === undefined) throw new SimApiError('InvalidDBInstanceState', `DB instance ${targetId} is not a member of DB cluster ${this.id}.`);
      if (target.writer) throw new SimApiError('InvalidDBInstanceState', `DB instance ${targetId} is already the writer of DB cluster ${this.id}.`);
    } else {
      const at = current === undefined ? -1 : this.members.indexOf(current);
      const order = this.members.map((_, n) => this.members[(at + 1 + n) % this.members.length] as SimClusterMember);
      target = order.find((m) => !m.writer && !this.#isDark(m.zone));
    }
    if (target !== undefined && this.#isDark(target.zone))
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${target.id} is unavailable: its Availability Zone ${target.zone} is impaired.`);
    if (target === undefined) throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} has no reader to fail over to.`);
    const promoted = target;
    const cross = current === undefined || current.zone !== promoted.zone;
    this.interrupt({
      status: 'failing-over',
      started: `Started ${cross ? 'cross AZ ' : ''}failover to DB instance: ${promoted.id}`,
      completed: `Completed failover to DB instance: ${promoted.id}`,
      categories: ['failover'],
      ms: this.#failoverMs(),
      complete: () => {
        for (const m of this.members) m.writer = m === promoted;
        return promoted.host;
      },
    });
  }

  /** RebootDBCluster: every member restarts in place; the writer stays the writer. */
  reboot(): void {
    this.#assertAvailable();
    this.interrupt({
      status: 'rebooting',
      started: 'DB cluster reboot started',
      completed: 'DB cluster reboot completed',
      categories: ['availability'],
      ms: this.#rebootMs(),
      complete: () => this.host,
    });
  }

  /**
   * RebootDBInstance on a member: it restarts in place for the reboot time and no failover occurs; a writer stays the
   * writer, and while it restarts the writer endpoint refuses. Reboot with failover is refused
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-rebooting.html: "Multi-AZ DB
   * clusters don't support reboot with a failover. When you reboot the writer instance [...] no failover occurs. When
   * you reboot a reader DB instance, no failover occurs.").
   */
  rebootMember(member: SimClusterMember, forceFailover: boolean): void {
    if (forceFailover) {
      // The member is not itself Multi-AZ, and RebootDBInstance documents: "You can't enable force failover if the
      // instance isn't configured for Multi-AZ."
      throw new SimApiError(
        'InvalidParameterCombination',
        `Cannot reboot DB instance ${member.id} with failover: it is a member of Multi-AZ DB cluster ${this.id}, which does not support reboot with failover; use FailoverDBCluster.`,
      );
    }
    if (this.status !== 'available' || member.status !== 'available') {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${member.id} is not in available state.`);
    }
    const source = { id: member.id, arn: member.arn, type: 'db-instance' as const };
    const ms = this.#rebootMs();
    const moves = (from: string, to: 'available' | 'rebooting'): void => {
      member.status = to;
      this.truth.record({ kind: 'instance-state', resource: `rds/${member.id}`, from, to, detail: { cluster: this.id, writer: member.writer } });
    };
    moves('available', 'rebooting');
    const done = (): void => {
      moves('rebooting', 'available');
      // A writer's zone that went dark during the restart is failed away from now.
      this.zonesChanged(this.#isDark);
    };
    // RDS-EVENT-0004 and RDS-EVENT-0006 (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html).
    const started = 'DB instance shutdown.';
    const completed = 'DB instance restarted.';
    if (member.writer) {
      this.interrupt({ started, completed, categories: ['availability'], source, ms, complete: () => this.host, done });
      return;
    }
    this.event(started, ['availability'], source);
    this.scheduler.after(ms, () => {
      this.event(completed, ['availability'], source);
      done();
    });
  }

  /**
   * StopDBInstance on a member, or StopDBCluster/StartDBCluster: refused. AWS stops and starts only Aurora clusters
   * (StopDBCluster: "This operation only applies to Aurora DB clusters"), and Multi-AZ DB clusters don't support
   * "Stopping and starting the Multi-AZ DB cluster"
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.Limitations.html). The code
   * is the one AWS gives for Aurora members ("… DB instances are not eligible for stopping and starting"); the wording
   * for a Multi-AZ DB cluster is assumed.
   */
  refuseStopStart(memberId?: string): never {
    throw new SimApiError(
      'InvalidParameterCombination',
      memberId === undefined
        ? `Multi-AZ DB cluster ${this.id} is not eligible for stopping and starting: only Aurora DB clusters can be stopped.`
        : `DB instance ${memberId} is a member of Multi-AZ DB cluster ${this.id}: DB instances in a Multi-AZ DB cluster are not eligible for stopping and starting.`,
    );
  }

  protected placement(): Record<string, unknown> {
    return { zone: this.writer?.zone, writer: this.writer?.id };
  }

  /** A member that is restarting, if any: the cluster cannot fail over or reboot meanwhile. */
  #restarting(): SimClusterMember | undefined {
    return this.members.find((m) => m.status !== 'available');
  }

  #assertAvailable(): void {
    if (this.status !== 'available') throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} is not in available state.`);
    const busy = this.#restarting();
    if (busy !== undefined) throw new SimApiError('InvalidDBInstanceState', `DB instance ${busy.id} of DB cluster ${this.id} is ${busy.status}.`);
  }
}
