import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import { METRIC_PUBLICATION_DELAY_MS, type PeriodMetric, type Statistic } from './metric-period.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ComparisonOperator = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** What a metric alarm of the simulated region watches, and how. */
export interface AlarmSpec {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  statistic: Statistic;
  /** Seconds per datapoint. */
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: ComparisonOperator;
}

/**
 * How often an alarm whose period is under a minute is evaluated: "If the alarm period is 10 seconds or 30 seconds,
 * the alarm is evaluated every 10 seconds" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
 */
const HIGH_RESOLUTION_EVALUATION_MS = 10_000;

const BREACHES: Record<ComparisonOperator, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** One item of an alarm's history, as DescribeAlarmHistory gives it. */
export interface AlarmHistoryEntry {
  timestamp: Date;
  type: 'ConfigurationUpdate' | 'StateUpdate';
  summary: string;
  /** HistoryData: the JSON document CloudWatch writes for the item. */
  data: string;
}

/** What an evaluation read: CloudWatch's `stateReasonData` of a state change. */
interface ReasonData {
  version: '1.0';
  queryDate: string;
  statistic: string;
  period: number;
  recentDatapoints: number[];
  threshold: number;
}

/**
 * A CloudWatch metric alarm. Its datapoint of a period aggregates the whole period (`statistic` over the metric's
 * samples) and becomes available METRIC_PUBLICATION_DELAY_MS after the period ends; the alarm is evaluated then.
 * TreatMissingData is `missing`: with every datapoint of the evaluation range missing the alarm is INSUFFICIENT_DATA,
 * with all `evaluationPeriods` present and breaching it is ALARM, with any present one not breaching it is OK, and
 * otherwise it keeps its state (assumed). A period shorter than the metric's resolution gets no datapoints, so the
 * alarm stays INSUFFICIENT_DATA: "If you specify a period of 10, 20, or 30 for a metric that does not have
 * sub-minute resolution, ... it does not receive data" (PutMetricAlarm Period,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html). SetAlarmState
 * overrides the state until the next evaluation, as in CloudWatch.
 */
export class SimAlarm {
  readonly spec: AlarmSpec;
  readonly arn: string;
  state: AlarmState = 'INSUFFICIENT_DATA';
  reason = 'Unchecked: Initial alarm creation';
  updatedAt = new Date();
  /**
   * Its history, oldest first: its creation, then each state change, summarised "Alarm updated from OK to ALARM" with
   * HistoryData `{version, oldState, newState}` as CloudWatch writes them
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).
   */
  readonly history: AlarmHistoryEntry[] = [];
  /** The latest datapoints, oldest first; undefined where a period published nothing. */
  readonly #datapoints: (number | undefined)[] = [];
  /** Datapoints of ended periods that are not published yet. */
  readonly #unpublished: (number | undefined)[] = [];
  #metric: PeriodMetric | undefined;
  readonly #truth: GroundTruth;
  #stop: () => void = () => undefined;

  constructor(spec: AlarmSpec, arn: string, truth: GroundTruth) {
    this.spec = spec;
    this.arn = arn;
    this.#truth = truth;
    this.history.push({
      timestamp: this.updatedAt,
      type: 'ConfigurationUpdate',
      summary: `Alarm "${spec.name}" created`,
      data: JSON.stringify({
        type: 'Create',
        version: '1.0',
        createdAlarm: {
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions.map((d) => ({ name: d.Name, value: d.Value })),
          statistic: spec.statistic.toUpperCase(),
          period: spec.period,
          evaluationPeriods: spec.evaluationPeriods,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          alarmName: spec.name,
          alarmArn: arn,
          stateValue: this.state,
          stateReason: this.reason,
        },
      }),
    });
  }

  /** Starts gathering `metric` and evaluating the alarm at the end of every period (plus the publication delay). */
  start(scheduler: SimScheduler, metric: PeriodMetric): void {
    const periodMs = this.spec.period * 1_000;
    if (this.spec.period % metric.resolution !== 0) {
      this.#stop = scheduler.every(HIGH_RESOLUTION_EVALUATION_MS, () => this.evaluate(undefined));
      return;
    }
    this.#metric = metric;
    const stopSampling = metric.start(scheduler);
    const pending = new Set<NodeJS.Timeout | undefined>();
    const stopPeriods = scheduler.every(periodMs, () => {
      const datapoint = metric.closePeriod().value(this.spec.statistic);
      this.#unpublished.push(datapoint);
      const timer = scheduler.after(METRIC_PUBLICATION_DELAY_MS, () => {
        pending.delete(timer);
        this.#unpublished.shift();
        this.evaluate(datapoint);
      });
      pending.add(timer);
    });
    this.#stop = () => {
      stopSampling();
      stopPeriods();
      for (const t of pending) scheduler.cancel(t);
    };
  }

  /**
   * Not in ALARM, and not about to be: the datapoints already gathered (published, unpublished and the current
   * period so far) would not take it there. The region is ready only then, so that a period spanning the boot
   * (fewer healthy hosts while the stack came up) cannot stop a run at its start.
   */
  settled(): boolean {
    if (this.state === 'ALARM') return false;
    if (this.#metric === undefined) return true;
    const n = this.spec.evaluationPeriods;
    const all = [...this.#datapoints, ...this.#unpublished, this.#metric.peek().value(this.spec.statistic)];
    for (let end = this.#datapoints.length + 1; end <= all.length; end++) {
      const window = all.slice(Math.max(0, end - n), end);
      if (window.length === n && window.every((v) => v !== undefined && BREACHES[this.spec.comparison](v, this.spec.threshold))) return false;
    }
    return true;
  }

  stop(): void {
    this.#stop();
  }

  /** Evaluates the alarm with the datapoint of the period that just ended (undefined: none was published). */
  evaluate(datapoint: number | undefined): void {
    const n = this.spec.evaluationPeriods;
    this.#datapoints.push(datapoint);
    if (this.#datapoints.length > n) this.#datapoints.shift();
    const present = this.#datapoints.filter((v): v is number => v !== undefined);
    const points = `${n} datapoint${n === 1 ? '' : 's'}`;
    if (present.length === 0) {
      this.set('INSUFFICIENT_DATA', `Insufficient Data: ${points} ${n === 1 ? 'was' : 'were'} unknown.`);
      return;
    }
    const breaches = present.map((v) => BREACHES[this.spec.comparison](v, this.spec.threshold));
    const breaching = present.length === n && breaches.every(Boolean);
    if (!breaching && breaches.every(Boolean)) return;
    const shown = present.map((v) => String(Math.round(v * 100) / 100)).join(', ');
    const op = this.spec.comparison
      .replace(/Threshold$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    this.set(
      breaching ? 'ALARM' : 'OK',
      `Threshold Crossed: ${points} [${shown}] ${breaching ? 'were' : 'were not'} ${op} the threshold (${this.spec.threshold}).`,
      {
        version: '1.0',
        queryDate: new Date().toISOString(),
        statistic: this.spec.statistic,
        period: this.spec.period,
        recentDatapoints: present,
        threshold: this.spec.threshold,
      },
    );
  }

  /** Sets the state (SetAlarmState, or an evaluation); a change is recorded in ground truth and in the history. */
  set(state: AlarmState, reason: string, reasonData?: ReasonData): void {
    const oldReason = this.reason;
    this.reason = reason;
    if (state === this.state) return;
    const from = this.state;
    this.state = state;
    this.updatedAt = new Date();
    this.history.push({
      timestamp: this.updatedAt,
      type: 'StateUpdate',
      summary: `Alarm updated from ${from} to ${state}`,
      data: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: from, stateReason: oldReason },
        newState: { stateValue: state, stateReason: reason, ...(reasonData === undefined ? {} : { stateReasonData: reasonData }) },
      }),
    });
    this.#truth.record({ kind: 'alarm-state', resource: this.spec.name, from, to: state, detail: { reason } });
  }
}
