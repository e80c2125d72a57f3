import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import { PostgresEndpoint } from './postgres-endpoint.js';

export interface DatabaseTimings {
  /** RebootDBInstance with ForceFailover on a Multi-AZ instance (AWS: typically 60–120 s). */
  failover: number;
  /** A plain reboot (assumption: 30 s). */
  reboot: number;
}

export interface DbEvent {
  Date: Date;
  Message: string;
  SourceIdentifier: string;
  SourceType: 'db-instance' | 'db-cluster';
  EventCategories: string[];
}

/**
 * An RDS for PostgreSQL instance: a real PostgreSQL-protocol server on loopback (an embedded PGlite), Multi-AZ or not.
 * A Multi-AZ instance has a synchronous standby in another zone, so acknowledged writes survive a failover: both
 * nodes share one store, and only the primary serves. The endpoint address stays the same, as an RDS endpoint name does
 * (its DNS record follows the primary); during a reboot or failover connections drop and new ones are refused.
 */
export class SimDatabase {
  readonly id: string;
  readonly arn: string;
  readonly multiAZ: boolean;
  readonly instanceClass: string;
  readonly endpoint: PostgresEndpoint;
  readonly dnsName: string;
  readonly createdTime = new Date();
  readonly events: DbEvent[] = [];
  readonly tags: Record<string, string>;
  zone: string;
  secondaryZone: string | undefined;
  status: 'creating' | 'available' | 'rebooting' = 'creating';
  readonly #scheduler: SimScheduler;
  readonly #truth: GroundTruth;
  readonly #timings: DatabaseTimings;

  constructor(options: {
    id: string;
    region: string;
    accountId: string;
    multiAZ: boolean;
    instanceClass: string;
    zone: string;
    secondaryZone: string | undefined;
    host: string;
    port: number;
    tags: Record<string, string>;
    scheduler: SimScheduler;
    truth: GroundTruth;
    timings: DatabaseTimings;
  }) {
    this.id = options.id;
    this.arn = `arn:aws:rds:${options.region}:${options.accountId}:db:${options.id}`;
    this.multiAZ = options.multiAZ;
    this.instanceClass = options.instanceClass;
    this.zone = options.zone;
    this.secondaryZone = options.secondaryZone;
    this.endpoint = new PostgresEndpoint(options.host, options.port);
    this.tags = options.tags;
    this.dnsName = `${options.id}.c${randomBytes(6).toString('hex')}.${options.region}.rds.amazonaws.com`;
    this.#scheduler = options.scheduler;
    this.#truth = options.truth;
    this.#timings = options.timings;
  }

  get host(): string {
    return this.endpoint.host;
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** postgres:// URL of the endpoint. */
  get url(): string {
    return this.endpoint.url;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.#setStatus('available');
  }

  async stop(): Promise<void> {
    await this.endpoint.stop();
  }

  /** RebootDBInstance: a Multi-AZ failover when `forceFailover`, otherwise a restart in place. */
  reboot(forceFailover: boolean): void {
    if (this.status !== 'available') {
      throw new SimApiError('InvalidDBInstanceState', `DB instance ${this.id} is not in available state.`);
    }
    if (forceFailover && !this.multiAZ) {
      throw new SimApiError('InvalidParameterCombination', `Cannot do a failover on a DB instance that is not Multi-AZ: ${this.id}.`);
    }
    this.#setStatus('rebooting');
    this.#event(forceFailover ? 'Multi-AZ instance failover started.' : 'DB instance shutdown', ['failover']);
    this.endpoint.refuse();
    this.#truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'serving', to: 'refusing', detail: { zone: this.zone } });
    this.#scheduler.after(forceFailover ? this.#timings.failover : this.#timings.reboot, () => {
      void (async () => {
        if (forceFailover && this.secondaryZone !== undefined) [this.zone, this.secondaryZone] = [this.secondaryZone, this.zone];
        // Clients may connect as soon as the socket listens, before this continuation runs: the event's instant is
        // when serving was certain, and `since` when it may have begun.
        const since = performance.timeOrigin + performance.now();
        await this.endpoint.serve();
        this.#truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'refusing', to: 'serving', detail: { zone: this.zone, since } });
        this.#event(forceFailover ? 'Multi-AZ instance failover completed.' : 'DB instance restarted', ['failover']);
        this.#setStatus('available');
      })();
    });
  }

  #setStatus(to: SimDatabase['status']): void {
    const from = this.status;
    this.status = to;
    this.#truth.record({ kind: 'instance-state', resource: `rds/${this.id}`, from, to, detail: { zone: this.zone } });
  }

  #event(message: string, categories: string[]): void {
    this.events.push({ Date: new Date(), Message: message, SourceIdentifier: this.id, SourceType: 'db-instance', EventCategories: categories });
  }
}
