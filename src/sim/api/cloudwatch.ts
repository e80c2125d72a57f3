import { awsJsonReply as reply, awsJsonService } from '../protocol/aws-json.js';
import { SimApiError } from '../protocol/errors.js';
import type { WireReply } from '../protocol/reply.js';
import type { SimWorld } from '../region.js';
import type { SimAlarm } from '../world/alarm.js';

/** The X-Amz-Target prefix of CloudWatch's awsJson1_0 protocol. */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801';

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

/** CloudWatch (awsJson1_0) of the simulated region: DescribeAlarms and SetAlarmState on the topology's metric alarms. */
function cloudWatchApi(world: SimWorld, operation: string, input: Record<string, unknown>): WireReply {
  switch (operation) {
    case 'DescribeAlarms': {
      const names = Array.isArray(input.AlarmNames) ? (input.AlarmNames as unknown[]).map(String) : undefined;
      const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
      const state = typeof input.StateValue === 'string' ? input.StateValue : undefined;
      const alarms = [...world.alarms.values()].filter(
        (a) =>
          (names === undefined || names.includes(a.spec.name)) &&
          (prefix === undefined || a.spec.name.startsWith(prefix)) &&
          (state === undefined || a.state === state),
      );
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

/** CloudWatch as the server serves it: awsJson1_0. */
export const cloudWatchService = awsJsonService<SimWorld>(CLOUDWATCH_TARGET, cloudWatchApi);
