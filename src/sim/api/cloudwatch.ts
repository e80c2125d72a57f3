import {
  awsQueryCompatibleService,
  inputBool,
  inputList,
  inputNumber,
  inputString,
  inputTime,
  type WireResult,
  type WireValue,
} from '../protocol/aws-query-compatible.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimWorld } from '../region.js';
import type { SimAlarm } from '../world/alarm.js';
import { aggregate, statisticOf, type MetricId, type StatisticName, type StoredPeriod } from '../world/metric-store.js';

/** The X-Amz-Target prefix of CloudWatch's awsJson1_0 protocol. */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801';
/** The XML namespace of CloudWatch's awsQuery protocol, which older SDKs and tools still speak. */
const CLOUDWATCH_NS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

const STATISTICS: readonly StatisticName[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
/** "A single request can include no more than 1,440 data points" (GetMetricStatistics). */
const MAX_DATAPOINTS = 1_440;

const invalid = (message: string): SimApiError => new SimApiError('InvalidParameterValue', message);

function alarmWire(a: SimAlarm): WireValue {
  return {
    AlarmName: a.spec.name,
    AlarmArn: a.arn,
    ActionsEnabled: false,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    StateValue: a.state,
    StateReason: a.reason,
    StateUpdatedTimestamp: a.updatedAt,
    StateTransitionedTimestamp: a.updatedAt,
    MetricName: a.spec.metricName,
    Namespace: a.spec.namespace,
    Statistic: a.spec.statistic,
    Dimensions: a.spec.dimensions,
    Period: a.spec.period,
    EvaluationPeriods: a.spec.evaluationPeriods,
    DatapointsToAlarm: a.spec.evaluationPeriods,
    Threshold: a.spec.threshold,
    ComparisonOperator: a.spec.comparison,
    TreatMissingData: 'missing',
  };
}

/** A page of `items` from an index token; CloudWatch's InvalidNextToken for a token it did not give. */
function page<T>(items: T[], token: unknown, max: number): { items: T[]; next: string | undefined } {
  const raw = inputString(token);
  const start = raw === undefined ? 0 : Number(raw);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new SimApiError('InvalidNextToken', 'The service returned an invalid NextToken.');
  return { items: items.slice(start, start + max), next: start + max < items.length ? String(start + max) : undefined };
}

function maxRecords(v: unknown, fallback: number): number {
  const n = inputNumber(v, 'MaxRecords') ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw invalid(`The value ${n} for parameter MaxRecords is not valid. It must be between 1 and 100.`);
  return n;
}

function describeAlarms(world: SimWorld, input: Record<string, unknown>): WireResult {
  const names = inputList(input.AlarmNames).map(String);
  const prefix = inputString(input.AlarmNamePrefix);
  const state = inputString(input.StateValue);
  if (state !== undefined && state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') throw invalid(`Invalid state value: ${state}.`);
  const types = inputList(input.AlarmTypes).map(String);
  const alarms = [...world.alarms.values()]
    .filter(
      (a) =>
        (names.length === 0 || names.includes(a.spec.name)) &&
        (prefix === undefined || a.spec.name.startsWith(prefix)) &&
        (state === undefined || a.state === state) &&
        // Without AlarmTypes only metric alarms are returned; the region has no composite alarms.
        (types.length === 0 || types.includes('MetricAlarm')),
    )
    .sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  const { items, next } = page(alarms, input.NextToken, maxRecords(input.MaxRecords, 50));
  return { MetricAlarms: items.map(alarmWire), CompositeAlarms: [], NextToken: next };
}

/** A Metric member: namespace, name and dimensions, each required as CloudWatch requires them. */
function metricOf(v: unknown, where: string): MetricId {
  const m = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const namespace = inputString(m.Namespace);
  const metricName = inputString(m.MetricName);
  if (namespace === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}Namespace is required.`);
  if (metricName === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}MetricName is required.`);
  const dimensions = inputList(m.Dimensions).map((d, i) => {
    const r = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const Name = inputString(r.Name);
    const Value = inputString(r.Value);
    if (Name === undefined || Value === undefined)
      throw new SimApiError('MissingParameter', `The parameter ${where}Dimensions.member.${i + 1} needs a Name and a Value.`);
    return { Name, Value };
  });
  return { namespace, metricName, dimensions };
}

/**
 * The datapoints of one metric over [start, end) at `period` seconds: CloudWatch aggregates the metric's own
 * periods; a standard-resolution metric takes a period that is a multiple of 60 seconds
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html). A metric the
 * region does not publish, or a unit it is not published in, has no datapoints (not an error), as in CloudWatch.
 */
function datapoints(world: SimWorld, id: MetricId, start: Date, end: Date, period: number, unit: string | undefined): { unit: string; points: StoredPeriod[] } {
  if (!Number.isInteger(period) || period < 1) throw invalid(`The parameter Period must be a positive integer, not ${period}.`);
  if (end <= start) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const metric = world.metrics.find(id);
  if (metric === undefined || (unit !== undefined && unit !== metric.unit)) return { unit: unit ?? 'None', points: [] };
  if (period % metric.resolution !== 0)
    throw invalid(`The parameter Period must be a multiple of ${metric.resolution} for a metric of ${metric.resolution}-second resolution.`);
  return { unit: metric.unit, points: aggregate(metric.periods, start, end, period / metric.resolution) };
}

function timeRange(input: Record<string, unknown>): { start: Date; end: Date } {
  const start = inputTime(input.StartTime, 'StartTime');
  const end = inputTime(input.EndTime, 'EndTime');
  if (start === undefined) throw new SimApiError('MissingParameter', 'The parameter StartTime is required.');
  if (end === undefined) throw new SimApiError('MissingParameter', 'The parameter EndTime is required.');
  return { start, end };
}

function getMetricStatistics(world: SimWorld, input: Record<string, unknown>): WireResult {
  const id = metricOf(input, '');
  const { start, end } = timeRange(input);
  const period = inputNumber(input.Period, 'Period');
  if (period === undefined) throw new SimApiError('MissingParameter', 'The parameter Period is required.');
  const statistics = inputList(input.Statistics).map(String);
  const extended = inputList(input.ExtendedStatistics);
  if (statistics.length === 0 && extended.length === 0)
    throw new SimApiError('MissingParameter', 'The parameter Statistics or ExtendedStatistics must be specified.');
  if (extended.length > 0) throw invalid('The simulated CloudWatch keeps no samples for percentiles: ExtendedStatistics are not served.');
  const unknown = statistics.find((s) => !STATISTICS.includes(s as StatisticName));
  if (unknown !== undefined) throw invalid(`The value ${unknown} for parameter Statistics is not valid.`);
  const { unit, points } = datapoints(world, id, start, end, period, inputString(input.Unit));
  if (points.length > MAX_DATAPOINTS)
    throw new SimApiError('InvalidParameterCombination', `You have requested up to ${points.length} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}.`);
  return {
    Label: id.metricName,
    Datapoints: points.map((p) => ({
      Timestamp: p.timestamp,
      ...Object.fromEntries(statistics.map((s) => [s, statisticOf(p.stats, s as StatisticName)])),
      Unit: unit,
    })),
  };
}

/**
 * GetMetricData with MetricStat queries: each result has the query's Id, its Label (the metric name by default),
 * Timestamps and Values newest first (ScanBy TimestampDescending, the default) and StatusCode Complete
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html). Metric math
 * (Expression) is not evaluated by the region and is refused rather than answered wrongly.
 */
function getMetricData(world: SimWorld, input: Record<string, unknown>): WireResult {
  const queries = inputList(input.MetricDataQueries);
  if (queries.length === 0) throw new SimApiError('MissingParameter', 'The parameter MetricDataQueries is required.');
  if (queries.length > 500) throw invalid('The collection MetricDataQueries must not have a size greater than 500.');
  const { start, end } = timeRange(input);
  const scanBy = inputString(input.ScanBy) ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalid(`The value ${scanBy} for parameter ScanBy is not valid.`);
  const ids = new Set<string>();
  const results: WireValue[] = [];
  queries.forEach((q, n) => {
    const query = (typeof q === 'object' && q !== null ? q : {}) as Record<string, unknown>;
    const id = inputString(query.Id);
    const where = `MetricDataQueries.member.${n + 1}.`;
    if (id === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}Id is required.`);
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) throw invalid(`The value ${id} for parameter ${where}Id is not valid: it must start with a lowercase letter.`);
    if (ids.has(id)) throw invalid(`The value ${id} for parameter ${where}Id is used more than once.`);
    ids.add(id);
    if (query.Expression !== undefined) throw invalid(`${where}Expression: the simulated CloudWatch does not evaluate metric math.`);
    const stat = (typeof query.MetricStat === 'object' && query.MetricStat !== null ? query.MetricStat : undefined) as Record<string, unknown> | undefined;
    if (stat === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}MetricStat or ${where}Expression is required.`);
    const metric = metricOf(stat.Metric, `${where}MetricStat.Metric.`);
    const period = inputNumber(stat.Period, `${where}MetricStat.Period`);
    const statistic = inputString(stat.Stat);
    if (period === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}MetricStat.Period is required.`);
    if (statistic === undefined) throw new SimApiError('MissingParameter', `The parameter ${where}MetricStat.Stat is required.`);
    if (!STATISTICS.includes(statistic as StatisticName))
      throw invalid(`The value ${statistic} for parameter ${where}MetricStat.Stat is not served by the simulated CloudWatch.`);
    const { points } = datapoints(world, metric, start, end, period, inputString(stat.Unit));
    if (inputBool(query.ReturnData) === false) return;
    const ordered = scanBy === 'TimestampDescending' ? [...points].reverse() : points;
    results.push({
      Id: id,
      Label: inputString(query.Label) ?? metric.metricName,
      Timestamps: ordered.map((p) => p.timestamp),
      Values: ordered.map((p) => statisticOf(p.stats, statistic as StatisticName)),
      StatusCode: 'Complete',
    });
  });
  return { MetricDataResults: results, Messages: [] };
}

function describeAlarmHistory(world: SimWorld, input: Record<string, unknown>): WireResult {
  const name = inputString(input.AlarmName);
  const type = inputString(input.HistoryItemType);
  const kinds = ['ConfigurationUpdate', 'StateUpdate', 'Action', 'AlarmContributorStateUpdate', 'AlarmContributorAction'];
  if (type !== undefined && !kinds.includes(type)) throw invalid(`The value ${type} for parameter HistoryItemType is not valid.`);
  const startDate = inputTime(input.StartDate, 'StartDate');
  const endDate = inputTime(input.EndDate, 'EndDate');
  const types = inputList(input.AlarmTypes).map(String);
  const scanBy = inputString(input.ScanBy) ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalid(`The value ${scanBy} for parameter ScanBy is not valid.`);
  const items = [...world.alarms.values()]
    .filter((a) => (name === undefined || a.spec.name === name) && (types.length === 0 || types.includes('MetricAlarm')))
    .flatMap((a) => a.history.map((h) => ({ alarm: a.spec.name, ...h })))
    .filter(
      (h) =>
        (type === undefined || h.type === type) && (startDate === undefined || h.timestamp >= startDate) && (endDate === undefined || h.timestamp <= endDate),
    )
    .sort((a, b) => (scanBy === 'TimestampDescending' ? b.timestamp.getTime() - a.timestamp.getTime() : a.timestamp.getTime() - b.timestamp.getTime()));
  const { items: shown, next } = page(items, input.NextToken, maxRecords(input.MaxRecords, 100));
  return {
    AlarmHistoryItems: shown.map((h) => ({
      AlarmName: h.alarm,
      AlarmType: 'MetricAlarm',
      Timestamp: h.timestamp,
      HistoryItemType: h.type,
      HistorySummary: h.summary,
      HistoryData: h.data,
    })),
    NextToken: next,
  };
}

/**
 * CloudWatch of the simulated region: the topology's metric alarms (DescribeAlarms, SetAlarmState,
 * DescribeAlarmHistory) and the load balancers' metrics (GetMetricStatistics, GetMetricData).
 */
function cloudWatchApi(world: SimWorld, operation: string, input: Record<string, unknown>): WireResult {
  switch (operation) {
    case 'DescribeAlarms':
      return describeAlarms(world, input);
    case 'SetAlarmState': {
      const alarm = world.alarms.get(String(input.AlarmName ?? ''));
      if (alarm === undefined) throw new SimApiError('ResourceNotFound', `Alarm ${String(input.AlarmName ?? '')} does not exist.`, 404);
      const state = String(input.StateValue ?? '');
      if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') throw new SimApiError('InvalidFormat', `Invalid state value: ${state}.`);
      alarm.set(state, String(input.StateReason ?? 'Set by SetAlarmState'));
      return null;
    }
    case 'GetMetricStatistics':
      return getMetricStatistics(world, input);
    case 'GetMetricData':
      return getMetricData(world, input);
    case 'DescribeAlarmHistory':
      return describeAlarmHistory(world, input);
    default:
      throw new SimApiError('InvalidAction', `The action ${operation} is not valid for this web service.`);
  }
}

/** CloudWatch as the server serves it: awsJson1_0 for current SDKs, awsQuery for older ones. */
export const cloudWatchService = awsQueryCompatibleService<SimWorld>(CLOUDWATCH_TARGET, CLOUDWATCH_NS, cloudWatchApi);
