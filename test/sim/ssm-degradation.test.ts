import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ALB_HEALTH_CHECK } from '../../src/sim/timing.js';
import { awsCli } from '../support/aws-cli.js';
import { allInstances, CREDENTIALS, referenceWith, sdkError, startSim, targetOf, truth, waitFor, workloadUrl, type Sim } from '../support/sim.js';

/**
 * AWS FIS's degradation documents through SSM Run Command. Sources: the documents and their parameters
 * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html; the invocation statuses (Pending,
 * InProgress, Success, Cancelled) https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html;
 * CancelCommand https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CancelCommand.html; the health
 * checks' interval, timeout and threshold
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html.
 */
const SPEED = 50;
const LATENCY = 'AWSFIS-Run-Network-Latency';
/** Long enough to be cancelled rather than to end (10 min of AWS time, 12 s here). */
const LONG = '600';

interface Timed {
  status?: number;
  error?: string;
  ms: number;
}

/** One GET on a fresh connection from `localAddress`, timed from the request to the end of the answer. */
function timedGet(url: string, options: { localAddress?: string; timeoutMs?: number } = {}): Promise<Timed> {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (r: Omit<Timed, 'ms'>): void => resolve({ ...r, ms: performance.now() - started });
    const req = httpRequest(url, { method: 'GET', agent: false, timeout: options.timeoutMs ?? 2_000, localAddress: options.localAddress }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0 }));
      res.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    req.end();
  });
}

/** The median wall ms of `n` successful GETs, one after another (and the fastest). */
async function medianMs(url: string, n = 9): Promise<number> {
  return (await timings(url, n)).median;
}

async function timings(url: string, n: number): Promise<{ median: number; min: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await timedGet(url);
    assert.equal(r.status, 200, `GET ${url}: ${r.error ?? ''}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(n / 2)] ?? Number.NaN, min: times[0] ?? Number.NaN };
}

describe('degradation documents of AWS FIS through SSM Run Command', () => {
  let sim: Sim;
  let ssm: SSMClient;
  let ids: string[] = [];
  const urls = new Map<string, string>();
  const url = (id: string): string => urls.get(id) ?? '';
  const send = async (document: string, id: string, parameters: Record<string, string[]>): Promise<string> => {
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: document, InstanceIds: [id], Parameters: parameters }));
    assert.equal(sent.Command?.Status, 'Pending');
    return sent.Command?.CommandId ?? '';
  };
  const status = async (commandId: string, id: string): Promise<string | undefined> =>
    (await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }))).Status;
  const running = (commandId: string, id: string): Promise<true> =>
    waitFor('the invocation to be in progress', async () => (await status(commandId, id)) === 'InProgress' || undefined);
  /** The truth events of one command's impairment: its start and (once it has one) its end. */
  const impairment = async (commandId: string) => {
    const events = (await truth(sim.endpoint)).filter((e) => e.kind === 'impairment' && e.detail?.command === commandId);
    return { started: events.find((e) => e.to !== 'ended'), ended: events.find((e) => e.to === 'ended') };
  };

  before(async () => {
    // EC2 health checks only, so a target the load balancer fails stays in service for the test to watch.
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
    });
    sim = await startSim({ topology, speed: SPEED, seed: 7 });
    ssm = new SSMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const instances = await allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] });
    ids = instances.map((i) => i.InstanceId ?? '');
    for (const i of instances) urls.set(i.InstanceId ?? '', workloadUrl(i, 8080));
    assert.ok(ids.length >= 3, 'the reference fleet has three instances');
  });
  after(async () => {
    ssm.destroy();
    await sim.close();
  });

  it('100 ms of latency slows answers from that instance by 100 ms, not the others; CancelCommand ends it at once', async () => {
    const [a = '', b = ''] = ids;
    const baseline = await medianMs(url(a));
    const commandId = await send(LATENCY, a, { DelayMilliseconds: ['100'], DurationSeconds: [LONG] });
    await running(commandId, a);

    const slowed = await timings(url(a), 9);
    const added = slowed.median - baseline;
    assert.ok(slowed.min >= 99, `every answer waits the 100 ms (fastest ${slowed.min.toFixed(1)} ms)`);
    // Its precision (within 5 ms of 100 at the median) is a benchmark target (bench/degradation-latency.ts); here, on a
    // shared machine, the delay is there (every answer waits it, above) and it is one delay, not two. (The baseline,
    // measured first, is noisy under load: the median difference is not a bound.)
    assert.ok(added < 190, `added latency ${added.toFixed(1)} ms at the median, expected about 100`);
    assert.ok((await medianMs(url(b))) < baseline + 30, 'another instance is not slowed');

    // As AWS shows a running command: InProgress, the document's parameters with their defaults.
    const [listed] = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }))).CommandInvocations ?? [];
    assert.equal(listed?.Status, 'InProgress');
    assert.equal(listed?.CommandPlugins?.[0]?.Status, 'InProgress');
    const [command] = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands ?? [];
    assert.equal(command?.Status, 'InProgress');
    assert.deepEqual(command?.Parameters?.Interface, ['eth0']);
    assert.deepEqual(command?.Parameters?.InstallDependencies, ['True']);

    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    assert.equal(await status(commandId, a), 'Cancelled');
    assert.equal((await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0]?.Status, 'Cancelled');
    assert.ok((await medianMs(url(a))) < baseline + 30, 'the latency is gone once the command is cancelled');
    const { started, ended } = await impairment(commandId);
    assert.equal(started?.to, 'network-latency');
    assert.equal(started?.resource, a);
    assert.equal(ended?.detail?.reason, 'cancelled');
  });

  it('CPU stress slows every answer and ends by itself after DurationSeconds: InProgress, then Success', async () => {
    const [, b = ''] = ids;
    const baseline = await medianMs(url(b));
    const seconds = 120;
    const commandId = await send('AWSFIS-Run-CPU-Stress', b, { DurationSeconds: [String(seconds)], LoadPercent: ['90'] });
    await running(commandId, b);
    // 10 ms of work at a tenth of the CPU takes 100 ms (the region's assumed processor sharing).
    const slowed = await medianMs(url(b), 5);
    assert.ok(slowed - baseline >= 60, `CPU stress added ${(slowed - baseline).toFixed(1)} ms`);

    await waitFor('the invocation to succeed', async () => (await status(commandId, b)) === 'Success' || undefined, { timeoutMs: 20_000 });
    const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: b }));
    assert.equal(got.ResponseCode, 0);
    assert.equal(got.PluginName, 'CPUStress');
    assert.ok((await medianMs(url(b))) < baseline + 30, 'answers are fast again');
    const { started, ended } = await impairment(commandId);
    assert.equal(ended?.detail?.reason, 'expired');
    // Never shorter than DurationSeconds of AWS time.
    assert.ok((ended?.epochMs ?? 0) - (started?.epochMs ?? 0) >= sim.wall(seconds * 1000) - 5);
  });

  it('100 % packet loss towards one source drops its traffic only; memory stress past 90 % answers 503', async () => {
    const [, , c = ''] = ids;
    const commandId = await send('AWSFIS-Run-Network-Packet-Loss-Sources', c, {
      LossPercent: ['100'],
      Sources: ['127.0.0.5/32'],
      TrafficType: ['ingress'],
      DurationSeconds: [LONG],
    });
    await running(commandId, c);
    const fromSource = await timedGet(url(c), { localAddress: '127.0.0.5', timeoutMs: 1_500 });
    assert.equal(fromSource.error, 'ETIMEDOUT');
    assert.equal((await timedGet(url(c), { localAddress: '127.0.0.6' })).status, 200);
    await ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [c] }));
    assert.equal((await timedGet(url(c), { localAddress: '127.0.0.5' })).status, 200);

    const memory = await send('AWSFIS-Run-Memory-Stress', c, { Percent: ['95'], DurationSeconds: [LONG] });
    await running(memory, c);
    assert.equal((await timedGet(url(c))).status, 503);
    await ssm.send(new CancelCommandCommand({ CommandId: memory }));
    assert.equal((await timedGet(url(c))).status, 200);
  });

  it('a blackholed port 8080 (ingress) fails the target after the health checks, and it recovers once cancelled', async () => {
    const [a = ''] = ids;
    const tg = sim.outputs['tg.web-tg.arn'] ?? '';
    assert.equal((await targetOf(sim.elb, tg, a))?.TargetHealth?.State, 'healthy');
    const commandId = await send('AWSFIS-Run-Network-Blackhole-Port', a, {
      Port: ['8080'],
      Protocol: ['tcp'],
      TrafficType: ['ingress'],
      DurationSeconds: [LONG],
    });
    await running(commandId, a);
    assert.equal((await timedGet(url(a), { timeoutMs: 500 })).error, 'ETIMEDOUT');
    const unhealthy = await waitFor('the target to be unhealthy', async () => {
      const t = await targetOf(sim.elb, tg, a);
      return t?.TargetHealth?.State === 'unhealthy' && t;
    });
    assert.equal(unhealthy.TargetHealth?.Reason, 'Target.Timeout');
    // Two failed checks, each waiting out its timeout, the second an interval after the first.
    const events = await truth(sim.endpoint);
    const started = events.find((e) => e.kind === 'impairment' && e.detail?.command === commandId);
    const failed = events.find((e) => e.kind === 'target-health' && e.resource.endsWith(`/${a}`) && e.to === 'unhealthy' && e.seq > (started?.seq ?? 0));
    const least = sim.wall((ALB_HEALTH_CHECK.unhealthyThreshold - 1) * ALB_HEALTH_CHECK.interval + ALB_HEALTH_CHECK.timeout);
    assert.ok((failed?.epochMs ?? 0) - (started?.epochMs ?? 0) >= least * 0.9, 'unhealthy no sooner than the checks allow');

    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    assert.equal((await timedGet(url(a))).status, 200);
    await waitFor('the target to be healthy again', async () => (await targetOf(sim.elb, tg, a))?.TargetHealth?.State === 'healthy' || undefined);
  });

  it('refuses an unknown document with InvalidDocument and bad parameters with InvalidParameters', async () => {
    const [a = ''] = ids;
    const refused = async (document: string, parameters: Record<string, string[]>) =>
      sdkError(ssm.send(new SendCommandCommand({ DocumentName: document, InstanceIds: [a], Parameters: parameters })));
    const unknown = await refused('AWSFIS-Run-Disk-Fill', { DurationSeconds: ['60'] });
    assert.equal(unknown.name, 'InvalidDocument');
    assert.match(unknown.message, /AWSFIS-Run-Disk-Fill/);
    const missing = await refused(LATENCY, { DelayMilliseconds: ['100'] });
    assert.equal(missing.name, 'InvalidParameters');
    assert.match(missing.message, /DurationSeconds/);
    const loss = await refused('AWSFIS-Run-Network-Packet-Loss', { LossPercent: ['150'], DurationSeconds: ['60'] });
    assert.equal(loss.name, 'InvalidParameters');
    assert.match(loss.message, /LossPercent.*0 to 100/);
    const traffic = await refused('AWSFIS-Run-Network-Blackhole-Port', {
      Port: ['8080'],
      Protocol: ['tcp'],
      TrafficType: ['sideways'],
      DurationSeconds: ['60'],
    });
    assert.match(traffic.message, /TrafficType.*ingress, egress/);
    const sources = await refused('AWSFIS-Run-Network-Latency-Sources', { Sources: ['not a source'], DurationSeconds: ['60'] });
    assert.equal(sources.name, 'InvalidParameters');
    const stray = await refused('AWSFIS-Run-CPU-Stress', { DurationSeconds: ['60'], Percent: ['50'] });
    assert.match(stray.message, /no parameter 'Percent'/);
    assert.equal((await sdkError(ssm.send(new CancelCommandCommand({ CommandId: '00000000-0000-4000-8000-000000000000' })))).name, 'InvalidCommandId');
  });

  it('through the AWS CLI: send-command with latency, get-command-invocation, cancel-command, and an unknown document', async () => {
    const [, b = ''] = ids;
    const cli = awsCli(sim.endpoint);
    const baseline = await medianMs(url(b), 5);
    const sent = await cli.json<{ Command: { CommandId: string; Status: string } }>(
      'ssm',
      'send-command',
      '--document-name',
      LATENCY,
      '--instance-ids',
      b,
      '--parameters',
      JSON.stringify({ DelayMilliseconds: ['100'], DurationSeconds: [LONG] }),
    );
    const commandId = sent.Command.CommandId;
    await waitFor('the CLI to show the invocation in progress', async () => {
      const got = await cli.json<{ Status: string }>('ssm', 'get-command-invocation', '--command-id', commandId, '--instance-id', b);
      return got.Status === 'InProgress' || undefined;
    });
    const slowed = await timings(url(b), 5);
    assert.ok(slowed.min >= 99 && slowed.median - baseline < 190, `added latency ${(slowed.median - baseline).toFixed(1)} ms`);
    await cli.json('ssm', 'cancel-command', '--command-id', commandId);
    const listed = await cli.json<{ CommandInvocations: { Status: string }[] }>('ssm', 'list-command-invocations', '--command-id', commandId);
    assert.deepEqual(
      listed.CommandInvocations.map((i) => i.Status),
      ['Cancelled'],
    );
    const error = await cli.fails('ssm', 'send-command', '--document-name', 'AWSFIS-Run-Nothing', '--instance-ids', b);
    assert.match(error, /\(InvalidDocument\).*AWSFIS-Run-Nothing/);
    // A parameter the document does not declare (AWSFIS-Run-Network-Latency has no jitter; its -Sources twin has).
    const jitter = await cli.fails(
      'ssm',
      'send-command',
      '--document-name',
      LATENCY,
      '--instance-ids',
      b,
      '--parameters',
      JSON.stringify({ DelayMilliseconds: ['100'], JitterMilliseconds: ['10'], DurationSeconds: ['60'] }),
    );
    assert.match(jitter, /\(InvalidParameters\).*JitterMilliseconds/);
  });
});
