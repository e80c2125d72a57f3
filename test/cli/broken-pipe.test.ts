import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keys } from '../../src/orchestrator/keys.js';
import { connectRedis } from '../../src/orchestrator/redis-connection.js';
import { RunQueue } from '../../src/orchestrator/run-queue.js';
import { BIN, gameday, runProgram, tempDir } from '../support/cli.js';
import { queueEnv } from '../support/queue.js';
import { startRedis, SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { startWorkload, workloadExperiment } from '../support/workload.js';

/**
 * Runs `gameday ARGS | head -N` in bash and returns gameday's exit status (PIPESTATUS) and stderr. Each output below
 * is larger than a pipe's buffer, so gameday is still writing when head has gone.
 */
async function piped(args: string, lines: number, env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stderr: string; head: string }> {
  const out = await runProgram('bash', ['-c', `"${process.execPath}" "${BIN}" ${args} | head -${lines}; echo "status=\${PIPESTATUS[0]}"`], {
    env: { ...process.env, ...env },
  });
  const match = /status=(\d+)\n$/.exec(out.stdout);
  assert.ok(match?.[1] !== undefined, out.stdout);
  return { status: Number(match[1]), stderr: out.stderr, head: out.stdout.slice(0, match.index) };
}

describe('output to a closed pipe', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await tmp?.cleanup();
  });

  it('gameday schema | head -1: the first line, then a quiet exit 0', async () => {
    const r = await piped('schema', 1);
    assert.equal(r.head, '{\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('gameday report --format html JOURNAL | head: a quiet exit 0', async () => {
    // Twelve seconds of samples every 10 ms of a healthy service: a report larger than a pipe's buffer.
    const w = await startWorkload();
    const journal = join(tmp.dir, 'j.json');
    try {
      const file = await tmp.write(
        'busy.yaml',
        workloadExperiment(
          w,
          'busy',
          `faults:
  - name: noop
    action: http.request
    args: { url: "${w.control}/up" }
recovery: { stableFor: 1200s, timeout: 100m }
`,
          '1s',
        ),
      );
      const run = await gameday(['run', file, '--journal', journal, '--view', 'none'], { timeoutMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await w.close();
    }
    const whole = await gameday(['report', '--format', 'html', journal]);
    assert.ok(whole.stdout.length > 100_000, `test setup: the report is only ${whole.stdout.length} characters`);
    const r = await piped(`report --format html ${journal}`, 1);
    assert.match(r.head, /^<!doctype html>/i);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('gameday list | head -3: a quiet exit 0', { skip: SKIP_WITHOUT_REDIS }, async () => {
    const redis = await startRedis();
    try {
      const env = queueEnv(redis);
      const client = await connectRedis(redis.url);
      const queue = new RunQueue(client, new Keys(env.GAMEDAY_PREFIX));
      try {
        // Enough runs that the list outgrows a pipe's buffer.
        const now = Date.now();
        await Promise.all(
          Array.from({ length: 1500 }, (_, i) =>
            queue.store.create({
              runId: `gd-pipe-${String(i).padStart(5, '0')}`,
              file: '/x.yaml',
              text: '',
              experiment: 'an-experiment-with-a-rather-long-name',
              waitForLocks: false,
              submittedAt: now - i,
            }),
          ),
        );
      } finally {
        await queue.close();
        client.disconnect();
      }
      const r = await piped('list --limit 1500', 3, { ...env });
      assert.equal(r.head.split('\n').length, 4, r.head);
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
    } finally {
      await redis.stop();
    }
  });
});
