import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { CreateHealthCheckCommand, GetHealthCheckCommand, GetHealthCheckStatusCommand, type HealthCheckRegion, Route53Client } from '@aws-sdk/client-route-53';
import { GroundTruth } from '../../src/sim/ground-truth.js';
import { SimRegion } from '../../src/sim/server.js';
import { SimScheduler } from '../../src/sim/timing.js';
import { parseTopology } from '../../src/sim/topology.js';
import { DEFAULT_CHECKER_REGIONS, SimHealthCheck, type Route53HealthCheckConfig } from '../../src/sim/world/health-check.js';
import { waitFor } from '../support/sim.js';

/*
 * Route 53 health checkers, from "How Amazon Route 53 determines whether a health check is healthy"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html) and
 * HealthCheckConfig (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html).
 */

const credentials = { accessKeyId: 'A', secretAccessKey: 'b' };

/** An endpoint whose answer the test sets: a status code, after a delay in wall milliseconds. */
async function endpoint(): Promise<{ server: Server; port: number; answer: { status: number; delayMs: number } }> {
  const answer = { status: 200, delayMs: 0 };
  const server = createServer((_req, res) => {
    setTimeout(() => res.writeHead(answer.status).end(), answer.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port, answer };
}

function config(port: number, over: Partial<Route53HealthCheckConfig> = {}): Route53HealthCheckConfig {
  return {
    type: 'HTTP',
    ipAddress: '127.0.0.1',
    port,
    resourcePath: '/',
    fullyQualifiedDomainName: undefined,
    requestInterval: 30,
    failureThreshold: 3,
    inverted: false,
    disabled: false,
    enableSNI: false,
    measureLatency: false,
    regions: [...DEFAULT_CHECKER_REGIONS],
    ...over,
  };
}

function check(scheduler: SimScheduler, truth: GroundTruth, cfg: Route53HealthCheckConfig, seed: number): SimHealthCheck {
  return new SimHealthCheck({ callerReference: `hc-${seed}`, config: cfg, scheduler, truth, onChange: () => undefined, resolve: () => undefined, seed });
}

/** The largest gap between consecutive offsets around the interval: a snapshot of latest reports spans at least interval minus it. */
function largestGap(offsets: number[], interval: number): number {
  const sorted = [...offsets].sort((a, b) => a - b);
  return Math.max(...sorted.map((o, i) => (i === sorted.length - 1 ? (sorted[0] ?? 0) + interval - o : (sorted[i + 1] ?? 0) - o)));
}

describe('Route 53 health checkers of the simulated region', () => {
  it('checks from the eight regions of HealthCheckRegion when none are named, each at its own offset in the interval, the same for the same seed', () => {
    assert.deepEqual(DEFAULT_CHECKER_REGIONS, [
      'us-east-1',
      'us-west-1',
      'us-west-2',
      'eu-west-1',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-northeast-1',
      'sa-east-1',
    ]);
    const scheduler = new SimScheduler(1);
    const truth = new GroundTruth();
    const cfg = config(9, { disabled: true });
    try {
      const a = check(scheduler, truth, cfg, 42).schedule();
      assert.deepEqual(
        a.map((c) => c.region),
        DEFAULT_CHECKER_REGIONS,
      );
      assert.deepEqual(check(scheduler, truth, cfg, 42).schedule(), a, 'the same seed gives the same offsets');
      assert.notDeepEqual(check(scheduler, truth, cfg, 43).schedule(), a);
      assert.ok(a.every((c) => c.offset >= 0 && c.offset < 30_000));
      assert.equal(new Set(a.map((c) => c.offset)).size, 8, 'the checkers are not synchronized');
      assert.throws(() => check(scheduler, truth, cfg, 1.5), /A health check's seed must be an integer, got 1\.5\./);
    } finally {
      scheduler.stop();
    }
  });

  it('with eight staggered checkers, flips unhealthy only after FailureThreshold intervals, and the checkers report at different times', async () => {
    const SPEED = 100;
    const INTERVAL = 30_000;
    const { server, port, answer } = await endpoint();
    const scheduler = new SimScheduler(SPEED);
    const truth = new GroundTruth();
    const hc = check(scheduler, truth, config(port), 42);
    try {
      const gap = largestGap(
        hc.schedule().map((c) => c.offset),
        INTERVAL,
      );
      assert.ok(INTERVAL - gap >= 10_000, 'seed 42 spreads the checkers over at least a third of the interval');
      await waitFor('eight Success reports', () => {
        const obs = hc.observations();
        return obs.length === 8 && obs.every((o) => o.status.startsWith('Success')) ? obs : undefined;
      });
      // "Route 53 health checkers in different data centers don't coordinate with one another": at any moment the
      // latest reports span the interval minus its largest gap between checkers. Synchronized checkers would span
      // about nothing. The widest span over three intervals is taken, so that one event-loop stall cannot hide it.
      let spread = 0;
      const until = Date.now() + (3 * INTERVAL) / SPEED;
      await waitFor(
        'three intervals of reports',
        () => {
          const times = hc.observations().map((o) => o.checkedTime.getTime());
          spread = Math.max(spread, (Math.max(...times) - Math.min(...times)) * SPEED);
          return Date.now() >= until || undefined;
        },
        { intervalMs: 5 },
      );
      assert.ok(spread >= INTERVAL - gap - 5_000, `reports spread over ${spread} ms of AWS time, expected about ${INTERVAL - gap}`);

      answer.status = 500;
      const failedFrom = performance.timeOrigin + performance.now();
      const down = await waitFor('the check unhealthy', () => truth.events.find((e) => e.kind === 'health-check' && e.to === 'unhealthy'), {
        timeoutMs: 10_000,
      });
      // Each checker needs FailureThreshold (3) consecutive failures, one per interval; the check turns unhealthy when
      // no more than 18 % (one of eight) still report healthy.
      const aws = (down.epochMs - failedFrom) * SPEED;
      assert.ok(aws >= 2 * INTERVAL - 2_000, `unhealthy after ${Math.round(aws)} ms of AWS time, before three failed rounds`);
      assert.ok(aws <= 3 * INTERVAL + 10_000, `unhealthy after ${Math.round(aws)} ms of AWS time`);
      assert.match(String(down.detail?.reason), /^(us|eu|ap|sa)-[a-z]+-\d: Failure: HTTP Status Code 500, Internal Server Error$/);
      const failing = hc.observations().filter((o) => o.status.startsWith('Failure')).length;
      assert.ok(failing >= 7, `${failing} checkers saw the failure when the check flipped`);
    } finally {
      hc.stop();
      scheduler.stop();
      server.close();
    }
  });

  it('gives up on an HTTP answer after 2 s of AWS time (scaled by the speed), counting a slow endpoint as timed out', async () => {
    // Speed 2: the 2 s answer limit is 1 s of wall time, above the wall-clock floor of a probe timeout.
    const SPEED = 2;
    const { server, port, answer } = await endpoint();
    const scheduler = new SimScheduler(SPEED);
    const truth = new GroundTruth();
    // 1.5 wall s at speed 2 is 3 s of AWS time: more than the 2 s Route 53 waits for the status code.
    answer.delayMs = 1_500;
    const hc = check(scheduler, truth, config(port, { requestInterval: 10, regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] }), 7);
    try {
      const slow = await waitFor('a timed-out report', () => hc.observations().find((o) => o.status.startsWith('Failure: Connection timed out')), {
        timeoutMs: 10_000,
      });
      assert.equal(
        slow.status,
        'Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.',
      );
      // 100 wall ms is 0.2 s of AWS time: inside the 2 s.
      answer.delayMs = 100;
      await waitFor('three Success reports', () => (hc.observations().every((o) => o.status.startsWith('Success')) ? true : undefined), {
        timeoutMs: 10_000,
      });
    } finally {
      hc.stop();
      scheduler.stop();
      server.closeAllConnections();
      server.close();
    }
  });

  it('reports from exactly the three HealthCheckRegions a check names (the minimum), through GetHealthCheckStatus and a declared topology check', async () => {
    const { server, port } = await endpoint();
    const three: HealthCheckRegion[] = ['us-west-2', 'ap-northeast-1', 'sa-east-1'];
    const region = await SimRegion.start({
      topology: parseTopology({
        launchTemplates: [{ name: 'lt' }],
        healthChecks: [{ name: 'declared', target: `127.0.0.1:${port}`, requestInterval: 10, regions: three }],
      }),
      speed: 100,
    });
    const r53 = new Route53Client({ region: 'us-east-1', endpoint: region.endpoint, credentials, maxAttempts: 1 });
    try {
      const created = await r53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'three',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, RequestInterval: 10, Regions: three },
        }),
      );
      const ids = [created.HealthCheck?.Id ?? '', region.outputs()['route53.healthcheck.declared.id'] ?? ''];
      for (const id of ids) {
        const observations = await waitFor('three reports', async () => {
          const obs = (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? [];
          return obs.length === 3 && obs.every((o) => o.StatusReport?.Status?.startsWith('Success')) ? obs : undefined;
        });
        assert.deepEqual(observations.map((o) => o.Region).sort(), [...three].sort());
        assert.equal(new Set(observations.map((o) => o.IPAddress)).size, 3, 'each region reports from its own checker IP');
        // Several more rounds later, still only those three.
        await new Promise((r) => region.world.scheduler.after(30_000, () => r(undefined)));
        assert.equal((await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations?.length, 3);
      }
      assert.deepEqual((await r53.send(new GetHealthCheckCommand({ HealthCheckId: ids[0] }))).HealthCheck?.HealthCheckConfig?.Regions, three);
      await assert.rejects(
        r53.send(
          new CreateHealthCheckCommand({
            CallerReference: 'two',
            HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, Regions: ['us-east-1', 'eu-west-1'] },
          }),
        ),
        /A health check needs at least three Regions\./,
      );
      assert.throws(
        () => parseTopology({ launchTemplates: [{ name: 'lt' }], healthChecks: [{ name: 'x', target: '127.0.0.1:80', regions: ['us-east-1'] }] }),
        /healthChecks\.0\.regions: a health check needs at least three checker regions\./,
      );
    } finally {
      r53.destroy();
      await region.stop();
      server.close();
    }
  });
});
