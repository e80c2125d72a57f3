import { randomBytes } from 'node:crypto';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import { RdsResource } from './rds-resource.js';

export type { DbEvent } from './rds-resource.js';

export interface DatabaseTimings {
  /** Draws one RebootDBInstance-with-ForceFailover duration on a Multi-AZ instance, AWS ms (timing `dbFailover`). */
  failover(): number;
  /** Draws one plain reboot's duration, AWS ms (timing `dbReboot`). */
  reboot(): number;
}

/**
 * An RDS for PostgreSQL instance: a real PostgreSQL-protocol server on loopback (an embedded PGlite), Multi-AZ or not.
 * A Multi-AZ instance has a synchronous standby in another zone, so acknowledged writes survive a failover: both
 * nodes share one store, and only the primary serves, on its own node's address. The endpoint's DNS name resolves
 * (TTL 5 s) to the primary: after a failover it answers the standby's address, as RDS flips its CNAME.
 */
export class SimDatabase extends RdsResource<'available' | 'rebooting'> {
  readonly arn: string;
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

  #failover(forceFailover: boolean): void {
    this.interrupt({
      status: 'rebooting',
      started: forceFailover ? 'Multi-AZ instance failover started.' : 'DB instance shutdown',
      completed: forceFailover ? 'Multi-AZ instance failover completed.' : 'DB instance restarted',
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
