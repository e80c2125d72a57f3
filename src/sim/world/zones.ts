import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';

/** What an impaired Availability Zone loses. */
export type ZoneFault = 'power' | 'connectivity' | 'capacity';

export const ZONE_FAULTS: readonly ZoneFault[] = ['power', 'connectivity', 'capacity'];

/** A zone's state as `GET /_sim/zones` shows it. */
export interface ZoneState {
  zone: string;
  power: boolean;
  connectivity: boolean;
  capacity: boolean;
}

/**
 * A launch-capacity fault: launches into `zones` fail with InsufficientInstanceCapacity for `percentage` percent of
 * requests, for the Auto Scaling groups named in `groups` (FIS aws:ec2:asg-insufficient-instance-capacity-error), the
 * callers of the roles in `roles` (aws:ec2:api-insufficient-instance-capacity-error), or everyone (a zone's capacity
 * impaired through the control API).
 */
export interface CapacityFault {
  zones: readonly string[];
  percentage: number;
  groups?: ReadonlySet<string>;
  roles?: ReadonlySet<string>;
}

/** What the region does when a zone's power or connectivity changes: the zones only keep the state. */
export interface ZoneEffects {
  /** The zone's instances lose power; returns the restore, which starts them again when `startInstances`. */
  cutPower(zone: string): (startInstances: boolean) => void;
  /** The zone's subnets deny all traffic (as FIS disrupt-connectivity scope `all`); returns the restore. */
  cutConnectivity(zone: string): () => void;
}

/**
 * The Availability Zones of a region as failure domains: which zones have lost power, connectivity or launch
 * capacity, who holds each impairment, and the ground truth of every change (kind `zone`). An impairment is held
 * until its restore runs; overlapping ones (the control API and a FIS action) end with the last.
 */
export class ZoneImpairments {
  readonly #zones: readonly string[];
  readonly #truth: Pick<GroundTruth, 'record'>;
  readonly #effects: ZoneEffects;
  readonly #power = new Map<string, { holders: number; restore: (start: boolean) => void; start: boolean }>();
  readonly #connectivity = new Map<string, { holders: number; restore: () => void }>();
  readonly #capacity = new Set<CapacityFault>();
  /** Restores of the impairments the control API holds, by zone. */
  readonly #control = new Map<string, (() => void)[]>();

  constructor(zones: readonly string[], truth: Pick<GroundTruth, 'record'>, effects: ZoneEffects) {
    this.#zones = zones;
    this.#truth = truth;
    this.#effects = effects;
  }

  /** Every zone's state. */
  list(): ZoneState[] {
    return this.#zones.map((zone) => ({
      zone,
      power: !this.#power.has(zone),
      connectivity: !this.#connectivity.has(zone),
      capacity: ![...this.#capacity].some((f) => f.zones.includes(zone) && f.groups === undefined && f.roles === undefined),
    }));
  }

  /** True while the zone has no power or no connectivity: its nodes (load balancer, database) do not answer. */
  isDark(zone: string): boolean {
    return this.#power.has(zone) || this.#connectivity.has(zone);
  }

  /** The zone of a name (`us-east-1a`); a clear error naming the zones when it is not one of the region's. */
  zone(name: string): string {
    if (!this.#zones.includes(name))
      throw new SimApiError('InvalidParameterValue', `'${name}' is not an Availability Zone of this region (${this.#zones.join(', ')}).`, 400);
    return name;
  }

  /**
   * Cuts the zone's power: its instances stop. The restore gives it back; `startInstances` says whether the stopped
   * instances start again (FIS stop-instances with startInstancesAfterDuration) or stay stopped.
   */
  cutPower(zone: string, startInstances = true): () => void {
    const held = this.#power.get(zone);
    if (held === undefined) {
      this.#power.set(zone, { holders: 1, restore: this.#effects.cutPower(zone), start: startInstances });
      this.#record(zone, 'power', 'lost');
    } else {
      held.holders++;
      held.start ||= startInstances;
    }
    return once(() => {
      const h = this.#power.get(zone);
      if (h === undefined || --h.holders > 0) return;
      this.#power.delete(zone);
      this.#record(zone, 'power', 'restored');
      h.restore(h.start);
    });
  }

  /** Cuts the zone's connectivity: its subnets deny all traffic in and out until the restore. */
  cutConnectivity(zone: string): () => void {
    const held = this.#connectivity.get(zone);
    if (held === undefined) {
      this.#connectivity.set(zone, { holders: 1, restore: this.#effects.cutConnectivity(zone) });
      this.#record(zone, 'connectivity', 'lost');
    } else held.holders++;
    return once(() => {
      const h = this.#connectivity.get(zone);
      if (h === undefined || --h.holders > 0) return;
      this.#connectivity.delete(zone);
      this.#record(zone, 'connectivity', 'restored');
      h.restore();
    });
  }

  /** Launches into the fault's zones fail with InsufficientInstanceCapacity until the restore. */
  cutCapacity(fault: CapacityFault): () => void {
    this.#capacity.add(fault);
    for (const zone of fault.zones) this.#record(zone, 'capacity', 'lost', fault);
    return once(() => {
      if (!this.#capacity.delete(fault)) return;
      for (const zone of fault.zones) this.#record(zone, 'capacity', 'restored', fault);
    });
  }

  /**
   * Whether a launch into `zone` fails for lack of capacity: for a group's launch (`group`) or an API caller's
   * (`role`, the ARN of the role its credentials come from). `random` decides the percentage.
   */
  launchFails(zone: string, by: { group?: string; role?: string }, random: () => number = Math.random): boolean {
    for (const f of this.#capacity) {
      if (!f.zones.includes(zone)) continue;
      const scoped = f.groups !== undefined || f.roles !== undefined;
      const applies = !scoped || (by.group !== undefined && f.groups?.has(by.group) === true) || (by.role !== undefined && f.roles?.has(by.role) === true);
      if (applies && random() * 100 < f.percentage) return true;
    }
    return false;
  }

  /** `POST /_sim/zones/<zone>/impair`: the control API impairs the zone until `restore(zone)`. */
  impair(zone: string, faults: { power?: boolean; connectivity?: boolean; capacity?: boolean; startInstances?: boolean }): void {
    this.zone(zone);
    const held = this.#control.get(zone) ?? [];
    if (faults.capacity ?? true) held.push(this.cutCapacity({ zones: [zone], percentage: 100 }));
    if (faults.connectivity ?? true) held.push(this.cutConnectivity(zone));
    if (faults.power ?? true) {
      const restore = this.cutPower(zone, faults.startInstances ?? true);
      held.push(restore);
    }
    this.#control.set(zone, held);
  }

  /** `DELETE /_sim/zones/<zone>/impair`: ends what the control API holds on the zone (FIS actions keep theirs). */
  restore(zone: string): void {
    this.zone(zone);
    const held = this.#control.get(zone) ?? [];
    this.#control.delete(zone);
    // Power first, then connectivity: instances that start again come up into a reachable subnet.
    for (const r of held.reverse()) r();
  }

  #record(zone: string, fault: ZoneFault, to: 'lost' | 'restored', scope?: CapacityFault): void {
    const detail: Record<string, unknown> = { fault };
    if (scope !== undefined) {
      detail.percentage = scope.percentage;
      if (scope.groups !== undefined) detail.groups = [...scope.groups];
      if (scope.roles !== undefined) detail.roles = [...scope.roles];
    }
    this.#truth.record({ kind: 'zone', resource: zone, from: to === 'lost' ? 'available' : 'impaired', to: to === 'lost' ? 'impaired' : 'available', detail });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
