import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { journalSchema, type Journal } from '../../src/engine/journal.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment, type LoadedExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import type { SimRequestRecord } from '../../src/sim/server.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology, parseTopology, REFERENCE_TOPOLOGY, type Topology } from '../../src/sim/topology.js';
import { ROOT } from './cli.js';

/**
 * Helpers for tests of the simulated region. Everything here talks to the region the way a user does: through the
 * real AWS SDK v3 clients over HTTP, plain HTTP to the load balancer and instances, and the `/_sim/*` control paths.
 * Nothing reaches into `region.world`.
 */

export const CREDENTIALS = { accessKeyId: 'AKIDSIMTEST', secretAccessKey: 'sim-secret' };

export interface Sim {
  region: SimRegion;
  endpoint: string;
  speed: number;
  ec2: EC2Client;
  asg: AutoScalingClient;
  elb: ElasticLoadBalancingV2Client;
  sts: STSClient;
  outputs: Record<string, string>;
  /** Wall milliseconds that `awsMs` of AWS time take at this region's speed. */
  wall(awsMs: number): number;
  close(): Promise<void>;
}

/** The reference architecture with some fields replaced: `tweak` receives a deep copy and edits it. */
export function referenceWith(tweak: (t: typeof REFERENCE_TOPOLOGY & Record<string, unknown>) => void): Topology {
  const copy = structuredClone(REFERENCE_TOPOLOGY) as typeof REFERENCE_TOPOLOGY & Record<string, unknown>;
  tweak(copy);
  return parseTopology(copy, 'test topology');
}

/**
 * Starts a region, its SDK clients, waits (over `/_sim/health`) until every group is at capacity and every target
 * healthy, unless `ready: false`. `close()` destroys the clients and stops the region.
 */
export async function startSim(options: { topology?: Topology; speed: number; seed?: number; ready?: boolean; readyTimeoutMs?: number }): Promise<Sim> {
  const topology = options.topology ?? (await loadTopology(undefined));
  const region = await SimRegion.start({ topology, speed: options.speed, port: 0, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  const config = { endpoint: region.endpoint, region: topology.region, credentials: CREDENTIALS, maxAttempts: 1 };
  const sim: Sim = {
    region,
    endpoint: region.endpoint,
    speed: options.speed,
    ec2: new EC2Client(config),
    asg: new AutoScalingClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    sts: new STSClient(config),
    outputs: {},
    wall: (awsMs) => awsMs / options.speed,
    close: async () => {
      sim.ec2.destroy();
      sim.asg.destroy();
      sim.elb.destroy();
      sim.sts.destroy();
      await region.stop();
    },
  };
  try {
    // `/_sim/outputs` answers only once the region has been steady: a test that does not wait for that (or whose
    // topology never settles) takes the outputs from the region it started, which has every listener bound by now.
    if (options.ready === false) sim.outputs = region.outputs();
    else {
      await waitReady(region.endpoint, options.readyTimeoutMs ?? 15_000);
      sim.outputs = await getOutputs(region.endpoint);
    }
  } catch (error) {
    await sim.close();
    throw error;
  }
  return sim;
}

/** Polls `probe` until it returns something other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 10;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.name}: ${lastError.message})` : '';
      throw new Error(`Timed out after ${options.timeoutMs ?? 10_000}ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function waitReady(endpoint: string, timeoutMs = 15_000): Promise<void> {
  await waitFor('the region to be ready (/_sim/health)', async () => (await getJson<{ ready: boolean }>(`${endpoint}/_sim/health`)).ready, { timeoutMs });
}

/**
 * The region's outputs (`GET /_sim/outputs`), once it serves them: it answers 503 `{ ready: false }` until it has
 * been steady, and this waits for that.
 */
export async function getOutputs(endpoint: string, timeoutMs = 15_000): Promise<Record<string, string>> {
  return waitFor(
    'the region to serve its outputs (/_sim/outputs)',
    async () => {
      const res = await fetch(`${endpoint}/_sim/outputs`);
      if (res.status === 503) return undefined;
      if (res.status !== 200) throw new Error(`GET ${endpoint}/_sim/outputs answered ${res.status}`);
      return ((await res.json()) as { outputs: Record<string, string> }).outputs;
    },
    { timeoutMs },
  );
}

/** The region's ground truth, over HTTP. */
export async function truth(endpoint: string, since = 0): Promise<TruthEvent[]> {
  return (await getJson<{ events: TruthEvent[] }>(`${endpoint}/_sim/events?since=${since}`)).events;
}

/** The region's log of answered API calls, over HTTP. */
export async function requestLog(endpoint: string): Promise<SimRequestRecord[]> {
  return (await getJson<{ requests: SimRequestRecord[] }>(`${endpoint}/_sim/requests`)).requests;
}

/** Waits for a ground-truth event matching `match`, returns it. */
export function waitForEvent(endpoint: string, what: string, match: (e: TruthEvent) => boolean, timeoutMs = 10_000): Promise<TruthEvent> {
  return waitFor(what, async () => (await truth(endpoint)).find(match), { timeoutMs, intervalMs: 10 });
}

/** Every instance DescribeInstances lists (following NextToken). */
export async function allInstances(ec2: EC2Client, input: ConstructorParameters<typeof DescribeInstancesCommand>[0] = {}): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ ...input, NextToken: token }));
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return out;
}

export async function instance(ec2: EC2Client, id: string): Promise<Instance> {
  const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const found = res.Reservations?.[0]?.Instances?.[0];
  if (found === undefined) throw new Error(`DescribeInstances did not list ${id}`);
  return found;
}

export async function group(asg: AutoScalingClient, name = 'web-asg'): Promise<AutoScalingGroup> {
  const res = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const g = res.AutoScalingGroups?.[0];
  if (g === undefined) throw new Error(`no group ${name}`);
  return g;
}

export async function targetHealth(elb: ElasticLoadBalancingV2Client, targetGroupArn: string): Promise<TargetHealthDescription[]> {
  return (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [];
}

export async function targetOf(elb: ElasticLoadBalancingV2Client, targetGroupArn: string, id: string): Promise<TargetHealthDescription | undefined> {
  return (await targetHealth(elb, targetGroupArn)).find((t) => t.Target?.Id === id);
}

export interface HttpResult {
  status?: number;
  body?: string;
  /** The socket error code when there was no HTTP answer (e.g. ECONNREFUSED). */
  error?: string;
}

/** One GET on a fresh connection (no keep-alive), never throws. */
export function httpGet(url: string, timeoutMs = 2_000): Promise<HttpResult> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/** The instance id named by the workload's `/` body (`{"service":"i-…","status":"ok"}`). */
export function servedBy(result: HttpResult): string | undefined {
  if (result.status !== 200 || result.body === undefined) return undefined;
  try {
    return (JSON.parse(result.body) as { service?: string }).service;
  } catch {
    return undefined;
  }
}

/** The instance's workload URL from what the APIs say: its private address and the target group's port. */
export function workloadUrl(i: Instance, port: number | undefined, path = '/'): string {
  if (i.PrivateIpAddress === undefined) throw new Error(`${i.InstanceId ?? '?'} has no private address`);
  return `http://${i.PrivateIpAddress}:${port ?? 8080}${path}`;
}

/** The error a rejected SDK call raised (fails if it did not reject). */
export async function sdkError(call: Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: { httpStatusCode?: number }; Code?: string }> {
  try {
    await call;
  } catch (error) {
    return error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What `runOnSim` hands its test: the journal, the region's endpoint and its ground truth. */
export interface SimRun {
  journal: Journal;
  endpoint: string;
  outputs: Record<string, string>;
  events(): Promise<TruthEvent[]>;
}

/**
 * Runs a ready experiment of `experiments/` on a fresh in-process region of `topology` (a file under
 * `experiments/topologies/`, or the built-in reference architecture) at `speed`, through the real SDK over HTTP, checks
 * the journal against its schema, hands the run to `check`, and cleans up.
 */
export async function runOnSim(
  experiment: string,
  options: {
    topology?: string;
    speed: number;
    seed?: number;
    /** Changes the experiment's text before it is parsed. */
    edit?: (text: string) => string;
    /** Runs once the region is ready, before the experiment (to arm API faults, say). */
    prepare?: (endpoint: string) => Promise<void>;
    requestTimeoutMs?: number;
  },
  check: (run: SimRun) => Promise<void>,
): Promise<void> {
  const file = join(ROOT, 'experiments', experiment);
  const registry = defaultRegistry();
  const topology = await loadTopology(options.topology === undefined ? undefined : join(ROOT, 'experiments', 'topologies', options.topology));
  const region = await SimRegion.start({ topology, speed: options.speed, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  const aws = new AwsClientFactory({
    kind: 'sim',
    region: topology.region,
    endpoint: region.endpoint,
    credentials: CREDENTIALS,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  try {
    await region.globe.ready(60_000);
    const outputs = region.outputs();
    const text = await readFile(file, 'utf8');
    const loaded = parseExperiment(options.edit?.(text) ?? text, file, { registry, env: {}, simOutputs: outputs });
    await options.prepare?.(region.endpoint);
    const journal = await runExperiment(loaded, { registry, aws, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    journalSchema.parse(journal);
    await check({ journal, endpoint: region.endpoint, outputs, events: () => truth(region.endpoint) });
  } finally {
    await aws.destroy();
    await region.stop();
  }
}

/** Resolves `name` through the region's DNS server (`host:port`): its A records with their TTLs. */
export async function resolveThrough(server: string, name: string): Promise<{ address: string; ttl: number }[]> {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([server]);
  return resolver.resolve4(name, { ttl: true });
}

/** A postgres:// URL whose host (an RDS endpoint name) is resolved through the region's DNS, as a client would. */
export async function pgUrlThrough(server: string, url: string): Promise<string> {
  const u = new URL(url);
  const [first] = await resolveThrough(server, u.hostname);
  if (first === undefined) throw new Error(`${u.hostname} has no address at ${server}`);
  u.hostname = first.address;
  return u.toString();
}

/** Arms an API fault of the region (`POST /_sim/faults`): throttling, an error or a timeout for matching requests. */
export async function armApiFault(
  endpoint: string,
  fault: { service: string; action?: string; error: string; count?: number; delayMs?: number },
): Promise<void> {
  const res = await fetch(`${endpoint}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (res.status !== 200) throw new Error(`arming ${JSON.stringify(fault)} failed: ${res.status} ${await res.text()}`);
}

/**
 * A region of `topology` at `speed`, ready, with gameday's client factory; `use` gets a loader of experiment text
 * (resolved against the region's outputs, as if it were experiments/inline.yaml), the factory and the endpoint.
 */
export async function onSimRegion(
  topology: Topology,
  speed: number,
  use: (load: (text: string) => LoadedExperiment, aws: AwsClientFactory, endpoint: string) => Promise<void>,
): Promise<void> {
  const region = await SimRegion.start({ topology, speed });
  const aws = new AwsClientFactory({ kind: 'sim', region: topology.region, endpoint: region.endpoint, credentials: CREDENTIALS });
  try {
    await region.world.ready(60_000);
    const registry = defaultRegistry();
    await use(
      (text) => parseExperiment(text, join(ROOT, 'experiments', 'inline.yaml'), { registry, env: {}, simOutputs: region.outputs() }),
      aws,
      region.endpoint,
    );
  } finally {
    await aws.destroy();
    await region.stop();
  }
}
