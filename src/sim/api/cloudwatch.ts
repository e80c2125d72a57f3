import { randomUUID } from 'node:crypto';
import { SimApiError } from '../protocol/errors.js';
import type { SimWorld } from '../region.js';
import type { SimAlarm } from '../world/alarm.js';

/** The X-Amz-Target prefix of CloudWatch's awsJson1_0 protocol. */
export const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801';

export interface JsonReply {
  status: number;
  body: string;
  contentType: string;
  requestId: string;
  headers?: Record<string, string>;
}

function reply(body: unknown, status = 200): JsonReply {
  return { status, body: JSON.stringify(body), contentType: 'application/x-amz-json-1.0', requestId: randomUUID() };
}

/** A CloudWatch error: `__type` for JSON clients, and the awsQuery-compatible code header the SDK reads. */
export function cloudWatchError(e: SimApiError): JsonReply {
  const r = reply({ __type: e.code, message: e.message }, e.status);
  r.headers = { 'x-amzn-query-error': `${e.code};${e.sender ? 'Sender' : 'Receiver'}` };
  return r;
}

function alarmJson(a: SimAlarm): Record<string, unknown> {
  return {
    AlarmName: a.spec.name,
    AlarmArn: a.arn,
    ActionsEnabled: false,
    StateValue: a.state,
    StateReason: a.reason,
    StateUpdatedTimestamp: a.updatedAt.getTime() / 1_000,
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

/** The operation a CloudWatch request names (its X-Amz-Target), for the request log. */
export function cloudWatchOperation(target: string | undefined): string {
  return (target ?? '').replace(`${CLOUDWATCH_TARGET}.`, '') || 'Unknown';
}

/** CloudWatch (awsJson1_0) of the simulated region: DescribeAlarms and SetAlarmState on the topology's metric alarms. */
export function cloudWatchApi(world: SimWorld, operation: string, body: string): JsonReply {
  let input: Record<string, unknown>;
  try {
    input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    throw new SimApiError('SerializationException', 'The request body is not valid JSON.');
  }
  switch (operation) {
    case 'DescribeAlarms': {
      const names = Array.isArray(input.AlarmNames) ? (input.AlarmNames as unknown[]).map(String) : undefined;
      const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
      const state = typeof input.StateValue === 'string' ? input.StateValue : undefined;
      const alarms = [...world.alarms.values()].filter((a) => (names === undefined || names.includes(a.spec.name)) && (prefix === undefined || a.spec.name.startsWith(prefix)) && (state === undefined || a.state === state));
      return reply({ MetricAlarms: alarms.map(alarmJson), CompositeAlarms: [] });
    }
    case 'SetAlarmState': {
      const alarm = world.alarms.get(String(input.AlarmName ?? ''));
      if (alarm === undefined) throw new SimApiError('ResourceNotFound', `Alarm ${String(input.AlarmName ?? '')} does not exist.`, 404);
      const state = String(input.StateValue ?? '');
      if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') throw new SimApiError('InvalidFormat', `Invalid state value: ${state}.`);
      alarm.set(state, String(input.StateReason ?? 'Set by SetAlarmState'));
      return reply({});
    }
    default:
      throw new SimApiError('UnknownOperationException', `The simulated CloudWatch does not serve ${operation}.`);
  }
}
