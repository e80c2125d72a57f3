/**
 * The job-queue orchestrator against its own redis-server (a free port) and a `gameday sim` process:
 * - enqueue-to-start latency of a gameday run (submit → the run's start, read from its journal) next to a bare BullMQ
 *   job on the same Redis (add → processor called). Target: p50 ratio at most 1.5.
 * - one `gameday worker --concurrency 50` running 50 simulated experiments at once: its peak RSS. Target: < 500 MB.
 * - halt → every running experiment rolled back and finished, for runs that stopped instances. Target: ≤ 2 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { newRunId } from '../src/engine/runner.js';
import { Keys } from '../src/orchestrator/keys.js';
import { RunQueue } from '../src/orchestrator/run-queue.js';
import type { RunStatus } from '../src/orchestrator/run-store.js';
import { startDaemon, startSimProcess, type Daemon } from '../test/support/daemon.js';
import { startRedis } from '../test/support/redis.js';
import { distribution, envInt, percentile, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

const SIM_CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };

/** A small experiment on the running region: the site probe, one harmless fault, a short recovery window. */
function quickExperiment(endpoint: string, name: string, fault: string, observe = '20s'): string {
  return `apiVersion: gameday/v1
metadata: { name: ${name} }
environment: { type: sim, speed: 20, endpoint: ${endpoint} }
steadyState: { samples: 2 }
probes:
  - { name: site, probe: http, args: { url: "\${sim:alb.web-alb.url}/health" }, interval: 5s }
faults:
${fault}
recovery: { stableFor: 5s, timeout: 5m, observeAtLeast: ${observe} }
`;
}

const READ_ONLY_FAULT = '  - { name: touch, action: http.request, args: { url: "${sim:alb.web-alb.url}/health" } }';

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Submits a job for the experiment text; resolves with its run id. */
async function submit(queue: RunQueue, text: string, name: string): Promise<string> {
  const runId = newRunId();
  await queue.submit({ runId, file: join(ROOT, 'bench', `${name}.yaml`), text, experiment: name, waitForLocks: false, submittedAt: Date.now() });
  return runId;
}

const finished = (queue: RunQueue, runId: string, timeoutMs = 180_000): Promise<RunStatus> =>
  waitUntil(`run ${runId} to finish`, async () => {
    const s = await queue.store.get(runId);
    return s?.state === 'finished' ? s : undefined;
  }, timeoutMs);

/** Peak VmRSS (MB) of a process, sampled every 100 ms until `stop` is called. */
function watchRss(pid: number): { stop(): number } {
  let peak = 0;
  const read = (): void => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // The process is gone.
    }
  };
  const timer = setInterval(read, 100);
  read();
  return { stop: () => (clearInterval(timer), read(), peak) };
}

export async function main(): Promise<BenchOutcome> {
  heading('orchestrator: enqueue-to-start, 50 runs on one worker, halt to rollbacks');
  const samples = envInt('BENCH_QUEUE_SAMPLES', 30);
  const redis = await startRedis();
  const sim = await startSimProcess({ speed: 20, topology: join(ROOT, 'experiments', 'topologies', 'reference.yaml') });
  const daemons: Daemon[] = [sim];
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  try {
    // Bare BullMQ on the same Redis: add → processor.
    const barePrefix = redis.prefix();
    const bareQueue = new Queue('bare', { connection: client, prefix: barePrefix });
    const started = new Map<string, number>();
    const bareWorker = new Worker('bare', async (job) => void started.set(job.id ?? '', Date.now()), { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix: barePrefix });
    await bareWorker.waitUntilReady();
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const job = await bareQueue.add('j', { i }, { removeOnComplete: true });
      const at = await waitUntil('the bare job', async () => started.get(job.id ?? ''), 10_000);
      bare.push(at - t0);
    }
    await bareWorker.close();
    await bareQueue.close();

    // gameday: submit → the run starts (its journal's start), on a worker of concurrency 1.
    const env = { REDIS_URL: redis.url, GAMEDAY_PREFIX: redis.prefix() };
    const queue = new RunQueue(client, new Keys(env.GAMEDAY_PREFIX));
    const results = join(ROOT, '.bench-out', 'orchestrator');
    const worker = await startDaemon(['worker', '--results', results, '--concurrency', '1'], env);
    daemons.push(worker);
    const gd: number[] = [];
    const quick = quickExperiment(sim.endpoint, 'queue-latency', READ_ONLY_FAULT, '0s');
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const runId = await submit(queue, quick, 'queue-latency');
      await finished(queue, runId);
      const journal = await queue.journal(runId);
      if (journal === undefined) throw new Error(`run ${runId} has no journal`);
      gd.push(journal.startedAtEpochMs - t0);
    }
    await worker.stop();
    const b = distribution(bare);
    const g = distribution(gd);
    const p99 = (values: number[]): number => percentile([...values].sort((x, y) => x - y), 99);
    const ratio = g.p50 / Math.max(b.p50, 0.001);
    console.log(`  enqueue-to-start, ${samples} each: bare BullMQ p50 ${ms(b.p50)} p99 ${ms(p99(bare))}; gameday run p50 ${ms(g.p50)} p99 ${ms(p99(gd))}; p50 ratio ${ratio.toFixed(2)}`);

    // 50 experiments at once on one worker: peak RSS.
    const big = await startDaemon(['worker', '--results', results, '--concurrency', '50'], env);
    daemons.push(big);
    const rss = watchRss(big.child.pid ?? 0);
    const fifty = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(queue, quickExperiment(sim.endpoint, `fifty-${i}`, READ_ONLY_FAULT, '60s'), `fifty-${i}`)));
    const ends = await Promise.all(fifty.map((id) => finished(queue, id, 600_000)));
    const peak = rss.stop();
    const passed = ends.filter((s) => s.verdict === 'passed').length;
    console.log(`  concurrency 50: ${passed}/50 runs passed; worker peak RSS ${peak.toFixed(0)} MB`);

    // Halt while runs have stopped instances: time until every one is finished with its rollback done.
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: SIM_CREDENTIALS });
    const reservations = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }))).Reservations ?? [];
    const ids = reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '').slice(0, 2);
    ec2.destroy();
    const halts: number[] = [];
    let rolledBack = 0;
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        ids.map((id, i) =>
          submit(
            queue,
            quickExperiment(sim.endpoint, `halt-${round}-${i}`, `  - name: stop\n    action: aws.ec2.stop-instances\n    targets: { ids: [${id}] }\n`, '10m').replace('recovery:', 'safety: { allowLastHealthy: true }\nrecovery:'),
            `halt-${round}-${i}`,
          ),
        ),
      );
      await Promise.all(runs.map((id) => waitUntil(`run ${id} to inject`, async () => ((await queue.store.get(id))?.phase === 'recovery' ? true : undefined), 120_000)));
      const t0 = Date.now();
      await queue.killSwitch.halt('benchmark');
      const ended = await Promise.all(runs.map((id) => finished(queue, id, 60_000)));
      halts.push(Date.now() - t0);
      for (const id of runs) {
        const j = await queue.journal(id);
        if (j?.activities.some((a) => a.kind === 'auto-rollback' && a.status === 'succeeded') === true) rolledBack++;
      }
      if (!ended.every((s) => s.verdict === 'aborted')) throw new Error(`halted runs ended ${ended.map((s) => s.verdict).join(', ')}`);
      await queue.killSwitch.resume();
    }
    const h = distribution(halts);
    console.log(`  halt → ${ids.length} runs rolled back and finished, 3 rounds: p50 ${ms(h.p50)} max ${ms(h.max)}; rollbacks succeeded ${rolledBack}/${3 * ids.length}`);

    const data = { samples, bare: { ...b, p99: p99(bare) }, gameday: { ...g, p99: p99(gd) }, ratio, concurrency50: { passed, peakRssMb: peak }, halt: { ...h, rolledBack, runs: 3 * ids.length } };
    const resultFile = await writeResult('orchestrator', data);
    return {
      name: 'orchestrator',
      resultFile,
      rows: [
        { metric: 'enqueue-to-start p50 vs bare BullMQ', value: `${ms(g.p50)} vs ${ms(b.p50)} (×${ratio.toFixed(2)})`, target: '≤ ×1.5', status: passMiss(ratio <= 1.5) },
        { metric: 'enqueue-to-start p99', value: `${ms(p99(gd))} vs ${ms(p99(bare))}`, target: 'info', status: 'INFO' },
        { metric: 'worker RSS, 50 runs at concurrency 50', value: `${peak.toFixed(0)} MB (${passed}/50 passed)`, target: '< 500 MB', status: passMiss(peak < 500 && passed === 50) },
        { metric: 'halt to all rollbacks done', value: `max ${ms(h.max)} (${rolledBack}/${3 * ids.length} rolled back)`, target: '≤ 2 s', status: passMiss(h.max <= 2_000 && rolledBack === 3 * ids.length) },
      ],
    };
  } finally {
    for (const d of daemons.reverse()) await d.stop().catch(() => undefined);
    client.disconnect();
    await redis.stop();
  }
}

if (isMain(import.meta.url)) runStandalone(main);
