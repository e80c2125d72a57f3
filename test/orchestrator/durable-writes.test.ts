import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { durabilityFigures, durableWrite } from '../../src/orchestrator/durable-writes.js';
import { connectRedis, type RedisClient } from '../../src/orchestrator/redis-connection.js';
import { redisCommand, SKIP_WITHOUT_REDIS, startRedis, startSentinelGroup, type SentinelGroup, type TestRedis } from '../support/redis.js';

describe('durable writes', { skip: SKIP_WITHOUT_REDIS }, () => {
  describe('on one server', () => {
    let redis: TestRedis;
    before(async () => {
      redis = await startRedis();
    });
    after(() => redis?.stop());

    it('are the write alone: no WAIT, no other connection', async () => {
      const client = await connectRedis(redis.url);
      try {
        const clients = async (): Promise<number> => (String(await redisCommand(redis.port, 'CLIENT', 'LIST')).match(/^id=/gm) ?? []).length;
        const before = await clients();
        for (let i = 0; i < 5; i++) assert.equal(await durableWrite(client, (c) => c.set(`k${i}`, String(i))), 'OK');
        assert.equal(await client.get('k4'), '4');
        assert.doesNotMatch(String(await redisCommand(redis.port, 'INFO', 'commandstats')), /cmdstat_wait:/);
        assert.equal(await clients(), before);
        assert.deepEqual(durabilityFigures(client), { confirmed: 0, redone: 0, unconfirmed: 0 });
      } finally {
        client.disconnect();
      }
    });
  });

  describe('through Sentinels', () => {
    let group: SentinelGroup;
    before(async () => {
      group = await startSentinelGroup();
    });
    after(() => group?.stop());

    it('keeps every acknowledged write across a forced failover', async (t) => {
      const client: RedisClient = await connectRedis(group.url);
      const prefix = group.prefix();
      const acknowledged: number[] = [];
      let slowest = 0;
      // Set once the failover is over: the writing goes on for 50 more writes.
      let until = Number.POSITIVE_INFINITY;
      try {
        // Writes one after another, as a worker records its runs' ends, before, during and after the failover.
        const writing = (async () => {
          for (let i = 0; i < until; i++) {
            const start = performance.now();
            await durableWrite(client, (c) => c.set(`${prefix}:k:${i}`, String(i)));
            slowest = Math.max(slowest, performance.now() - start);
            acknowledged.push(i);
          }
        })();
        while (acknowledged.length < 50) await new Promise((resolve) => setImmediate(resolve));
        const oldPrimary = await group.primaryPort();
        const newPrimary = await group.failover();
        until = acknowledged.length + 50;
        await writing;
        assert.notEqual(newPrimary, oldPrimary);
        // The Sentinels turn the old primary into the new one's replica: what it alone had is gone then.
        const reader = await connectRedis(group.url);
        try {
          const values = await reader.mget(...acknowledged.map((i) => `${prefix}:k:${i}`));
          const lost = acknowledged.filter((i, n) => values[n] !== String(i));
          assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes are not on the new primary`);
        } finally {
          reader.disconnect();
        }
        const figures = durabilityFigures(client);
        t.diagnostic(`${acknowledged.length} writes, slowest ${Math.round(slowest)} ms, ${JSON.stringify(figures)}`);
        assert.equal(figures.unconfirmed, 0);
        assert.equal(figures.confirmed, acknowledged.length);
      } finally {
        client.disconnect();
      }
    });
  });
});
