/**
 * Twin and audit on an account of realistic size, and `audit --prove` on the fragile example.
 * - An account served by a simulated region (speed 60): 200 instances (10 Auto Scaling groups of 20 over three zones,
 *   each behind its own ALB), 10 RDS databases (Multi-AZ) and 5 hosted zones, each with a failover record pair and
 *   its health checks. Measured, three times each: the read (`readArchitecture`: every Describe/List call, paged),
 *   the mapping to a topology (`topologyOf`), and the audit (`auditArchitecture`). Targets: read under 5 s, audit
 *   under 100 ms.
 * - `gameday audit --template infra/fragile-architecture.yaml --prove`, in a child process: the wall time from start
 *   to the report, every finding's experiment run on its own twin region. Reported.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readArchitecture } from '../src/architecture/read-account.js';
import { topologyOf } from '../src/architecture/to-topology.js';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { awsTargetFor } from '../src/aws/target.js';
import { auditArchitecture } from '../src/audit/audit.js';
import type { EnvironmentSpec } from '../src/experiment/schema.js';
import { SimRegion } from '../src/sim/server.js';
import { parseTopology } from '../src/sim/topology.js';
import { distribution, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

const GROUPS = 10;
const PER_GROUP = 20;
const DATABASES = 10;
const HOSTED_ZONES = 5;

/** The account the benchmark reads: 200 instances, 10 databases, 5 hosted zones with failover records. */
export function largeAccount(): unknown {
  const groups = Array.from({ length: GROUPS }, (_, i) => `svc${i}`);
  return {
    region: 'us-east-1',
    availabilityZones: ['a', 'b', 'c'],
    launchTemplates: [{ name: 'web-lt' }],
    loadBalancers: groups.map((g) => ({ name: `${g}-alb`, targetGroup: { name: `${g}-tg`, healthCheck: { path: '/health' } } })),
    autoScalingGroups: groups.map((g) => ({
      name: `${g}-asg`,
      launchTemplate: 'web-lt',
      min: PER_GROUP,
      max: PER_GROUP * 2,
      desired: PER_GROUP,
      healthCheckType: 'ELB',
      healthCheckGracePeriod: '600s',
      targetGroups: [`${g}-tg`],
    })),
    databases: Array.from({ length: DATABASES }, (_, i) => ({ id: `db-${i}`, multiAZ: true, availabilityZone: ['a', 'b', 'c'][i % 3] })),
    healthChecks: Array.from({ length: HOSTED_ZONES }, (_, i) => ({ name: `hc-${i}`, target: `alb:svc${i}-alb`, resourcePath: '/health' })),
    hostedZones: Array.from({ length: HOSTED_ZONES }, (_, i) => ({
      name: `zone${i}.example.com`,
      records: [
        { name: 'app', alias: `alb:svc${i}-alb`, failover: 'PRIMARY', setIdentifier: 'primary', healthCheck: `hc-${i}`, evaluateTargetHealth: true },
        { name: 'app', alias: `alb:svc${i + HOSTED_ZONES}-alb`, failover: 'SECONDARY', setIdentifier: 'secondary', evaluateTargetHealth: true },
      ],
    })),
  };
}

interface Pass {
  readMs: number;
  mapMs: number;
  auditMs: number;
  calls: number;
  instances: number;
  findings: number;
}

async function onePass(region: SimRegion): Promise<Pass> {
  const spec = { type: 'sim', region: 'us-east-1' } as EnvironmentSpec;
  const aws = new AwsClientFactory(awsTargetFor(spec, process.env, { endpoint: region.endpoint, region: 'us-east-1' }, 'bench'));
  let calls = 0;
  aws.onCall(() => {
    calls++;
  });
  try {
    const t0 = performance.now();
    const architecture = await readArchitecture(aws, { source: { kind: 'topology', name: 'bench', endpoint: region.endpoint } });
    const t1 = performance.now();
    topologyOf(architecture);
    const t2 = performance.now();
    const report = auditArchitecture(architecture, { rtoSeconds: 300, need: {} }, { twin: 'twin.yaml' });
    const t3 = performance.now();
    return { readMs: t1 - t0, mapMs: t2 - t1, auditMs: t3 - t2, calls, instances: architecture.instances.length, findings: report.findings.length };
  } finally {
    await aws.destroy();
  }
}

/** Wall time of `gameday audit --template infra/fragile-architecture.yaml --prove --format json`, and its proofs. */
function proveFragile(): Promise<{ wallMs: number; code: number | null; proofs: { rule: string; outcome: string }[] }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'gameday.js'), 'audit', '--template', join(ROOT, 'infra', 'fragile-architecture.yaml'), '--prove', '--format', 'json'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        const report = JSON.parse(out) as { proofs?: { rule: string; outcome: string }[] };
        resolve({ wallMs, code, proofs: report.proofs ?? [] });
      } catch {
        reject(new Error(`gameday audit --prove printed no JSON report (exit ${code}): ${out.slice(0, 200)}`));
      }
    });
  });
}

export async function main(): Promise<BenchOutcome> {
  heading('twin and audit');
  const started = performance.now();
  const region = await SimRegion.start({ topology: parseTopology(largeAccount(), 'bench account'), speed: 60 });
  let passes: Pass[] = [];
  try {
    await region.world.ready(120_000);
    const readyMs = performance.now() - started;
    console.log(`  region of ${GROUPS * PER_GROUP} instances, ${DATABASES} databases, ${HOSTED_ZONES} hosted zones ready in ${ms(readyMs, 0)}`);
    for (let i = 0; i < 3; i++) passes.push(await onePass(region));
  } finally {
    await region.stop();
  }
  passes = passes.filter((p) => p.instances === GROUPS * PER_GROUP);
  if (passes.length === 0) throw new Error(`the read did not see the ${GROUPS * PER_GROUP} instances the region runs`);
  const read = distribution(passes.map((p) => p.readMs));
  const audit = distribution(passes.map((p) => p.auditMs));
  const map = distribution(passes.map((p) => p.mapMs));
  const first = passes[0] as Pass;
  console.log(`  read: median ${ms(read.p50, 0)} (${first.calls} calls); topology ${ms(map.p50)}; audit ${ms(audit.p50)} (${first.findings} findings)`);
  const prove = await proveFragile();
  const confirmed = prove.proofs.filter((p) => p.outcome === 'confirmed').length;
  console.log(
    `  audit --prove of the fragile example: ${ms(prove.wallMs, 0)}, ${prove.proofs.length} experiments, ${confirmed} confirmed (exit ${prove.code})`,
  );
  const resultFile = await writeResult('audit', { passes, read, map, audit, prove });
  return {
    name: 'audit',
    resultFile,
    rows: [
      { metric: 'twin read of 200 instances, 10 DBs, 5 zones', value: ms(read.p50, 0), target: '< 5,000 ms', status: passMiss(read.p50 < 5_000) },
      { metric: 'twin topology mapping', value: ms(map.p50), target: 'reported', status: 'INFO' },
      { metric: 'audit of that account', value: ms(audit.p50), target: '< 100 ms', status: passMiss(audit.p50 < 100) },
      { metric: 'audit --prove, fragile example (wall)', value: ms(prove.wallMs, 0), target: 'reported', status: 'INFO' },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
