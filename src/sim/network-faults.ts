import type { GroundTruth } from './ground-truth.js';
import type { SimInstance } from './world/instance.js';

/**
 * Subnets whose traffic is denied, as FIS aws:network:disrupt-connectivity does with a network ACL: their instances,
 * and any launched there meanwhile, stop answering (their packets are dropped: no connection is established) until the disruption is restored.
 */
export class NetworkFaults {
  /** How many disruptions hold each subnet. */
  readonly #disrupted = new Map<string, number>();
  readonly #instances: ReadonlyMap<string, SimInstance>;
  readonly #truth: Pick<GroundTruth, 'record'>;

  constructor(instances: ReadonlyMap<string, SimInstance>, truth: Pick<GroundTruth, 'record'>) {
    this.#instances = instances;
    this.#truth = truth;
  }

  /** Denies all traffic of a subnet until the returned restore runs; overlapping disruptions end with the last. */
  disruptSubnet(subnetId: string): () => void {
    this.#disrupted.set(subnetId, (this.#disrupted.get(subnetId) ?? 0) + 1);
    this.#truth.record({ kind: 'subnet-connectivity', resource: subnetId, to: 'disrupted' });
    for (const i of this.#instances.values()) if (i.spec.subnetId === subnetId && i.state === 'running') void i.workload.down('blackhole');
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      const left = (this.#disrupted.get(subnetId) ?? 1) - 1;
      if (left > 0) return void this.#disrupted.set(subnetId, left);
      this.#disrupted.delete(subnetId);
      this.#truth.record({ kind: 'subnet-connectivity', resource: subnetId, to: 'restored' });
      for (const i of this.#instances.values()) if (i.spec.subnetId === subnetId && i.state === 'running') void i.workload.up();
    };
  }

  /** An instance that starts running in a disrupted subnet does not answer either. */
  instanceRunning(instance: SimInstance): void {
    if (this.#disrupted.has(instance.spec.subnetId)) void instance.workload.down('blackhole');
  }
}
