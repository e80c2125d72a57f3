import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DescribeAvailabilityZonesCommand, type Instance } from '@aws-sdk/client-ec2';
import { CancelCommandCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { allInstances, CREDENTIALS, referenceWith, sdkError, startSim, truth, waitFor, workloadUrl, type Sim } from '../support/sim.js';

/**
 * The parameters of AWS FIS's network documents as https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html
 * lists them, and what each does on a simulated instance: AWSFIS-Run-Network-Latency takes no JitterMilliseconds; the
 * -Sources documents take Sources (addresses, CIDR blocks, domain names, an AZ name, an AZ ID, ALL, DYNAMODB, S3),
 * FlowsPercent (default 100) and Interface (ALL, DEFAULT or names separated by commas; default DEFAULT); and the
 * guide's Limitations: the network documents "cannot run in parallel". Zone ids as DescribeAvailabilityZones gives them
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html).
 */
const SPEED = 50;
const LATENCY = 'AWSFIS-Run-Network-Latency';
const LATENCY_SOURCES = 'AWSFIS-Run-Network-Latency-Sources';
/** Long enough to be cancelled rather than to end (10 min of AWS time, 12 s here). */
const LONG = '600';
const DELAY_MS = 100;

/** One GET on a fresh connection from `localAddress`, its wall ms from the request to the end of the answer. */
function timedGet(url: string, localAddress?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { method: 'GET', agent: false, timeout: 2_000, localAddress }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} from ${localAddress ?? 'the default address'} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The wall ms of `n` GETs one after another, each on its own connection, sorted. */
async function times(url: string, n: number, localAddress?: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timedGet(url, localAddress));
  return out.sort((a, b) => a - b);
}

const median = (sorted: number[]): number => sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;

describe('the AWSFIS network documents: their parameters as the FIS guide lists them', () => {
  let sim: Sim;
  let ssm: SSMClient;
  /** One running instance per zone, by zone name. */
  const byZone = new Map<string, Instance>();
  const zone = (name: string): Instance => {
    const i = byZone.get(name);
    assert.ok(i !== undefined, `an instance in ${name}`);
    return i;
  };
  const send = async (document: string, id: string, parameters: Record<string, string[]>): Promise<string> => {
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: document, InstanceIds: [id], Parameters: parameters }));
    return sent.Command?.CommandId ?? '';
  };
  const invocation = (commandId: string, id: string) => ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
  const until = (commandId: string, id: string, status: string) =>
    waitFor(`the invocation to be ${status}`, async () => {
      const got = await invocation(commandId, id);
      return got.Status === status && got;
    });
  const cancel = (commandId: string) => ssm.send(new CancelCommandCommand({ CommandId: commandId }));
  /** Whether answers from `localAddress` wait the delay: every one of five at least DELAY_MS, or the median well under it. */
  const delayedFrom = async (url: string, localAddress?: string): Promise<boolean> => {
    const t = await times(url, 5, localAddress);
    if ((t[0] ?? 0) >= DELAY_MS - 1) return true;
    assert.ok(
      median(t) < DELAY_MS / 2,
      `answers from ${localAddress ?? 'the default address'} are neither all delayed nor fast: ${t.map((x) => x.toFixed(1)).join(', ')} ms`,
    );
    return false;
  };

  before(async () => {
    // EC2 health checks only: a delayed target stays in service whatever the checks see.
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
    });
    sim = await startSim({ topology, speed: SPEED, seed: 11 });
    ssm = new SSMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    for (const i of await allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] })) {
      const z = i.Placement?.AvailabilityZone ?? '';
      if (!byZone.has(z)) byZone.set(z, i);
    }
    assert.ok(byZone.has('us-east-1a') && byZone.has('us-east-1b') && byZone.has('us-east-1c'), 'the reference fleet spans three zones');
  });
  after(async () => {
    ssm.destroy();
    await sim.close();
  });

  it('refuses JitterMilliseconds on AWSFIS-Run-Network-Latency with InvalidParameters, and takes it on -Latency-Sources', async () => {
    const id = zone('us-east-1a').InstanceId ?? '';
    const refused = await sdkError(send(LATENCY, id, { DelayMilliseconds: ['100'], JitterMilliseconds: ['10'], DurationSeconds: ['60'] }));
    assert.equal(refused.name, 'InvalidParameters');
    assert.match(refused.message, /JitterMilliseconds/);
    const interfaces = await sdkError(send(LATENCY_SOURCES, id, { Sources: ['ALL'], Interface: ['eth0 eth1'], DurationSeconds: ['60'] }));
    assert.equal(interfaces.name, 'InvalidParameters');

    const commandId = await send(LATENCY_SOURCES, id, { Sources: ['ALL'], JitterMilliseconds: ['0'], DurationSeconds: [LONG] });
    const [command] = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands ?? [];
    // The -Sources document's own defaults.
    assert.deepEqual(command?.Parameters?.Interface, ['DEFAULT']);
    assert.deepEqual(command?.Parameters?.FlowsPercent, ['100']);
    assert.deepEqual(command?.Parameters?.DelayMilliseconds, ['200']);
    assert.deepEqual(command?.Parameters?.TrafficType, ['ingress']);
    await until(commandId, id, 'InProgress');
    await cancel(commandId);
  });

  it('Sources=us-east-1a delays traffic with that zone’s instances, not another zone’s; its AZ ID does the same', async () => {
    const target = zone('us-east-1b');
    const id = target.InstanceId ?? '';
    const url = workloadUrl(target, 8080);
    const fromA = zone('us-east-1a').PrivateIpAddress ?? '';
    const fromC = zone('us-east-1c').PrivateIpAddress ?? '';
    const zoneA = (await sim.ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1a'] }))).AvailabilityZones?.[0]?.ZoneId ?? '';
    assert.match(zoneA, /^use1-az\d$/);

    for (const sources of ['us-east-1a', zoneA]) {
      const commandId = await send(LATENCY_SOURCES, id, {
        Sources: [sources],
        DelayMilliseconds: [String(DELAY_MS)],
        JitterMilliseconds: ['0'],
        DurationSeconds: [LONG],
      });
      await until(commandId, id, 'InProgress');
      assert.equal(await delayedFrom(url, fromA), true, `Sources=${sources}: answers to a us-east-1a instance wait ${DELAY_MS} ms`);
      assert.equal(await delayedFrom(url, fromC), false, `Sources=${sources}: answers to a us-east-1c instance do not`);
      await cancel(commandId);
      assert.equal(await delayedFrom(url, fromA), false, 'the delay is gone once the command is cancelled');
    }
  });

  it('Sources=ALL delays every flow; FlowsPercent=0 none; FlowsPercent=50 some connections, not others', async () => {
    const target = zone('us-east-1c');
    const id = target.InstanceId ?? '';
    const url = workloadUrl(target, 8080);
    const latency = (flows?: string) =>
      send(LATENCY_SOURCES, id, {
        Sources: ['ALL'],
        Interface: ['ALL'],
        DelayMilliseconds: [String(DELAY_MS)],
        JitterMilliseconds: ['0'],
        DurationSeconds: [LONG],
        ...(flows === undefined ? {} : { FlowsPercent: [flows] }),
      });

    const all = await latency();
    await until(all, id, 'InProgress');
    assert.equal(await delayedFrom(url), true, 'a client on the default address waits the delay');
    assert.equal(await delayedFrom(url, zone('us-east-1a').PrivateIpAddress), true, 'so does another zone');
    await cancel(all);

    const none = await latency('0');
    await until(none, id, 'InProgress');
    assert.equal(await delayedFrom(url), false, 'FlowsPercent=0 affects no flow');
    const { started } = await impairmentOf(none);
    assert.equal(started?.detail?.flowsPercent, 0);
    await cancel(none);

    const half = await latency('50');
    await until(half, id, 'InProgress');
    // Each request on its own connection: about half wait the delay (a chance of 2 in 2^24 that 24 all fall one way).
    const t = await times(url, 24);
    const slow = t.filter((ms) => ms >= DELAY_MS - 1).length;
    assert.ok(slow > 0 && slow < t.length, `${slow} of ${t.length} connections delayed`);
    await cancel(half);
  });

  it('a second network document on the same instance fails while the first runs, and the first stays in effect', async () => {
    const target = zone('us-east-1a');
    const id = target.InstanceId ?? '';
    const url = workloadUrl(target, 8080);
    const first = await send(LATENCY, id, { DelayMilliseconds: [String(DELAY_MS)], DurationSeconds: [LONG] });
    await until(first, id, 'InProgress');

    const second = await send('AWSFIS-Run-Network-Packet-Loss-Sources', id, { Sources: ['ALL'], LossPercent: ['100'], DurationSeconds: [LONG] });
    const failed = await until(second, id, 'Failed');
    assert.match(failed.StandardErrorContent ?? '', /another network fault is running/i);
    assert.notEqual(failed.ResponseCode, 0);

    assert.equal((await invocation(first, id)).Status, 'InProgress');
    assert.equal(await delayedFrom(url), true, 'the first document’s latency is still felt, and no loss');
    const firstEffect = await impairmentOf(first);
    assert.equal(firstEffect.started?.to, 'network-latency');
    assert.equal(firstEffect.ended, undefined, 'the first effect has not ended');
    assert.equal((await impairmentOf(second)).started, undefined, 'the second never took effect');
    // Other documents still run beside it.
    const cpu = await send('AWSFIS-Run-CPU-Stress', id, { LoadPercent: ['10'], DurationSeconds: [LONG] });
    await until(cpu, id, 'InProgress');
    await cancel(cpu);

    await cancel(first);
    const third = await send('AWSFIS-Run-Network-Blackhole-Port', id, { Protocol: ['tcp'], Port: ['9'], DurationSeconds: [LONG] });
    await until(third, id, 'InProgress');
    await cancel(third);
  });

  /** The ground-truth events of one command's impairment: its start and (once it has one) its end. */
  async function impairmentOf(commandId: string) {
    const events = (await truth(sim.endpoint)).filter((e) => e.kind === 'impairment' && e.detail?.command === commandId);
    return { started: events.find((e) => e.to !== 'ended'), ended: events.find((e) => e.to === 'ended') };
  }
});
