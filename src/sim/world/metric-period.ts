import { TIMING_TABLE } from '../timing-table.js';
import type { SimScheduler } from '../timing.js';

export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum';

/**
 * Seconds between the datapoints each AWS namespace the sim knows publishes: both are standard resolution.
 * AWS/ApplicationELB: "Elastic Load Balancing measures and sends its metrics in 60-second intervals"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 * AWS/RDS: "Amazon RDS automatically sends metric data to CloudWatch in 1-minute periods"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/monitoring-cloudwatch.html).
 */
export const METRIC_RESOLUTION_SECONDS: Readonly<Record<string, number>> = {
  'AWS/ApplicationELB': TIMING_TABLE.metricPeriod.figure / 1_000,
  'AWS/RDS': TIMING_TABLE.metricPeriod.figure / 1_000,
};

/**
 * AWS time between the end of a period and its datapoint being available to an alarm. Assumed: AWS publishes no
 * figure (a re:Post answer speaks of "a few seconds delay for the data to become available to the alarm").
 */
export const METRIC_PUBLICATION_DELAY_MS = TIMING_TABLE.metricPublicationDelay.figure;

/**
 * How often a gauge (HealthyHostCount, UnHealthyHostCount) is sampled within a period. Assumed: the ALB publishes one
 * aggregate per minute and does not say how many samples it takes.
 */
export const GAUGE_SAMPLE_MS = TIMING_TABLE.gaugeSample.figure;

/** The statistics of one period's samples, as CloudWatch keeps them (SampleCount, Sum, Minimum, Maximum). */
export class PeriodStatistics {
  sampleCount = 0;
  sum = 0;
  minimum = Number.POSITIVE_INFINITY;
  maximum = Number.NEGATIVE_INFINITY;

  /** Adds `count` samples of `value`. */
  add(value: number, count = 1): void {
    if (count <= 0) return;
    this.sampleCount += count;
    this.sum += value * count;
    this.minimum = Math.min(this.minimum, value);
    this.maximum = Math.max(this.maximum, value);
  }

  /** The datapoint for `statistic`, or undefined when the period had no sample (nothing was published). */
  value(statistic: Statistic): number | undefined {
    if (this.sampleCount === 0) return undefined;
    switch (statistic) {
      case 'Sum':
        return this.sum;
      case 'Average':
        return this.sum / this.sampleCount;
      case 'Minimum':
        return this.minimum;
      case 'Maximum':
        return this.maximum;
    }
  }
}

/** A metric as a publisher sends it: samples gathered over a period, handed over when the period closes. */
export interface PeriodMetric {
  /** Seconds between the publisher's datapoints (60 for standard resolution). */
  readonly resolution: number;
  /** Starts gathering samples; returns a function that stops it. */
  start(scheduler: SimScheduler): () => void;
  /** Ends the current period and returns its statistics (empty when nothing was published). */
  closePeriod(): PeriodStatistics;
  /** The statistics of the current period so far, leaving it open. */
  peek(): PeriodStatistics;
}

/**
 * A count metric (RequestCount, HTTPCode_*_Count): each event is a sample of 1, so Sum is the count and Minimum,
 * Maximum and Average are 1, and a period without events publishes nothing ("Reporting criteria: There is a nonzero
 * value", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 */
export function counterMetric(resolution: number, total: () => number): PeriodMetric {
  let last = total();
  return {
    resolution,
    start: () => {
      last = total();
      return () => undefined;
    },
    closePeriod: () => {
      const now = total();
      const stats = new PeriodStatistics();
      stats.add(1, now - last);
      last = now;
      return stats;
    },
    peek: () => {
      const stats = new PeriodStatistics();
      stats.add(1, total() - last);
      return stats;
    },
  };
}

/** A gauge metric (HealthyHostCount): sampled every GAUGE_SAMPLE_MS, so Minimum sees a dip that Average smooths. */
export function gaugeMetric(resolution: number, read: () => number): PeriodMetric {
  let stats = new PeriodStatistics();
  return {
    resolution,
    start: (scheduler) => {
      stats = new PeriodStatistics();
      stats.add(read());
      return scheduler.every(GAUGE_SAMPLE_MS, () => stats.add(read()));
    },
    closePeriod: () => {
      const ended = stats;
      stats = new PeriodStatistics();
      stats.add(read());
      return ended;
    },
    peek: () => stats,
  };
}
