/**
 * Releases (issue 20), measured side by side in one run: a 12-instance Auto Scaling group behind an ALB at speed 60 is
 * rolled from version 1 (app v1) to version 2 (app v2, healthy) by an instance refresh, twice, from a fresh region
 * each time, while a client sends about 100 requests a second through the ALB (4 workers, one request each per 40 ms,
 * paced so the client does not starve the region that shares its process):
 * - terminate first: MinHealthyPercentage 90, MaxHealthyPercentage 100 (AWS's defaults): an instance is taken out
 *   before its replacement is launched, so the group runs below capacity during the rollout;
 * - launch first: MinHealthyPercentage 100, MaxHealthyPercentage 200: new instances are launched, in service and
 *   warmed up before old ones are terminated.
 * Each reports the wall time of the refresh (StartInstanceRefresh to Successful), the AWS time it stands for, and the
 * error rate the client met during it. Target: launch-first meets no more errors than terminate-first; both end with
 * every instance on version 2.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { Client } from 'undici';
import { SimRegion } from '../src/sim/server.js';
import { parseTopology } from '../src/sim/topology.js';
import { envInt, heading, isMain, ms, passMiss, runStandalone, writeResult, type BenchOutcome } from './common.js';

const SPEED = 60;
const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };

/** Twelve instances over three zones, version 1 serving v1 and version 2 serving v2. */
function topology(desired: number) {
  return parseTopology(
    {
      region: 'us-east-1',
      availabilityZones: ['a', 'b', 'c'],
      apps: [
        { name: 'v1', imageId: 'ami-0b1000000000000b1' },
        { name: 'v2', imageId: 'ami-0b2000000000000b2' },
      ],
      launchTemplates: [{ name: 'web-lt', imageId: 'ami-0b1000000000000b1', versions: [{ app: 'v2' }] }],
      loadBalancers: [{ name: 'web-alb', targetGroup: { name: 'web-tg', healthCheck: { path: '/health', interval: '10s', healthyThreshold: 2 } } }],
      autoScalingGroups: [
        {
          name: 'web-asg',
          launchTemplate: 'web-lt',
          launchTemplateVersion: '1',
          min: desired,
          max: desired * 2,
          desired,
          healthCheckType: 'ELB',
          healthCheckGracePeriod: '300s',
          targetGroups: ['web-tg'],
        },
      ],
    },
    'bench release topology',
  );
}

interface Rollout {
  wallMs: number;
  awsMinutes: number;
  requests: number;
  errors: number;
  errorRate: number;
  onVersion2: number;
  instances: number;
  status: string;
}

/** Sends GET / through the ALB from `inFlight` paced workers until `stop` resolves; counts answers that are not 200. */
async function load(url: string, inFlight: number, stop: Promise<void>): Promise<{ requests: number; errors: number }> {
  const { origin } = new URL(url);
  const client = new Client(origin, { keepAliveTimeout: 10_000, headersTimeout: 2_000, bodyTimeout: 2_000 });
  let done = false;
  void stop.then(() => (done = true));
  let requests = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (!done) {
      requests++;
      try {
        const res = await client.request({ path: '/', method: 'GET' });
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  await client.close();
  return { requests, errors };
}

async function rollout(desired: number, preferences: { MinHealthyPercentage: number; MaxHealthyPercentage: number }): Promise<Rollout> {
  const region = await SimRegion.start({ topology: topology(desired), speed: SPEED });
  const asg = new AutoScalingClient({ endpoint: region.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    await region.globe.ready(120_000);
    const url = region.outputs()['alb.web-alb.url'] ?? '';
    let finish: () => void = () => undefined;
    const stop = new Promise<void>((resolve) => (finish = resolve));
    const traffic = load(url, 4, stop);
    const started = performance.now();
    const { InstanceRefreshId } = await asg.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'web-asg',
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '2' } },
        Preferences: { ...preferences, InstanceWarmup: 60 },
      }),
    );
    let status = 'Pending';
    const deadline = started + 600_000;
    while (!['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed'].includes(status)) {
      if (performance.now() > deadline) throw new Error(`the refresh was still ${status} after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
      const out = await asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web-asg', InstanceRefreshIds: [InstanceRefreshId ?? ''] }));
      status = out.InstanceRefreshes?.[0]?.Status ?? status;
    }
    const wallMs = performance.now() - started;
    finish();
    const { requests, errors } = await traffic;
    const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0];
    const inService = (group?.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
    return {
      wallMs,
      awsMinutes: (wallMs * SPEED) / 60_000,
      requests,
      errors,
      errorRate: requests === 0 ? 0 : errors / requests,
      onVersion2: inService.filter((i) => i.LaunchTemplate?.Version === '2').length,
      instances: inService.length,
      status,
    };
  } finally {
    asg.destroy();
    await region.stop();
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export async function main(): Promise<BenchOutcome> {
  heading('release: a 12-instance instance refresh at 60x');
  const desired = envInt('BENCH_RELEASE_INSTANCES', 12);
  const first = await rollout(desired, { MinHealthyPercentage: 90, MaxHealthyPercentage: 100 });
  const before = await rollout(desired, { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
  for (const [label, r] of [
    ['terminate first (min 90%, max 100%)', first],
    ['launch first (min 100%, max 200%)', before],
  ] as const)
    console.log(
      `  ${label}: ${r.status} in ${ms(r.wallMs, 0)} wall (${r.awsMinutes.toFixed(1)} min of AWS time), ${r.errors}/${r.requests} requests failed (${pct(r.errorRate)}), ${r.onVersion2}/${r.instances} instances on version 2`,
    );
  const resultFile = await writeResult('release', { speed: SPEED, desired, terminateFirst: first, launchFirst: before });
  const allOn2 = (r: Rollout): boolean => r.status === 'Successful' && r.onVersion2 === r.instances && r.instances === desired;
  return {
    name: 'release',
    resultFile,
    rows: [
      {
        metric: 'refresh, terminate first: wall time',
        value: `${ms(first.wallMs, 0)} (${first.awsMinutes.toFixed(0)} AWS min)`,
        target: 'info',
        status: 'INFO',
      },
      {
        metric: 'refresh, launch first: wall time',
        value: `${ms(before.wallMs, 0)} (${before.awsMinutes.toFixed(0)} AWS min)`,
        target: 'info',
        status: 'INFO',
      },
      { metric: 'error rate, terminate first', value: pct(first.errorRate), target: 'info', status: 'INFO' },
      {
        metric: 'error rate, launch first',
        value: pct(before.errorRate),
        target: '<= terminate first',
        status: passMiss(before.errorRate <= first.errorRate),
      },
      {
        metric: 'every instance on version 2 after both',
        value: `${allOn2(first) && allOn2(before)}`,
        target: 'true',
        status: passMiss(allOn2(first) && allOn2(before)),
      },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
