import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Impairments, matchesSource, validSource, type ImpairmentEnd } from '../../src/sim/world/impairments.js';
import { SimScheduler } from '../../src/sim/timing.js';
import { waitFor } from '../support/sim.js';

/**
 * The per-instance impairments behind AWS FIS's SSM documents
 * (https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html), asked directly: what an outbound
 * connection (the app's database client) and an inbound request meet. Retransmission timeouts: RFC 6298 §2.4, §5.5.
 */

/** A random source that replays `values`, then 0.99 (no loss at any percent below 99). */
function replay(...values: number[]): () => number {
  return () => values.shift() ?? 0.99;
}

function withImpairments(random: () => number, run: (i: Impairments, scheduler: SimScheduler) => void | Promise<void>): Promise<void> {
  const scheduler = new SimScheduler(1_000);
  return Promise.resolve(run(new Impairments(scheduler, random), scheduler)).finally(() => scheduler.stop());
}

describe('instance impairments', () => {
  it('delays outbound connections to the sources only, and drops those to a blackholed egress port', () =>
    withImpairments(replay(0.5), (i) => {
      assert.equal(i.outbound('127.0.3.9', 5432), undefined, 'nothing touches traffic before an effect starts');
      i.add({ kind: 'network-latency', delayMs: 100, jitterMs: 20, sources: ['127.0.3.0/24'] }, 60_000, () => {});
      // Jitter is uniform in delay ± jitter: 0.5 is its middle.
      assert.deepEqual(i.outbound('127.0.3.9', 5432), { delayMs: 100, drop: false });
      assert.equal(i.outbound('127.0.4.9', 5432), undefined);
      i.add({ kind: 'blackhole-port', port: 5432, protocol: 'tcp', traffic: 'egress' }, 60_000, () => {});
      assert.equal(i.outbound('127.0.4.9', 5432)?.drop, true);
      assert.equal(i.outbound('127.0.4.9', 6379), undefined);
    }));

  it('costs a lost exchange 1 s, then 2 s more, and never completes one lost seven times', () =>
    withImpairments(replay(0.1, 0.1, 0.9), (i) => {
      i.add({ kind: 'packet-loss', percent: 50 }, 60_000, () => {});
      assert.deepEqual(i.outbound('10.0.0.1', 5432), { delayMs: 3_000, drop: false });
      i.clear();
      i.add({ kind: 'packet-loss', percent: 100 }, 60_000, () => {});
      assert.deepEqual(i.outbound('10.0.0.1', 5432), { delayMs: 0, drop: true });
      assert.equal(i.inbound('127.0.0.1', 8080)?.fail, 'hang');
    }));

  it('ends each effect after its AWS duration, at once when cancelled, and all on a reboot, saying why', () =>
    withImpairments(Math.random, async (i) => {
      const ends: ImpairmentEnd[] = [];
      const cancel = i.add({ kind: 'cpu-stress', loadPercent: 50 }, 60_000, (why) => ends.push(why));
      i.add({ kind: 'memory-stress', percent: 95 }, 20_000, (why) => ends.push(why));
      i.add({ kind: 'network-latency', delayMs: 5, jitterMs: 0 }, 60_000, (why) => ends.push(why));
      assert.deepEqual(i.inbound('127.0.0.1', 8080), { delayMs: 15, fail: 503 });
      cancel();
      assert.deepEqual(ends, ['cancelled']);
      // 20 s of AWS time at 1000× is 20 ms; the latency's minute is still to run.
      await waitFor('the memory stress to expire', () => ends.length === 2 || undefined);
      assert.deepEqual(ends, ['cancelled', 'expired']);
      i.clear();
      assert.deepEqual(ends, ['cancelled', 'expired', 'instance']);
      assert.equal(i.active.length, 0);
    }));

  it('reads Sources as AWS lists them: IPv4 addresses, CIDR blocks, domain names, AZ names and ids, ALL, DYNAMODB and S3', () => {
    assert.ok(matchesSource('10.1.0.0/16', '10.1.200.3'));
    assert.ok(!matchesSource('10.1.0.0/16', '10.2.0.3'));
    assert.ok(matchesSource('db.example.com', 'DB.example.com'));
    assert.ok(matchesSource('ALL', '10.9.9.9'));
    assert.ok(!matchesSource('S3', '10.9.9.9'));
    const zoneOf = (address: string) => (address.startsWith('127.0.1.') ? 'us-east-1a' : 'us-east-1b');
    assert.ok(matchesSource('us-east-1a', '127.0.1.10', zoneOf));
    assert.ok(!matchesSource('us-east-1a', '127.0.17.10', zoneOf));
    for (const s of ['10.0.0.1', '10.0.0.0/8', 'orders.cluster-x.us-east-1.rds.amazonaws.com', 'DYNAMODB', 'S3', 'ALL', 'us-east-1a', 'use1-az1'])
      assert.ok(validSource(s), s);
    for (const s of ['10.0.0.0/33', '300.1.1.1', 'not a host', '10.0.0.1/8/2', 'all']) assert.ok(!validSource(s), s);
  });

  it('with FlowsPercent, keeps one connection’s fate for all its requests, and takes no flow at 0 %', () =>
    withImpairments(Math.random, (i) => {
      i.add({ kind: 'network-latency', delayMs: 50, jitterMs: 0, sources: ['ALL'], flowsPercent: 50 }, 60_000, () => {});
      const fates = Array.from({ length: 40 }, (_, port) => i.inbound('127.0.0.1', 8080, 40_000 + port)?.delayMs);
      assert.ok(fates.includes(50) && fates.includes(0), 'some connections delayed, some not');
      for (let port = 40_000; port < 40_040; port++) assert.equal(i.inbound('127.0.0.1', 8080, port)?.delayMs, fates[port - 40_000]);
      i.clear();
      i.add({ kind: 'packet-loss', percent: 100, sources: ['ALL'], flowsPercent: 0 }, 60_000, () => {});
      assert.equal(i.outbound('10.0.0.1', 5432), undefined);
      assert.deepEqual(i.inbound('127.0.0.1', 8080, 40_000), { delayMs: 0, fail: undefined });
    }));
});
