/**
 * Self-chaos soak (issue 21): gameday's own orchestrator under fire. One `gameday sim` process (speed 60) holds two
 * Auto Scaling groups behind their ALBs, three Route 53 health checks and two Multi-AZ databases; a Redis with an
 * append-only file (so a restart keeps the data, as in production) holds the queue; four `gameday worker --lease 2s`
 * processes (concurrency 3 each) take runs. The soak submits `SOAK_RUNS` short experiments at a steady rate (one of
 * five kinds, some overlapping on resources, a third waiting for locks) while a chaos loop, seeded by `SOAK_SEED`,
 * SIGKILLs a random worker now and then (a replacement starts at once) and restarts Redis (clean shutdown, same port
 * and AOF). With `connectRedis` accepting `redis+sentinel://` URLs, a second phase (`SOAK_SENTINEL_RUNS`) runs the
 * same on a Sentinel-watched master and replica, with one Sentinel failover in the middle; otherwise it says why not.
 * There it also reports what gameday's durable writes did (`durable-writes.ts`: WAIT for the replicas, and made again
 * on the new primary when a failover put them at risk).
 *
 * At the end, the invariants, against the sim's ground truth and the store:
 * - every submitted run is in the store (`gameday list --json`) with a terminal verdict, recorded once (the workers'
 *   logs name every end they record: a run ended by two workers had two verdicts, the later one kept);
 * - every fault that landed was undone: every instance running, no health check inverted or disabled, every database
 *   available, no zone impaired (and, as information, the undo-log steps left open);
 * - no resource was held by two runs at once: per resource, the intervals from each fault's injection to its undo
 *   (from the journals, and for runs lost with their worker from the undo logs this benchmark watches every 100 ms)
 *   of different runs do not overlap;
 * - no journal lost: every run that began its flow ended with its journal in Redis and as a file in the results folder
 *   (a run lost before it injected anything ends, by design, without one).
 * A failed invariant fails the benchmark, naming it, and keeps the temporary folder (workers' logs, journals).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { Redis } from 'ioredis';
import { journalSchema, type Journal } from '../src/engine/journal.js';
import { newRunId } from '../src/engine/runner.js';
import { ErrorCode, GamedayError } from '../src/errors/gameday-error.js';
import { Keys } from '../src/orchestrator/keys.js';
import { durabilityFigures, type DurabilityFigures } from '../src/orchestrator/durable-writes.js';
import { connectRedis } from '../src/orchestrator/redis-connection.js';
import { RunQueue } from '../src/orchestrator/run-queue.js';
import type { RunStatus } from '../src/orchestrator/run-store.js';
import type { UndoStep } from '../src/orchestrator/undo-log.js';
import { gameday } from '../test/support/cli.js';
import { startDaemon, startSimProcess, type Daemon } from '../test/support/daemon.js';
import { startRedis } from '../test/support/redis.js';
import { envInt, heading, int, isMain, passMiss, runStandalone, sleep, writeResult, type BenchOutcome, type SummaryRow } from './common.js';

/** The region's speed: a 1-minute fault lasts 1 s, a Multi-AZ failover (90 s of AWS time) 1.5 s. */
const SPEED = 60;
const WORKERS = 4;
const CONCURRENCY = 3;
/** The workers' lease (`SOAK_LEASE`, default 2s): a killed worker's runs are taken over after about this long. */
const LEASE = process.env.SOAK_LEASE ?? '2s';
/** How often the benchmark reads the undo logs of the runs not yet finished. */
const WATCH_MS = 100;
/** Two runs' holds of one resource may seem to overlap by this much without one: the undo logs are read every WATCH_MS. */
const OVERLAP_TOLERANCE_MS = 2 * WATCH_MS;
const CREDENTIALS = { accessKeyId: 'AKIDSOAK', secretAccessKey: 'soak-secret' };

/**
 * Two groups of three (one instance per zone) behind their ALBs, three health checks, two Multi-AZ databases. The
 * groups' health checks are hours apart, so a stopped instance stays the group's and only an undo starts it again.
 */
const TOPOLOGY = `region: us-east-1
accountId: "123456789012"
availabilityZones: [a, b, c]
launchTemplates:
  - { name: web-lt, port: 8080 }
loadBalancers:
  - { name: web-alb, targetGroup: { name: web-tg, healthCheck: { path: /health, interval: 10s, healthyThreshold: 2 } } }
  - { name: api-alb, targetGroup: { name: api-tg, healthCheck: { path: /health, interval: 10s, healthyThreshold: 2 } } }
autoScalingGroups:
  - { name: web-asg, launchTemplate: web-lt, min: 3, max: 6, desired: 3, healthCheckType: ELB, healthCheckGracePeriod: 600s, targetGroups: [web-tg], tags: { "gameday:allowed": "true" } }
  - { name: api-asg, launchTemplate: web-lt, min: 3, max: 6, desired: 3, healthCheckType: ELB, healthCheckGracePeriod: 600s, targetGroups: [api-tg], tags: { "gameday:allowed": "true" } }
healthChecks:
  - { name: web-hc, target: alb:web-alb, resourcePath: /health, requestInterval: 30, failureThreshold: 3 }
  - { name: api-hc, target: alb:api-alb, resourcePath: /health, requestInterval: 30, failureThreshold: 3 }
  - { name: edge-hc, target: alb:web-alb, resourcePath: /, requestInterval: 30, failureThreshold: 3 }
databases:
  - { id: orders-db, multiAZ: true, availabilityZone: a, tags: { "gameday:allowed": "true" } }
  - { id: billing-db, multiAZ: true, availabilityZone: b, tags: { "gameday:allowed": "true" } }
timings: { asgHealthCheckPeriod: 10h }
`;
const HEALTH_CHECKS = ['web-hc', 'api-hc', 'edge-hc'] as const;
const DATABASES = ['orders-db', 'billing-db'] as const;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

/** Seeded generator (mulberry32): the same `SOAK_SEED` draws the same experiments and the same chaos. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** One experiment to submit: its name (kind and resource) and its text. */
interface SoakExperiment {
  name: string;
  text: string;
}

/**
 * The five kinds, by weight: stop one instance of a group (COUNT(1) of three, so runs meet on instances), stop a
 * zone's instances of both groups (meets the former), fail a health check, fail a database over (no undo: its old
 * primary becomes the standby). Probes sample every 30 s of AWS time, half a second here.
 */
function drawExperiment(rng: () => number, endpoint: string): SoakExperiment {
  const head = (name: string, alb: string): string => `apiVersion: gameday/v1
metadata: { name: ${name} }
environment: { type: sim, speed: ${SPEED}, endpoint: ${endpoint} }
steadyState: { samples: 1, timeout: 10m }
probes:
  - { name: site, probe: http, args: { url: "\${sim:alb.${alb}.url}/health", timeout: 2s }, interval: 30s }
recovery: { stableFor: 30s, timeout: 20m, observeAtLeast: 1m }
faults:
`;
  const r = rng();
  if (r < 0.45) {
    const group = rng() < 0.6 ? 'web' : 'api';
    return {
      name: `stop-one-${group}`,
      text: `${head(`stop-one-${group}`, `${group}-alb`)}  - name: stop-one
    action: aws.ec2.stop-instances
    targets: { tags: { "aws:autoscaling:groupName": ${group}-asg }, selection: COUNT(1) }
    duration: 1m
`,
    };
  }
  if (r < 0.6) {
    const zone = pick(rng, ZONES);
    return {
      name: `zone-power-${zone}`,
      text: `${head(`zone-power-${zone}`, 'web-alb')}  - name: zone-power
    action: aws.scenario.az-outage
    args: { availabilityZone: ${zone}, instanceTags: { "gameday:allowed": "true" }, instances: stop, connectivity: false, capacity: false, failoverDatabases: false }
    duration: 1m
safety: { maxGroupPercent: 34, maxZones: 1 }
`,
    };
  }
  if (r < 0.85) {
    const check = pick(rng, HEALTH_CHECKS);
    return {
      name: `fail-${check}`,
      text: `${head(`fail-${check}`, 'web-alb')}  - name: fail-check
    action: aws.route53.fail-health-check
    args: { healthCheckId: "\${sim:route53.healthcheck.${check}.id}" }
    duration: 1m
`,
    };
  }
  const db = pick(rng, DATABASES);
  return {
    name: `failover-${db}`,
    text: `${head(`failover-${db}`, 'api-alb')}  - name: failover
    action: aws.rds.failover
    targets: { ids: [${db}] }
`,
  };
}

/** What the watcher saw of one undo step: when it first read it open (injecting or landed) and first read it closed. */
interface WatchedStep {
  action: string;
  undoable: boolean;
  targets: string[];
  state: UndoStep['state'];
  firstOpen?: number;
  firstClosed?: number;
}

/**
 * Reads the undo log and state of every run not yet finished every WATCH_MS: a lock audit from outside, which times
 * the faults of runs whose worker was killed (their journals, written by another worker, do not say when they landed).
 */
class UndoWatcher {
  readonly steps = new Map<string, Map<string, WatchedStep>>();
  readonly #active = new Set<string>();
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  watch(runId: string): void {
    this.#active.add(runId);
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.#read().catch(() => undefined);
        await sleep(WATCH_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #read(): Promise<void> {
    const ids = [...this.#active];
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.undo(id)).hget(this.keys.run(id), 'state');
    const replies = (await pipeline.exec()) ?? [];
    const now = Date.now();
    ids.forEach((id, i) => {
      const [undoError, raw] = replies[2 * i] ?? [];
      const [stateError, state] = replies[2 * i + 1] ?? [];
      if (undoError !== null || stateError !== null) return;
      const run = this.steps.get(id) ?? new Map<string, WatchedStep>();
      this.steps.set(id, run);
      for (const text of Object.values(raw as Record<string, string>)) {
        const step = JSON.parse(text) as UndoStep;
        const seen = run.get(step.fault) ?? { action: step.action, undoable: step.undoable, targets: step.targets.map((t) => t.id), state: step.state };
        seen.state = step.state;
        const open = step.state === 'injecting' || step.state === 'landed';
        if (open) seen.firstOpen ??= now;
        // A step read closed without having been read open still opened (between two reads): it held from then.
        else {
          seen.firstOpen ??= now - WATCH_MS;
          seen.firstClosed ??= now;
        }
        run.set(step.fault, seen);
      }
      if (state === 'finished') this.#active.delete(id);
    });
  }
}

/** One resource held by one run's fault, in epoch ms (end Infinity: never undone). */
interface Hold {
  runId: string;
  fault: string;
  resource: string;
  start: number;
  end: number;
  source: 'journal' | 'undo log';
}

/**
 * Each fault's holds on its resources: from its journal (injection to the end of its undo, or of the fault itself when
 * it did not land or has no undo), else from the watched undo log (a run lost with its worker).
 */
function holdsOf(runId: string, journal: Journal | undefined, watched: Map<string, WatchedStep> | undefined): Hold[] {
  const holds: Hold[] = [];
  const faults = new Set([...(watched?.keys() ?? []), ...(journal?.activities.filter((a) => a.kind === 'fault').map((a) => a.name) ?? [])]);
  for (const fault of faults) {
    const seen = watched?.get(fault);
    const epoch = (t: number | null | undefined): number | undefined =>
      journal === undefined || t === null || t === undefined ? undefined : journal.startedAtEpochMs + t;
    const activity = journal?.activities.find((a) => a.kind === 'fault' && a.name === fault);
    const undos = journal?.activities.filter((a) => (a.kind === 'fault-end' || a.kind === 'auto-rollback') && a.name === fault && a.endedAt !== null) ?? [];
    const undoEnd = undos.length === 0 ? undefined : Math.max(...undos.map((a) => epoch(a.endedAt) ?? 0));
    const journaled = epoch(activity?.startedAt);
    const start = journaled ?? seen?.firstOpen;
    if (start === undefined) continue;
    // Unwatched (the watcher missed the run): a fault without an undo in its journal held until it ended; a leak would
    // show in the ground truth.
    const undoable = seen?.undoable ?? false;
    let end: number | undefined;
    if (undoEnd !== undefined) end = undoEnd;
    else if (activity !== undefined && activity.startedAt !== null && (activity.status !== 'succeeded' || !undoable)) end = epoch(activity.endedAt);
    end ??= seen?.firstClosed ?? (seen !== undefined && !seen.undoable && seen.state !== 'injecting' ? start : Number.POSITIVE_INFINITY);
    const targets = seen?.targets ?? journal?.targets.filter((t) => t.fault === fault).flatMap((t) => t.selected.map((s) => s.id)) ?? [];
    for (const resource of targets) holds.push({ runId, fault, resource, start, end, source: journaled === undefined ? 'undo log' : 'journal' });
  }
  return holds;
}

/** Pairs of holds of one resource by two runs that overlap by more than the tolerance. */
function overlaps(holds: readonly Hold[]): string[] {
  const byResource = new Map<string, Hold[]>();
  for (const h of holds) byResource.set(h.resource, [...(byResource.get(h.resource) ?? []), h]);
  const found: string[] = [];
  for (const [resource, list] of byResource) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as Hold;
        const b = list[j] as Hold;
        if (b.start >= a.end) continue;
        if (a.runId === b.runId) continue;
        const overlap = Math.min(a.end, b.end) - b.start;
        if (overlap <= OVERLAP_TOLERANCE_MS) continue;
        const span = (h: Hold): string =>
          `${new Date(h.start).toISOString().slice(11, 23)}–${Number.isFinite(h.end) ? new Date(h.end).toISOString().slice(11, 23) : 'never undone'} (${h.source})`;
        found.push(
          `${resource}: run ${a.runId} (${a.fault}) ${span(a)} and run ${b.runId} (${b.fault}) ${span(b)} overlap ${Number.isFinite(overlap) ? `${Math.round(overlap)} ms` : 'without end'}`,
        );
      }
    }
  }
  return found;
}

/** Where the sim's ground truth is not whole: each leak in one sentence. */
async function groundTruthLeaks(endpoint: string): Promise<{ leaks: string[]; movedDatabases: string[] }> {
  const config = { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 3 };
  const ec2 = new EC2Client(config);
  const route53 = new Route53Client(config);
  const rds = new RDSClient(config);
  const outputs = ((await (await fetch(`${endpoint}/_sim/outputs`)).json()) as { outputs: Record<string, string> }).outputs;
  try {
    const read = async (): Promise<{ leaks: string[]; settling: boolean; movedDatabases: string[] }> => {
      const leaks: string[] = [];
      let settling = false;
      const reservations = (await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
      const instances = reservations.flatMap((r) => r.Instances ?? []);
      for (const i of instances) {
        const state = i.State?.Name ?? 'unknown';
        if (state === 'pending' || state === 'stopping') settling = true;
        if (state !== 'running') leaks.push(`instance ${i.InstanceId ?? '?'} (${i.Placement?.AvailabilityZone ?? '?'}) is ${state}`);
      }
      if (instances.length !== 6) leaks.push(`the region holds ${instances.length} instances, not the 6 it started with`);
      for (const name of HEALTH_CHECKS) {
        const id = outputs[`route53.healthcheck.${name}.id`] ?? '';
        const c = (await route53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig;
        if (c?.Inverted === true) leaks.push(`health check ${name} (${id}) is still inverted`);
        if (c?.Disabled === true) leaks.push(`health check ${name} (${id}) is disabled`);
      }
      const movedDatabases: string[] = [];
      const original: Record<string, string> = { 'orders-db': 'us-east-1a', 'billing-db': 'us-east-1b' };
      for (const db of (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []) {
        const id = db.DBInstanceIdentifier ?? '?';
        if (db.DBInstanceStatus !== 'available') {
          leaks.push(`database ${id} is ${db.DBInstanceStatus ?? 'unknown'}`);
          settling ||= db.DBInstanceStatus === 'rebooting';
        }
        if (db.AvailabilityZone !== original[id]) movedDatabases.push(`${id} serves from ${db.AvailabilityZone ?? '?'} (was ${original[id] ?? '?'})`);
      }
      const zones = (
        (await (await fetch(`${endpoint}/_sim/zones`)).json()) as { zones: { zone: string; power: boolean; connectivity: boolean; capacity: boolean }[] }
      ).zones;
      for (const z of zones) if (!z.power || !z.connectivity || !z.capacity) leaks.push(`zone ${z.zone} is impaired (${JSON.stringify(z)})`);
      return { leaks, settling, movedDatabases };
    };
    // Every run is over, but an instance started by the last undo may still be pending for a moment: wait that out only.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await read();
      if (!r.settling || Date.now() > deadline) return { leaks: r.leaks, movedDatabases: r.movedDatabases };
      await sleep(250);
    }
  } finally {
    ec2.destroy();
    route53.destroy();
    rds.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns a value other than undefined or false; rejects after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Where the queue lives for one phase: a URL for the CLI, a client for the benchmark, and its own chaos. */
export interface QueueHome {
  url: string;
  client(): Redis;
  /** What the chaos loop may do to it besides killing workers. */
  chaos: 'restart' | 'failover';
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A Redis with an append-only file in `dir`, restarted cleanly on the same port and file. */
async function plainRedis(dir: string): Promise<QueueHome> {
  const redis = await startRedis({ dir });
  return {
    url: redis.url,
    client: () => new Redis(redis.url, { maxRetriesPerRequest: null }),
    chaos: 'restart',
    restart: () => redis.restart(),
    stop: () => redis.stop(),
  };
}

/** Starts redis-server with `args` and waits until it answers PING on `port`. */
async function spawnRedis(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', [...args], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await until(
      `redis-server on port ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      },
      10_000,
    );
  } finally {
    probe.disconnect();
  }
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * A master and a replica (both with AOF) watched by one Sentinel (quorum 1), as `redis+sentinel://…/mymaster`; its
 * chaos is one `SENTINEL FAILOVER`, after which the replica is the master.
 */
export async function sentinelRedis(dir: string): Promise<QueueHome> {
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const server = (port: number, name: string, extra: string[] = []): Promise<ChildProcess> =>
    mkdir(join(dir, name), { recursive: true }).then(() =>
      spawnRedis(port, [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        join(dir, name),
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        ...extra,
      ]),
    );
  const children: ChildProcess[] = [];
  children.push(await server(masterPort, 'master'));
  children.push(await server(replicaPort, 'replica', ['--replicaof', '127.0.0.1', String(masterPort)]));
  const conf = join(dir, 'sentinel.conf');
  await writeFile(
    conf,
    `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\nsentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 20000\n`,
  );
  children.push(await spawnRedis(sentinelPort, [conf, '--sentinel']));
  const sentinel = new Redis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const replicaUp = async (): Promise<boolean> => {
    const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
    return replicas.some((r) => {
      const f = Object.fromEntries(r.flatMap((v, i) => (i % 2 === 0 ? [[v, r[i + 1]]] : [])));
      return f['master-link-status'] === 'ok' && !(f.flags ?? '').includes('down');
    });
  };
  await until('the Sentinel to see the replica in sync', replicaUp, 30_000);
  return {
    url: `redis+sentinel://127.0.0.1:${sentinelPort}/mymaster`,
    // failoverDetector: the client follows the Sentinel's +switch-master at once, not at its next reconnection, so
    // the benchmark's own writes do not go on to a demoted master.
    client: () => new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'mymaster', maxRetriesPerRequest: null, failoverDetector: true }),
    chaos: 'failover',
    restart: async () => {
      await sentinel.call('SENTINEL', 'FAILOVER', 'mymaster');
      await until(
        'the replica to be the master',
        async () => ((await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1] === String(replicaPort),
        30_000,
      );
    },
    stop: async () => {
      sentinel.disconnect();
      for (const c of children.reverse()) await stopProcess(c);
    },
  };
}

/** Whether `connectRedis` takes a Sentinel URL: `null` when it does, else why not (its own sentence). */
async function sentinelUnsupported(): Promise<string | null> {
  try {
    // Nothing listens on port 1: a form it accepts fails to connect (or keeps trying); a form it refuses fails on the URL.
    const connecting = connectRedis('redis+sentinel://127.0.0.1:1/mymaster', 500).then((client) => void client.disconnect());
    // It may fail after the race is over: that is no unhandled rejection.
    connecting.catch(() => undefined);
    const trying = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
    await Promise.race([connecting, trying]);
    return null;
  } catch (error) {
    if (error instanceof GamedayError && error.code === ErrorCode.InvalidArgument) return error.message;
    return null;
  }
}

/** Figures of one phase. */
interface PhaseResult {
  mode: 'redis restarts' | 'sentinel failover';
  submitted: number;
  byVerdict: Record<string, number>;
  notTerminal: string[];
  missing: string[];
  /** Runs whose end two workers recorded (the later overwrote the earlier). */
  endedTwice: string[];
  kills: number;
  takenOver: number;
  redisRestarts: number;
  failovers: number;
  leaks: string[];
  openUndoSteps: string[];
  overlaps: string[];
  lostJournals: string[];
  movedDatabases: string[];
  holds: number;
  /**
   * What the critical writes' wait for the replicas did (Sentinel only): the submitter's, and the workers' that were
   * stopped (a killed worker cannot say). Made again: a failover or reconnection put the write at risk.
   */
  durableWrites: { submitter: DurabilityFigures; workers: DurabilityFigures };
  elapsedMs: number;
  tmp: string;
}

/** One soak: the region, the queue, four workers, `runs` submissions under chaos, then the invariants. */
async function soak(mode: PhaseResult['mode'], runs: number, seed: number, endpoint: string): Promise<PhaseResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'gameday-soak-'));
  const results = join(tmp, 'results');
  const experiments = join(tmp, 'experiments');
  await Promise.all([mkdir(results), mkdir(experiments), mkdir(join(tmp, 'redis')), mkdir(join(tmp, 'logs'))]);
  const home = mode === 'sentinel failover' ? await sentinelRedis(join(tmp, 'redis')) : await plainRedis(join(tmp, 'redis'));
  const prefix = `soak-${seed}`;
  const keys = new Keys(prefix);
  const client = home.client();
  const watcherClient = home.client();
  client.on('error', () => undefined);
  watcherClient.on('error', () => undefined);
  const queue = new RunQueue(client, keys);
  // A Redis restart resets the queue's connection: expected here, and ioredis reconnects.
  queue.jobs.on('error', () => undefined);
  const watcher = new UndoWatcher(watcherClient, keys);
  const rng = random(seed);
  const started = Date.now();
  const workers: Daemon[] = [];
  let logCount = 0;
  const logs: { worker: string; text: string }[] = [];
  const keepLog = async (d: Daemon): Promise<void> => {
    // The ready line names the worker as its runs' statuses and other workers' lines do.
    const worker = /^worker (\S+)/.exec(d.ready)?.[1] ?? `pid-${d.child.pid ?? '?'}`;
    logs.push({ worker, text: d.stderr() });
    await writeFile(join(tmp, 'logs', `${String(++logCount).padStart(2, '0')}-worker-${worker}.log`), d.stderr());
  };
  const startWorker = async (): Promise<Daemon> => {
    // A replacement that starts while the chaos restarts Redis cannot reach it and exits (as it should): start it again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startDaemon([
          'worker',
          '--redis',
          home.url,
          '--prefix',
          prefix,
          '--results',
          results,
          '--concurrency',
          String(CONCURRENCY),
          '--lease',
          LEASE,
        ]);
      } catch (error) {
        if (attempt >= 3 || !/Cannot reach Redis/.test(error instanceof Error ? error.message : String(error))) throw error;
        console.log(`  a replacement worker could not reach Redis as it started (attempt ${attempt}); starting it again`);
      }
    }
  };
  const figures = { kills: 0, redisRestarts: 0, failovers: 0 };
  const submitted: string[] = [];
  try {
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker());
    watcher.start();
    const rateMs = envInt('SOAK_RATE_MS', 600);
    let submitting = true;

    // The chaos: two loops whose cadence is the soak's schedule (not a wait for a condition), drawn from the seed. A
    // replacement worker's start (seconds on a loaded machine) does not hold up Redis's restarts.
    const killRng = random(seed ^ 0x6b111);
    const killing = (async () => {
      while (submitting) {
        await sleep(3_000 + killRng() * 5_000);
        if (!submitting) break;
        const index = Math.floor(killRng() * workers.length);
        const victim = workers[index] as Daemon;
        console.log(`  chaos: SIGKILL worker ${index} (pid ${victim.child.pid ?? '?'}), ${submitted.length}/${runs} submitted`);
        await victim.stop('SIGKILL');
        await keepLog(victim);
        figures.kills++;
        workers[index] = await startWorker();
      }
    })();
    const redisRng = random(seed ^ 0x4ed15);
    const disturbing = (async () => {
      if (home.chaos === 'failover') {
        // One failover, once half the runs are in.
        while (submitting && submitted.length < runs / 2) await sleep(250);
        if (!submitting) return;
        console.log(`  chaos: Sentinel failover, ${submitted.length}/${runs} submitted`);
        await home.restart();
        figures.failovers++;
        return;
      }
      while (submitting) {
        await sleep(8_000 + redisRng() * 12_000);
        if (!submitting) break;
        console.log(`  chaos: restarting Redis (${figures.redisRestarts + 1}), ${submitted.length}/${runs} submitted`);
        await home.restart();
        figures.redisRestarts++;
      }
    })();

    const submitStart = Date.now();
    for (let i = 0; i < runs; i++) {
      const e = drawExperiment(rng, endpoint);
      const runId = newRunId();
      const file = join(experiments, `${String(i).padStart(4, '0')}-${e.name}.yaml`);
      await writeFile(file, e.text);
      watcher.watch(runId);
      submitted.push(runId);
      await queue.submit({ runId, file, text: e.text, experiment: e.name, waitForLocks: rng() < 0.33, submittedAt: Date.now() });
      // A steady rate: the next submission is due at its slot, however long this one took.
      await sleep(Math.max(0, submitStart + (i + 1) * rateMs - Date.now()));
    }
    submitting = false;
    await Promise.all([killing, disturbing]);
    console.log(`  ${runs} submitted in ${((Date.now() - started) / 1_000).toFixed(0)} s; waiting for every run to end`);

    // Every run ends, or the deadline passes and the invariants say which did not.
    const deadlineMs = envInt('SOAK_DRAIN_S', 600) * 1_000;
    const drainStart = Date.now();
    for (;;) {
      const pipeline = client.pipeline();
      for (const id of submitted) pipeline.hget(keys.run(id), 'state');
      const states = ((await pipeline.exec()) ?? []).map(([, s]) => s as string | null);
      // A run missing from the store (its submission lost) never ends: the invariants name it.
      const open = states.filter((s) => s !== 'finished' && s !== null).length;
      if (open === 0 || Date.now() - drainStart > deadlineMs) break;
      await sleep(500);
    }
    await watcher.stop();
    for (const w of workers) {
      await w.stop('SIGINT');
      await keepLog(w);
    }
    workers.length = 0;

    // Invariant 1: every submitted run is listed with a terminal verdict.
    // As a user lists them; should the command fail, that is named and the store is read directly instead.
    const limit = runs * 2 + 10;
    const listed = await gameday(['--json', 'list', '--limit', String(limit), '--redis', home.url, '--prefix', prefix], { timeoutMs: 60_000 });
    const listFailure =
      listed.code === 0
        ? []
        : [
            `gameday list --redis ${home.url} ${listed.code === null ? 'was killed after 60 s' : `exited ${listed.code}`}: ${listed.stderr.trim().split('\n')[0] ?? ''}`,
          ];
    const listedRuns = listed.code === 0 ? (JSON.parse(listed.stdout) as { runs: RunStatus[] }).runs : await queue.store.list(limit);
    const runsById = new Map(listedRuns.map((r) => [r.runId, r]));
    const missing = [...listFailure, ...submitted.filter((id) => !runsById.has(id)).map((id) => `run ${id} is not in the store`)];
    const notTerminal = submitted
      .map((id) => runsById.get(id))
      .filter((r): r is RunStatus => r !== undefined && r.state !== 'finished')
      .map((r) => `run ${r.runId} (${r.experiment}) is still ${r.state}${r.phase === undefined ? '' : ` in ${r.phase}`}`);
    const byVerdict: Record<string, number> = {};
    for (const r of runsById.values()) if (r.state === 'finished') byVerdict[r.verdict ?? '?'] = (byVerdict[r.verdict ?? '?'] ?? 0) + 1;
    const takenOver = [...runsById.values()].filter((r) => (r.reason ?? '').startsWith('worker lost')).length;
    // Each run ends once: the workers' logs say every time one recorded an end (a worker's line 'run ID ended: …').
    const ends = new Map<string, string[]>();
    for (const { worker, text } of logs)
      for (const m of text.matchAll(/^(\S+) run (\S+) ended: (\S+)/gm))
        ends.set(m[2] ?? '', [...(ends.get(m[2] ?? '') ?? []), `${m[3] ?? ''} at ${(m[1] ?? '').slice(11, 23)} by worker ${worker}`]);
    const endedTwice = [...ends].filter(([, e]) => e.length > 1).map(([id, e]) => `run ${id} ended ${e.length} times: ${e.join(', ')}`);

    // Invariant 4: every run that began its flow has its journal in Redis and in the results folder.
    const lostJournals: string[] = [];
    const journals = new Map<string, Journal>();
    for (const r of runsById.values()) {
      if (r.state !== 'finished') continue;
      const stored = await queue.journal(r.runId).catch(() => undefined);
      if (stored !== undefined) journals.set(r.runId, stored);
      const file = join(results, `${r.runId}.json`);
      if (r.journalPath !== undefined || stored !== undefined) {
        if (stored === undefined) lostJournals.push(`run ${r.runId} (${r.verdict ?? '?'}) has no journal in Redis`);
        if (!existsSync(file)) lostJournals.push(`run ${r.runId} (${r.verdict ?? '?'}) has no journal file ${file}`);
        else journalSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      } else if (r.context !== undefined && !/before it injected anything/.test(r.reason ?? '')) {
        lostJournals.push(`run ${r.runId} (${r.experiment}) began its flow but ended ${r.verdict ?? '?'} without a journal: ${r.reason ?? ''}`);
      }
    }

    // Invariant 2: the ground truth is whole again; the undo logs' open steps, as information.
    const truth = await groundTruthLeaks(endpoint);
    const openUndoSteps: string[] = [];
    for (const id of submitted) {
      const steps = Object.values(await client.hgetall(keys.undo(id))).map((t) => JSON.parse(t) as UndoStep);
      for (const s of steps)
        if (s.undoable && s.state !== 'undone' && s.state !== 'not-landed')
          openUndoSteps.push(`run ${id}: ${s.fault} (${s.action}) on ${s.targets.map((t) => t.id).join(', ')} is ${s.state}`);
    }

    const workerDurability: DurabilityFigures = { confirmed: 0, redone: 0, unconfirmed: 0 };
    for (const { text } of logs)
      for (const m of text.matchAll(/durable writes: (\d+) confirmed, (\d+) made again.*?, (\d+) left unconfirmed/g)) {
        workerDurability.confirmed += Number(m[1]);
        workerDurability.redone += Number(m[2]);
        workerDurability.unconfirmed += Number(m[3]);
      }

    // Invariant 3: no resource held by two runs at once.
    const holds = submitted.flatMap((id) => holdsOf(id, journals.get(id), watcher.steps.get(id)));
    const found = overlaps(holds);

    return {
      mode,
      submitted: submitted.length,
      byVerdict,
      notTerminal,
      missing,
      endedTwice,
      kills: figures.kills,
      takenOver,
      redisRestarts: figures.redisRestarts,
      failovers: figures.failovers,
      leaks: truth.leaks,
      openUndoSteps,
      overlaps: found,
      lostJournals,
      movedDatabases: truth.movedDatabases,
      holds: holds.length,
      durableWrites: { submitter: durabilityFigures(client), workers: workerDurability },
      elapsedMs: Date.now() - started,
      tmp,
    };
  } catch (error) {
    console.log(`  kept ${tmp} (workers' logs, journals, experiments) after: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    await watcher.stop();
    for (const w of workers) {
      await w.stop('SIGKILL');
      await keepLog(w);
    }
    await queue.close().catch(() => undefined);
    client.disconnect();
    watcherClient.disconnect();
    await home.stop();
  }
}

/** The failed invariants of a phase, each named with what broke it. */
function failures(r: PhaseResult): string[] {
  const out: string[] = [];
  const named = (name: string, items: readonly string[]): void => {
    if (items.length > 0) out.push(`${name} (${r.mode}): ${items.length} — ${items.slice(0, 5).join('; ')}${items.length > 5 ? '; …' : ''}`);
  };
  named('every run has one terminal verdict', [...r.missing, ...r.notTerminal, ...r.endedTwice]);
  named('every fault that landed was undone', r.leaks);
  named('no resource held by two runs at once', r.overlaps);
  named('no journal lost', r.lostJournals);
  return out;
}

function print(r: PhaseResult): void {
  const verdicts = Object.entries(r.byVerdict)
    .sort(([, a], [, b]) => b - a)
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
  console.log(`  ${r.mode}: ${r.submitted} runs submitted in ${(r.elapsedMs / 1_000).toFixed(0)} s; ended: ${verdicts}`);
  console.log(
    `  chaos: ${r.kills} worker kills survived (${r.takenOver} runs taken over from a lost worker), ${r.redisRestarts} Redis restarts, ${r.failovers} Sentinel failovers`,
  );
  console.log(`  ${r.holds} resource holds checked for overlap (tolerance ${OVERLAP_TOLERANCE_MS} ms)`);
  const d = r.durableWrites;
  if (d.submitter.confirmed + d.submitter.unconfirmed + d.workers.confirmed + d.workers.unconfirmed > 0)
    console.log(
      `  durable writes (WAIT for the replicas): submitter ${d.submitter.confirmed} confirmed, ${d.submitter.redone} made again, ${d.submitter.unconfirmed} unconfirmed; stopped workers ${d.workers.confirmed} confirmed, ${d.workers.redone} made again, ${d.workers.unconfirmed} unconfirmed`,
    );
  const list = (title: string, items: readonly string[]): void => {
    console.log(`  ${title}: ${items.length === 0 ? 'none' : items.length}`);
    for (const item of items) console.log(`    - ${item}`);
  };
  list('runs missing or not terminal', [...r.missing, ...r.notTerminal]);
  list('runs ended more than once', r.endedTwice);
  list('leaks (ground truth)', r.leaks);
  list('overlapping holds', r.overlaps);
  list('journals lost', r.lostJournals);
  list('undo-log steps left open (information)', r.openUndoSteps);
  if (r.movedDatabases.length > 0) console.log(`  databases failed over, as their experiments intend: ${r.movedDatabases.join('; ')}`);
}

export async function main(): Promise<BenchOutcome> {
  const runs = envInt('SOAK_RUNS', 200);
  const seed = envInt('SOAK_SEED', 21);
  const sentinelRuns = envInt('SOAK_SENTINEL_RUNS', Math.max(20, Math.round(runs / 5)));
  heading(`soak: ${runs} runs on ${WORKERS} workers under SIGKILLs and Redis restarts (seed ${seed})`);
  const simDir = await mkdtemp(join(tmpdir(), 'gameday-soak-sim-'));
  const topology = join(simDir, 'topology.yaml');
  await writeFile(topology, TOPOLOGY);
  const phases: PhaseResult[] = [];
  let sentinelSkipped: string | null = null;
  const started = Date.now();
  try {
    for (const mode of ['redis restarts', 'sentinel failover'] as const) {
      if (mode === 'sentinel failover') {
        sentinelSkipped = await sentinelUnsupported();
        if (sentinelSkipped !== null) {
          console.log(`  sentinel phase skipped: ${sentinelSkipped}`);
          continue;
        }
        console.log(`  sentinel phase: ${sentinelRuns} runs, one Sentinel failover`);
      }
      // A fresh region per phase, so one phase's leak is not the next one's.
      const sim = await startSimProcess({ speed: SPEED, topology });
      try {
        await until('the region to be steady', async () => ((await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { ready: boolean }).ready, 120_000);
        const r = await soak(mode, mode === 'redis restarts' ? runs : sentinelRuns, seed, sim.endpoint);
        print(r);
        phases.push(r);
      } finally {
        await sim.stop();
      }
    }
  } finally {
    await rm(simDir, { recursive: true, force: true });
  }
  const failed = phases.flatMap(failures);
  const elapsedMs = Date.now() - started;
  console.log(`  elapsed ${(elapsedMs / 1_000).toFixed(0)} s`);
  const resultFile = await writeResult('soak', {
    runs,
    seed,
    sentinelRuns,
    sentinelSkipped,
    speed: SPEED,
    workers: WORKERS,
    concurrency: CONCURRENCY,
    lease: LEASE,
    phases,
    failed,
    elapsedMs,
  });
  for (const r of phases) {
    if (failures(r).length === 0 && process.env.SOAK_KEEP === undefined) await rm(r.tmp, { recursive: true, force: true });
    else console.log(`  kept ${r.tmp} (workers' logs, journals, experiments)`);
  }
  const rows: SummaryRow[] = [];
  for (const r of phases) {
    const ended = Object.values(r.byVerdict).reduce((s, n) => s + n, 0);
    rows.push(
      {
        metric: `${r.mode}: runs ended / submitted`,
        value: `${int(ended)} / ${int(r.submitted)}`,
        target: 'all',
        status: passMiss(ended === r.submitted && r.missing.length === 0),
      },
      { metric: `${r.mode}: runs ended twice`, value: int(r.endedTwice.length), target: '0', status: passMiss(r.endedTwice.length === 0) },
      { metric: `${r.mode}: chaos survived`, value: `${r.kills} kills, ${r.redisRestarts} restarts, ${r.failovers} failovers`, target: 'info', status: 'INFO' },
      { metric: `${r.mode}: leaks`, value: int(r.leaks.length), target: '0', status: passMiss(r.leaks.length === 0) },
      { metric: `${r.mode}: overlapping holds`, value: int(r.overlaps.length), target: '0', status: passMiss(r.overlaps.length === 0) },
      { metric: `${r.mode}: journals lost`, value: int(r.lostJournals.length), target: '0', status: passMiss(r.lostJournals.length === 0) },
    );
  }
  if (sentinelSkipped !== null) rows.push({ metric: 'sentinel failover phase', value: 'skipped', target: 'info', status: 'INFO' });
  if (failed.length > 0) throw new Error(`soak invariant(s) failed (figures in ${resultFile}): ${failed.join(' | ')}`);
  return { name: 'soak', resultFile, rows };
}

if (isMain(import.meta.url)) runStandalone(main);
