/**
 * The set-up's shell scripts: they parse (`bash -n`, and shellcheck when it is installed), the readiness wait
 * follows LocalStack's /_localstack/init/ready answers to success, a failed hook or its timeout, and the init hook
 * refuses a missing template before calling anything. The readiness wait talks to a small HTTP server answering as
 * LocalStack's init endpoint does (documented in LocalStack's init-hooks reference); LocalStack itself needs Docker.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runProgram, tempDir } from '../support/cli.js';
import { LOCALSTACK_DIR } from '../support/localstack-setup.js';
import { findOnPath } from '../support/moto.js';

const WAIT_READY = join(LOCALSTACK_DIR, 'wait-ready.sh');
const HOOK = join(LOCALSTACK_DIR, 'init', 'ready.d', 'deploy-reference.sh');

async function shellScripts(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await shellScripts(path)));
    else if (entry.name.endsWith('.sh')) out.push(path);
  }
  return out.sort();
}

/** A stand-in for LocalStack's gateway whose /_localstack/init/ready answers, in turn, with `answers` (the last one repeats). */
async function initEndpoint(answers: readonly (number | object)[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/_localstack/init/ready') {
      res.writeHead(404).end();
      return;
    }
    const answer = answers[Math.min(n, answers.length - 1)];
    n++;
    if (typeof answer === 'number') res.writeHead(answer).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const script = (name: string, state: string): object => ({ stage: 'READY', name, state });

describe('the LocalStack shell scripts', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('every script under localstack/ parses with bash -n and is executable', async () => {
    const scripts = await shellScripts(LOCALSTACK_DIR);
    assert.deepEqual(scripts, [HOOK, WAIT_READY].sort());
    for (const s of scripts) {
      const result = await runProgram('bash', ['-n', s]);
      assert.equal(result.code, 0, `${s}: ${result.stderr}`);
      assert.ok(((await stat(s)).mode & 0o111) !== 0, `${s} is executable`);
    }
  });

  it('shellcheck finds nothing', { skip: findOnPath('shellcheck') === undefined ? 'shellcheck is not installed' : false }, async () => {
    const result = await runProgram('shellcheck', await shellScripts(LOCALSTACK_DIR));
    assert.equal(result.code, 0, result.stdout);
  });

  describe('wait-ready.sh', () => {
    const wait = (url: string, timeout = 20): Promise<{ code: number | null; stderr: string }> =>
      runProgram(WAIT_READY, [], {
        env: { ...process.env, LOCALSTACK_ENDPOINT: url, WAIT_TIMEOUT_SECONDS: String(timeout), WAIT_INTERVAL_SECONDS: '0.1' },
        timeoutMs: 60_000,
      });

    it('waits through a gateway that is not up yet and hooks still running, and succeeds once they completed', async () => {
      const endpoint = await initEndpoint([
        503,
        { completed: false, scripts: [script('deploy-reference.sh', 'RUNNING')] },
        { completed: false, scripts: [script('deploy-reference.sh', 'RUNNING')] },
        { completed: true, scripts: [script('deploy-reference.sh', 'SUCCESSFUL')] },
      ]);
      cleanups.push(endpoint.close);
      const result = await wait(endpoint.url);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /is ready and its init hooks completed/);
      assert.ok(endpoint.requests() >= 4, `asked ${endpoint.requests()} times`);
    });

    it('fails at once naming the hook that failed', async () => {
      const endpoint = await initEndpoint([{ completed: true, scripts: [script('a-first.sh', 'SUCCESSFUL'), script('deploy-reference.sh', 'ERROR')] }]);
      cleanups.push(endpoint.close);
      const result = await wait(endpoint.url);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /the init hook\(s\) deploy-reference\.sh failed: see 'docker compose -f localstack\/docker-compose\.yml logs localstack'/);
      assert.equal(endpoint.requests(), 1);
    });

    it('gives up after its timeout with what it last saw', async () => {
      const endpoint = await initEndpoint([{ completed: false, scripts: [script('deploy-reference.sh', 'RUNNING')] }]);
      cleanups.push(endpoint.close);
      const running = await wait(endpoint.url, 1);
      assert.equal(running.code, 1);
      assert.match(running.stderr, /gave up after 1s: the init hooks are still running/);
      // Nothing listening: port 9 (discard) on loopback refuses.
      const down = await wait('http://127.0.0.1:9', 1);
      assert.equal(down.code, 1);
      assert.match(down.stderr, /gave up after 1s: http:\/\/127\.0\.0\.1:9\/_localstack\/init\/ready did not answer\. Is LocalStack running/);
    });
  });

  describe('init/ready.d/deploy-reference.sh', () => {
    it('refuses a template that does not exist, naming it, before calling awslocal', async () => {
      const shims = await tempDir('gameday-awslocal-');
      cleanups.push(shims.cleanup);
      const calls = join(shims.dir, 'calls');
      await shims.write('awslocal', `#!/usr/bin/env bash\necho "$*" >> '${calls}'\n`);
      await runProgram('chmod', ['+x', join(shims.dir, 'awslocal')]);
      const missing = join(ROOT, 'infra', 'no-such-template.yaml');
      const result = await runProgram(HOOK, [], { env: { ...process.env, PATH: `${shims.dir}:${process.env.PATH ?? ''}`, GAMEDAY_STACK_TEMPLATE: missing } });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`the template ${missing.replace(/[.]/g, '\\.')} does not exist or is not readable \\(GAMEDAY_STACK_TEMPLATE\\); nothing deployed`),
      );
      await assert.rejects(stat(calls), 'awslocal was never called');
    });

    it('passes the stack name, template and parameter overrides to cloudformation deploy, and fails when the stack does not complete', async () => {
      const shims = await tempDir('gameday-awslocal-');
      cleanups.push(shims.cleanup);
      const calls = join(shims.dir, 'calls');
      // An awslocal whose deployment "succeeds" but whose stack then reads ROLLBACK_COMPLETE.
      await shims.write(
        'awslocal',
        `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${calls}'\nif [[ "$2" == describe-stacks && "$*" == *StackStatus* ]]; then echo ROLLBACK_COMPLETE; fi\n`,
      );
      await runProgram('chmod', ['+x', join(shims.dir, 'awslocal')]);
      const template = join(LOCALSTACK_DIR, 'templates', 'ec2-fleet.yaml');
      const result = await runProgram(HOOK, [], {
        env: {
          ...process.env,
          PATH: `${shims.dir}:${process.env.PATH ?? ''}`,
          GAMEDAY_STACK_NAME: 'gd-test',
          GAMEDAY_STACK_TEMPLATE: template,
          GAMEDAY_STACK_PARAMETERS: 'FleetName=api InstanceType=t3.small',
        },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /stack gd-test ended ROLLBACK_COMPLETE, not complete/);
      const lines = (await readFile(calls, 'utf8')).trim().split('\n');
      assert.equal(
        lines[0],
        `cloudformation deploy --stack-name gd-test --template-file ${template} --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset --parameter-overrides FleetName=api InstanceType=t3.small`,
      );
      assert.match(lines[1] ?? '', /^cloudformation describe-stacks --stack-name gd-test --query Stacks\[0\]\.StackStatus/);
    });
  });
});
