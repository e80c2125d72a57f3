/**
 * The conformance harness: every operation of AWS's own botocore models for each service the simulated region serves,
 * sent over HTTP in the service's wire protocol, signed with SigV4, by botocore itself (`driver.py`, one Python
 * process per service, run concurrently against one region).
 *
 * - An operation the region does not serve must answer its protocol's unknown-operation error, never a success
 *   (EC2 and awsQuery: `InvalidAction` 400, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html;
 *   JSON and REST: `UnknownOperationException`).
 * - A served read operation answers valid input with a response that fits the output shape (required members, types,
 *   enums, timestamps), and its paginator (paginators-1.json) ends without repeating a token.
 * - A request that breaks one input constraint (required, length, range, enum, pattern) answers the protocol's error
 *   for it with a 4xx: EC2 `MissingParameter`/`InvalidParameterValue`
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), awsQuery `ValidationError`,
 *   Route 53 `InvalidInput`, FIS `ValidationException` (https://docs.aws.amazon.com/fis/latest/APIReference/CommonErrors.html).
 *
 * Without botocore on this machine the harness is skipped, saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SetDesiredCapacityCommand, type SetDesiredCapacityCommandInput } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DeleteDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateVpcEndpointCommand } from '@aws-sdk/client-ec2';
import { FisClient, ListActionsCommand } from '@aws-sdk/client-fis';
import { GetCheckerIpRangesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { awsCli } from '../../support/aws-cli.js';
import { ROOT, runProgram } from '../../support/cli.js';
import { CREDENTIALS, type Sim, sdkError, startSim } from '../../support/sim.js';

const DRIVER = join(ROOT, 'test/sim/conformance/driver.py');
const SERVICES = ['ec2', 'autoscaling', 'elbv2', 'rds', 'sts', 'iam', 'cloudwatch', 'fis', 'route53', 'cloudformation', 'ssm'];

interface Failure {
  operation: string;
  variant: string;
  why: string;
}

interface ServiceReport {
  service: string;
  protocol: string;
  served: string[];
  unserved: string[];
  variants: number;
  failures: Failure[];
  uncheckable: string[];
}

/**
 * Known gaps, reviewed: `service operation variant` → why the region does not yet do what AWS does. Each entry is a
 * bug to fix; a failure not listed here fails the test.
 */
const KNOWN_GAPS: ReadonlyMap<string, string> = new Map([]);

/**
 * Inputs the model allows that AWS documents refusing (a rule across members, or a list that may not be empty): the
 * harness's smallest "valid" input breaks them, and the region answers AWS's error, as it should. `service operation
 * variant` → the page that states the rule.
 */
const DOCUMENTED_REFUSALS: ReadonlyMap<string, string> = new Map([
  [
    'cloudwatch GetMetricStatistics minimal input',
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html: Statistics or ExtendedStatistics must be specified',
  ],
  [
    "cloudwatch GetMetricStatistics with Unit='Seconds'",
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html: Statistics or ExtendedStatistics must be specified',
  ],
  [
    'cloudwatch GetMetricData minimal input',
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html: MetricDataQueries is required (an empty list is none)',
  ],
  [
    "cloudwatch GetMetricData with ScanBy='TimestampDescending'",
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html: MetricDataQueries is required',
  ],
  [
    'cloudwatch GetMetricData with MaxDatapoints=1',
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html: MetricDataQueries is required',
  ],
  [
    'elbv2 DescribeTags minimal input',
    'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html: ResourceArns is required (an empty list names no resource)',
  ],
  [
    "cloudformation DescribeStacks with StackName='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html: If the stack does not exist, a ValidationError is returned (the answer of every CloudFormation read of a stack)',
  ],
  [
    'cloudformation ListStackResources minimal input',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html: If the stack does not exist, a ValidationError is returned (the answer of every CloudFormation read of a stack)',
  ],
  [
    'cloudformation DescribeStackEvents minimal input',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html: If the stack does not exist, a ValidationError is returned (the answer of every CloudFormation read of a stack)',
  ],
  [
    "cloudformation DescribeStackResources with StackName='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html: If the stack does not exist, a ValidationError is returned (the answer of every CloudFormation read of a stack)',
  ],
  [
    "cloudformation GetTemplate with StackName='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html: If the stack does not exist, a ValidationError is returned (the answer of every CloudFormation read of a stack)',
  ],
  [
    'cloudformation DescribeStackResources minimal input',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html: you must specify either StackName or PhysicalResourceId (a physical id of no stack names none)',
  ],
  [
    "cloudformation DescribeStackResources with LogicalResourceId='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html: you must specify either StackName or PhysicalResourceId (a physical id of no stack names none)',
  ],
  [
    "cloudformation DescribeStackResources with PhysicalResourceId='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html: you must specify either StackName or PhysicalResourceId (a physical id of no stack names none)',
  ],
  [
    'cloudformation GetTemplate minimal input',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html: the template is a stack one (StackName; a ChangeSetName needs the StackName too), so without one there is none',
  ],
  [
    "cloudformation GetTemplate with ChangeSetName='sim-conformance'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html: the template is a stack one (StackName; a ChangeSetName needs the StackName too), so without one there is none',
  ],
  [
    "cloudformation GetTemplate with TemplateStage='Original'",
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html: the template is a stack one (StackName; a ChangeSetName needs the StackName too), so without one there is none',
  ],
  [
    "route53 ListHostedZonesByName with HostedZoneId='sim-conformance'",
    'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html: "If you specify hostedzoneid, you must also specify dnsname."',
  ],
]);

const botocore = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], { encoding: 'utf8' });
const skip = botocore.status === 0 ? false : 'botocore is not installed for python3: the harness reads its models';

describe('conformance to the botocore models', { skip }, () => {
  let sim: Sim;
  let reports: ServiceReport[] = [];

  before(async () => {
    sim = await startSim({ speed: 100 });
    // One driver per service, at once: each waits on its own HTTP round trips far more than on the CPU.
    reports = await Promise.all(
      SERVICES.map(async (service) => {
        const run = await runProgram('python3', [DRIVER, sim.endpoint, service], { timeoutMs: 120_000 });
        assert.equal(run.code, 0, `driver.py ${service}: ${run.stderr}`);
        const report = JSON.parse(run.stdout) as { services: ServiceReport[] };
        const [first] = report.services;
        assert.ok(first !== undefined, `driver.py ${service} reported nothing`);
        return first;
      }),
    );
  });
  after(() => sim?.close());

  it('answers every operation of every served model as AWS documents, variant by variant', () => {
    const unexpected: string[] = [];
    for (const r of reports) {
      const documented = r.failures.filter((f) => DOCUMENTED_REFUSALS.has(`${r.service} ${f.operation} ${f.variant}`) && /valid input refused/.test(f.why));
      for (const f of documented) console.log(`  refused as AWS documents: ${r.service} ${f.operation} [${f.variant}]`);
      const failures = r.failures.filter((f) => !KNOWN_GAPS.has(`${r.service} ${f.operation} ${f.variant}`) && !documented.includes(f));
      console.log(
        `conformance ${r.service} (${r.protocol}): ${r.variants} variants, ${r.failures.length} failed (${r.failures.length - failures.length} known gaps); ` +
          `${r.served.length} operations served, ${r.unserved.length} unserved`,
      );
      for (const u of r.uncheckable) console.log(`  not checked: ${r.service} ${u}`);
      unexpected.push(...failures.map((f) => `${r.service} ${f.operation} [${f.variant}]: ${f.why}`));
    }
    assert.deepEqual(
      unexpected.slice(0, 25),
      [],
      `${unexpected.length} variants failed (an operation added since src/sim/protocol/constraints.ts was generated needs \`node scripts/sim-constraints.mjs\` after a build); the first ones:\n${unexpected.slice(0, 25).join('\n')}`,
    );
  });

  it('ran the variants it claims: the served operations of the reference topology are among them', () => {
    const served = new Map(reports.map((r) => [r.service, new Set(r.served)]));
    for (const [service, op] of [
      ['ec2', 'DescribeInstances'],
      ['autoscaling', 'DescribeAutoScalingGroups'],
      ['elbv2', 'DescribeTargetHealth'],
      ['rds', 'DescribeDBInstances'],
      ['sts', 'GetCallerIdentity'],
      ['cloudwatch', 'DescribeAlarms'],
      ['fis', 'GetExperiment'],
      ['route53', 'ListResourceRecordSets'],
      // What the account reader reads (issue 18).
      ['ec2', 'DescribeLaunchTemplateVersions'],
      ['ec2', 'DescribeNatGateways'],
      ['ec2', 'DescribeRouteTables'],
      ['ec2', 'DescribeInternetGateways'],
      ['autoscaling', 'DescribeInstanceRefreshes'],
      ['rds', 'DescribeDBSubnetGroups'],
      ['cloudformation', 'DescribeStacks'],
      ['cloudformation', 'ListStackResources'],
      ['cloudformation', 'DescribeStackResources'],
      ['cloudformation', 'GetTemplate'],
      // Deployments of a stack's new AMI (issue 20).
      ['cloudformation', 'UpdateStack'],
      ['cloudformation', 'DescribeStackEvents'],
      // The app-failure fault (SSM Run Command).
      ['ssm', 'SendCommand'],
      ['ssm', 'ListCommands'],
      ['ssm', 'ListCommandInvocations'],
      ['ssm', 'GetCommandInvocation'],
    ] as const) {
      assert.ok(served.get(service)?.has(op), `${service} ${op} should be served`);
    }
    // Every model operation was sent: served and unserved together are the whole model.
    assert.ok(reports.every((r) => r.served.length + r.unserved.length > 10 || r.service === 'sts'));
    assert.ok(reports.reduce((n, r) => n + r.variants, 0) > 1_500);
  });

  it('answers an unserved operation with the protocol unknown-operation error to the JS SDK v3 too', async () => {
    const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
    const cases: [string, () => Promise<unknown>, string, number][] = [];
    const cw = new CloudWatchClient(config);
    const fis = new FisClient(config);
    const r53 = new Route53Client(config);
    try {
      cases.push(['ec2', () => sim.ec2.send(new CreateVpcEndpointCommand({ VpcId: 'vpc-1', ServiceName: 'com.amazonaws.s3' })), 'InvalidAction', 400]);
      cases.push(['sts', () => sim.sts.send(new GetSessionTokenCommand({})), 'InvalidAction', 400]);
      cases.push(['cloudwatch', () => cw.send(new DeleteDashboardsCommand({ DashboardNames: ['x'] })), 'UnknownOperationException', 400]);
      cases.push(['fis', () => fis.send(new ListActionsCommand({})), 'UnknownOperationException', 404]);
      cases.push(['route53', () => r53.send(new GetCheckerIpRangesCommand({})), 'UnknownOperationException', 404]);
      for (const [service, call, code, status] of cases) {
        const e = await sdkError(call());
        assert.equal(e.name, code, `${service}: ${e.name} ${e.message}`);
        assert.equal(e.$metadata?.httpStatusCode, status, service);
      }
    } finally {
      cw.destroy();
      fis.destroy();
      r53.destroy();
    }
  });

  it('refuses input that breaks a model constraint before looking the resource up, to the AWS CLI as to the JS SDK', async () => {
    // botocore checks no enum on the client: a source type outside the model's enum reaches the region.
    const stderr = await awsCli(sim.endpoint).fails('rds', 'describe-events', '--source-type', 'not-a-source-type', '--endpoint-url', sim.endpoint);
    assert.match(stderr, /ValidationError/);
    // The group exists, but the request lacks the required DesiredCapacity (the JS SDK checks no required member).
    const input = { AutoScalingGroupName: 'web-asg' } as Partial<SetDesiredCapacityCommandInput> as SetDesiredCapacityCommandInput;
    const e = await sdkError(sim.asg.send(new SetDesiredCapacityCommand(input)));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.$metadata?.httpStatusCode, 400);
    assert.match(e.message, /desiredCapacity/);
  });
});
