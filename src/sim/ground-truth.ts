import { performance } from 'node:perf_hooks';

/** One state change in the simulated region, as it really happened. */
export interface TruthEvent {
  /** Sequence number, from 1. */
  seq: number;
  /** Wall-clock epoch ms with sub-ms precision, comparable with a journal's `startedAtEpochMs + t`. */
  epochMs: number;
  kind:
    | 'instance-state'
    | 'target-health'
    | 'alb-capacity'
    | 'asg-activity'
    | 'instance-refresh'
    | 'workload'
    | 'health-check'
    | 'dns-answer'
    | 'alarm-state'
    | 'fis-experiment'
    | 'subnet-connectivity'
    | 'zone'
    | 'replication'
    | 'impairment';
  resource: string;
  /** The Region it happened in, in a world of several Regions. */
  region?: string | undefined;
  from?: string | undefined;
  to: string;
  detail?: Record<string, unknown> | undefined;
}

/**
 * Records every state change of the region so tests and users can compare what gameday measured with what
 * happened (`GET /_sim/events`). In a world of several Regions each Region's record writes, stamped with its Region,
 * into the one stream of the world (`into`), which its readers and listeners share.
 */
export class GroundTruth {
  readonly #events: TruthEvent[] = [];
  readonly #listeners = new Set<(e: TruthEvent) => void>();
  readonly #into: { readonly truth: GroundTruth; readonly region: string } | undefined;

  constructor(into?: { truth: GroundTruth; region: string }) {
    this.#into = into;
  }

  get events(): readonly TruthEvent[] {
    return this.#into?.truth.events ?? this.#events;
  }

  record(event: Omit<TruthEvent, 'seq' | 'epochMs'>): TruthEvent {
    if (this.#into !== undefined) return this.#into.truth.record({ ...event, region: this.#into.region });
    const e: TruthEvent = { seq: this.#events.length + 1, epochMs: performance.timeOrigin + performance.now(), ...event };
    this.#events.push(e);
    for (const l of this.#listeners) l(e);
    return e;
  }

  since(seq: number): TruthEvent[] {
    return this.events.slice(Math.max(0, seq));
  }

  subscribe(listener: (e: TruthEvent) => void): () => void {
    if (this.#into !== undefined) return this.#into.truth.subscribe(listener);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
