import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { parseTopology } from '../../src/sim/topology.js';
import { allInstances, CREDENTIALS, httpGet, referenceWith, sdkError, startSim, truth, waitFor, type Sim } from '../support/sim.js';

const SPEED = 100;

describe('simulated CloudWatch alarms through the SDK', () => {
  it('evaluates metric alarms on the ALB every 60-s period, obeys SetAlarmState until the next evaluation, and refuses unknown alarms', async () => {
    const topology = referenceWith((t) => {
      t.alarms = [
        { name: 'web-healthy-hosts', loadBalancer: 'web-alb', metric: 'HealthyHostCount', threshold: 3, comparison: 'LessThanThreshold', period: '60s' },
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

  // ELB "measures and sends its metrics in 60-second intervals"
  // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html), and an
  // alarm with "a period of 10, 20, or 30 for a metric that does not have sub-minute resolution ... does not receive
  // data" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
  it('keeps a 30-s alarm on AWS/ApplicationELB in INSUFFICIENT_DATA while the same alarm with a 60-s period fires', async () => {
    const hosts = { loadBalancer: 'web-alb', metric: 'HealthyHostCount', threshold: 100, comparison: 'LessThanThreshold' };
    const topology = referenceWith((t) => {
      t.alarms = [
        { name: 'hosts-30', ...hosts, period: '30s' },
        { name: 'hosts-60', ...hosts, period: '60s' },
      ] as typeof t.alarms;
    });
    const sim = await startSim({ topology, speed: SPEED, ready: false });
    const cw = new CloudWatchClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await waitFor(
        'the 60-s alarm in ALARM',
        async () => (await truth(sim.endpoint)).some((e) => e.resource === 'hosts-60' && e.to === 'ALARM') || undefined,
        {
          timeoutMs: 10_000,
        },
      );
      // Two more 60-s periods: the 30-s alarm has been evaluated a dozen times more, and never had a datapoint.
      await new Promise((r) => sim.region.world.scheduler.after(120_000, () => r(undefined)));
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['hosts-30'] }));
      assert.equal(out.MetricAlarms?.[0]?.StateValue, 'INSUFFICIENT_DATA');
      assert.equal(out.MetricAlarms?.[0]?.Period, 30);
      assert.match(out.MetricAlarms?.[0]?.StateReason ?? '', /^Insufficient Data: 1 datapoint was unknown\.$/);
      assert.equal((await truth(sim.endpoint)).filter((e) => e.kind === 'alarm-state' && e.resource === 'hosts-30').length, 0);
    } finally {
      cw.destroy();
      await sim.close();
    }
  });

  // A period's datapoint exists only once the period has ended (plus the publication delay): with periods aligned to
  // the alarm's start, a 60-s alarm fires no earlier than one full period after it starts watching, at the end of the
  // period that held the first error, and with EvaluationPeriods 2 no earlier than one full period after the first error.
  it("fires a 60-s HTTPCode_ELB_5XX_Count alarm only after a full period of AWS time, on the whole period's Sum", async () => {
    // An ALB with no targets answers 503 to every request.
    const topology = parseTopology({
      launchTemplates: [{ name: 'lt' }],
      loadBalancers: [{ name: 'web-alb', targetGroup: { name: 'web-tg' } }],
      alarms: [
        { name: 'elb-5xx', loadBalancer: 'web-alb', metric: 'HTTPCode_ELB_5XX_Count', threshold: 1, period: '60s' },
        { name: 'elb-5xx-2', loadBalancer: 'web-alb', metric: 'HTTPCode_ELB_5XX_Count', threshold: 1, period: '60s', evaluationPeriods: 2 },
        { name: 'elb-5xx-10s', loadBalancer: 'web-alb', metric: 'HTTPCode_ELB_5XX_Count', threshold: 1, period: '10s' },
      ],
    });
    const now = (): number => performance.timeOrigin + performance.now();
    const started = now();
    const sim = await startSim({ topology, speed: SPEED, ready: false });
    const url = sim.outputs['alb.web-alb.url'] ?? '';
    let firstError: number | undefined;
    let errors = 0;
    let done = false;
    try {
      const load = (async () => {
        while (!done) {
          const res = await httpGet(url, 1_000).catch(() => undefined);
          if (res?.status === 503) {
            firstError ??= now();
            errors++;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const fired = async (name: string) =>
        waitFor(`${name} in ALARM`, async () => (await truth(sim.endpoint)).find((e) => e.resource === name && e.to === 'ALARM'), { timeoutMs: 15_000 });
      const one = await fired('elb-5xx');
      const two = await fired('elb-5xx-2');
      done = true;
      await load;
      assert.ok(firstError !== undefined);
      const aws = (from: number, to: number): number => Math.round((to - from) * SPEED);
      assert.ok(
        aws(started, one.epochMs) >= 65_000,
        `ALARM ${aws(started, one.epochMs)} ms of AWS time after the alarm started, before one period and its publication`,
      );
      assert.ok(
        aws(firstError, one.epochMs) >= 5_000,
        `ALARM ${aws(firstError, one.epochMs)} ms of AWS time after the first 503, before the datapoint's publication`,
      );
      assert.ok(
        aws(firstError, one.epochMs) <= 65_000 + 10_000,
        `ALARM ${aws(firstError, one.epochMs)} ms of AWS time after the first 503, later than one period`,
      );
      assert.ok(aws(firstError, two.epochMs) >= 65_000, `EvaluationPeriods 2 fired ${aws(firstError, two.epochMs)} ms of AWS time after the first 503`);
      const sum = Number(/\[(\d+)\]/.exec(String(one.detail?.reason ?? ''))?.[1]);
      assert.ok(sum > 1 && sum <= errors, `the datapoint (${sum}) is the Sum of the period's 503s (${errors} seen in all), not one sample`);
      assert.equal(
        (await truth(sim.endpoint)).filter((e) => e.resource === 'elb-5xx-10s' && e.kind === 'alarm-state').length,
        0,
        'the 10-s alarm never had data',
      );
    } finally {
      done = true;
      await sim.close();
    }
  });
});

// CloudWatch's model is `awsQueryCompatible`: current SDKs speak awsJson1_0, older ones (and the SDK told to) awsQuery,
// and both get the same answers, errors included
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).
describe('CloudWatch metrics and alarm history over awsJson1_0 and awsQuery', () => {
  let sim: Sim;
  let json: CloudWatchClient;
  let query: CloudWatchClient;

  before(async () => {
    sim = await startSim({ speed: SPEED });
    const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
    json = new CloudWatchClient(config);
    query = new CloudWatchClient({ ...config, protocol: AwsQueryProtocol });
  });
  after(async () => {
    json.destroy();
    query.destroy();
    await sim.close();
  });

  it('answers DescribeAlarms, GetMetricStatistics and GetMetricData alike in both protocols', async () => {
    const [fromJson, fromQuery] = await Promise.all([json, query].map((c) => c.send(new DescribeAlarmsCommand({ AlarmNames: ['web-healthy-hosts'] }))));
    const alarm = fromQuery?.MetricAlarms?.[0];
    assert.equal(alarm?.AlarmName, 'web-healthy-hosts');
    assert.ok(alarm?.StateUpdatedTimestamp instanceof Date);
    assert.deepEqual(alarm?.Dimensions, fromJson?.MetricAlarms?.[0]?.Dimensions);
    const metric = { Namespace: 'AWS/ApplicationELB', MetricName: 'HealthyHostCount', Dimensions: alarm?.Dimensions ?? [] };
    const range = { StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 60_000) };
    await waitFor('three minutes of datapoints', async () => {
      const out = await query.send(new GetMetricStatisticsCommand({ ...metric, ...range, Period: 60, Statistics: ['Minimum', 'Average'] }));
      return (out.Datapoints?.length ?? 0) >= 3 || undefined;
    });
    const [statsJson, statsQuery] = await Promise.all(
      [json, query].map((c) => c.send(new GetMetricStatisticsCommand({ ...metric, ...range, Period: 60, Statistics: ['Minimum', 'Average'] }))),
    );
    const newest = (statsQuery?.Datapoints ?? []).sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
    assert.deepEqual([newest?.Minimum, newest?.Average, newest?.Unit], [3, 3, 'Count']);
    assert.ok(newest?.Timestamp instanceof Date);
    assert.ok((statsJson?.Datapoints?.length ?? 0) >= 3);
    // A period that is no multiple of the metric's 60-s resolution is refused, not answered with wrong datapoints.
    for (const c of [json, query]) {
      const e = await sdkError(c.send(new GetMetricStatisticsCommand({ ...metric, ...range, Period: 30, Statistics: ['Minimum'] })));
      assert.match(e.name, /^InvalidParameterValue/);
      assert.equal(e.$metadata?.httpStatusCode, 400);
    }

    const queries = [
      { Id: 'healthy', MetricStat: { Metric: metric, Period: 120, Stat: 'Maximum' } },
      { Id: 'hidden', MetricStat: { Metric: metric, Period: 60, Stat: 'Sum' }, ReturnData: false },
    ];
    const [dataJson, dataQuery] = await Promise.all([json, query].map((c) => c.send(new GetMetricDataCommand({ MetricDataQueries: queries, ...range }))));
    const result = dataQuery?.MetricDataResults ?? [];
    assert.deepEqual(
      result.map((r) => [r.Id, r.Label, r.StatusCode]),
      [['healthy', 'HealthyHostCount', 'Complete']],
    );
    assert.equal(result[0]?.Values?.[0], 3);
    assert.ok(result[0]?.Timestamps?.[0] instanceof Date);
    assert.deepEqual(dataJson?.MetricDataResults?.[0]?.Values?.slice(1), result[0]?.Values?.slice(1));
    const bad = await sdkError(query.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: 'Upper', MetricStat: queries[0]?.MetricStat }], ...range })));
    assert.match(bad.name, /^InvalidParameterValue/);
  });

  it('DescribeAlarmHistory: state updates newest first with HistoryData, filtered by type, in both protocols', async () => {
    await json.send(new SetAlarmStateCommand({ AlarmName: 'web-healthy-hosts', StateValue: 'ALARM', StateReason: 'drill' }));
    for (const c of [query, json]) {
      const out = await c.send(new DescribeAlarmHistoryCommand({ AlarmName: 'web-healthy-hosts', HistoryItemType: 'StateUpdate' }));
      const items = out.AlarmHistoryItems ?? [];
      const drill = items.find((h) => h.HistorySummary === 'Alarm updated from OK to ALARM' && (h.HistoryData ?? '').includes('drill'));
      assert.ok(drill !== undefined, 'the drill is in the history');
      assert.equal(drill.AlarmType, 'MetricAlarm');
      assert.ok(drill.Timestamp instanceof Date);
      const data = JSON.parse(drill.HistoryData ?? '{}') as { version: string; oldState: { stateValue: string }; newState: { stateValue: string } };
      assert.deepEqual([data.version, data.oldState.stateValue, data.newState.stateValue], ['1.0', 'OK', 'ALARM']);
      const times = items.map((h) => h.Timestamp?.getTime() ?? 0);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
    }
    const created = await query.send(new DescribeAlarmHistoryCommand({ AlarmName: 'web-healthy-hosts', HistoryItemType: 'ConfigurationUpdate' }));
    assert.deepEqual(
      created.AlarmHistoryItems?.map((h) => h.HistorySummary),
      ['Alarm "web-healthy-hosts" created'],
    );
    const paged = await query.send(new DescribeAlarmHistoryCommand({ AlarmName: 'web-healthy-hosts', MaxRecords: 1 }));
    assert.equal(paged.AlarmHistoryItems?.length, 1);
    assert.ok(paged.NextToken !== undefined);
    const e = await sdkError(query.send(new DescribeAlarmHistoryCommand({ NextToken: 'not-a-token' })));
    assert.equal(e.name, 'InvalidNextToken');
  });
});
