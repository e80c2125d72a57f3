import type { SimScheduler } from '../timing.js';
import { PeriodStatistics, type PeriodMetric } from './metric-period.js';

/** A metric's identity in CloudWatch: namespace, name and its exact set of dimensions. */
export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
}

/** One published datapoint: the statistics of a period that started at `timestamp` (wall clock, as every time the region gives). */
export interface StoredPeriod {
  timestamp: Date;
  stats: PeriodStatistics;
}

/** A period's statistics, each published datapoint counted once (periods without data publish nothing). */
export type StatisticName = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

/**
 * Periods kept per metric. Assumed bound: a day of one-minute datapoints, which is what a chaos run looks back on;
 * CloudWatch itself keeps one-minute datapoints for 15 days
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention).
 */
const KEPT_PERIODS = 1_440;

interface Series {
  id: MetricId;
  unit: string;
  metric: PeriodMetric;
  periods: StoredPeriod[];
}

const sameDimensions = (a: MetricId['dimensions'], b: MetricId['dimensions']): boolean =>
  a.length === b.length && a.every((d) => b.some((e) => e.Name === d.Name && e.Value === d.Value));

/**
 * The datapoints CloudWatch holds for the metrics the region publishes, one per period of each metric's resolution,
 * for GetMetricStatistics and GetMetricData. A metric matches a query only with exactly its dimensions, as in
 * CloudWatch ("you must specify the same dimensions that were used when the metrics were created").
 */
export class MetricStore {
  readonly #series: Series[] = [];
  #stops: (() => void)[] = [];

  /** Adds a metric the region publishes; `start` begins gathering it. */
  add(id: MetricId, unit: string, metric: PeriodMetric): void {
    this.#series.push({ id, unit, metric, periods: [] });
  }

  /** Starts closing every metric's period at the end of its resolution. */
  start(scheduler: SimScheduler): void {
    for (const s of this.#series) {
      let started = new Date();
      const stopSampling = s.metric.start(scheduler);
      const stopPeriods = scheduler.every(s.metric.resolution * 1_000, () => {
        const stats = s.metric.closePeriod();
        if (stats.sampleCount > 0) s.periods.push({ timestamp: started, stats });
        if (s.periods.length > KEPT_PERIODS) s.periods.shift();
        started = new Date();
      });
      this.#stops.push(stopSampling, stopPeriods);
    }
  }

  stop(): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
  }

  /** The metric with exactly these dimensions, if the region publishes it. */
  find(id: MetricId): { unit: string; resolution: number; periods: readonly StoredPeriod[] } | undefined {
    const s = this.#series.find((x) => x.id.namespace === id.namespace && x.id.metricName === id.metricName && sameDimensions(x.id.dimensions, id.dimensions));
    return s === undefined ? undefined : { unit: s.unit, resolution: s.metric.resolution, periods: s.periods };
  }
}

/**
 * The datapoints of `periods` between `start` (inclusive) and `end` (exclusive), aggregated into buckets of `span`
 * stored periods each (a request's Period over the metric's resolution), oldest first.
 */
export function aggregate(periods: readonly StoredPeriod[], start: Date, end: Date, span: number): StoredPeriod[] {
  const out: StoredPeriod[] = [];
  const inRange = periods.filter((p) => p.timestamp >= start && p.timestamp < end);
  for (let i = 0; i < inRange.length; i += span) {
    const bucket = inRange.slice(i, i + span);
    const first = bucket[0];
    if (first === undefined) continue;
    const stats = new PeriodStatistics();
    for (const p of bucket) {
      stats.sampleCount += p.stats.sampleCount;
      stats.sum += p.stats.sum;
      stats.minimum = Math.min(stats.minimum, p.stats.minimum);
      stats.maximum = Math.max(stats.maximum, p.stats.maximum);
    }
    out.push({ timestamp: first.timestamp, stats });
  }
  return out;
}

/** One statistic of a period's statistics. */
export function statisticOf(stats: PeriodStatistics, statistic: StatisticName): number {
  return statistic === 'SampleCount' ? stats.sampleCount : (stats.value(statistic) ?? 0);
}
