import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  GetHostedZoneCommand,
  ListHealthChecksCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import { waitFor } from '../support/sim.js';

const SPEED = 100;
const credentials = { accessKeyId: 'A', secretAccessKey: 'b' };

interface Env {
  region: SimRegion;
  r53: Route53Client;
  asg: AutoScalingClient;
  stop: () => Promise<void>;
}

/** One ALB in front of an ASG of one; a region of its own per test. */
async function start(extra: Record<string, unknown> = {}): Promise<Env> {
  const region = await SimRegion.start({
    topology: parseTopology({
      launchTemplates: [{ name: 'lt' }],
      loadBalancers: [{ name: 'web', targetGroup: { name: 'web-tg', healthCheck: { path: '/health', interval: '10s', healthyThreshold: 2 } } }],
      autoScalingGroups: [
        { name: 'web-asg', launchTemplate: 'lt', min: 0, max: 2, desired: 1, healthCheckType: 'ELB', healthCheckGracePeriod: '600s', targetGroups: ['web-tg'] },
      ],
      ...extra,
    }),
    speed: SPEED,
  });
  const r53 = new Route53Client({ region: 'us-east-1', endpoint: region.endpoint, credentials, maxAttempts: 1 });
  const asg = new AutoScalingClient({ region: 'us-east-1', endpoint: region.endpoint, credentials, maxAttempts: 1 });
  await waitFor('a ready region', () => region.world.isReady() || undefined, { timeoutMs: 20_000 });
  return {
    region,
    r53,
    asg,
    stop: async () => {
      r53.destroy();
      asg.destroy();
      await region.stop();
    },
  };
}

async function events(region: SimRegion): Promise<TruthEvent[]> {
  return ((await (await fetch(`${region.endpoint}/_sim/events`)).json()) as { events: TruthEvent[] }).events;
}

function portOf(url: string | undefined): number {
  return Number(new URL(url ?? 'http://x:1').port);
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const errorIs = (name: string, status: number) => (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
  assert.equal(e.name, name);
  assert.equal(e.$metadata?.httpStatusCode, status);
  return true;
};

describe('simulated Route 53 through the SDK (restXml)', () => {
  it('creates, gets and lists hosted zones and changes record sets all or nothing', async () => {
    const env = await start();
    try {
      const { r53 } = env;
      const created = await r53.send(
        new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'ref-1', HostedZoneConfig: { Comment: 'test zone' } }),
      );
      assert.equal(created.$metadata.httpStatusCode, 201);
      assert.match(created.HostedZone?.Id ?? '', /^\/hostedzone\/Z[A-Z0-9]{13,}$/);
      assert.match(created.Location ?? '', /\/2013-04-01\/hostedzone\/Z[A-Z0-9]+$/);
      assert.equal(created.HostedZone?.Name, 'example.com.');
      assert.equal(created.ChangeInfo?.Status, 'INSYNC');
      assert.equal(created.DelegationSet?.NameServers?.length, 4);
      const id = created.HostedZone?.Id ?? '';
      await assert.rejects(r53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'ref-1' })), errorIs('HostedZoneAlreadyExists', 409));

      const got = await r53.send(new GetHostedZoneCommand({ Id: id }));
      assert.equal(got.HostedZone?.Config?.Comment, 'test zone');
      assert.equal(got.HostedZone?.ResourceRecordSetCount, 2);
      const listed = await r53.send(new ListHostedZonesCommand({}));
      assert.deepEqual(
        listed.HostedZones?.map((z) => z.Name),
        ['example.com.'],
      );

      const change = await r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: id,
          ChangeBatch: {
            Comment: 'first',
            Changes: [
              {
                Action: 'CREATE',
                ResourceRecordSet: { Name: 'www.example.com', Type: 'A', TTL: 30, ResourceRecords: [{ Value: '192.0.2.1' }, { Value: '192.0.2.2' }] },
              },
              { Action: 'CREATE', ResourceRecordSet: { Name: 'alias.example.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'www.example.com' }] } },
            ],
          },
        }),
      );
      assert.equal(change.ChangeInfo?.Status, 'INSYNC');
      assert.match(change.ChangeInfo?.Id ?? '', /^\/change\/C[A-Z0-9]+$/);
      const changed = await r53.send(new GetChangeCommand({ Id: change.ChangeInfo?.Id ?? '' }));
      assert.equal(changed.ChangeInfo?.Status, 'INSYNC');

      let sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
      assert.deepEqual(
        sets.map((s) => `${s.Name} ${s.Type}`),
        ['example.com. NS', 'example.com. SOA', 'alias.example.com. CNAME', 'www.example.com. A'],
      );
      assert.deepEqual(
        sets.find((s) => s.Type === 'A')?.ResourceRecords?.map((r) => r.Value),
        ['192.0.2.1', '192.0.2.2'],
      );
      assert.equal(sets.find((s) => s.Type === 'A')?.TTL, 30);

      // A batch with one bad change changes nothing.
      await assert.rejects(
        r53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: id,
            ChangeBatch: {
              Changes: [
                { Action: 'UPSERT', ResourceRecordSet: { Name: 'www.example.com', Type: 'A', TTL: 30, ResourceRecords: [{ Value: '192.0.2.9' }] } },
                { Action: 'CREATE', ResourceRecordSet: { Name: 'alias.example.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'x.example.com' }] } },
              ],
            },
          }),
        ),
        errorIs('InvalidChangeBatch', 400),
      );
      sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
      assert.deepEqual(
        sets.find((s) => s.Type === 'A')?.ResourceRecords?.map((r) => r.Value),
        ['192.0.2.1', '192.0.2.2'],
      );

      await r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: id,
          ChangeBatch: {
            Changes: [
              { Action: 'UPSERT', ResourceRecordSet: { Name: 'www.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.9' }] } },
              { Action: 'DELETE', ResourceRecordSet: { Name: 'alias.example.com', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'www.example.com' }] } },
            ],
          },
        }),
      );
      sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
      assert.deepEqual(sets.map((s) => `${s.Name} ${s.Type} ${s.ResourceRecords?.map((r) => r.Value).join('+') ?? ''}`).slice(2), [
        'www.example.com. A 192.0.2.9',
      ]);

      await assert.rejects(r53.send(new GetHostedZoneCommand({ Id: 'Z0000000000000NOPE' })), errorIs('NoSuchHostedZone', 404));
      await assert.rejects(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: '/hostedzone/Z0000000000000NOPE' })), errorIs('NoSuchHostedZone', 404));
      await assert.rejects(
        r53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: id,
            ChangeBatch: {
              Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'www.other.org', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } }],
            },
          }),
        ),
        errorIs('InvalidChangeBatch', 400),
      );
      const log = env.region.requests.filter((r) => r.service === 'route53').map((r) => r.action);
      assert.ok(log.includes('CreateHostedZone') && log.includes('ChangeResourceRecordSets') && log.includes('ListResourceRecordSets'), log.join());
    } finally {
      await env.stop();
    }
  });

  it('creates, gets, lists, updates (bumping HealthCheckVersion, 409 on a stale one) and deletes health checks', async () => {
    const env = await start();
    try {
      const { r53 } = env;
      const port = portOf(env.region.outputs()['alb.web.url']);
      const created = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'hc-1',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 2 },
        }),
      );
      assert.equal(created.$metadata.httpStatusCode, 201);
      const id = created.HealthCheck?.Id ?? '';
      assert.match(created.Location ?? '', new RegExp(`/2013-04-01/healthcheck/${id}$`));
      assert.equal(created.HealthCheck?.HealthCheckVersion, 1);
      assert.deepEqual(
        { ...created.HealthCheck?.HealthCheckConfig, Regions: undefined },
        {
          Type: 'HTTP',
          IPAddress: '127.0.0.1',
          Port: port,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 2,
          MeasureLatency: false,
          Inverted: false,
          Disabled: false,
          EnableSNI: false,
          Regions: undefined,
        },
      );
      const again = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'hc-1',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 2 },
        }),
      );
      assert.equal(again.HealthCheck?.Id, id, 'a retry with the same caller reference returns the same check');
      const defaults = await r53.send(
        new CreateHealthCheckCommand({ CallerReference: 'hc-2', HealthCheckConfig: { Type: 'TCP', IPAddress: '127.0.0.1', Port: port } }),
      );
      assert.equal(defaults.HealthCheck?.HealthCheckConfig?.RequestInterval, 30);
      assert.equal(defaults.HealthCheck?.HealthCheckConfig?.FailureThreshold, 3);

      const listed = await r53.send(new ListHealthChecksCommand({}));
      assert.deepEqual(new Set(listed.HealthChecks?.map((h) => h.Id)), new Set([id, defaults.HealthCheck?.Id]));
      assert.equal((await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.CallerReference, 'hc-1');

      const updated = await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, FailureThreshold: 3, ResourcePath: '/' }));
      assert.equal(updated.HealthCheck?.HealthCheckVersion, 2);
      assert.equal(updated.HealthCheck?.HealthCheckConfig?.FailureThreshold, 3);
      assert.equal(updated.HealthCheck?.HealthCheckConfig?.ResourcePath, '/');
      assert.equal(updated.HealthCheck?.HealthCheckConfig?.RequestInterval, 10);
      await assert.rejects(
        r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, Inverted: true })),
        errorIs('HealthCheckVersionMismatch', 409),
      );
      const after = await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
      assert.equal(after.HealthCheck?.HealthCheckConfig?.Inverted, false, 'the refused update changed nothing');
      assert.equal(after.HealthCheck?.HealthCheckVersion, 2);
      assert.equal(
        (await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 2, Disabled: true }))).HealthCheck?.HealthCheckVersion,
        3,
      );

      await assert.rejects(
        r53.send(new CreateHealthCheckCommand({ CallerReference: 'bad', HealthCheckConfig: { Type: 'HTTP', IPAddress: 'not-an-ip', Port: 80 } })),
        errorIs('InvalidInput', 400),
      );
      await assert.rejects(
        r53.send(
          new CreateHealthCheckCommand({ CallerReference: 'bad2', HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: 80, RequestInterval: 20 } }),
        ),
        errorIs('InvalidInput', 400),
      );
      await r53.send(new DeleteHealthCheckCommand({ HealthCheckId: id }));
      await assert.rejects(r53.send(new GetHealthCheckCommand({ HealthCheckId: id })), errorIs('NoSuchHealthCheck', 404));
      await assert.rejects(
        r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'f0000000-0000-0000-0000-000000000000' })),
        errorIs('NoSuchHealthCheck', 404),
      );
      await assert.rejects(r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1 })), errorIs('NoSuchHealthCheck', 404));
    } finally {
      await env.stop();
    }
  });

  it('reports real probing in GetHealthCheckStatus: Success from every checker, Failure after the threshold on a closed port, healthy again after as many successes', async () => {
    const env = await start();
    try {
      const { r53, region } = env;
      const port = portOf(region.outputs()['alb.web.url']);
      const created = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'probe',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
        }),
      );
      const id = created.HealthCheck?.Id ?? '';
      const status = async (): Promise<string[]> =>
        ((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? '');
      // No Regions: Route 53's eight checker regions each report (HealthCheckConfig Regions, API_HealthCheckConfig.html).
      const ok = await waitFor(
        'eight Success observations',
        async () => {
          const s = await status();
          return s.length === 8 && s.every((x) => x === 'Success: HTTP Status Code 200, OK') ? s : undefined;
        },
        { timeoutMs: 20_000 },
      );
      assert.equal(ok.length, 8);
      const first = (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations?.[0];
      assert.ok(first?.Region !== undefined && first.IPAddress !== undefined && first.StatusReport?.CheckedTime instanceof Date);

      const closed = await closedPort();
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, Port: closed }));
      const changedAt = Date.now();
      await waitFor('Failure observations', async () => ((await status()).every((s) => s.startsWith('Failure: Connection refused')) ? true : undefined), {
        timeoutMs: 20_000,
      });
      const down = await waitFor(
        'the check unhealthy in ground truth',
        async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.to === 'unhealthy'),
        { timeoutMs: 20_000 },
      );
      // Three failed rounds of 10 s (at speed 100: 100 ms each) before the flip; the first comes at most one interval after the change.
      assert.ok(down.epochMs - changedAt >= 2 * (10_000 / SPEED) - 30, `flipped after ${down.epochMs - changedAt} ms`);

      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 2, Port: port }));
      const up = await waitFor(
        'healthy again',
        async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.to === 'healthy' && e.from === 'unhealthy'),
        { timeoutMs: 20_000 },
      );
      assert.ok(up.seq > down.seq);
    } finally {
      await env.stop();
    }
  });

  it('fails the check when the ALB loses its targets (503) and recovers when the group brings one back', async () => {
    const env = await start({ healthChecks: [{ name: 'web-hc', target: 'alb:web', resourcePath: '/health', requestInterval: 10, failureThreshold: 2 }] });
    try {
      const { r53, region, asg } = env;
      const id = region.outputs()['route53.healthcheck.web-hc.id'] ?? '';
      assert.match(id, /^[0-9a-f-]{36}$/);
      await waitFor(
        'a Success observation',
        async () =>
          ((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? []).some((o) =>
            o.StatusReport?.Status?.startsWith('Success'),
          ) || undefined,
        { timeoutMs: 20_000 },
      );
      await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 0 }));
      await waitFor(
        '503 observations',
        async () => {
          const obs = (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? [];
          return obs.length > 0 && obs.every((o) => o.StatusReport?.Status === 'Failure: HTTP Status Code 503, Service Unavailable') ? true : undefined;
        },
        { timeoutMs: 20_000 },
      );
      await waitFor('unhealthy', async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.to === 'unhealthy'), {
        timeoutMs: 20_000,
      });
      await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 1 }));
      await waitFor(
        'healthy again',
        async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.from === 'unhealthy' && e.to === 'healthy'),
        { timeoutMs: 20_000 },
      );
    } finally {
      await env.stop();
    }
  });

  it('turns a healthy endpoint unhealthy at the next evaluation when Inverted, and keeps a Disabled check healthy without probing', async () => {
    const env = await start();
    try {
      const { r53, region } = env;
      const port = portOf(region.outputs()['alb.web.url']);
      const created = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'inv',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
        }),
      );
      const id = created.HealthCheck?.Id ?? '';
      await waitFor(
        'a first observation',
        async () => ((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations?.length ?? 0) > 0 || undefined,
        { timeoutMs: 20_000 },
      );
      const invertedAt = Date.now();
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 1, Inverted: true }));
      const down = await waitFor(
        'unhealthy',
        async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.to === 'unhealthy'),
        { timeoutMs: 20_000 },
      );
      assert.ok(down.epochMs - invertedAt < 2 * (10_000 / SPEED) + 200, 'at the next evaluation, not after a failure threshold');
      const obs = (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? [];
      assert.ok(
        obs.every((o) => o.StatusReport?.Status?.startsWith('Success')),
        `checkers still see the endpoint answer: ${JSON.stringify(obs.map((o) => o.StatusReport?.Status))}`,
      );

      // Disabled: healthy at once, whatever the endpoint and Inverted say, and no more probing.
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, HealthCheckVersion: 2, Disabled: true, Port: await closedPort() }));
      const up = await waitFor(
        'healthy while disabled',
        async () => (await events(region)).find((e) => e.kind === 'health-check' && e.resource === id && e.to === 'healthy' && e.seq > down.seq),
        { timeoutMs: 20_000 },
      );
      assert.equal(up.detail?.disabled, true);
      const before = ((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? []).map((o) =>
        o.StatusReport?.CheckedTime?.getTime(),
      );
      // Time passes in the region's terms: an enabled check beside it completes five rounds of probing (five new
      // CheckedTimes of one checker region), while the disabled one must complete none.
      const control = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'inv-control',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
        }),
      );
      const rounds = new Set<number>();
      await waitFor(
        'five rounds of an enabled check',
        async () => {
          const observations =
            (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: control.HealthCheck?.Id ?? '' }))).HealthCheckObservations ?? [];
          const checkedAt = observations.find((o) => o.Region === 'us-east-1')?.StatusReport?.CheckedTime?.getTime();
          if (checkedAt !== undefined) rounds.add(checkedAt);
          return rounds.size >= 5 || undefined;
        },
        { timeoutMs: 20_000 },
      );
      const later = ((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? []).map((o) =>
        o.StatusReport?.CheckedTime?.getTime(),
      );
      assert.deepEqual(later, before, 'no checker probed while disabled');
      assert.equal((await events(region)).filter((e) => e.kind === 'health-check' && e.resource === id && e.seq > up.seq).length, 0);
    } finally {
      await env.stop();
    }
  });
});
