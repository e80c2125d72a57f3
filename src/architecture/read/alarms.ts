import { sdk } from '../../aws/sdk.js';
import { allPages, readPart, type ReadContext } from './reading.js';

/** CloudWatch metric alarms (composite alarms are not modelled, and said so). */
export async function readAlarms(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.cloudWatch();
  const { paginateDescribeAlarms } = await sdk.cloudWatch();
  await readPart(ctx, 'DescribeAlarms', 'cloudwatch', async () => {
    const pages = paginateDescribeAlarms({ client }, { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }, options);
    const composite: string[] = [];
    const alarms = await allPages(pages, (p) => {
      for (const c of p.CompositeAlarms ?? []) composite.push(c.AlarmArn ?? c.AlarmName ?? '');
      return p.MetricAlarms;
    });
    arch.alarms = alarms.map((a) => ({
      name: a.AlarmName ?? '',
      arn: a.AlarmArn ?? '',
      namespace: a.Namespace,
      metric: a.MetricName,
      statistic: a.Statistic ?? a.ExtendedStatistic,
      dimensions: Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      periodSeconds: a.Period ?? 60,
      evaluationPeriods: a.EvaluationPeriods ?? 1,
      threshold: a.Threshold,
      comparison: a.ComparisonOperator ?? '',
    }));
    for (const arn of composite) arch.unmodelled.push({ resource: arn, what: 'A composite alarm is not modelled; only metric alarms are read.' });
  });
}
