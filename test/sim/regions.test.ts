import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { FisClient, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { remoteSim } from '../../src/cli/sim-host.js';
import type { Journal } from '../../src/engine/journal.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';
import { allInstances, CREDENTIALS, getOutputs, referenceWith, requestLog, sdkError, startSim, type Sim, waitFor } from '../support/sim.js';

// A regional call signed for another region: "Credential should be scoped to a valid Region, not region-code",
// HTTP 403 SignatureDoesNotMatch (https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html).
// An unsigned call: MissingAuthenticationToken, 403 (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
const SPEED = 100;
const WRONG = (region: string) => new RegExp(`SignatureDoesNotMatch.*Credential should be scoped to a valid region, not '${region}'`);

/** An SDK client of `Client` for `region`, pointed at the sim. */
function client<C>(Client: new (config: object) => C, sim: Sim, region: string): C {
  return new Client({ endpoint: sim.endpoint, region, credentials: CREDENTIALS, maxAttempts: 1 });
}

describe('a us-east-1 region refuses calls signed for another region', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ speed: SPEED });
  });
  after(async () => {
    await sim?.close();
  });

  it('the AWS CLI with --region eu-west-1: EC2, Auto Scaling and RDS fail with SignatureDoesNotMatch; Route 53, STS (and IAM, by the SDK) answer as global services', async () => {
    const eu = awsCli(sim.endpoint, 'eu-west-1');
    const iam = client(IAMClient, sim, 'eu-west-1');
    const r53 = client(Route53Client, sim, 'us-east-1');
    try {
      const [instances, zones, groups, databases, hostedZones, identity] = await Promise.all([
        eu.fails('ec2', 'describe-instances'),
        eu.fails('ec2', 'describe-availability-zones'),
        eu.fails('autoscaling', 'describe-auto-scaling-groups'),
        eu.fails('rds', 'describe-db-instances'),
        eu.json<{ HostedZones: { Id: string }[] }>('route53', 'list-hosted-zones'),
        eu.json<{ Account: string }>('sts', 'get-caller-identity'),
      ]);
      for (const stderr of [instances, zones, groups, databases]) {
        assert.match(stderr, WRONG('eu-west-1'));
        assert.doesNotMatch(stderr, /i-[0-9a-f]{17}|us-east-1a/, 'no data of the region in a refusal');
      }
      const home = (await r53.send(new ListHostedZonesCommand({}))).HostedZones ?? [];
      assert.deepEqual(
        hostedZones.HostedZones.map((z) => z.Id),
        home.map((z) => z.Id),
      );
      assert.equal(identity.Account, sim.outputs['region.accountId']);
      const simulated = await iam.send(
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::123456789012:role/gameday', ActionNames: ['ec2:DescribeInstances'] }),
      );
      assert.equal(simulated.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    } finally {
      iam.destroy();
      r53.destroy();
    }

    // The request log names every refused call with its error, like any other call.
    const refused = (await requestLog(sim.endpoint)).filter((r) => r.errorCode === 'SignatureDoesNotMatch');
    assert.deepEqual(refused.map((r) => `${r.service}:${r.action}:${r.status}`).sort(), [
      'autoscaling:DescribeAutoScalingGroups:403',
      'ec2:DescribeAvailabilityZones:403',
      'ec2:DescribeInstances:403',
      'rds:DescribeDBInstances:403',
    ]);
  });

  it('the JS SDK for eu-west-1 gets SignatureDoesNotMatch (403) in each wire protocol; for us-east-1 it gets the data', async () => {
    const ec2 = client(EC2Client, sim, 'eu-west-1');
    const cw = client(CloudWatchClient, sim, 'eu-west-1');
    const fis = client(FisClient, sim, 'eu-west-1');
    const r53 = client(Route53Client, sim, 'eu-west-1');
    const sts = client(STSClient, sim, 'ap-southeast-2');
    try {
      for (const call of [
        ec2.send(new DescribeInstancesCommand({})),
        cw.send(new DescribeAlarmsCommand({})),
        fis.send(new ListExperimentTemplatesCommand({})),
      ]) {
        const e = await sdkError(call);
        assert.equal(e.name, 'SignatureDoesNotMatch');
        assert.equal(e.$metadata?.httpStatusCode, 403);
        assert.equal(e.$fault, 'client');
        assert.equal(e.message, "Credential should be scoped to a valid region, not 'eu-west-1'. ");
      }
      assert.ok(Array.isArray((await r53.send(new ListHostedZonesCommand({}))).HostedZones));
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, sim.outputs['region.accountId']);
      const home = await allInstances(sim.ec2);
      assert.equal(home.length, 3);
      assert.ok(home.every((i) => i.Placement?.AvailabilityZone?.startsWith('us-east-1')));
    } finally {
      for (const c of [ec2, cw, fis, r53, sts]) c.destroy();
    }
  });

  it('an unsigned call gets MissingAuthenticationToken (403) in the shape of the protocol it speaks, and no data', async () => {
    const ec2 = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeInstances&Version=2016-11-15',
    });
    assert.equal(ec2.status, 403);
    assert.match(await ec2.text(), /^<\?xml[^>]*\?><Response><Errors><Error><Code>MissingAuthenticationToken<\/Code>/);
    const rds = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeDBInstances&Version=2014-10-31',
    });
    assert.equal(rds.status, 403);
    assert.match(await rds.text(), /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
    const r53 = await fetch(`${sim.endpoint}/2013-04-01/hostedzone`);
    assert.equal(r53.status, 403);
    assert.match(await r53.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    const log = await requestLog(sim.endpoint);
    assert.ok(log.some((r) => r.service === 'ec2' && r.action === 'DescribeInstances' && r.errorCode === 'MissingAuthenticationToken'));
  });
});

describe('a region whose topology says eu-west-1', () => {
  const topology = referenceWith((t) => {
    t.region = 'eu-west-1';
  });
  let sim: Sim;
  before(async () => {
    sim = await startSim({ topology, speed: SPEED });
  });
  after(async () => {
    await sim?.close();
  });

  it('answers eu-west-1 calls with eu-west-1a.. zones and its resources, and refuses us-east-1 calls', async () => {
    assert.equal(sim.outputs['region.name'], 'eu-west-1');
    const eu = awsCli(sim.endpoint, 'eu-west-1');
    const [zones, refused] = await Promise.all([
      eu.json<{ AvailabilityZones: { ZoneName: string; RegionName: string }[] }>('ec2', 'describe-availability-zones'),
      awsCli(sim.endpoint, 'us-east-1').fails('ec2', 'describe-instances'),
    ]);
    assert.deepEqual(
      zones.AvailabilityZones.map((z) => `${z.RegionName}/${z.ZoneName}`),
      ['eu-west-1/eu-west-1a', 'eu-west-1/eu-west-1b', 'eu-west-1/eu-west-1c'],
    );
    assert.match(refused, WRONG('us-east-1'));

    // The SDK clients of the sim are built for the topology's region.
    const instances = await allInstances(sim.ec2);
    assert.equal(instances.length, 3);
    assert.deepEqual([...new Set(instances.map((i) => i.Placement?.AvailabilityZone))].sort(), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    const home = client(EC2Client, sim, 'us-east-1');
    try {
      const e = await sdkError(home.send(new DescribeAvailabilityZonesCommand({})));
      assert.equal(e.name, 'SignatureDoesNotMatch');
      assert.equal(e.$metadata?.httpStatusCode, 403);
    } finally {
      home.destroy();
    }
  });

  it('gameday runs an experiment against it in its region, and refuses one that names another region before any call', async () => {
    const tmp = await tempDir();
    try {
      const text = (await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8')).replace(
        '  speed: 20',
        // The steady state is given ten AWS minutes: at this speed, a few seconds of a busy machine's wall time.
        `  speed: ${SPEED}\n  endpoint: ${sim.endpoint}\nsteadyState: { timeout: 10m }`,
      );
      const journalPath = join(tmp.dir, 'journal.json');
      const [run, elsewhere] = await Promise.all([
        gameday(['run', await tmp.write('eu.yaml', text), '--journal', journalPath, '--view', 'plain']),
        gameday(['run', await tmp.write('us.yaml', text.replace('  type: sim\n', '  type: sim\n  region: us-east-1\n')), '--view', 'plain']),
      ]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
      assert.equal(journal.verdict.status, 'passed');
      assert.equal(elsewhere.code, 2, elsewhere.stderr);
      assert.match(
        elsewhere.stderr,
        /^error: .*us\.yaml runs in us-east-1 \(environment\.region\), but the simulated region at http:\/\/127\.0\.0\.1:\d+ is eu-west-1; /m,
      );
      const log = await requestLog(sim.endpoint);
      assert.ok(log.some((r) => r.action === 'TerminateInstances' && r.status === 200));
      assert.ok(!log.some((r) => r.errorCode === 'SignatureDoesNotMatch' && r.action !== 'DescribeInstances' && r.action !== 'DescribeAvailabilityZones'));
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('GET /_sim/outputs before the region is ready', () => {
  it('answers 503 { ready: false } until the region has been steady, then its outputs for good; /_sim/health stays 200', async () => {
    // The endpoint listens before the world starts (its servers, the initial fleet's first checks): asked on a port of
    // our choosing from the moment it listens, it must answer "not ready" however fast the world then starts.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const starting = SimRegion.start({ topology: await loadTopology(undefined), speed: 50, port });
    const early = await waitFor('the endpoint to answer', () => fetch(`${endpoint}/_sim/outputs`).catch(() => undefined), { intervalMs: 1 });
    const health = fetch(`${endpoint}/_sim/health`);
    // gameday's reading of a running region waits for it to be ready instead of taking a booting region's outputs.
    const remote = remoteSim(endpoint);
    const region = await starting;
    try {
      assert.equal(early.status, 503);
      const body = (await early.json()) as Record<string, unknown>;
      assert.equal(body.ready, false);
      assert.equal(typeof body.message, 'string');
      assert.equal(body.outputs, undefined, 'no outputs before the region is ready');
      assert.equal((await health).status, 200, '/_sim/health answers while the region starts');

      const outputs = await getOutputs(region.endpoint, 30_000);
      assert.match(outputs['alb.web-alb.port'] ?? '', /^[1-9]\d*$/);
      assert.match(outputs['dns.server'] ?? '', /^127\.0\.0\.1:[1-9]\d*$/);
      assert.deepEqual(await remote, { outputs, speed: 50 });
      // A zone without power takes the region out of its steady state; the outputs are still served, saying so.
      const impaired = await fetch(`${region.endpoint}/_sim/zones/us-east-1a/impair`, { method: 'POST', body: JSON.stringify({ power: true }) });
      assert.equal(impaired.status, 200);
      await waitFor(
        'the region to leave its steady state',
        async () => !((await (await fetch(`${region.endpoint}/_sim/health`)).json()) as { ready: boolean }).ready,
      );
      const during = await fetch(`${region.endpoint}/_sim/outputs`);
      assert.equal(during.status, 200);
      const duringBody = (await during.json()) as { ready: boolean; outputs: Record<string, string> };
      assert.equal(duringBody.ready, false);
      assert.deepEqual(duringBody.outputs, outputs);
    } finally {
      await region.stop();
    }
  });
});
