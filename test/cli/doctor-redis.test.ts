import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRedis } from '../../src/cli/doctor-checks.js';
import { tempDir } from '../support/cli.js';
import { SKIP_WITHOUT_REDIS, startRedis } from '../support/redis.js';

/** The durability checks `gameday doctor` prints for the Redis at `url`, by name. */
async function durability(url: string): Promise<Record<string, { status: string; detail: string }>> {
  const results = await checkRedis(url);
  return Object.fromEntries(results.map((r) => [r.check, { status: r.status, detail: r.detail }]));
}

describe("gameday doctor's Redis durability checks", { skip: SKIP_WITHOUT_REDIS }, () => {
  it('warns when Redis keeps nothing on disk, and fails an evicting memory policy', async () => {
    const redis = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      const checks = await durability(redis.url);
      assert.equal(checks.redis?.status, 'ok');
      assert.deepEqual(checks['redis persistence'], {
        status: 'warn',
        detail:
          'neither an append-only file (appendonly) nor RDB snapshots (save): a Redis restart forgets the queue, its runs and their undo logs, so a run whose worker is lost can no longer be undone; set appendonly yes',
      });
      assert.deepEqual(checks['redis eviction'], {
        status: 'fail',
        detail:
          "maxmemory-policy is allkeys-lru: under memory pressure Redis may evict the queue's jobs, locks and undo logs, and BullMQ requires noeviction; set maxmemory-policy noeviction",
      });
      assert.equal(checks['redis topology'], undefined, 'a single server has no topology to report');
    } finally {
      await redis.stop();
    }
  });

  it('accepts RDB snapshots (saying what a crash loses) and an append-only file, with noeviction', async () => {
    const tmp = await tempDir();
    const [rdb, aof] = await Promise.all([startRedis({ args: ['--save', '60 1'] }), startRedis({ dir: tmp.dir })]);
    try {
      const snapshots = await durability(rdb.url);
      assert.deepEqual(snapshots['redis persistence'], {
        status: 'ok',
        detail: 'RDB snapshots (save 60 1); the writes after the last snapshot are lost in a crash, appendonly yes keeps them',
      });
      assert.deepEqual(snapshots['redis eviction'], { status: 'ok', detail: 'maxmemory-policy noeviction' });
      const appendOnly = await durability(aof.url);
      assert.deepEqual(appendOnly['redis persistence'], { status: 'ok', detail: 'append-only file on (appendonly yes)' });
    } finally {
      await Promise.all([rdb.stop(), aof.stop()]);
      await tmp.cleanup();
    }
  });
});
