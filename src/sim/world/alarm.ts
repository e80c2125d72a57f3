import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ComparisonOperator = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** What a metric alarm of the simulated region watches, and how. */
export interface AlarmSpec {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  statistic: 'Sum' | 'Average' | 'Minimum' | 'Maximum';
  /** Seconds per datapoint. */
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: ComparisonOperator;
}

const BREACHES: Record<ComparisonOperator, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/**
 * A CloudWatch metric alarm: every period it takes a datapoint of its metric (read from the world by `read`) and is in
 * ALARM when the last `evaluationPeriods` datapoints all breach the threshold, OK otherwise, INSUFFICIENT_DATA until it
 * has enough. SetAlarmState overrides the state until the next evaluation, as in CloudWatch.
 */
export class SimAlarm {
  readonly spec: AlarmSpec;
  readonly arn: string;
  state: AlarmState = 'INSUFFICIENT_DATA';
  reason = 'Unchecked: Initial alarm creation';
  updatedAt = new Date();
  readonly #datapoints: number[] = [];
  readonly #truth: GroundTruth;
  #stop: () => void = () => undefined;

  constructor(spec: AlarmSpec, arn: string, truth: GroundTruth) {
    this.spec = spec;
    this.arn = arn;
    this.#truth = truth;
  }

  /** Starts evaluating every period; `read` returns the datapoint of the period that just ended. */
  start(scheduler: SimScheduler, read: () => number): void {
    this.#stop = scheduler.every(this.spec.period * 1_000, () => this.evaluate(read()));
  }

  stop(): void {
    this.#stop();
  }

  evaluate(datapoint: number): void {
    this.#datapoints.push(datapoint);
    if (this.#datapoints.length > this.spec.evaluationPeriods) this.#datapoints.shift();
    if (this.#datapoints.length < this.spec.evaluationPeriods) return;
    const breaching = this.#datapoints.every((v) => BREACHES[this.spec.comparison](v, this.spec.threshold));
    const shown = this.#datapoints.map((v) => String(Math.round(v * 100) / 100)).join(', ');
    const op = this.spec.comparison
      .replace(/Threshold$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    this.set(
      breaching ? 'ALARM' : 'OK',
      `Threshold Crossed: ${this.spec.evaluationPeriods} datapoint${this.spec.evaluationPeriods === 1 ? '' : 's'} [${shown}] ${breaching ? 'were' : 'were not'} ${op} the threshold (${this.spec.threshold}).`,
    );
  }

  /** Sets the state (SetAlarmState, or an evaluation); a change is recorded in ground truth. */
  set(state: AlarmState, reason: string): void {
    this.reason = reason;
    if (state === this.state) return;
    const from = this.state;
    this.state = state;
    this.updatedAt = new Date();
    this.#truth.record({ kind: 'alarm-state', resource: this.spec.name, from, to: state, detail: { reason } });
  }
}
