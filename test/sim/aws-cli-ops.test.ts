import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { awsCli } from '../support/aws-cli.js';
import { parseTopology, REFERENCE_TOPOLOGY } from '../../src/sim/topology.js';
import { httpGet, requestLog, startSim, waitFor, type Sim } from '../support/sim.js';

/**
 * The operations a chaos engineer's scripts call, through the AWS CLI (botocore: its paginators and waiters come from
 * AWS's own models). Sources: status checks
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html, record set order
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html, TestDNSAnswer
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html, alarm history
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html, ListRoles
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html.
 */
const SPEED = 100;

const topology = parseTopology({
  ...REFERENCE_TOPOLOGY,
  // A Spot group whose instances boot for about half an hour (20–60 s here): a waiter's first poll sees them initializing.
  launchTemplates: [...REFERENCE_TOPOLOGY.launchTemplates, { name: 'spot-lt', marketType: 'spot', bootTime: '30m' }],
  autoScalingGroups: [...REFERENCE_TOPOLOGY.autoScalingGroups, { name: 'spot-asg', launchTemplate: 'spot-lt', min: 0, max: 2, desired: 0 }],
  fisTemplates: [
    {
      name: 'pause',
      description: 'waits',
      roleArn: 'arn:aws:iam::123456789012:role/service-role/fis-ops',
      targets: {},
      actions: { wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } } },
    },
    { name: 'pause-too', description: 'waits too', targets: {}, actions: { wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } } } },
  ],
});

describe('operations scripts use, through the AWS CLI', () => {
  let sim: Sim;
  const cli = () => awsCli(sim.endpoint);
  const aws = <T = Record<string, unknown>>(...args: string[]): Promise<T> => cli().json<T>(...args);
  let dir: string;

  before(async () => {
    sim = await startSim({ topology, speed: SPEED, seed: 17 });
    dir = await mkdtemp(join(tmpdir(), 'gameday-cli-ops-'));
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('EC2: instance-status-ok waits out a booting Spot instance; describe-instance-status and the instance-lifecycle filter', async () => {
    await aws('autoscaling', 'set-desired-capacity', '--auto-scaling-group-name', 'spot-asg', '--desired-capacity', '1');
    const spotId = await waitFor(
      'the Spot instance to be running and booting',
      async () => {
        const out = await sim.ec2.send(new DescribeInstanceStatusCommand({ Filters: [{ Name: 'instance-status.status', Values: ['initializing'] }] }));
        return out.InstanceStatuses?.[0]?.InstanceId;
      },
      { timeoutMs: 5_000 },
    );
    type Statuses = {
      InstanceStatuses: { InstanceId: string; InstanceState: { Name: string }; InstanceStatus: { Status: string; Details: { Status: string }[] } }[];
    };
    // The waiter polls every 15 s: its first poll sees `initializing`, a later one `ok`.
    const polledBefore = (await requestLog(sim.endpoint)).filter((r) => r.action === 'DescribeInstanceStatus').length;
    const waiter = cli().raw('ec2', 'wait', 'instance-status-ok', '--instance-ids', spotId);
    const polls = async (): Promise<number> => (await requestLog(sim.endpoint)).filter((r) => r.action === 'DescribeInstanceStatus').length - polledBefore;
    await waitFor('the waiter to poll', async () => (await polls()) >= 1, { timeoutMs: 30_000, intervalMs: 100 });
    // Asked at once (the SDK, not another CLI start-up): still booting now, so the waiter's first poll saw it booting.
    const booting = (await sim.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [spotId] }))).InstanceStatuses?.[0];
    assert.equal(booting?.InstanceStatus?.Status, 'initializing', "the waiter's first poll saw the OS still booting");
    assert.equal(booting?.InstanceStatus?.Details?.[0]?.Status, 'initializing');
    assert.equal(booting?.InstanceState?.Name, 'running');

    type Reservations = { Reservations: { Instances: { InstanceId: string; InstanceLifecycle?: string }[] }[] };
    const spot = await aws<Reservations>('ec2', 'describe-instances', '--filters', 'Name=instance-lifecycle,Values=spot');
    const spotInstances = spot.Reservations.flatMap((r) => r.Instances);
    assert.deepEqual(
      spotInstances.map((i) => [i.InstanceId, i.InstanceLifecycle]),
      [[spotId, 'spot']],
    );
    const scheduled = await aws<Reservations>('ec2', 'describe-instances', '--filters', 'Name=instance-lifecycle,Values=scheduled,capacity-block');
    assert.equal(scheduled.Reservations.length, 0, 'On-Demand instances have no lifecycle and match no value');
    const done = await waiter;
    assert.equal(done.code, 0, done.stderr);
    // Two polls of the waiter and one of ours above.
    assert.ok((await polls()) >= 3, 'the waiter polled again after seeing the instance initializing');
    const running = await aws<Statuses>('ec2', 'describe-instance-status', '--filters', 'Name=instance-status.status,Values=ok');
    assert.equal(running.InstanceStatuses.length, 4, 'the three web instances and the booted Spot instance pass their checks');
    const ok = await aws<Statuses>('ec2', 'describe-instance-status', '--instance-ids', spotId, '--include-all-instances');
    assert.equal(ok.InstanceStatuses[0]?.InstanceStatus.Status, 'ok');
    assert.equal(ok.InstanceStatuses[0]?.InstanceStatus.Details[0]?.Status, 'passed');
    assert.equal(ok.InstanceStatuses[0]?.InstanceState.Name, 'running');
    assert.match(await cli().fails('ec2', 'describe-instance-status', '--instance-ids', 'i-0123456789abcdef0'), /InvalidInstanceID\.NotFound/);
  });

  it('Route 53: the CLI pages 330 weighted and failover record sets to the end; list-hosted-zones-by-name; test-dns-answer', async () => {
    type Zone = { HostedZone: { Id: string; Name: string } };
    const zone = (await aws<Zone>('route53', 'create-hosted-zone', '--name', 'ops.example', '--caller-reference', 'ops')).HostedZone;
    await aws('route53', 'create-hosted-zone', '--name', 'alpha.example', '--caller-reference', 'alpha');
    await aws('route53', 'create-hosted-zone', '--name', 'zeta.test', '--caller-reference', 'zeta');
    const changes: unknown[] = [];
    // Eighty weighted record sets on each of four names, so pages split inside a group sharing name and type.
    for (const name of ['a', 'b', 'c', 'd'])
      for (let n = 0; n < 80; n++) {
        changes.push({
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: `${name}.ops.example`,
            Type: 'A',
            SetIdentifier: `w${String(n).padStart(3, '0')}`,
            Weight: 1,
            TTL: 60,
            ResourceRecords: [{ Value: `10.1.${n}.1` }],
          },
        });
      }
    for (const name of ['f1', 'f2', 'f3', 'f4', 'f5'])
      for (const [role, value] of [
        ['PRIMARY', '10.9.0.1'],
        ['SECONDARY', '10.9.0.2'],
      ] as const)
        changes.push({
          Action: 'CREATE',
          ResourceRecordSet: { Name: `${name}.ops.example`, Type: 'A', SetIdentifier: role, Failover: role, TTL: 60, ResourceRecords: [{ Value: value }] },
        });
    const batch = join(dir, 'batch.json');
    await writeFile(batch, JSON.stringify({ Changes: changes }));
    await aws('route53', 'change-resource-record-sets', '--hosted-zone-id', zone.Id, '--change-batch', `file://${batch}`);

    type Sets = { ResourceRecordSets: { Name: string; Type: string; SetIdentifier?: string }[]; NextToken?: string };
    const all = await aws<Sets>('route53', 'list-resource-record-sets', '--hosted-zone-id', zone.Id, '--page-size', '7');
    const keys = all.ResourceRecordSets.map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`);
    assert.equal(keys.length, 332, 'every record set, NS and SOA included, once');
    assert.equal(new Set(keys).size, 332);
    assert.deepEqual(keys.slice(0, 4), ['ops.example. NS ', 'ops.example. SOA ', 'a.ops.example. A w000', 'a.ops.example. A w001']);
    assert.equal(keys.at(-1), 'f5.ops.example. A SECONDARY');

    const first = await aws<Sets>('route53', 'list-resource-record-sets', '--hosted-zone-id', zone.Id, '--page-size', '30', '--max-items', '50');
    assert.equal(first.ResourceRecordSets.length, 50);
    assert.ok(first.NextToken !== undefined);
    const rest = await aws<Sets>('route53', 'list-resource-record-sets', '--hosted-zone-id', zone.Id, '--page-size', '30', '--starting-token', first.NextToken);
    assert.deepEqual(
      [...first.ResourceRecordSets, ...rest.ResourceRecordSets].map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`),
      keys,
    );

    type ByName = { HostedZones: { Name: string }[]; IsTruncated: boolean; NextDNSName?: string; NextHostedZoneId?: string; DNSName?: string };
    const byName = await aws<ByName>('route53', 'list-hosted-zones-by-name', '--dns-name', 'ops.example', '--max-items', '1');
    assert.deepEqual(
      byName.HostedZones.map((z) => z.Name),
      ['ops.example.'],
    );
    assert.equal(byName.IsTruncated, true);
    assert.equal(byName.NextDNSName, 'zeta.test.', 'zones are ordered by their labels reversed: example.alpha, example.ops, test.zeta');
    const everything = await aws<ByName>('route53', 'list-hosted-zones-by-name');
    assert.deepEqual(
      everything.HostedZones.map((z) => z.Name),
      ['alpha.example.', 'ops.example.', 'zeta.test.'],
    );

    type Answer = { RecordData: string[]; ResponseCode: string; Protocol: string; Nameserver: string };
    const failover = await aws<Answer>('route53', 'test-dns-answer', '--hosted-zone-id', zone.Id, '--record-name', 'f1.ops.example', '--record-type', 'A');
    assert.deepEqual(failover.RecordData, ['10.9.0.1'], 'the healthy primary answers');
    assert.equal(failover.ResponseCode, 'NOERROR');
    assert.equal(failover.Protocol, 'UDP');
    const missing = await aws<Answer>('route53', 'test-dns-answer', '--hosted-zone-id', zone.Id, '--record-name', 'nope.ops.example', '--record-type', 'A');
    assert.equal(missing.ResponseCode, 'NXDOMAIN');
    assert.deepEqual(missing.RecordData, []);
    assert.match(
      await cli().fails('route53', 'test-dns-answer', '--hosted-zone-id', 'ZNOSUCHZONE', '--record-name', 'a.ops.example', '--record-type', 'A'),
      /NoSuchHostedZone/,
    );
  });

  it('FIS: list-experiments gives each experiment its tags, filters by template and pages', async () => {
    type Templates = { experimentTemplates: { id: string; description: string }[] };
    const templates = (await aws<Templates>('fis', 'list-experiment-templates')).experimentTemplates;
    const pause = templates.find((t) => t.description === 'waits')?.id ?? '';
    const other = templates.find((t) => t.description === 'waits too')?.id ?? '';
    await aws('fis', 'start-experiment', '--experiment-template-id', pause, '--tags', 'team=sre,run=1', '--client-token', 'one');
    await aws('fis', 'start-experiment', '--experiment-template-id', other, '--client-token', 'two');
    type Experiments = { experiments: { experimentTemplateId: string; tags: Record<string, string>; state: { status: string }; creationTime: string }[] };
    const listed = (await aws<Experiments>('fis', 'list-experiments', '--experiment-template-id', pause)).experiments;
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0]?.tags, { team: 'sre', run: '1' });
    assert.ok(listed[0]?.state.status !== undefined && listed[0].creationTime !== undefined);
    const paged = await aws<Experiments & { NextToken?: string }>('fis', 'list-experiments', '--max-items', '1');
    assert.equal(paged.experiments.length, 1);
    assert.ok(paged.NextToken !== undefined, 'a second experiment is on the next page');
  });

  it('CloudWatch: describe-alarms, get-metric-statistics and get-metric-data on the ALB, describe-alarm-history', async () => {
    type Alarms = { MetricAlarms: { AlarmName: string; StateValue: string; Dimensions: { Name: string; Value: string }[] }[] };
    const alarm = await waitFor(
      'the alarm to be OK',
      async () => {
        const a = (await aws<Alarms>('cloudwatch', 'describe-alarms', '--alarm-names', 'web-healthy-hosts')).MetricAlarms[0];
        return a?.StateValue === 'OK' ? a : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const dimensions = alarm.Dimensions.map((d) => `Name=${d.Name},Value=${d.Value}`);
    // Traffic, so that RequestCount publishes datapoints (a period without requests publishes none).
    for (let n = 0; n < 5; n++) await httpGet(sim.outputs['alb.web-alb.url'] ?? '');
    const end = new Date(Date.now() + 60_000).toISOString();
    const start = new Date(Date.now() - 10 * 60_000).toISOString();
    // The CLI prints timestamps as botocore parsed them: epoch seconds without a config file, ISO 8601 with one.
    const when = (t: string | number): number => (typeof t === 'number' ? t * 1_000 : Date.parse(t));
    type Stats = { Label: string; Datapoints: { Timestamp: string | number; Minimum: number; Maximum: number; SampleCount: number; Unit: string }[] };
    const stats = await aws<Stats>(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/ApplicationELB',
      '--metric-name',
      'HealthyHostCount',
      '--dimensions',
      ...dimensions,
      '--start-time',
      start,
      '--end-time',
      end,
      '--period',
      '60',
      '--statistics',
      'Minimum',
      'Maximum',
      'SampleCount',
    );
    assert.equal(stats.Label, 'HealthyHostCount');
    assert.ok(stats.Datapoints.length >= 2, 'one datapoint per minute since the region started');
    // The newest minute is steady: three healthy hosts in every sample (the first minutes saw the stack come up).
    const newest = [...stats.Datapoints].sort((a, b) => when(b.Timestamp) - when(a.Timestamp))[0];
    assert.deepEqual([newest?.Minimum, newest?.Maximum, newest?.Unit], [3, 3, 'Count']);
    assert.ok((newest?.SampleCount ?? 0) > 1, 'a gauge is sampled several times a minute');
    const lbDimension = alarm.Dimensions.find((d) => d.Name === 'LoadBalancer')?.Value ?? '';
    const queries = join(dir, 'queries.json');
    await writeFile(
      queries,
      JSON.stringify([
        {
          Id: 'healthy',
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HealthyHostCount', Dimensions: alarm.Dimensions },
            Period: 120,
            Stat: 'Minimum',
          },
        },
        {
          Id: 'requests',
          Label: 'Requests',
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: lbDimension }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ]),
    );
    type Data = { MetricDataResults: { Id: string; Label: string; Timestamps: (string | number)[]; Values: number[]; StatusCode: string }[] };
    await waitFor(
      'the requests to be published',
      async () => {
        const data = await aws<Data>('cloudwatch', 'get-metric-data', '--metric-data-queries', `file://${queries}`, '--start-time', start, '--end-time', end);
        const [healthy, requests] = data.MetricDataResults;
        assert.equal(healthy?.Id, 'healthy');
        assert.equal(healthy?.Label, 'HealthyHostCount');
        assert.equal(healthy?.StatusCode, 'Complete');
        assert.equal(healthy?.Values[0], 3, 'the newest two minutes had three healthy hosts throughout');
        const times = healthy?.Timestamps.map(when) ?? [];
        assert.deepEqual(
          times,
          [...times].sort((a, b) => b - a),
          'newest first',
        );
        assert.equal(requests?.Label, 'Requests');
        return (requests?.Values.reduce((a, b) => a + b, 0) ?? 0) >= 5 || undefined;
      },
      { timeoutMs: 10_000, intervalMs: 500 },
    );

    await aws('cloudwatch', 'set-alarm-state', '--alarm-name', 'web-healthy-hosts', '--state-value', 'ALARM', '--state-reason', 'drill');
    type History = {
      AlarmHistoryItems: { Timestamp: string | number; AlarmName: string; HistoryItemType: string; HistorySummary: string; HistoryData: string }[];
    };
    const history = await aws<History>('cloudwatch', 'describe-alarm-history', '--alarm-name', 'web-healthy-hosts', '--history-item-type', 'StateUpdate');
    // The next evaluation may already have set it back to OK: the drill is the item whose new state is ours.
    const drill = history.AlarmHistoryItems.find((h) => h.HistoryData.includes('"drill"') && h.HistorySummary === 'Alarm updated from OK to ALARM');
    const data = JSON.parse(drill?.HistoryData ?? '{}') as { oldState?: { stateValue: string }; newState?: { stateValue: string; stateReason: string } };
    assert.equal(data.oldState?.stateValue, 'OK');
    assert.deepEqual([data.newState?.stateValue, data.newState?.stateReason], ['ALARM', 'drill']);
    const times = history.AlarmHistoryItems.map((h) => when(h.Timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(history.AlarmHistoryItems.every((h) => h.HistoryItemType === 'StateUpdate'));
    assert.ok(
      history.AlarmHistoryItems.some((h) => h.HistorySummary.startsWith('Alarm updated from INSUFFICIENT_DATA to ')),
      'its first evaluation',
    );
    assert.match(
      await cli().fails(
        'cloudwatch',
        'get-metric-statistics',
        '--namespace',
        'AWS/ApplicationELB',
        '--metric-name',
        'RequestCount',
        '--start-time',
        start,
        '--end-time',
        end,
        '--period',
        '60',
      ),
      /MissingParameter/,
    );
    // Which protocol the CLI spoke is botocore's choice; the region answered it either way.
    assert.ok((await requestLog(sim.endpoint)).some((r) => r.service === 'monitoring' && r.action === 'GetMetricData' && r.status === 200));
  });

  it('IAM: list-roles gives the roles the region knows, by path prefix and page', async () => {
    type Roles = { Roles: { RoleName: string; Path: string; Arn: string; RoleId: string }[]; NextToken?: string };
    const all = await aws<Roles>('iam', 'list-roles');
    assert.deepEqual(
      all.Roles.map((r) => r.Arn),
      ['arn:aws:iam::123456789012:role/gameday-fis', 'arn:aws:iam::123456789012:role/service-role/fis-ops'],
    );
    assert.match(all.Roles[0]?.RoleId ?? '', /^AROA[A-Z0-9]{17}$/);
    const service = await aws<Roles>('iam', 'list-roles', '--path-prefix', '/service-role/');
    assert.deepEqual(
      service.Roles.map((r) => [r.RoleName, r.Path]),
      [['fis-ops', '/service-role/']],
    );
    const first = await aws<Roles>('iam', 'list-roles', '--max-items', '1');
    assert.equal(first.Roles.length, 1);
    assert.ok(first.NextToken !== undefined);
  });
});
