import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { parseTopology, placeholderOutputs } from '../../src/sim/topology.js';
import { httpGet, instance, startSim, targetOf, truth, waitFor, workloadUrl, type Sim } from '../support/sim.js';

/**
 * App versions (topology `apps`): the sim's own stand-in for the software an image holds (assumed), each instance
 * serving the app of its image, checked over HTTP on the instances' own addresses and through the target group's
 * health as DescribeTargetHealth reports it.
 */
const SPEED = 100;

const APPS = [
  { name: 'good', imageId: 'ami-0a0000000000000a1' },
  { name: 'sick', imageId: 'ami-0a0000000000000a2', health: 'failing' },
  { name: 'flaky', imageId: 'ami-0a0000000000000a3', errors: { rate: 0.5, paths: ['/'], status: 503 } },
  { name: 'slow', imageId: 'ami-0a0000000000000a4', latency: '300ms' },
  { name: 'crashy', imageId: 'ami-0a0000000000000a5', crashAfter: '5m' },
];

const topology = parseTopology(
  {
    availabilityZones: ['a', 'b'],
    apps: APPS,
    launchTemplates: [{ name: 'plain-lt' }, ...APPS.map((a) => ({ name: `${a.name}-lt`, app: a.name }))],
    loadBalancers: [{ name: 'web-alb', targetGroup: { name: 'web-tg', healthCheck: { path: '/health' } } }],
    instances: [
      { name: 'plain', launchTemplate: 'plain-lt', availabilityZone: 'a' },
      { name: 'good', launchTemplate: 'good-lt', availabilityZone: 'a', targetGroups: ['web-tg'] },
      { name: 'sick', launchTemplate: 'sick-lt', availabilityZone: 'b', targetGroups: ['web-tg'] },
      { name: 'flaky', launchTemplate: 'flaky-lt', availabilityZone: 'a' },
      { name: 'slow', launchTemplate: 'slow-lt', availabilityZone: 'b' },
      { name: 'crashy', launchTemplate: 'crashy-lt', availabilityZone: 'a' },
    ],
  },
  'apps topology',
);

describe('sim: app versions', () => {
  let sim: Sim;
  let startedAt: number;
  const urlOf = async (name: string, path = '/'): Promise<string> => workloadUrl(await instance(sim.ec2, sim.outputs[`instance.${name}.id`] ?? ''), 8080, path);

  before(async () => {
    startedAt = Date.now();
    // The sick instance never turns healthy, so the region is never steady: wait on each condition instead.
    sim = await startSim({ topology, speed: SPEED, ready: false });
  });
  after(async () => {
    await sim?.close();
  });

  it('serves on / the app of its image, and the default service (no app) for an image no app names', async () => {
    const good = await waitFor('the good app answering', async () => {
      const r = await httpGet(await urlOf('good'));
      return r.status === 200 ? r : undefined;
    });
    assert.deepEqual(JSON.parse(good.body ?? ''), { service: sim.outputs['instance.good.id'], app: 'good', status: 'ok' });
    const plain = await httpGet(await urlOf('plain'));
    assert.equal(plain.body, `{"service":"${sim.outputs['instance.plain.id']}","status":"ok"}\n`);
    const described = await instance(sim.ec2, sim.outputs['instance.good.id'] ?? '');
    assert.equal(described.ImageId, 'ami-0a0000000000000a1');
  });

  it('answers 500 on /health for a failing app, and its target group marks it unhealthy while a passing one is healthy', async () => {
    assert.equal((await httpGet(await urlOf('sick', '/health'))).status, 500);
    assert.equal((await httpGet(await urlOf('sick'))).status, 200);
    const tg = sim.outputs['tg.web-tg.arn'] ?? '';
    await waitFor(
      'the sick target unhealthy',
      async () => (await targetOf(sim.elb, tg, sim.outputs['instance.sick.id'] ?? ''))?.TargetHealth?.State === 'unhealthy',
      {
        timeoutMs: 15_000,
      },
    );
    const sick = await targetOf(sim.elb, tg, sim.outputs['instance.sick.id'] ?? '');
    assert.equal(sick?.TargetHealth?.Reason, 'Target.ResponseCodeMismatch');
    await waitFor(
      'the good target healthy',
      async () => (await targetOf(sim.elb, tg, sim.outputs['instance.good.id'] ?? ''))?.TargetHealth?.State === 'healthy',
      {
        timeoutMs: 15_000,
      },
    );
  });

  it('answers its 5xx on the declared share of requests on its error paths, and never on another path', async () => {
    const url = await urlOf('flaky');
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await httpGet(url)).status);
    assert.equal(statuses.filter((s) => s === 503).length, 5, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(','));
    for (let i = 0; i < 4; i++) assert.equal((await httpGet(await urlOf('flaky', '/health'))).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await httpGet(await urlOf('flaky', '/other'))).status, 404);
  });

  it('delays every answer by its latency, in wall time at any speed', async () => {
    const url = await urlOf('slow');
    for (const path of ['/', '/health']) {
      const t0 = performance.now();
      const r = await httpGet(`${url.replace(/\/$/, '')}${path}`, 5_000);
      const elapsed = performance.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(elapsed >= 295, `${path} took ${elapsed} ms, less than the app's 300 ms`);
    }
  });

  it('crashes crashAfter (AWS time) after its process starts, refusing connections, and a reboot starts it again', async () => {
    const id = sim.outputs['instance.crashy.id'] ?? '';
    const url = await urlOf('crashy');
    await waitFor('the crashed app refusing', async () => (await httpGet(url)).error === 'ECONNREFUSED', { timeoutMs: 15_000 });
    const crash = (await truth(sim.endpoint)).find((e) => e.kind === 'workload' && e.resource === id && e.detail?.crashed === true);
    assert.ok(crash !== undefined, 'ground truth records the crash');
    assert.equal(crash.to, 'refusing');
    assert.equal(crash.detail?.app, 'crashy');
    // The process started after the region did: the crash comes at least crashAfter (5 min / 100 = 3 s) after that.
    assert.ok(crash.epochMs - startedAt >= sim.wall(5 * 60_000) - 5, `crashed ${crash.epochMs - startedAt} ms after the start`);
    await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
    await waitFor('the rebooted app answering', async () => (await httpGet(url)).status === 200, { timeoutMs: 15_000 });
    await waitFor('the restarted app crashing again', async () => (await httpGet(url)).error === 'ECONNREFUSED', { timeoutMs: 15_000 });
  });

  it('offers each app image as an output', () => {
    assert.equal(sim.outputs['app.flaky.imageId'], 'ami-0a0000000000000a3');
    assert.equal(placeholderOutputs(topology)['app.flaky.imageId'], 'ami-0a0000000000000a3');
  });
});

describe('topology: apps', () => {
  const base = { apps: [{ name: 'v1', imageId: 'ami-0b0000000000000b1' }], launchTemplates: [{ name: 'web-lt', app: 'v1', versions: [{ app: 'v1' }] }] };

  it('turns a launch template or version app into its image', () => {
    const t = parseTopology(base);
    assert.equal(t.launchTemplates[0]?.imageId, 'ami-0b0000000000000b1');
    assert.equal(t.launchTemplates[0]?.versions[0]?.imageId, 'ami-0b0000000000000b1');
    assert.equal(t.apps[0]?.health, 'passing');
  });

  it('refuses, in one sentence naming the path, an unknown app, a duplicate name or image, and an app contradicting an image', () => {
    assert.throws(() => parseTopology({ ...base, launchTemplates: [{ name: 'web-lt', versions: [{ app: 'v9' }] }] }), {
      message: "topology: launchTemplates.0.versions.0.app: app 'v9' is not declared in apps.",
    });
    assert.throws(() => parseTopology({ ...base, launchTemplates: [{ name: 'web-lt', app: 'v9' }] }), {
      message: "topology: launchTemplates.0.app: app 'v9' is not declared in apps.",
    });
    assert.throws(() => parseTopology({ ...base, apps: [...base.apps, { name: 'v1', imageId: 'ami-0b0000000000000b2' }] }), {
      message: "topology: apps.1.name: app 'v1' is declared twice.",
    });
    assert.throws(() => parseTopology({ ...base, apps: [...base.apps, { name: 'v2', imageId: 'ami-0b0000000000000b1' }] }), {
      message: "topology: apps.1.imageId: apps 'v1' and 'v2' both have image 'ami-0b0000000000000b1'; an image runs one app.",
    });
    assert.throws(() => parseTopology({ ...base, launchTemplates: [{ name: 'web-lt', versions: [{ app: 'v1', imageId: 'ami-0c0000000000000c1' }] }] }), {
      message:
        "topology: launchTemplates.0.versions.0.app: app 'v1' runs image 'ami-0b0000000000000b1' but the version names image 'ami-0c0000000000000c1'; give one of them.",
    });
    assert.throws(() => parseTopology({ ...base, apps: [{ name: 'v1', imageId: 'ami-0b0000000000000b1', errors: { rate: 2 } }] }), /apps\.0\.errors\.rate/);
    assert.throws(
      () => parseTopology({ ...base, apps: [{ name: 'v1', imageId: 'ami-0b0000000000000b1', errors: { rate: 0.1, status: 404 } }] }),
      /apps\.0\.errors\.status/,
    );
  });
});
