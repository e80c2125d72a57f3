import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { Redis } from 'ioredis';
import { prepareRun } from '../../src/cli/run-setup.js';
import type { ActivityRecord, Journal } from '../../src/engine/journal.js';
import { INJECTION_POINTS, type InjectionPoint } from '../../src/engine/runner.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { RunStore, type RunStatus } from '../../src/orchestrator/run-store.js';
import { RunWorker } from '../../src/orchestrator/run-worker.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { tempDir } from '../support/cli.js';
import { startDaemon, startSimProcess } from '../support/daemon.js';
import { submitDetached } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../support/redis.js';
import { CREDENTIALS, truth, waitFor } from '../support/sim.js';

/**
 * A worker killed (SIGKILL, `GAMEDAY_CRASH_AT`) at every moment of every covered action's injection — before its
 * mutating call, during it, after it, and before its result is recorded — and another worker taking the run over:
 * whatever the moment, the simulated region's ground truth shows nothing left changed that can be undone, and the
 * journal says what the lost run did.
 */
const SPEED = 100;

interface Case {
  action: string;
  /** The fault's `targets:` or `args:` lines, given the scenario's own resource. */
  fault(resource: string): string;
  /** What the scenario's own resource is: an instance or a health check. */
  resource: 'instance' | 'health-check' | 'database';
  /** Asserts the region's state after the takeover, and what the journal's reconciliation says. */
  check(resource: string, point: InjectionPoint, reconciled: ActivityRecord): Promise<void>;
}

const byId = (id: string): string => `    targets: { ids: [${id}] }\n`;

let ec2: EC2Client;
let route53: Route53Client;
let rds: RDSClient;
/** The simulated region's endpoint, for its ground truth. */
let simEndpoint = '';

async function instance(id: string): Promise<{ state: string; address: string }> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const i = out.Reservations?.[0]?.Instances?.[0];
  return { state: i?.State?.Name ?? 'missing', address: i?.PrivateIpAddress ?? '' };
}

const lines = (r: ActivityRecord, key: 'found' | 'done' | 'lasting'): string => ((r.output?.[key] as string[] | undefined) ?? []).join('\n');

const CASES: Case[] = [
  {
    action: 'aws.ec2.stop-instances',
    resource: 'instance',
    fault: byId,
    async check(id, point, r) {
      assert.equal((await instance(id)).state, 'running', `${id} runs again after a crash ${point}`);
      if (point === 'before-call') assert.equal(r.output?.landed, false, lines(r, 'found'));
      else {
        assert.equal(r.output?.landed, true, lines(r, 'found'));
        assert.match(lines(r, 'done'), new RegExp(`started ${id}`));
      }
    },
  },
  {
    action: 'aws.ec2.reboot-instances',
    resource: 'instance',
    fault: byId,
    async check(id, _point, r) {
      assert.equal((await instance(id)).state, 'running');
      // A reboot leaves nothing to read back: the journal says so rather than guessing.
      assert.equal(r.output?.landed, 'unknown');
      assert.match(lines(r, 'found'), /whether the lost run rebooted it is unknown/);
    },
  },
  {
    action: 'aws.ec2.terminate-instances',
    resource: 'instance',
    fault: byId,
    async check(id, point, r) {
      const { state } = await instance(id);
      if (point === 'before-call') {
        assert.equal(state, 'running');
        assert.equal(r.output?.landed, false, lines(r, 'found'));
      } else {
        assert.ok(['shutting-down', 'terminated'].includes(state), `${id} is ${state}`);
        assert.match(lines(r, 'lasting'), new RegExp(`${id} was terminated by the lost run`));
      }
    },
  },
  {
    action: 'aws.ssm.kill-process',
    resource: 'instance',
    fault: byId,
    async check(id, point, r) {
      const { state, address } = await instance(id);
      assert.equal(state, 'running');
      if (point !== 'before-call') assert.match(lines(r, 'done'), new RegExp(`rebooted ${id}`));
      // The workload answers again on the instance's own address once the reboot has brought it back.
      await waitFor(
        `the workload of ${id} to answer after a crash ${point}`,
        async () => (await fetch(`http://${address}:8080/health`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined))?.ok === true,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    },
  },
  {
    // A degradation sent as an SSM command: the lost run's command is found by its comment and cancelled.
    action: 'aws.ec2.network-latency',
    resource: 'instance',
    fault: (id) => `${byId(id)}    args: { delay: 500ms }\n    duration: 1h\n`,
    async check(id, point, r) {
      // Left alone, the delay would last an AWS hour: none is in effect once the successor is done.
      const events = (await truth(simEndpoint)).filter((e) => e.kind === 'impairment' && e.resource === id);
      assert.ok(events.length === 0 || events.at(-1)?.to === 'ended', `${id} after a crash ${point}: ${JSON.stringify(events)}`);
      if (point === 'before-call') assert.equal(r.output?.landed, false, lines(r, 'found'));
      else {
        assert.equal(r.output?.landed, true, lines(r, 'found'));
        assert.match(lines(r, 'done'), new RegExp(`cancelled SSM command \\S+ on ${id}`));
      }
    },
  },
  {
    action: 'aws.route53.fail-health-check',
    resource: 'health-check',
    fault: (id) => `    args: { healthCheckId: ${id} }\n`,
    async check(id, point, r) {
      const config = (await route53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig;
      assert.equal(config?.Inverted, false, `health check ${id} is not inverted after a crash ${point}`);
      assert.equal(config?.Disabled, false);
      if (point === 'before-call') assert.equal(r.output?.landed, false, lines(r, 'found'));
      else assert.match(lines(r, 'done'), /restored Inverted false, Disabled false/);
    },
  },
  {
    action: 'aws.rds.failover',
    resource: 'database',
    fault: (id) => `    targets: { type: "aws:rds:db", ids: [${id}] }\n`,
    async check(id, point, r) {
      const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
      // A failover is not undone (the old primary is the standby): the database serves, and the journal says whether it moved.
      assert.equal(db?.DBInstanceStatus, 'available');
      if (point === 'before-call') assert.equal(r.output?.landed, false, lines(r, 'found'));
      else
        assert.match(
          lines(r, 'found'),
          new RegExp(`${id} was failed over by the lost run \\(primary us-east-1a before, ${db?.AvailabilityZone ?? '?'} now\\)`),
        );
    },
  },
];

// CRASH_ONLY=<action> runs only that action's crashes, for whoever works on one.
const SCENARIOS = CASES.filter((c) => process.env.CRASH_ONLY === undefined || c.action === process.env.CRASH_ONLY).flatMap((c) =>
  INJECTION_POINTS.map((point) => ({ c, point })),
);
const INSTANCES = SCENARIOS.filter((s) => s.c.resource === 'instance').length;
const CHECKS = SCENARIOS.filter((s) => s.c.resource === 'health-check').length;
const DATABASES = SCENARIOS.filter((s) => s.c.resource === 'database').length;

/** Standalone instances (no group replaces them) and health checks, one for each scenario, so scenarios run at once. */
const topology = `region: us-east-1
accountId: "123456789012"
availabilityZones: [a, b]
launchTemplates:
  - { name: web-lt, port: 8080 }
loadBalancers:
  - name: web-alb
    targetGroup: { name: web-tg, healthCheck: { path: /health } }
${INSTANCES === 0 ? '' : 'instances:\n'}${Array.from({ length: INSTANCES }, (_, n) => `  - { name: s${n}, launchTemplate: web-lt, availabilityZone: a, tags: { "gameday:allowed": "true" } }\n`).join('')}${CHECKS === 0 ? '' : 'healthChecks:\n'}${Array.from({ length: CHECKS }, (_, n) => `  - { name: h${n}, target: alb:web-alb, resourcePath: /health, requestInterval: 30, failureThreshold: 3 }\n`).join('')}${DATABASES === 0 ? '' : 'databases:\n'}${Array.from({ length: DATABASES }, (_, n) => `  - { id: db${n}, multiAZ: true, availabilityZone: a, subnetGroupZones: [a, b], tags: { "gameday:allowed": "true" } }\n`).join('')}`;

describe('a worker killed at every moment of an injection', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let client: Redis;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let sim: Awaited<ReturnType<typeof startSimProcess>>;
  before(async () => {
    [redis, tmp] = await Promise.all([startRedis(), tempDir()]);
    // BullMQ's workers need commands that wait for Redis rather than fail.
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    sim = await startSimProcess({ speed: SPEED, topology: await tmp.write('crash-topology.yaml', topology) });
    ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    route53 = new Route53Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    rds = new RDSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    simEndpoint = sim.endpoint;
  });
  after(async () => {
    ec2?.destroy();
    route53?.destroy();
    rds?.destroy();
    client?.disconnect();
    await sim?.stop();
    await Promise.all([redis?.stop(), tmp?.cleanup()]);
  });

  /** The run's status once it finished. */
  function finished(prefix: string, runId: string): Promise<RunStatus> {
    const store = new RunStore(client, new Keys(prefix));
    return waitFor(
      `run ${runId} to finish`,
      async () => {
        const s = await store.get(runId);
        return s?.state === 'finished' ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  /** One scenario on its own queue: a worker that dies at `point`, then one that takes the run over; the journal. */
  async function crashAndTakeOver(n: number, action: string, point: InjectionPoint, faultLines: string): Promise<Journal> {
    const prefix = redis.prefix();
    const env = { REDIS_URL: redis.url, GAMEDAY_PREFIX: prefix };
    const file = await tmp.write(
      `crash-${n}.yaml`,
      `apiVersion: gameday/v1
metadata: { name: crash-${n} }
environment: { type: sim, speed: ${SPEED}, endpoint: ${sim.endpoint} }
probes:
  - { name: region, probe: http, args: { url: "${sim.endpoint}/_sim/health", timeout: 2s }, interval: 1s }
steadyState: { samples: 1 }
faults:
  - name: fault
    action: ${action}
${faultLines}recovery: { stableFor: 1s, timeout: 1m }
`,
    );
    // A lease short enough for a quick takeover, long enough that a worker on the shared machine keeps its run while
    // five scenarios and another test file run at once (with 3 s, a worker starting up under that load once stalled
    // 3 s, gave its run up and never reached its crash point).
    const crashing = await startDaemon(['worker', '--results', join(tmp.dir, `crashed-${n}`), '--lease', '6s'], {
      ...env,
      GAMEDAY_CRASH_AT: `${action}:${point}`,
    });
    const died = new Promise<NodeJS.Signals | null>((resolve) => crashing.child.once('exit', (_code, signal) => resolve(signal)));
    let runId: string;
    try {
      runId = await submitDetached(env, file);
      const signal = await Promise.race([died, finished(prefix, runId).then(() => 'the run finished' as const)]);
      assert.equal(signal, 'SIGKILL', `the worker killed itself ${point} (stderr: ${crashing.stderr()})`);
    } finally {
      await crashing.stop('SIGKILL');
    }
    const keys = new Keys(prefix);
    const results = join(tmp.dir, `recovered-${n}`);
    const registry = defaultRegistry();
    // The successor runs in this process: what matters is that the first one really died.
    const successor = new RunWorker({
      redis: client,
      keys,
      registry,
      resultsDir: results,
      leaseMs: 3_000,
      prepare: (job, existing) => prepareRun(job.file, { registry, text: job.text, runId: job.runId, ...existing }),
    });
    try {
      await successor.start();
      const done = await finished(prefix, runId);
      assert.match(done.reason ?? '', /^worker lost: /, done.reason);
      return JSON.parse(await readFile(join(results, `${runId}.json`), 'utf8')) as Journal;
    } finally {
      await successor.close();
    }
  }

  it(`leaves nothing changed that can be undone, and says what landed (${SCENARIOS.length} crashes)`, async () => {
    const outputs = sim.outputs;
    let nextInstance = 0;
    let nextCheck = 0;
    let nextDatabase = 0;
    const runs = SCENARIOS.map(({ c, point }, n) => {
      const resource =
        c.resource === 'instance'
          ? (outputs[`instance.s${nextInstance++}.id`] ?? '')
          : c.resource === 'health-check'
            ? (outputs[`route53.healthcheck.h${nextCheck++}.id`] ?? '')
            : `db${nextDatabase++}`;
      return async (): Promise<void> => {
        const journal = await crashAndTakeOver(n, c.action, point, c.fault(resource));
        const reconciled = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'fault');
        assert.equal(reconciled?.status, 'succeeded', `${c.action} ${point}: ${JSON.stringify(reconciled)}`);
        assert.equal(reconciled?.output?.reconciled, true);
        await c.check(resource, point, reconciled);
      };
    });
    // Five at a time, each next one starting as one ends: each starts a worker process, and the machine is shared.
    const failures: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let k = next++; k < runs.length; k = next++) {
        const s = SCENARIOS[k];
        await runs[k]?.().catch((error: unknown) =>
          failures.push(`${s?.c.action ?? '?'} ${s?.point ?? '?'}: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
    };
    await Promise.all(Array.from({ length: 5 }, lane));
    assert.deepEqual(failures, []);
  });
});
