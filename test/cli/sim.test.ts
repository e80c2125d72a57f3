import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Journal } from '../../src/engine/journal.js';
import { BIN, ROOT, gameday, tempDir } from '../support/cli.js';

interface SimInfo {
  endpoint: string;
  speed: number;
  regions: { name: string; zones: string[]; home: boolean }[];
  outputs: Record<string, string>;
}

describe('gameday sim, and a run against it', () => {
  let child: ChildProcessWithoutNullStreams;
  let info: SimInfo;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
    child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--speed', '40', '--json'], { cwd: ROOT });
    info = await new Promise<SimInfo>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] ?? '') as SimInfo);
      });
      child.on('exit', (code) => reject(new Error(`gameday sim exited ${String(code)}`)));
    });
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await tmp.cleanup();
  });

  it('serves any SDK client with any credentials, and prints its outputs', async () => {
    assert.equal(info.speed, 40);
    assert.deepEqual(info.regions, [{ name: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], home: true }]);
    assert.match(info.outputs['alb.web-alb.url'] ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const sts = new STSClient({ region: 'us-east-1', endpoint: info.endpoint, credentials: { accessKeyId: 'ANYTHING', secretAccessKey: 'at-all' } });
    try {
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '123456789012');
    } finally {
      sts.destroy();
    }
    const site = await fetch(`${info.outputs['alb.web-alb.url'] ?? ''}/health`);
    assert.equal(site.status, 200);
  });

  it('runs an experiment against the running region named by environment.endpoint', async () => {
    const text = (await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8')).replace(
      '  speed: 20',
      `  speed: 40\n  endpoint: ${info.endpoint}`,
    );
    const file = await tmp.write('against-running-sim.yaml', text);
    const journalPath = join(tmp.dir, 'journal.json');
    const result = await gameday(['run', file, '--journal', journalPath, '--view', 'plain']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stderr, /starting the simulated region/);
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
    assert.equal(journal.verdict.status, 'passed');
    assert.equal(journal.environment.endpoint, info.endpoint);
    assert.equal(journal.environment.speed, 40);
    const requests = (await (await fetch(`${info.endpoint}/_sim/requests`)).json()) as { requests: { action: string }[] };
    assert.ok(requests.requests.some((r) => r.action === 'TerminateInstances'));
  });

  it('refuses an endpoint where no region answers, in one sentence, before anything runs', async () => {
    const text = (await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8')).replace(
      '  speed: 20',
      '  speed: 40\n  endpoint: http://127.0.0.1:1',
    );
    const file = await tmp.write('no-sim.yaml', text);
    const result = await gameday(['run', file, '--view', 'plain']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: No simulated region answers at http:\/\/127\.0\.0\.1:1 /m);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
