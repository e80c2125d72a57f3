import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { allInstances, CREDENTIALS, referenceWith, startSim, waitFor } from '../support/sim.js';

const SPEED = 30;

describe('simulated CloudWatch alarms through the SDK', () => {
  it('evaluates metric alarms on the ALB every period, obeys SetAlarmState until the next evaluation, and refuses unknown alarms', async () => {
    const topology = referenceWith((t) => {
      t.alarms = [
        { name: 'web-healthy-hosts', loadBalancer: 'web-alb', metric: 'HealthyHostCount', threshold: 3, comparison: 'LessThanThreshold', period: '10s' },
        {
          name: 'web-5xx',
          loadBalancer: 'web-alb',
          metric: 'HTTPCode_ELB_5XX_Count',
          threshold: 1,
          comparison: 'GreaterThanOrEqualToThreshold',
          period: '60s',
        },
      ];
    });
    const sim = await startSim({ topology, speed: SPEED });
    const cw = new CloudWatchClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const alarm = async (name: string): Promise<MetricAlarm> => {
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
      assert.equal(out.MetricAlarms?.length, 1);
      return out.MetricAlarms?.[0] ?? {};
    };
    try {
      const healthy = await waitFor('the host alarm to be OK', async () => ((await alarm('web-healthy-hosts')).StateValue === 'OK' ? true : undefined), {
        timeoutMs: 10_000,
      });
      assert.ok(healthy);
      const described = await alarm('web-healthy-hosts');
      assert.equal(described.Namespace, 'AWS/ApplicationELB');
      assert.equal(described.MetricName, 'HealthyHostCount');
      assert.equal(described.ComparisonOperator, 'LessThanThreshold');
      assert.deepEqual(
        described.Dimensions?.map((d) => d.Name),
        ['TargetGroup', 'LoadBalancer'],
      );
      assert.ok(described.StateUpdatedTimestamp instanceof Date);
      assert.equal((await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms?.length, 0);

      // SetAlarmState holds until the next evaluation, which recomputes from the metric.
      await cw.send(new SetAlarmStateCommand({ AlarmName: 'web-healthy-hosts', StateValue: 'ALARM', StateReason: 'testing the stop condition' }));
      const forced = await alarm('web-healthy-hosts');
      assert.equal(forced.StateValue, 'ALARM');
      assert.equal(forced.StateReason, 'testing the stop condition');
      await waitFor('the next evaluation to set it OK again', async () => ((await alarm('web-healthy-hosts')).StateValue === 'OK' ? true : undefined), {
        timeoutMs: 5_000,
      });

      // A real breach: one instance gone leaves two healthy hosts, fewer than three.
      const [victim] = await allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] });
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim?.InstanceId ?? ''] }));
      const breached = await waitFor(
        'the host alarm to go to ALARM',
        async () => {
          const a = await alarm('web-healthy-hosts');
          return a.StateValue === 'ALARM' ? a : undefined;
        },
        { timeoutMs: 20_000 },
      );
      assert.match(breached.StateReason ?? '', /Threshold Crossed: 1 datapoint \[2\] were less than the threshold \(3\)/);

      await assert.rejects(
        cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'ALARM', StateReason: 'x' })),
        (e: { name: string }) => e.name === 'ResourceNotFound',
      );
    } finally {
      cw.destroy();
      await sim.close();
    }
  });
});
