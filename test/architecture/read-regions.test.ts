import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { readArchitecture } from '../../src/architecture/read-account.js';
import { topologyOf } from '../../src/architecture/to-topology.js';
import type { AuditEntry } from '../../src/aws/audit.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { parseTopology } from '../../src/sim/topology.js';
import { MOTO_AMI, MOTO_CREDENTIALS, type Moto, motoAvailability, motoRuns, startMoto } from '../support/moto.js';

/** A VPC with one subnet and one instance in `region`, through a plain SDK client for it. */
async function site(endpoint: string, region: string, cidr: string): Promise<string> {
  const ec2 = new EC2Client({ endpoint, region, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  try {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }))).Vpc?.VpcId;
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${cidr}.1.0/24`, AvailabilityZone: `${region}a` }))).Subnet?.SubnetId;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: MOTO_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
    return run.Instances?.[0]?.InstanceId ?? '';
  } finally {
    ec2.destroy();
  }
}

describe('reading an account in several Regions (moto_server)', () => {
  const availability = motoAvailability();
  if (!motoRuns(availability)) return;
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.close();
  });

  let twin: Record<string, unknown> | undefined;

  it('reads each Region through its own clients, Route 53 once, and every regional resource says its Region; the twin holds the second Region under regions', async () => {
    const home = await site(moto.endpoint, 'us-east-1', '10.10');
    const away = await site(moto.endpoint, 'eu-west-1', '10.20');
    const aws = new AwsClientFactory({ kind: 'localstack', region: 'us-east-1', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
    const calls: AuditEntry[] = [];
    aws.onCall((e) => calls.push(e));
    try {
      const a = await readArchitecture(aws, { source: { kind: 'account', name: 'test', endpoint: moto.endpoint }, regions: ['us-east-1', 'eu-west-1'] });
      assert.deepEqual(a.regions, ['us-east-1', 'eu-west-1']);
      assert.equal(a.instances.find((i) => i.id === home)?.region, 'us-east-1');
      assert.equal(a.instances.find((i) => i.id === away)?.region, 'eu-west-1');
      assert.ok(a.subnets.some((s) => s.region === 'eu-west-1' && s.zone === 'eu-west-1a'));
      assert.deepEqual(
        [...new Set(calls.filter((c) => c.service === 'ec2').map((c) => c.region))].sort(),
        ['eu-west-1', 'us-east-1'],
        'EC2 read in both Regions',
      );
      assert.equal(calls.filter((c) => c.operation === 'ListHostedZones').length, 1, 'Route 53, global, read once');

      const { topology } = topologyOf(a);
      assert.equal(topology.region, 'us-east-1');
      const regions = topology.regions as Record<string, unknown>[];
      assert.deepEqual(
        regions.map((r) => r.region),
        ['eu-west-1'],
      );
      assert.equal(regions[0]?.hostedZones, undefined, 'Route 53 stays at the top level');
      twin = topology;
    } finally {
      await aws.destroy();
    }
  });

  it('the simulated region loads the two-Region twin, each Region with its own zones', () => {
    assert.ok(twin !== undefined, 'the reading test made the twin');
    const t = parseTopology(twin, 'twin of two Regions');
    assert.deepEqual(
      t.regions.map((r) => [r.region, 'availabilityZones' in r && r.availabilityZones.every((z: string) => z.length === 1 || z.startsWith(r.region))]),
      [['eu-west-1', true]],
    );
  });
});
