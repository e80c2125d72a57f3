import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand, type Tag } from '@aws-sdk/client-ec2';
import { CreateTargetGroupCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * moto_server (moto 5.2.1) as a child process, for conformance tests of gameday's AWS actions and probes.
 * Everything a test builds goes through the real AWS SDK v3 clients over HTTP; the only non-AWS calls are moto's own
 * test-control paths (`/moto-api/`, `POST /moto-api/reset`).
 */

export const MOTO_COMMAND = 'moto_server';
export const MOTO_REGION = 'us-east-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/** One of the AMIs moto ships in its default image list (moto validates ImageId on RunInstances). */
export const MOTO_AMI = 'ami-03cf127a';

/** The executable's path when `command` is an executable file in a PATH directory. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Whether the suite can run: `run` when moto_server is on PATH and starts (`--help` exits 0; a pyenv shim without
 * moto behind it does not); otherwise `fail` on CI (`CI=true`), where a missing emulator is a broken machine, and
 * `skip` elsewhere, with the reason.
 */
export function motoAvailability(env: NodeJS.ProcessEnv = process.env): { status: 'run'; path: string } | { status: 'skip' | 'fail'; reason: string } {
  const status = env.CI === 'true' ? 'fail' : 'skip';
  const path = findOnPath(MOTO_COMMAND, env.PATH ?? '');
  if (path === undefined) return { status, reason: `${MOTO_COMMAND} was not found on PATH (install moto with its server extra: pip install 'moto[server]')` };
  const help = spawnSync(path, ['--help'], { stdio: 'ignore', timeout: 30_000, env });
  if (help.status !== 0) {
    const why = help.error?.message ?? (help.signal !== null ? `signal ${help.signal}` : `exit code ${help.status}`);
    return { status, reason: `${MOTO_COMMAND} on PATH (${path}) does not run: '${MOTO_COMMAND} --help' failed (${why})` };
  }
  return { status: 'run', path };
}

/**
 * Inside a suite's `describe`: whether moto_server can run. When it cannot, one test says why (skipped, or failing
 * under CI=true, where a missing emulator is a broken machine) and the caller leaves out the rest of the suite.
 */
export function motoRuns(availability: ReturnType<typeof motoAvailability>): boolean {
  if (availability.status === 'run') return true;
  const { reason } = availability;
  it('needs moto_server on PATH (required when CI=true)', availability.status === 'skip' ? { skip: reason } : {}, () => {
    assert.fail(`${reason}; CI=true, so the moto conformance suite must run.`);
  });
  return false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export interface Moto {
  endpoint: string;
  /** Wipes every service's state (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL if it lingers). */
  close(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Whether a GET on `url` gets a 2xx answer within a second. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until `GET /moto-api/` answers (a polled condition with
 * a deadline). Fails early, with moto's own output, if the process exits first.
 */
export async function startMoto(options: { command?: string; timeoutMs?: number } = {}): Promise<Moto> {
  // The free port is picked before moto binds it; if something else takes it meanwhile moto exits, so try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMotoOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('exited')) throw error;
    }
  }
}

async function startMotoOnce(options: { command?: string; timeoutMs?: number }): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(options.command ?? MOTO_COMMAND, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  // moto logs every request; keep only a tail for diagnostics, and keep the pipes drained.
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  // Should the test process end without running `close()` (a crash, a runner timeout), take moto down with it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const moto: Moto = {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`POST /moto-api/reset answered ${res.status}`);
    },
    close: () => stop(child),
  };
  try {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError !== undefined) throw new Error(`could not start ${MOTO_COMMAND}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${MOTO_COMMAND} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`);
      }
      if (await answers(`${endpoint}/moto-api/`)) break;
      if (Date.now() > deadline) throw new Error(`${MOTO_COMMAND} did not answer on ${endpoint}/moto-api/ within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop(child, 500);
    throw error;
  }
  return moto;
}

/**
 * For a suite against moto_server: starts it before the suite's tests with gameday's client factory on it, and stops
 * both after; a `fail` availability (moto required but missing) fails the suite. Read `moto` and `aws` inside tests.
 */
export function motoSuite(availability: ReturnType<typeof motoAvailability>): { readonly moto: Moto; readonly aws: AwsClientFactory } {
  let moto: Moto | undefined;
  let aws: AwsClientFactory | undefined;
  before(async () => {
    if (availability.status === 'fail') throw new Error(availability.reason);
    moto = await startMoto();
    aws = new AwsClientFactory({ kind: 'localstack', region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  });
  after(async () => {
    await aws?.destroy();
    await moto?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('moto_server has not started');
    return value;
  };
  return {
    get moto() {
      return started(moto);
    },
    get aws() {
      return started(aws);
    },
  };
}

export interface MotoClients {
  ec2: EC2Client;
  asg: AutoScalingClient;
  elb: ElasticLoadBalancingV2Client;
  destroy(): void;
}

/** Plain SDK clients on moto, for building fixtures and reading ground truth (not the code under test). */
export function motoClients(endpoint: string): MotoClients {
  const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  const clients = {
    ec2: new EC2Client(config),
    asg: new AutoScalingClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    destroy() {
      clients.ec2.destroy();
      clients.asg.destroy();
      clients.elb.destroy();
    },
  };
  return clients;
}

export const ASG_NAME = 'web-asg';
export const TARGET_GROUP_NAME = 'web-tg';
export const ALLOWED_TAG = { Key: 'gameday:allowed', Value: 'true' } as const;
export const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

export interface Fixture {
  vpcId: string;
  /** Subnet id by availability zone. */
  subnets: Record<(typeof AZS)[number], string>;
  launchTemplateId: string;
  asgName: string;
  asgInstanceIds: string[];
  targetGroupArn: string;
  targetGroupName: string;
  /** Standalone instances (not in the group): `[0]` in us-east-1a tagged role=db, `[1]` in us-east-1b tagged role=cache. */
  standaloneIds: string[];
}

async function runOne(ec2: EC2Client, subnetId: string, tags: Tag[]): Promise<string> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: MOTO_AMI,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
    }),
  );
  const id = out.Instances?.[0]?.InstanceId;
  if (id === undefined) throw new Error('RunInstances returned no instance');
  return id;
}

/** Launches `n` standalone instances, one RunInstances call (one reservation) each. */
export async function runInstances(ec2: EC2Client, subnetId: string, n: number, tags: Tag[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await runOne(ec2, subnetId, tags));
  return ids;
}

/**
 * The reference fixture: a VPC with one subnet per AZ, a launch template, an Auto Scaling group of `capacity`
 * instances over the three subnets with `gameday:allowed=true` propagated, a target group holding the group's
 * instances, and two tagged standalone instances.
 */
export async function buildFixture(c: MotoClients, capacity = 3): Promise<Fixture> {
  const vpc = await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnets = {} as Record<(typeof AZS)[number], string>;
  for (const [i, az] of AZS.entries()) {
    const s = await c.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: az }));
    subnets[az] = s.Subnet?.SubnetId ?? '';
  }
  const lt = await c.ec2.send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: MOTO_AMI, InstanceType: 't3.micro' } }),
  );
  const launchTemplateId = lt.LaunchTemplate?.LaunchTemplateId ?? '';
  const tg = await c.elb.send(
    new CreateTargetGroupCommand({ Name: TARGET_GROUP_NAME, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance', HealthCheckPath: '/health' }),
  );
  const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await c.asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: ASG_NAME,
      LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
      MinSize: capacity,
      MaxSize: capacity + 2,
      DesiredCapacity: capacity,
      VPCZoneIdentifier: AZS.map((az) => subnets[az]).join(','),
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 60,
      TargetGroupARNs: [targetGroupArn],
      Tags: [{ ...ALLOWED_TAG, PropagateAtLaunch: true, ResourceId: ASG_NAME, ResourceType: 'auto-scaling-group' }],
    }),
  );
  const group = (await c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG_NAME] }))).AutoScalingGroups?.[0];
  const asgInstanceIds = (group?.Instances ?? []).map((i) => i.InstanceId ?? '');
  if (asgInstanceIds.length !== capacity) throw new Error(`the group launched ${asgInstanceIds.length} instances, expected ${capacity}`);
  // Registering explicitly as well is harmless (RegisterTargets is idempotent) and keeps the fixture independent of
  // whether the emulator registers a group's instances with its TargetGroupARNs.
  await c.elb.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: asgInstanceIds.map((Id) => ({ Id, Port: 80 })) }));
  const standaloneIds = [
    await runOne(c.ec2, subnets['us-east-1a'], [
      { Key: 'role', Value: 'db' },
      { Key: 'Name', Value: 'db-1' },
    ]),
    await runOne(c.ec2, subnets['us-east-1b'], [{ Key: 'role', Value: 'cache' }, { Key: 'Name', Value: 'cache-1' }, { ...ALLOWED_TAG }]),
  ];
  return { vpcId, subnets, launchTemplateId, asgName: ASG_NAME, asgInstanceIds, targetGroupArn, targetGroupName: TARGET_GROUP_NAME, standaloneIds };
}
