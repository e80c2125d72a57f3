import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { DbEvent } from './database.js';
import { PostgresEndpoint } from './postgres-endpoint.js';

/** One DB instance of a Multi-AZ DB cluster. */
export interface SimClusterMember {
  readonly id: string;
  readonly arn: string;
  readonly zone: string;
  readonly dnsName: string;
  readonly createdTime: Date;
  readonly promotionTier: number;
  writer: boolean;
}

/**
 * An RDS Multi-AZ DB cluster for PostgreSQL: a writer and readers in different zones over one shared store (an embedded
 * PGlite), so acknowledged writes survive a failover. Only the writer endpoint is served, on its own loopback address;
 * its DNS name follows the writer, so the address stays the same. During a failover (`failing-over`, about 35 s of AWS
 * time) connections to the writer endpoint drop and new ones are refused; then another member is the writer.
 */
export class SimDbCluster {
  readonly id: string;
  readonly arn: string;
  readonly resourceId = `cluster-${randomBytes(13).toString('hex').toUpperCase()}`;
  readonly instanceClass: string;
  readonly endpoint: PostgresEndpoint;
  readonly dnsName: string;
  readonly readerDnsName: string;
  readonly createdTime = new Date();
  readonly events: DbEvent[] = [];
  readonly tags: Record<string, string>;
  readonly members: SimClusterMember[];
  status: 'creating' | 'available' | 'failing-over' = 'creating';
  readonly #scheduler: SimScheduler;
  readonly #truth: GroundTruth;
  readonly #failoverMs: number;

  constructor(options: {
    id: string;
    region: string;
    accountId: string;
    instanceClass: string;
    /** Zones of the members, in order; the first member starts as the writer. */
    memberZones: string[];
    host: string;
    port: number;
    tags: Record<string, string>;
    scheduler: SimScheduler;
    truth: GroundTruth;
    failoverMs: number;
  }) {
    this.id = options.id;
    this.arn = `arn:aws:rds:${options.region}:${options.accountId}:cluster:${options.id}`;
    this.instanceClass = options.instanceClass;
    this.endpoint = new PostgresEndpoint(options.host, options.port);
    this.tags = options.tags;
    const suffix = `c${randomBytes(6).toString('hex')}.${options.region}.rds.amazonaws.com`;
    this.dnsName = `${options.id}.cluster-${suffix}`;
    this.readerDnsName = `${options.id}.cluster-ro-${suffix}`;
    this.members = options.memberZones.map((zone, i) => {
      const id = `${options.id}-instance-${i + 1}`;
      return { id, arn: `arn:aws:rds:${options.region}:${options.accountId}:db:${id}`, zone, dnsName: `${id}.${suffix}`, createdTime: this.createdTime, promotionTier: 1, writer: i === 0 };
    });
    this.#scheduler = options.scheduler;
    this.#truth = options.truth;
    this.#failoverMs = options.failoverMs;
  }

  get host(): string {
    return this.endpoint.host;
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** postgres:// URL of the writer endpoint. */
  get url(): string {
    return this.endpoint.url;
  }

  get writer(): SimClusterMember | undefined {
    return this.members.find((m) => m.writer);
  }

  /** Distinct zones of the members, in member order. */
  get zones(): string[] {
    return [...new Set(this.members.map((m) => m.zone))];
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.#setStatus('available');
  }

  async stop(): Promise<void> {
    await this.endpoint.stop();
  }

  /** FailoverDBCluster: promotes `targetId` (or the next reader) after the failover time. */
  failover(targetId: string | undefined): void {
    if (this.status !== 'available') throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} is not in available state.`);
    if (this.members.length < 2) throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} has fewer than 2 DB instances: there is no reader to fail over to.`);
    const current = this.writer;
    let target: SimClusterMember | undefined;
    if (targetId !== undefined) {
      target = this.members.find((m) => m.id === targetId);
      if (target === undefined) throw new SimApiError('InvalidDBInstanceState', `DB instance ${targetId} is not a member of DB cluster ${this.id}.`);
      if (target.writer) throw new SimApiError('InvalidDBInstanceState', `DB instance ${targetId} is already the writer of DB cluster ${this.id}.`);
    } else {
      const at = current === undefined ? -1 : this.members.indexOf(current);
      target = this.members[(at + 1) % this.members.length];
    }
    if (target === undefined) throw new SimApiError('InvalidDBClusterStateFault', `DbCluster ${this.id} has no reader to fail over to.`);
    const promoted = target;
    const cross = current === undefined || current.zone !== promoted.zone;
    this.#setStatus('failing-over');
    this.#event(`Started ${cross ? 'cross AZ ' : ''}failover to DB instance: ${promoted.id}`, ['failover']);
    this.endpoint.refuse();
    this.#truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'serving', to: 'refusing', detail: { zone: current?.zone, writer: current?.id } });
    this.#scheduler.after(this.#failoverMs, () => {
      void (async () => {
        for (const m of this.members) m.writer = m === promoted;
        // Clients may connect as soon as the socket listens, before this continuation runs: the event's instant is
        // when serving was certain, and `since` when it may have begun.
        const since = performance.timeOrigin + performance.now();
        await this.endpoint.serve();
        this.#truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'refusing', to: 'serving', detail: { zone: promoted.zone, writer: promoted.id, since } });
        this.#event(`Completed failover to DB instance: ${promoted.id}`, ['failover']);
        this.#setStatus('available');
      })();
    });
  }

  #setStatus(to: SimDbCluster['status']): void {
    const from = this.status;
    this.status = to;
    this.#truth.record({ kind: 'instance-state', resource: `rds/${this.id}`, from, to, detail: { zone: this.writer?.zone, writer: this.writer?.id } });
  }

  #event(message: string, categories: string[]): void {
    this.events.push({ Date: new Date(), Message: message, SourceIdentifier: this.id, SourceType: 'db-cluster', EventCategories: categories });
  }
}
