import type { DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import { awsSend } from '../../aws/call.js';
import type { AwsClients } from '../../aws/clients.js';
import { sdk } from '../../aws/sdk.js';

/** One CloudWatch alarm's state as its reader saw it. */
export interface AlarmState {
  /** `OK`, `ALARM` or `INSUFFICIENT_DATA`. */
  state: string | undefined;
  reason: string | undefined;
}

/**
 * Reads alarm states for alarm stop conditions. The engine is given one (CloudWatch's below, unless its caller
 * supplies another) rather than calling CloudWatch itself, so the stop conditions do not depend on how AWS is reached.
 */
export interface AlarmStateReader {
  /** The state of each named alarm that exists; a name missing from the answer does not exist. */
  read(names: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AlarmState>>;
}

/** Reads alarm stop conditions through CloudWatch DescribeAlarms (metric and composite alarms alike). */
export function cloudWatchAlarms(aws: AwsClients): AlarmStateReader {
  return {
    async read(names, signal) {
      const { DescribeAlarmsCommand } = await sdk.cloudWatch();
      const out: DescribeAlarmsCommandOutput = await awsSend(
        { aws, signal, recordCall: () => undefined },
        'cloudWatch',
        new DescribeAlarmsCommand({ AlarmNames: [...names] }),
      );
      const states = new Map<string, AlarmState>();
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (a.AlarmName !== undefined && !states.has(a.AlarmName)) states.set(a.AlarmName, { state: a.StateValue, reason: a.StateReason });
      }
      return states;
    },
  };
}
