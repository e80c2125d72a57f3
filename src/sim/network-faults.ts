import type { GroundTruth } from './ground-truth.js';
import type { SimInstance } from './world/instance.js';

/**
 * The scopes of FIS aws:network:disrupt-connectivity (FIS actions reference,
 * https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#disrupt-connectivity): `all` denies all
 * traffic entering and leaving the subnet; `availability-zone` denies intra-VPC traffic to subnets in other zones;
 * `dynamodb`, `prefix-list` and `s3` deny traffic to that service's (or prefix list's) endpoints only.
 */
export const CONNECTIVITY_SCOPES = ['all', 'availability-zone', 'dynamodb', 'prefix-list', 's3'] as const;
export type ConnectivityScope = (typeof CONNECTIVITY_SCOPES)[number];

/**
 * Subnets whose traffic is denied, as FIS aws:network:disrupt-connectivity does with a network ACL. With scope `all`
 * nothing in the subnet answers (connections hang): its instances, also those that boot there meanwhile, and through
 * `onChange` the load balancer node and database nodes of the subnet's zone. The other scopes deny traffic to
 * destinations the region does not host (AWS service endpoints, prefix lists) or between zones, which no workload,
 * load balancer node or database of the region depends on to answer: they are recorded and take nothing down.
 */
export class NetworkFaults {
  /** How many disruptions hold each subnet, by scope. */
  readonly #disrupted = new Map<string, Map<ConnectivityScope, number>>();
  readonly #instances: ReadonlyMap<string, SimInstance>;
  readonly #truth: Pick<GroundTruth, 'record'>;
  readonly #onChange: (subnetId: string) => void;

  constructor(instances: ReadonlyMap<string, SimInstance>, truth: Pick<GroundTruth, 'record'>, onChange: (subnetId: string) => void = () => undefined) {
    this.#instances = instances;
    this.#truth = truth;
    this.#onChange = onChange;
  }

  /** True while a scope-`all` disruption holds the subnet: nothing in it is reachable. */
  isDark(subnetId: string): boolean {
    return (this.#disrupted.get(subnetId)?.get('all') ?? 0) > 0;
  }

  /** Denies the subnet's traffic in `scope` until the returned restore runs; overlapping disruptions end with the last. */
  disruptSubnet(subnetId: string, scope: ConnectivityScope = 'all'): () => void {
    const scopes = this.#disrupted.get(subnetId) ?? new Map<ConnectivityScope, number>();
    this.#disrupted.set(subnetId, scopes);
    const held = scopes.get(scope) ?? 0;
    scopes.set(scope, held + 1);
    if (held === 0) {
      this.#truth.record({ kind: 'subnet-connectivity', resource: subnetId, to: 'disrupted', detail: { scope } });
      if (scope === 'all') this.#isolate(subnetId, true);
    }
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      const left = (scopes.get(scope) ?? 1) - 1;
      if (left > 0) return void scopes.set(scope, left);
      scopes.delete(scope);
      if (scopes.size === 0) this.#disrupted.delete(subnetId);
      this.#truth.record({ kind: 'subnet-connectivity', resource: subnetId, to: 'restored', detail: { scope } });
      if (scope === 'all') this.#isolate(subnetId, false);
    };
  }

  /** A new instance in a dark subnet is isolated from its launch, so it never answers from there. */
  instanceLaunched(instance: SimInstance): void {
    if (this.isDark(instance.spec.subnetId)) instance.isolate(true);
  }

  #isolate(subnetId: string, isolated: boolean): void {
    for (const i of this.#instances.values()) if (i.spec.subnetId === subnetId) i.isolate(isolated);
    this.#onChange(subnetId);
  }
}
