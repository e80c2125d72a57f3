/**
 * The probe-throughput benchmark's target: a gameday `Workload` (a real HTTP server serving /health) in its own
 * process, so it does not share the measuring process's event loop. Prints one JSON line `{"type":"ready",...}`
 * with its port on stdout, answers `stats` lines on stdin with its request count and CPU time, and exits when
 * stdin closes (so it never outlives the benchmark).
 */
import { createInterface } from 'node:readline';
import { Workload } from '../src/sim/workload.js';

export interface TargetReady {
  type: 'ready';
  port: number;
  url: string;
  pid: number;
}

export interface TargetStats {
  type: 'stats';
  requests: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

const workload = await new Workload({ name: 'bench-target' }).start();
const send = (message: TargetReady | TargetStats): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
send({ type: 'ready', port: workload.port, url: workload.url, pid: process.pid });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  send({ type: 'stats', requests: workload.requests, cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
});
lines.on('close', () => {
  void workload.close().then(() => process.exit(0));
});
