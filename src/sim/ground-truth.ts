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
    | 'workload'
    | 'health-check'
    | 'dns-answer'
    | 'alarm-state'
    | 'fis-experiment'
    | 'subnet-connectivity'
    | 'zone'
    | 'replication';
  resource: string;
  from?: string | undefined;
  to: string;
  detail?: Record<string, unknown> | undefined;
}

/**
 * Records every state change of the region so tests and users can compare what gameday measured with what
 * happened (`GET /_sim/events`).
 */
export class GroundTruth {
  readonly events: TruthEvent[] = [];
  readonly #listeners = new Set<(e: TruthEvent) => void>();

  record(event: Omit<TruthEvent, 'seq' | 'epochMs'>): TruthEvent {
    const e: TruthEvent = { seq: this.events.length + 1, epochMs: performance.timeOrigin + performance.now(), ...event };
    this.events.push(e);
    for (const l of this.#listeners) l(e);
    return e;
  }

  since(seq: number): TruthEvent[] {
    return this.events.slice(Math.max(0, seq));
  }

  subscribe(listener: (e: TruthEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
