#!/usr/bin/env node
// `npm run demo:hook`: starts a small web service with a fault hook on loopback, then runs
// experiments/local-http-outage.yaml against it with the real CLI and exits with the run's exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Workload, serveWorkloadControl } from '../dist/src/sim/workload.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workload = await new Workload({ name: 'demo-web' }).start();
const control = await serveWorkloadControl(workload);
const child = spawn(
  process.execPath,
  [fileURLToPath(new URL('./gameday.js', import.meta.url)), 'run', 'experiments/local-http-outage.yaml', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DEMO_URL: workload.url, DEMO_PORT: String(workload.port), DEMO_CONTROL: control.url },
  },
);
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal === null ? 4 : 3))));
await control.close();
await workload.close();
process.exitCode = code;
