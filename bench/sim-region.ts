/**
 * The simulated region must not distort what it is used to measure, and must be cheap enough to run anywhere:
 * - ALB overhead: p50/p99 of sequential kept-alive requests through the ALB next to requests straight to an instance,
 *   alternating in rounds in one run (speed 1, three instances). Target: the ALB adds at most 1 ms to p99.
 * - API throughput: AWS SDK calls per second from gameday's client factory to `gameday sim` in its own process
 *   (DescribeInstances, DescribeAutoScalingGroups, DescribeTargetHealth; 16 in flight). Target: at least 1,000 calls/s.
 * - Boot: a 100-instance topology at speed 60, in a child process: time until every instance is InService and
 *   healthy, and the RSS then. Targets: under 5 s and under 300 MB.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import hdr from 'hdr-histogram-js';
import { Client } from 'undici';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';
import { benchChild, envInt, heading, int, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
}

async function latencies(url: string, durationMs: number, into: hdr.Histogram): Promise<void> {
  const { origin, pathname } = new URL(url);
  const client = new Client(origin, { keepAliveTimeout: 30_000 });
  const until = performance.now() + durationMs;
  try {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await client.request({ path: pathname, method: 'GET' });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${url}`);
      into.recordValue(Math.max(1, Math.round((performance.now() - t) * 1_000)));
    }
  } finally {
    await client.close();
  }
}

const stats = (h: hdr.Histogram): LatencyStats => ({ count: h.totalCount, p50: h.getValueAtPercentile(50) / 1_000, p99: h.getValueAtPercentile(99) / 1_000 });

async function albOverhead(): Promise<{ direct: LatencyStats; alb: LatencyStats; addedP99: number; addedP50: number }> {
  // Without the reference alarm: at speed 1 its 60-s datapoints keep the region from being steady for two minutes,
  // and this measures only the load balancer's added latency.
  const region = await SimRegion.start({ topology: { ...(await loadTopology(undefined)), alarms: [] }, speed: 1 });
  try {
    await region.world.ready(120_000);
    const alb = `${region.outputs()['alb.web-alb.url'] ?? ''}/health`;
    const instance = [...region.world.instances.values()][0];
    if (instance === undefined) throw new Error('no instance');
    const direct = `http://${instance.spec.privateIp}:${instance.spec.port}/health`;
    const make = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const hDirect = make();
    const hAlb = make();
    const rounds = envInt('BENCH_SIM_ROUNDS', 4);
    for (let r = 0; r < rounds; r++) {
      await latencies(direct, 1_500, hDirect);
      await latencies(alb, 1_500, hAlb);
    }
    const d = stats(hDirect);
    const a = stats(hAlb);
    return { direct: d, alb: a, addedP99: a.p99 - d.p99, addedP50: a.p50 - d.p50 };
  } finally {
    await region.stop();
  }
}

/** Starts `gameday sim` in its own process, as a user serving SDK clients would, and resolves its endpoint and outputs. */
function startSimProcess(): Promise<{ endpoint: string; outputs: Record<string, string>; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'gameday.js'), 'sim', '--port', '0', '--speed', '60', '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.on('error', reject);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.split('\n')[0] ?? '{}') as { endpoint: string; outputs: Record<string, string> };
      resolve({ ...info, stop: () => child.kill('SIGINT') });
    });
  });
}

async function apiThroughput(): Promise<{ callsPerSec: number; calls: number; errors: number; perOperation: Record<string, number> }> {
  const sim = await startSimProcess();
  // The same client factory gameday's actions and probes use.
  const aws = new AwsClientFactory({
    kind: 'sim',
    region: 'us-east-1',
    endpoint: sim.endpoint,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'bench' },
  });
  try {
    const [ec2, asg, elb] = await Promise.all([aws.ec2(), aws.autoScaling(), aws.elbv2()]);
    const tg = sim.outputs['tg.web-tg.arn'] ?? '';
    // The calls gameday makes: probes describe groups and target health, actions describe instances.
    const operations: [string, () => Promise<unknown>][] = [
      ['DescribeInstances', () => ec2.send(new DescribeInstancesCommand({}))],
      ['DescribeAutoScalingGroups', () => asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))],
      ['DescribeTargetHealth', () => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))],
    ];
    const perOperation: Record<string, number> = {};
    let errors = 0;
    const windowMs = 3_000;
    const run = async (until: number, count: boolean): Promise<void> => {
      await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const [name, call] = operations[i % operations.length] as [string, () => Promise<unknown>];
          while (performance.now() < until) {
            try {
              await call();
              if (count) perOperation[name] = (perOperation[name] ?? 0) + 1;
            } catch {
              errors++;
            }
          }
        }),
      );
    };
    await run(performance.now() + 1_500, false);
    const started = performance.now();
    await run(started + windowMs, true);
    const seconds = (performance.now() - started) / 1_000;
    const calls = Object.values(perOperation).reduce((a, b) => a + b, 0);
    for (const k of Object.keys(perOperation)) perOperation[k] = (perOperation[k] ?? 0) / seconds;
    return { callsPerSec: calls / seconds, calls, errors, perOperation };
  } finally {
    await aws.destroy();
    sim.stop();
  }
}

async function boot(instances: number, speed: number): Promise<{ bootMs: number; rssMb: number; instances: number }> {
  const lines = await benchChild('sim-boot-child.js', [String(instances), String(speed)]);
  return (lines.at(-1) ?? {}) as { bootMs: number; rssMb: number; instances: number };
}

export async function main(): Promise<BenchOutcome> {
  heading('simulated region');
  const overhead = await albOverhead();
  console.log(`  direct to an instance: p50 ${ms(overhead.direct.p50, 3)}  p99 ${ms(overhead.direct.p99, 3)}  (${int(overhead.direct.count)} requests)`);
  console.log(`  through the ALB:       p50 ${ms(overhead.alb.p50, 3)}  p99 ${ms(overhead.alb.p99, 3)}  (${int(overhead.alb.count)} requests)`);
  console.log(`  ALB adds: p50 ${ms(overhead.addedP50, 3)}, p99 ${ms(overhead.addedP99, 3)} (target: p99 at most 1 ms)`);
  const api = await apiThroughput();
  console.log(`  SDK calls against the sim: ${int(api.callsPerSec)}/s (${int(api.calls)} calls, ${api.errors} errors; target: at least 1,000/s)`);
  for (const [op, rate] of Object.entries(api.perOperation)) console.log(`    ${op}: ${int(rate)}/s`);
  const b = await boot(100, 60);
  console.log(
    `  100-instance boot at speed 60: ${ms(b.bootMs, 0)} to all InService and healthy, RSS ${b.rssMb.toFixed(0)} MB (targets: under 5 s, under 300 MB)`,
  );
  const resultFile = await writeResult('sim-region', { overhead, api, boot: b });
  return {
    name: 'sim-region',
    resultFile,
    rows: [
      { metric: 'ALB added p99 latency', value: ms(overhead.addedP99, 3), target: '<= 1 ms', status: passMiss(overhead.addedP99 <= 1) },
      { metric: 'SDK calls/s against the sim', value: int(api.callsPerSec), target: '>= 1,000', status: passMiss(api.callsPerSec >= 1_000) },
      { metric: '100-instance boot at 60x', value: ms(b.bootMs, 0), target: '< 5,000 ms', status: passMiss(b.bootMs < 5_000) },
      { metric: '100-instance RSS', value: `${b.rssMb.toFixed(0)} MB`, target: '< 300 MB', status: passMiss(b.rssMb < 300) },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
