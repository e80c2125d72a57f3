import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateVpcCommand, DescribeInstancesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AuditEntry } from '../../src/aws/audit.js';
import { awsSend } from '../../src/aws/call.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import type { CallRecord } from '../../src/core/call-record.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type Moto, motoAvailability, motoRuns, startMoto } from '../support/moto.js';
import { CREDENTIALS, type Sim, sdkError, startSim } from '../support/sim.js';

describe('AwsClients.inRegion against the simulated region (us-east-1)', () => {
  let sim: Sim;
  let aws: AwsClientFactory;
  before(async () => {
    sim = await startSim({ speed: 30, ready: false });
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    await aws.destroy();
    await sim.close();
  });

  it('signs regional calls for the Region asked for: the us-east-1 region refuses eu-west-1 and answers us-east-1; the audit trail says each Region', async () => {
    const audit: AuditEntry[] = [];
    const stop = aws.onCall((e) => audit.push(e));
    const eu = aws.inRegion('eu-west-1');
    assert.equal(eu.target.region, 'eu-west-1');
    assert.equal(aws.inRegion('eu-west-1'), eu, 'one set of clients per Region');
    assert.equal(eu.inRegion('us-east-1'), aws, "the environment's Region gives the home clients back");
    const refused = await sdkError((await eu.ec2()).send(new DescribeInstancesCommand({})));
    assert.equal(refused.name, 'SignatureDoesNotMatch');
    assert.match(refused.message, /eu-west-1/);
    const answered = await (await aws.ec2()).send(new DescribeInstancesCommand({}));
    assert.ok((answered.Reservations ?? []).length > 0, 'the home Region answers with its instances');
    stop();
    assert.deepEqual(
      audit.map((e) => [e.service, e.operation, e.region, e.ok]),
      [
        ['ec2', 'DescribeInstances', 'eu-west-1', false],
        ['ec2', 'DescribeInstances', 'us-east-1', true],
      ],
    );
  });

  it('keeps Route 53 and STS global: another Region’s clients reach them as the home Region’s, and the journal records say the Region', async () => {
    const eu = aws.inRegion('eu-central-1');
    assert.equal(await eu.route53(), await aws.route53());
    assert.equal(await eu.sts(), await aws.sts());
    const calls: CallRecord[] = [];
    const ctx = { signal: AbortSignal.timeout(10_000), aws: eu, recordCall: (c: CallRecord) => calls.push(c) };
    await awsSend(ctx, 'route53', new ListHostedZonesCommand({}));
    await awsSend(ctx, 'sts', new GetCallerIdentityCommand({}));
    await awsSend(ctx, 'ec2', new DescribeInstancesCommand({})).catch(() => undefined);
    assert.deepEqual(
      calls.map((c) => [c.operation, c.region, c.ok]),
      [
        ['ListHostedZones', 'us-east-1', true],
        ['GetCallerIdentity', 'us-east-1', true],
        ['DescribeInstances', 'eu-central-1', false],
      ],
    );
  });
});

describe('AwsClients.inRegion against moto_server (every Region)', () => {
  const availability = motoAvailability();
  if (!motoRuns(availability)) return;
  let moto: Moto;
  let aws: AwsClientFactory;
  before(async () => {
    moto = await startMoto();
    aws = new AwsClientFactory({ kind: 'localstack', region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    await aws.destroy();
    await moto?.close();
  });

  it('creates a VPC in eu-west-1 that eu-west-1 lists and us-east-1 does not', async () => {
    const eu = await aws.inRegion('eu-west-1').ec2();
    const home = await aws.ec2();
    const created = await eu.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
    const id = created.Vpc?.VpcId;
    assert.ok(id !== undefined);
    const inEu = await eu.send(new DescribeVpcsCommand({}));
    const inUs = await home.send(new DescribeVpcsCommand({}));
    assert.ok(inEu.Vpcs?.some((v) => v.VpcId === id));
    assert.ok(!inUs.Vpcs?.some((v) => v.VpcId === id));
  });
});
