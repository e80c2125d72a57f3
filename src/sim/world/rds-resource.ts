import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import { PostgresEndpoint } from './postgres-endpoint.js';

/** An RDS event, as DescribeEvents returns it. */
export interface DbEvent {
  Date: Date;
  Message: string;
  SourceIdentifier: string;
  SourceType: 'db-instance' | 'db-cluster';
  SourceArn: string;
  EventCategories: string[];
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A DbiResourceId as RDS writes it: `db-` and 26 upper-case letters and digits. */
export function dbiResourceId(): string {
  return `db-${[...randomBytes(26)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;
}

/** The resource an event is about, when it is not the resource that records it (a member of a DB cluster). */
export interface EventSource {
  id: string;
  arn: string;
  type: DbEvent['SourceType'];
}

/** A DB subnet group: the subnets (and so the zones) RDS may place a database's nodes in. */
export interface DbSubnetGroup {
  name: string;
  arn: string;
  vpcId: string;
  subnets: { id: string; zone: string }[];
}

/** What every simulated RDS resource (a DB instance, a Multi-AZ DB cluster) shares: status, events, one endpoint. */
export abstract class RdsResource<Status extends string> {
  readonly id: string;
  abstract readonly arn: string;
  readonly endpoint: PostgresEndpoint;
  /** The endpoint's DNS name; the sim's DNS answers it with the serving node's address (TTL 5 s, as RDS). */
  abstract readonly dnsName: string;
  readonly createdTime = new Date();
  readonly events: DbEvent[] = [];
  readonly tags: Record<string, string>;
  /** Its DB subnet group, which the region builds with it. */
  subnetGroup: DbSubnetGroup | undefined;
  status: Status | 'creating' = 'creating';
  protected readonly scheduler: SimScheduler;
  protected readonly truth: GroundTruth;
  readonly #sourceType: DbEvent['SourceType'];

  constructor(options: {
    id: string;
    sourceType: DbEvent['SourceType'];
    host: string;
    port: number;
    tags: Record<string, string>;
    scheduler: SimScheduler;
    truth: GroundTruth;
  }) {
    this.id = options.id;
    this.#sourceType = options.sourceType;
    this.endpoint = new PostgresEndpoint(options.host, options.port);
    this.tags = options.tags;
    this.scheduler = options.scheduler;
    this.truth = options.truth;
  }

  /** Address the endpoint's DNS name resolves to: the serving node's. */
  get host(): string {
    return this.endpoint.host;
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** postgres:// URL of the endpoint by its DNS name, as RDS gives it. */
  get url(): string {
    return `postgres://postgres@${this.dnsName}:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.setStatus('available' as Status);
  }

  async stop(): Promise<void> {
    await this.endpoint.stop();
  }

  /** Ground-truth detail of the resource's current placement (zone, writer). */
  protected abstract placement(): Record<string, unknown>;

  /**
   * An interruption of service: connections drop and new ones are refused for `ms` of AWS time; then `complete` moves
   * the resource (a failover) and returns the address that serves from then on, and the endpoint serves again. With a
   * `status`, the resource shows it meanwhile and is `available` after; without one (a member of a DB cluster restarts)
   * the resource's own status does not change. Events are the resource's, or `source`'s.
   */
  protected interrupt(o: {
    status?: Status;
    started: string;
    completed: string;
    categories: string[];
    source?: EventSource;
    ms: number;
    complete: () => string;
    done?: () => void;
  }): void {
    if (o.status !== undefined) this.setStatus(o.status);
    this.event(o.started, o.categories, o.source);
    this.endpoint.refuse();
    this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'serving', to: 'refusing', detail: this.placement() });
    this.scheduler.after(o.ms, () => {
      void (async () => {
        const before = this.endpoint.host;
        const host = o.complete();
        // Clients may connect as soon as the socket listens, before this continuation runs: the event's instant is
        // when serving was certain, and `since` when it may have begun.
        const since = performance.timeOrigin + performance.now();
        // The DNS name answers the new address from the moment the endpoint takes it.
        const serving = this.endpoint.serve(host);
        if (host !== before)
          this.truth.record({ kind: 'dns-answer', resource: `${this.dnsName}.`, from: before, to: host, detail: { type: 'A', rds: this.id } });
        await serving;
        this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'refusing', to: 'serving', detail: { ...this.placement(), since } });
        this.event(o.completed, o.categories, o.source);
        o.done?.();
        if (o.status !== undefined) this.setStatus('available' as Status);
      })();
    });
  }

  /** The serving node's zone went dark with no failover possible: the endpoint stops answering until `resume`. */
  protected suspend(): void {
    this.endpoint.refuse();
    this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'serving', to: 'refusing', detail: { ...this.placement(), zoneDark: true } });
  }

  /** The serving node's zone is back: the endpoint answers again on the same node. */
  protected resume(): void {
    void this.endpoint.serve(this.endpoint.host).then(() => {
      this.truth.record({ kind: 'workload', resource: `rds/${this.id}`, from: 'refusing', to: 'serving', detail: this.placement() });
    });
  }

  protected setStatus(to: Status): void {
    const from = this.status;
    this.status = to;
    this.truth.record({ kind: 'instance-state', resource: `rds/${this.id}`, from, to, detail: this.placement() });
  }

  protected event(message: string, categories: string[], source?: EventSource): void {
    const from = source ?? { id: this.id, arn: this.arn, type: this.#sourceType };
    this.events.push({
      Date: new Date(),
      Message: message,
      SourceIdentifier: from.id,
      SourceType: from.type,
      SourceArn: from.arn,
      EventCategories: categories,
    });
  }
}
