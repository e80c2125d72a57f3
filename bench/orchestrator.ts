/**
 * The job-queue orchestrator against its own redis-server (a free port) and a `gameday sim` process:
 * - enqueue-to-start latency of a gameday run (submit → the run's start, read from its journal) next to a bare BullMQ
 *   job on the same Redis (add → processor called). Target: p50 ratio at most 1.5.
 * - one `gameday worker --concurrency 50` running 50 simulated experiments at once: its peak RSS. Target: < 500 MB.
 * - halt → every running experiment rolled back and finished, for runs that stopped instances. Target: ≤ 2 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { newRunId } from '../src/engine/runner.js';
import { Keys } from '../src/orchestrator/keys.js';
import { RunQueue } from '../src/orchestrator/run-queue.js';
import type { RunStatus } from '../src/orchestrator/run-store.js';
import { startDaemon, startSimProcess, type Daemon } from '../test/support/daemon.js';
import { startRedis } from '../test/support/redis.js';
import { distribution, envInt, percentile, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

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
  waitUntil(
    `run ${runId} to finish`,
    async () => {
      const s = await queue.store.get(runId);
      return s?.state === 'finished' ? s : undefined;
    },
    timeoutMs,
  );

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
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

export async function main(): Promise<BenchOutcome> {
  heading('orchestrator: enqueue-to-start, 50 runs on one worker, halt to rollbacks');
  const samples = envInt('BENCH_QUEUE_SAMPLES', 30);
  const redis = await startRedis();
  const sim = await startSimProcess({ speed: 20, topology: join(ROOT, 'experiments', 'topologies', 'reference.yaml') });
  const daemons: Daemon[] = [sim];
  const bareWorkerClient = new Redis(redis.url, { maxRetriesPerRequest: null });
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  let queue: RunQueue | undefined;
  try {
    // Bare BullMQ on the same Redis: add → processor.
    const barePrefix = redis.prefix();
    const bareQueue = new Queue('bare', { connection: client, prefix: barePrefix });
    const started = new Map<string, number>();
    const bareWorker = new Worker('bare', async (job) => void started.set(job.id ?? '', Date.now()), { connection: bareWorkerClient, prefix: barePrefix });
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
    const q = new RunQueue(client, new Keys(env.GAMEDAY_PREFIX));
    queue = q;
    const results = join(ROOT, '.bench-out', 'orchestrator');
    const worker = await startDaemon(['worker', '--results', results, '--concurrency', '1'], env);
    daemons.push(worker);
    const gd: number[] = [];
    const begun: number[] = [];
    const quick = quickExperiment(sim.endpoint, 'queue-latency', READ_ONLY_FAULT, '0s');
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const runId = await submit(q, quick, 'queue-latency');
      await finished(q, runId);
      const journal = await q.journal(runId);
      const status = await q.store.get(runId);
      if (journal === undefined || status?.startedAt === undefined) throw new Error(`run ${runId} has no journal or start`);
      // Started: a worker took the run (as the bare job's processor is called); begun: the validated run's flow began.
      gd.push(status.startedAt - t0);
      begun.push(journal.startedAtEpochMs - t0);
    }
    await worker.stop();
    const b = distribution(bare);
    const g = distribution(gd);
    const p99 = (values: number[]): number =>
      percentile(
        [...values].sort((x, y) => x - y),
        99,
      );
    const ratio = g.p50 / Math.max(b.p50, 0.001);
    const v = distribution(begun);
    console.log(
      `  enqueue-to-start, ${samples} each: bare BullMQ p50 ${ms(b.p50)} p99 ${ms(p99(bare))}; gameday run taken by a worker p50 ${ms(g.p50)} p99 ${ms(p99(gd))}; p50 ratio ${ratio.toFixed(2)}`,
    );
    console.log(`  enqueue to the run's flow beginning (after validating the experiment against the region): p50 ${ms(v.p50)} p99 ${ms(p99(begun))}`);

    // 50 experiments at once on one worker: peak RSS.
    const big = await startDaemon(['worker', '--results', results, '--concurrency', '50'], env);
    daemons.push(big);
    const rss = watchRss(big.child.pid ?? 0);
    const fifty = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submit(q, quickExperiment(sim.endpoint, `fifty-${i}`, READ_ONLY_FAULT, '60s'), `fifty-${i}`)),
    );
    const ends = await Promise.all(fifty.map((id) => finished(q, id, 600_000)));
    const peak = rss.stop();
    const passed = ends.filter((s) => s.verdict === 'passed').length;
    console.log(`  concurrency 50: ${passed}/50 runs passed; worker peak RSS ${peak.toFixed(0)} MB`);

    // Halt while a run has stopped an instance: time until it is finished with its rollback done.
    const halts: number[] = [];
    let rolledBack = 0;
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const stop = `  - name: stop\n    action: aws.ec2.stop-instances\n    targets: { tags: { "aws:autoscaling:groupName": web-asg }, selection: COUNT(1) }\n`;
      const id = await submit(q, quickExperiment(sim.endpoint, `halt-${round}`, stop, '10m'), `halt-${round}`);
      await waitUntil(
        `run ${id} to inject`,
        async () => {
          const st = await q.store.get(id);
          if (st?.state === 'finished') throw new Error(`run ${id} ended before it injected: ${st.verdict ?? ''} — ${st.reason ?? ''}`);
          return st?.phase === 'recovery' ? true : undefined;
        },
        120_000,
      );
      const t0 = Date.now();
      await q.killSwitch.halt('benchmark');
      const ended = await finished(q, id, 60_000);
      halts.push(Date.now() - t0);
      const j = await q.journal(id);
      if (ended.verdict === 'aborted' && j?.activities.some((a) => a.kind === 'auto-rollback' && a.status === 'succeeded') === true) rolledBack++;
      await q.killSwitch.resume();
      // The next round starts from a whole fleet again.
      await waitUntil(
        'the region to be ready',
        async () => ((await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { ready: boolean }).ready || undefined,
        120_000,
      );
    }
    const h = distribution(halts);
    console.log(`  halt → the run rolled back and finished, ${rounds} rounds: p50 ${ms(h.p50)} max ${ms(h.max)}; rolled back ${rolledBack}/${rounds}`);

    const data = {
      samples,
      bare: { ...b, p99: p99(bare) },
      gameday: { ...g, p99: p99(gd) },
      flowBegins: { ...v, p99: p99(begun) },
      ratio,
      concurrency50: { passed, peakRssMb: peak },
      halt: { ...h, rolledBack, runs: rounds },
    };
    const resultFile = await writeResult('orchestrator', data);
    return {
      name: 'orchestrator',
      resultFile,
      rows: [
        {
          metric: 'enqueue-to-start p50 vs bare BullMQ',
          value: `${ms(g.p50)} vs ${ms(b.p50)} (×${ratio.toFixed(2)})`,
          target: '≤ ×1.5',
          status: passMiss(ratio <= 1.5),
        },
        { metric: 'enqueue-to-start p99', value: `${ms(p99(gd))} vs ${ms(p99(bare))}`, target: 'info', status: 'INFO' },
        { metric: 'enqueue to the run flow beginning p50', value: `${ms(v.p50)} (validation included)`, target: 'info', status: 'INFO' },
        {
          metric: 'worker RSS, 50 runs at concurrency 50',
          value: `${peak.toFixed(0)} MB (${passed}/50 passed)`,
          target: '< 500 MB',
          status: passMiss(peak < 500 && passed === 50),
        },
        {
          metric: 'halt to all rollbacks done',
          value: `max ${ms(h.max)} (${rolledBack}/${rounds} rolled back)`,
          target: '≤ 2 s',
          status: passMiss(h.max <= 2_000 && rolledBack === rounds),
        },
      ],
    };
  } finally {
    for (const d of daemons.reverse()) await d.stop().catch(() => undefined);
    await queue?.close();
    await bareWorkerClient.quit().catch(() => undefined);
    client.disconnect();
    await redis.stop();
  }
}

if (isMain(import.meta.url)) runStandalone(main);
