/**
 * Degradation fidelity on the simulated region: the latency an `aws.ec2.network-latency` fault of 100 ms adds, as the
 * http probe measures it, against the 100 ms asked. The region (speed 50) runs the reference topology; the fault is
 * AWS FIS's AWSFIS-Run-Network-Latency document sent through SSM SendCommand over HTTP, as gameday's action sends it.
 * Each round: the probe's latency to one instance's workload (its own address, no load balancer) over `samples`
 * requests before, then with the command InProgress; the added latency is the difference of the medians. Target:
 * within 5 ms of 100 ms at the median (the median of the rounds). Jitter is set to 0 (the document's default, 10 ms,
 * spreads the delay uniformly over 90–110 ms, as netem does). Reported also: the spread (p95 − p50) with the fault.
 */
import { performance } from 'node:perf_hooks';
import { CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { httpProbe } from '../src/probes/net/http.js';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';
import { distribution, envInt, heading, isMain, median, ms, passMiss, runStandalone, writeResult, type BenchOutcome, probeContext } from './common.js';

const NAME = 'degradation-latency';
const ASKED_MS = 100;
const TOLERANCE_MS = 5;
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** `n` probe samples one after another: their latencies (ms), each a successful answer. */
async function probeLatencies(url: string, n: number): Promise<number[]> {
  const life = new AbortController();
  const ctx = probeContext('bench-degradation-latency', life.signal);
  const session = httpProbe.open(httpProbe.args.parse({ url, timeout: '2s' }), ctx, httpProbe.defaultTolerance);
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = await session.sample(life.signal);
      if (o.error !== undefined || o.latencyMs === undefined) throw new Error(`probe sample failed: ${o.error ?? 'no latency'}`);
      out.push(o.latencyMs);
    }
  } finally {
    await session.close();
    life.abort();
  }
  return out;
}

export async function main(): Promise<BenchOutcome> {
  heading(`${NAME}: latency added by a ${ASKED_MS} ms network-latency fault on the simulated region, measured by the http probe`);
  const rounds = envInt('BENCH_ROUNDS', 5);
  const samples = envInt('BENCH_SAMPLES', 41);
  const region = await SimRegion.start({ topology: await loadTopology(undefined), speed: 50 });
  const ssm = new SSMClient({ endpoint: region.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const ec2 = new EC2Client({ endpoint: region.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const measurements: { round: number; baselineP50: number; faultedP50: number; faultedP95: number; added: number }[] = [];
  try {
    await region.globe.ready(60_000);
    const reservations = (await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
    const instance = reservations.flatMap((r) => r.Instances ?? []).find((i) => i.State?.Name === 'running');
    if (instance?.InstanceId === undefined) throw new Error('no running instance in the reference region');
    // The reference topology's launch template serves on 8080, the port its target group checks.
    const url = `http://${instance.PrivateIpAddress}:8080/`;
    await probeLatencies(url, 5); // warm-up: the probe's client, the first connection
    for (let round = 1; round <= rounds; round++) {
      const baseline = distribution(await probeLatencies(url, samples));
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWSFIS-Run-Network-Latency',
          InstanceIds: [instance.InstanceId],
          Parameters: { DelayMilliseconds: [String(ASKED_MS)], DurationSeconds: ['3600'], InstallDependencies: ['False'] },
        }),
      );
      const commandId = sent.Command?.CommandId ?? '';
      const started = performance.now();
      for (;;) {
        const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instance.InstanceId })).catch(() => undefined);
        if (got?.Status === 'InProgress') break;
        if (performance.now() - started > 30_000) throw new Error(`the command did not start: ${got?.Status ?? 'no invocation'}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const faulted = distribution(await probeLatencies(url, samples));
      await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
      const added = faulted.p50 - baseline.p50;
      measurements.push({ round, baselineP50: baseline.p50, faultedP50: faulted.p50, faultedP95: faulted.p95, added });
      console.log(`  round ${round}: without ${ms(baseline.p50)} p50, with ${ms(faulted.p50)} p50 / ${ms(faulted.p95)} p95: added ${ms(added)}`);
    }
  } finally {
    ssm.destroy();
    ec2.destroy();
    await region.stop();
  }
  const added = median(measurements.map((m) => m.added));
  const spread = median(measurements.map((m) => m.faultedP95 - m.faultedP50));
  const error = added - ASKED_MS;
  const rows = [
    {
      metric: `added latency of a ${ASKED_MS} ms fault (p50)`,
      value: ms(added),
      target: `${ASKED_MS} ± ${TOLERANCE_MS} ms`,
      status: passMiss(Math.abs(error) <= TOLERANCE_MS),
    },
    { metric: 'spread with the fault (p95 − p50)', value: ms(spread), target: 'info', status: 'INFO' as const },
  ];
  const resultFile = await writeResult(NAME, { config: { rounds, samples, askedMs: ASKED_MS, toleranceMs: TOLERANCE_MS }, measurements, added, error });
  console.log(`  added ${ms(added)} at the median of ${rounds} rounds (error ${ms(error)}); raw numbers: ${resultFile}`);
  return { name: NAME, rows, resultFile };
}

if (isMain(import.meta.url)) runStandalone(main);
