/**
 * Global infrastructure (issue 19), measured side by side in one run:
 * - Boot and memory: the two-Region world of experiments/topologies/global.yaml (two ALBs, two groups of three, a
 *   Multi-AZ database and its cross-Region read replica, Route 53 with failover, latency and client locations) next to
 *   the one-Region reference architecture, each in its own child process at speed 60: time until every Region is
 *   steady, and RSS then. Targets: the two-Region world boots in under 5 s and under 300 MB.
 * - DNS: answers per second from the sim's DNS server over UDP, asked from a client location (Frankfurt's source
 *   address) for a latency-routed name (www.example.com: two latency records with health checks) and for a plain record,
 *   in alternating rounds, 32 questions in flight. Target: latency routing keeps at least half the plain rate.
 */
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';
import { benchChild, envInt, heading, int, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

interface Boot {
  bootMs: number;
  rssMb: number;
  regions: number;
  instances: number;
}

async function boot(topology: string): Promise<Boot> {
  const lines = await benchChild('global-boot-child.js', [topology, '60']);
  return (lines.at(-1) ?? {}) as Boot;
}

/** Questions answered per second for `name`, `inFlight` at a time for `durationMs`, from `source`. */
async function answersPerSecond(server: string, source: string, name: string, durationMs: number, inFlight = 32): Promise<number> {
  const [host = '127.0.0.1', port = '53'] = server.split(':');
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: source, port: 0 }, () => resolve()));
  const waiting = new Map<number, () => void>();
  socket.on('message', (msg: Buffer) => {
    const id = msg.readUInt16BE(0);
    waiting.get(id)?.();
    waiting.delete(id);
  });
  let answered = 0;
  let nextId = 1;
  const until = performance.now() + durationMs;
  const ask = async (): Promise<void> => {
    while (performance.now() < until) {
      const id = nextId++ & 0xffff;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve();
        }, 1_000);
        waiting.set(id, () => {
          clearTimeout(timer);
          answered++;
          resolve();
        });
        socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), Number(port), host);
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, () => ask()));
  const elapsed = performance.now() - started;
  socket.close();
  return (answered * 1_000) / elapsed;
}

async function dnsRates(): Promise<{ latency: number; plain: number; ratio: number }> {
  const topology = await loadTopology(join(ROOT, 'experiments', 'topologies', 'global.yaml'));
  topology.hostedZones[0]?.records.push({ name: 'plain', type: 'A', ttl: 60, values: ['127.0.10.1'], evaluateTargetHealth: false });
  const region = await SimRegion.start({ topology, speed: 60 });
  try {
    await region.globe.ready(60_000);
    const server = region.outputs()['dns.server'] ?? '';
    const frankfurt = region.outputs()['client.frankfurt.address'] ?? '';
    const rounds = envInt('BENCH_GLOBAL_ROUNDS', 4);
    const latency: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < rounds; r++) {
      latency.push(await answersPerSecond(server, frankfurt, 'www.example.com', 1_000));
      plain.push(await answersPerSecond(server, frankfurt, 'plain.example.com', 1_000));
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { latency: mean(latency), plain: mean(plain), ratio: mean(latency) / mean(plain) };
  } finally {
    await region.stop();
  }
}

export async function main(): Promise<BenchOutcome> {
  heading('global: two Regions, latency routing');
  const one = await boot('reference');
  const two = await boot(join(ROOT, 'experiments', 'topologies', 'global.yaml'));
  console.log(`  one Region (reference, ${one.instances} instances): ready in ${ms(one.bootMs, 0)}, RSS ${one.rssMb.toFixed(0)} MB`);
  console.log(
    `  two Regions (global.yaml, ${two.instances} instances, a replica across them): ready in ${ms(two.bootMs, 0)}, RSS ${two.rssMb.toFixed(0)} MB (${(two.bootMs / one.bootMs).toFixed(2)}× the time, ${(two.rssMb / one.rssMb).toFixed(2)}× the memory)`,
  );
  const dns = await dnsRates();
  console.log(
    `  DNS answers/s from Frankfurt: latency-routed ${int(dns.latency)}, plain ${int(dns.plain)} (ratio ${dns.ratio.toFixed(2)}; target: at least 0.5)`,
  );
  const resultFile = await writeResult('global', { one, two, dns });
  return {
    name: 'global',
    resultFile,
    rows: [
      { metric: 'two-Region boot at 60x', value: ms(two.bootMs, 0), target: '< 5,000 ms', status: passMiss(two.bootMs < 5_000) },
      { metric: 'two-Region RSS', value: `${two.rssMb.toFixed(0)} MB`, target: '< 300 MB', status: passMiss(two.rssMb < 300) },
      { metric: 'two-Region / one-Region boot', value: `${(two.bootMs / one.bootMs).toFixed(2)}x`, target: 'info', status: 'INFO' },
      {
        metric: 'DNS latency-routed / plain answers',
        value: `${dns.ratio.toFixed(2)} (${int(dns.latency)}/s)`,
        target: '>= 0.5',
        status: passMiss(dns.ratio >= 0.5),
      },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
