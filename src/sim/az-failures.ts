import type { GroundTruth } from './ground-truth.js';
import { NetworkFaults, type ConnectivityScope } from './network-faults.js';
import { SimApiError } from './protocol/errors.js';
import type { SimScheduler } from './timing.js';
import type { SimDatabase } from './world/database.js';
import type { SimDbCluster } from './world/db-cluster.js';
import type { SimInstance } from './world/instance.js';
import type { SimLoadBalancer } from './world/load-balancer.js';
import { ZoneImpairments } from './world/zones.js';

/** What an Availability Zone failure reaches in the region. */
export interface AzWorld {
  readonly zones: readonly string[];
  readonly subnets: readonly { readonly id: string; readonly zone: string }[];
  readonly scheduler: Pick<SimScheduler, 'after'>;
  readonly truth: GroundTruth;
  readonly instances: ReadonlyMap<string, SimInstance>;
  readonly loadBalancers: ReadonlyMap<string, SimLoadBalancer>;
  readonly databases: ReadonlyMap<string, SimDatabase>;
  readonly dbClusters: ReadonlyMap<string, SimDbCluster>;
}

/**
 * The Availability Zone as a failure domain: the zones' impairments (`zones`), the subnets' network faults
 * (`network`), and what each does to the region's resources. A zone is dark while it has no power or its subnet
 * denies all traffic: its instances stop (power) or hang (connectivity), and its load balancer nodes and database
 * nodes stop answering; Multi-AZ databases fail over away from it.
 */
export class AzFailures {
  readonly network: NetworkFaults;
  readonly zones: ZoneImpairments;
  readonly #world: AzWorld;

  constructor(world: AzWorld) {
    this.#world = world;
    this.network = new NetworkFaults(world.instances, world.truth, () => this.#changed());
    this.zones = new ZoneImpairments(world.zones, world.truth, {
      cutPower: (zone) => this.#cutPower(zone),
      cutConnectivity: (zone) => this.network.disruptSubnet(this.#subnetOf(zone), 'all'),
    });
  }

  /** True while the zone has no power or no connectivity. */
  isDark(zone: string): boolean {
    return this.zones.isDark(zone) || this.network.isDark(this.#subnetOf(zone));
  }

  /** Denies a subnet's traffic in `scope` until the returned restore runs (FIS aws:network:disrupt-connectivity). */
  disruptSubnet(subnetId: string, scope: ConnectivityScope): () => void {
    // A subnet denying all traffic (a network ACL, FIS disrupt-connectivity) darkens what lives in it: the load balancer
    // node and the database node of its zone stop answering, as the zone's own connectivity loss does.
    const restore = this.network.disruptSubnet(subnetId, scope);
    queueMicrotask(() => this.#changed());
    return () => {
      restore();
      queueMicrotask(() => this.#changed());
    };
  }

  /** A launch into a zone without capacity fails as EC2 fails it: InsufficientInstanceCapacity, naming the zones that have some. */
  assertCapacity(zone: string, instanceType: string, by: { group?: string; role?: string }): void {
    if (!this.zones.launchFails(zone, by)) return;
    const others = this.#world.zones.filter((z) => z !== zone && !this.zones.launchFails(z, by, () => 1));
    throw new SimApiError(
      'InsufficientInstanceCapacity',
      `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing ${others.join(', ')}.`,
      500,
    );
  }

  /** A new instance: isolated from its launch when its subnet is dark. */
  instanceLaunched(instance: SimInstance): void {
    this.network.instanceLaunched(instance);
  }

  #subnetOf(zone: string): string {
    return this.#world.subnets.find((s) => s.zone === zone)?.id ?? '';
  }

  /** The zone's instances lose power; the restore gives it back and, when asked, starts those it stopped. */
  #cutPower(zone: string): (startInstances: boolean) => void {
    const stopped = [...this.#world.instances.values()].filter((i) => i.spec.availabilityZone === zone && (i.state === 'running' || i.state === 'pending'));
    for (const i of stopped) i.powerOff();
    // The zone goes dark only once the zones record the cut; let that land before the nodes react.
    queueMicrotask(() => this.#changed());
    return (startInstances) => {
      queueMicrotask(() => this.#changed());
      if (!startInstances) return;
      const startOne = (i: SimInstance): void => {
        if (i.state === 'stopped') i.start();
        else if (i.state === 'stopping') this.#world.scheduler.after(1_000, () => startOne(i));
      };
      for (const i of stopped) startOne(i);
    };
  }

  /** Load balancer nodes and databases follow the zones' darkness. */
  #changed(): void {
    const isDark = (zone: string): boolean => this.isDark(zone);
    for (const lb of this.#world.loadBalancers.values()) for (const zone of this.#world.zones) lb.setZoneDark(zone, isDark(zone));
    // RDS notices a dark zone after the fact (its failover time includes detection): a failover requested at the same
    // instant, as the AZ scenario's Failover-RDS action beside its subnet cut, starts first and this one finds it running.
    this.#world.scheduler.after(0, () => {
      for (const db of this.#world.databases.values()) db.zonesChanged(isDark);
      for (const c of this.#world.dbClusters.values()) c.zonesChanged(isDark);
    });
  }
}
