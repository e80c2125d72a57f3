import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyArchitecture, type Architecture } from '../../src/architecture/model.js';
import { refusalOf } from '../../src/architecture/read/reading.js';
import { topologyOf } from '../../src/architecture/to-topology.js';
import { parseTopology } from '../../src/sim/topology.js';

const REGION = 'eu-west-1';

/** An account with what a topology cannot say: odd names, an NLB, suspended processes, a latency record, a standalone instance. */
function account(): Architecture {
  const a = emptyArchitecture({ kind: 'account', name: 'unit' }, REGION, '111122223333');
  a.regionZones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  a.launchTemplates = [
    {
      id: 'lt-1',
      name: 'web_template',
      defaultVersion: 2,
      latestVersion: 2,
      versions: [
        { number: 1, imageId: 'ami-1', instanceType: 'm5.large' },
        { number: 2, imageId: 'ami-2', instanceType: 'm5.large' },
      ],
    },
  ];
  const lbArn = `arn:aws:elasticloadbalancing:${REGION}:111122223333:loadbalancer/app/web/abc`;
  const nlbArn = `arn:aws:elasticloadbalancing:${REGION}:111122223333:loadbalancer/net/tcp/def`;
  const tgArn = `arn:aws:elasticloadbalancing:${REGION}:111122223333:targetgroup/web-tg/123`;
  a.loadBalancers = [
    {
      name: 'web',
      arn: lbArn,
      dnsName: 'web-1.eu-west-1.elb.amazonaws.com',
      type: 'application',
      scheme: 'internet-facing',
      zones: ['eu-west-1a', 'eu-west-1b'],
      subnetIds: [],
      crossZone: true,
      listeners: [{ arn: 'l', port: 80, protocol: 'HTTP', targetGroupArns: [tgArn] }],
      tags: {},
    },
    {
      name: 'tcp',
      arn: nlbArn,
      dnsName: 'tcp-1.eu-west-1.elb.amazonaws.com',
      type: 'network',
      scheme: 'internal',
      zones: a.regionZones,
      subnetIds: [],
      crossZone: false,
      listeners: [],
      tags: {},
    },
  ];
  a.targetGroups = [
    {
      name: 'web-tg',
      arn: tgArn,
      loadBalancerArns: [lbArn],
      targetType: 'instance',
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        path: '/up',
        intervalSeconds: 15,
        timeoutSeconds: 5,
        healthyThreshold: 3,
        unhealthyThreshold: 2,
        matcher: '200-299',
      },
      deregistrationDelaySeconds: 30,
      targets: [{ id: 'i-solo', state: 'healthy' }],
    },
  ];
  a.autoScalingGroups = [
    {
      name: 'web.asg',
      arn: 'arn:asg',
      min: 2,
      max: 4,
      desired: 2,
      zones: ['eu-west-1a', 'eu-west-1b'],
      subnetIds: [],
      healthCheckType: 'EC2',
      healthCheckGracePeriodSeconds: 300,
      launchTemplate: { id: 'lt-1', name: 'web_template', version: '1' },
      suspendedProcesses: ['ReplaceUnhealthy'],
      targetGroupArns: [tgArn],
      loadBalancerNames: ['classic'],
      instances: [],
      tags: { team: 'web', 'aws:cloudformation:stack-name': 's' },
      instanceRefreshes: [],
    },
  ];
  a.instances = [{ id: 'i-solo', arn: 'arn:i', zone: 'eu-west-1c', state: 'running', imageId: 'ami-9', instanceType: 't3.nano', tags: { Name: 'solo box' } }];
  a.hostedZones = [
    {
      id: 'Z1',
      name: 'example.org.',
      private: false,
      records: [
        { name: 'example.org.', type: 'SOA', ttl: 900, values: ['x'] },
        {
          name: 'www.example.org.',
          type: 'A',
          alias: { dnsName: 'dualstack.web-1.eu-west-1.elb.amazonaws.com.', hostedZoneId: 'Z32O12XQLNTSW2', evaluateTargetHealth: false },
        },
        { name: 'api.example.org.', type: 'A', ttl: 60, values: ['192.0.2.1'], setIdentifier: 'eu', region: 'eu-west-1' },
        { name: 'mail.example.org.', type: 'MX', ttl: 300, values: ['10 mx.example.org.'] },
      ],
    },
  ];
  a.unmodelled = [{ resource: 'ec2', what: 'DescribeNatGateways was refused, access denied (AccessDenied), so what it returns is not in the twin.' }];
  return a;
}

describe('topologyOf', () => {
  it('writes a topology the sim accepts, with every name it changed and everything it could not say as a note', () => {
    const { topology, notes, names } = topologyOf(account());
    const t = parseTopology(topology, 'unit twin');
    assert.deepEqual(t.availabilityZones, ['a', 'b', 'c']);
    assert.deepEqual(names.group, { 'web.asg': 'web-asg' });
    // The standalone instance's launch template is made for it (the account's instance names none).
    assert.deepEqual(names.launchTemplate, { web_template: 'web-template', 'solo-box-launch': 'solo-box-launch' });
    const group = t.autoScalingGroups[0];
    assert.deepEqual(
      [group?.launchTemplate, group?.availabilityZones, group?.healthCheckType, group?.targetGroups, group?.tags],
      ['web-template', ['a', 'b'], 'EC2', ['web-tg'], { team: 'web' }],
    );
    assert.equal(t.launchTemplates[0]?.instanceType, 'm5.large');
    assert.equal(t.loadBalancers.length, 2);
    assert.equal(t.loadBalancers[0]?.targetGroup.deregistrationDelay, 30_000);
    assert.equal(t.loadBalancers[0]?.targetGroup.healthCheck.matcher, '200-299');
    assert.deepEqual(
      t.hostedZones[0]?.records.map((r) => [r.name, r.alias]),
      [['www', 'alb:web']],
    );
    for (const expected of [
      /Auto Scaling group 'web\.asg' is named 'web-asg'/,
      /Load balancer 'tcp' is a network load balancer/,
      /Load balancer 'tcp' is internal/,
      /'web\.asg' registers with Classic Load Balancer 'classic'/,
      /Instance i-solo has no launch template the twin knows/,
      /Record api\.example\.org\. A \(eu\) is not in the twin: it has latency/,
      /Record mail\.example\.org\. MX is not in the twin/,
      /^ec2: DescribeNatGateways was refused, access denied/,
    ])
      assert.ok(
        notes.some((n) => expected.test(n)),
        `no note matches ${expected}:\n${notes.join('\n')}`,
      );
  });

  it('carries suspended processes, launch template versions, load balancer zones and standalone instances', () => {
    const { topology, notes } = topologyOf(account());
    const groups = topology.autoScalingGroups as Record<string, unknown>[];
    assert.deepEqual(groups[0]?.suspendedProcesses, ['ReplaceUnhealthy']);
    assert.equal(groups[0]?.launchTemplateVersion, '1');
    assert.deepEqual((topology.loadBalancers as Record<string, unknown>[])[0]?.availabilityZones, ['a', 'b']);
    assert.deepEqual(topology.instances, [
      { name: 'solo-box', launchTemplate: 'solo-box-launch', availabilityZone: 'c', targetGroups: ['web-tg'], tags: { Name: 'solo box' } },
    ]);
    assert.deepEqual((topology.launchTemplates as Record<string, unknown>[])[0]?.versions, [{ imageId: 'ami-2', instanceType: 'm5.large' }]);
    assert.equal((topology.launchTemplates as Record<string, unknown>[])[0]?.defaultVersion, 2);
    assert.ok(!notes.some((n) => /suspended processes|outside any Auto Scaling group|has 2 versions/.test(n)), notes.join('\n'));
  });
});

describe('which failures leave a part unread', () => {
  it('a target that does not serve the operation or denies it, never a real failure', () => {
    assert.match(refusalOf({ name: 'InvalidAction', message: 'The action DescribeNatGateways is not valid for this web service.' }) ?? '', /not served/);
    assert.match(refusalOf({ name: 'AccessDenied', message: 'User is not authorized' }) ?? '', /access denied/);
    assert.match(refusalOf({ name: 'UnauthorizedOperation', message: 'You are not authorized' }) ?? '', /access denied/);
    assert.match(refusalOf({ name: 'Error', message: 'Deserialization error: …', $metadata: { httpStatusCode: 500 } }) ?? '', /not served/);
    assert.equal(refusalOf({ name: 'Throttling', message: 'Rate exceeded' }), undefined);
    assert.equal(refusalOf({ name: 'InternalFailure', message: 'We encountered an internal error' }), undefined);
    assert.equal(refusalOf({ name: 'TimeoutError', message: 'socket hang up' }), undefined);
  });
});
