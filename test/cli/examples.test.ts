/**
 * Every example gameday shows (README shell blocks, each command's `--help`, experiment files' comments) runs as
 * written, in a copy of the clone, through a `gameday` on PATH, the way a reader would paste it. Simulated regions run
 * at GAMEDAY_SPEED; the queue's examples use a redis-server of the test's own and a worker it starts. Examples that
 * cannot run here are listed with the reason, and the list may only name examples that are still shown.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shownExamples, type Example } from '../support/examples.js';
import { BIN, ROOT } from '../support/cli.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/sim.js';

/** Examples that need what this machine does not have, and why; each must still be shown somewhere. */
const CANNOT_RUN_HERE: Readonly<Record<string, string>> = {
  'npm ci && npm run demo':
    'npm ci reinstalls the node_modules this test runs from; npm run demo is `gameday run experiments/terminate-one-instance.yaml`, run from its own example',
  'npm test': 'the whole suite, of which this test is part',
  'REDIS_URL=redis://redis.internal:6379 gameday run my-experiment.yaml --queue':
    "the reader's own Redis host and experiment; the README's --queue example runs the same on the test's Redis",
  'REDIS_URL=redis://redis.internal:6379 gameday worker': "the reader's own Redis host; `gameday worker --concurrency 4` runs on the test's Redis",
  'gameday doctor --environment aws --profile chaos': 'a live AWS account and a profile of it',
  'gameday run experiment.yaml': "experiment.yaml stands for the reader's file with environment.endpoint; the other gameday sim examples run",
  'aws fis create-experiment-template --cli-input-json file://t.json': 'creates an FIS template in a live AWS account',
  'aws fis create-experiment-template --cli-input-json file://template.json': 'creates an FIS template in a live AWS account',
  'aws fis get-experiment-template --id EXT1a2b3c4d5e6f7 > template.json': 'reads an FIS template of a live AWS account',
  'docker compose -f localstack/docker-compose.yml up -d && localstack/wait-ready.sh': 'LocalStack needs Docker (the localstack workflow runs it)',
  'gameday run experiments/localstack/stop-one-instance.yaml': 'LocalStack (free tier), which needs Docker; its workflow runs it',
  'LOCALSTACK_AUTH_TOKEN=... docker compose -f localstack/docker-compose.yml -f localstack/docker-compose.pro.yml up -d':
    'LocalStack Pro needs Docker and an auth token',
  'localstack/wait-ready.sh && GAMEDAY_ASG_NAME=... gameday run experiments/localstack/terminate-group-instance.yaml':
    'LocalStack Pro needs Docker and an auth token',
};

/** Commands that serve until Ctrl-C: started, awaited until they say they are ready, then interrupted. */
const SERVES = /^gameday (sim|worker|dashboard)\b/;
/** Commands that talk to a `gameday sim` on port 4566: run while the test keeps one there. */
const NEEDS_SIM_4566 = /^gameday doctor\b(?!.*--environment)|^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:4566 |--endpoint http:\/\/127\.0\.0\.1:4566\b/;
/** Commands that need the queue's Redis. */
const NEEDS_REDIS = /--queue|--detach|^gameday (worker|status|list|abort|halt|resume|schedule|freeze|dashboard)\b/;
/** `RUN` in an example stands for a run id: the one an earlier example printed. */
const RUN_ID = /\bgd-\d{8}T\d{6}Z-[0-9a-f]{6}\b/g;
const SPEED = '100';

interface Outcome {
  code: number | null;
  output: string;
}

const examples = await shownExamples();

describe('the examples gameday shows', () => {
  let workspace = '';
  let redis: TestRedis | undefined;
  let worker: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv = {};
  let lastRunId: string | undefined;
  const outcomes = new Map<string, Outcome>();

  const start = (command: string, extra: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; done: Promise<Outcome> } => {
    const child = spawn('bash', ['-c', command], { cwd: workspace, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const done = new Promise<Outcome>((resolve) => child.on('close', (code) => resolve({ code, output })));
    return { child, output: () => output, done };
  };
  const interrupt = (child: ChildProcess): void => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
  };

  /** Runs one example to its end (or, for a server, until ready and then Ctrl-C) and returns what it printed. */
  const run = async (example: Example, timeoutMs = 150_000): Promise<Outcome> => {
    const command = example.command.replace(/\bRUN\b/g, () => lastRunId ?? 'RUN');
    const started = start(command);
    const killer = setTimeout(() => started.child.pid !== undefined && process.kill(-started.child.pid, 'SIGKILL'), timeoutMs);
    try {
      if (SERVES.test(command)) {
        await waitFor(`'${command}' to say it is ready`, () => /\bready\b|dashboard on /.test(started.output()) || started.child.exitCode !== null, {
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        interrupt(started.child);
      }
      const outcome = await started.done;
      lastRunId = [...outcome.output.matchAll(RUN_ID)].at(-1)?.[0] ?? lastRunId;
      outcomes.set(example.command, outcome);
      return outcome;
    } finally {
      clearTimeout(killer);
    }
  };

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'gameday-examples-'));
    // A clone as a reader has it: what the examples write lands in the copies, never in the repository.
    for (const dir of ['experiments', 'infra', 'docs', 'schema', 'localstack']) await cp(join(ROOT, dir), join(workspace, dir), { recursive: true });
    await cp(join(ROOT, 'package.json'), join(workspace, 'package.json'));
    for (const dir of ['bin', 'dist', 'node_modules']) await symlink(join(ROOT, dir), join(workspace, dir));
    const shims = join(workspace, '.shims');
    await mkdir(shims);
    await writeFile(join(shims, 'gameday'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(join(shims, 'gameday'), 0o755);
    env = {
      ...process.env,
      PATH: `${shims}:${process.env.PATH ?? ''}`,
      GAMEDAY_SPEED: SPEED,
      GITHUB_STEP_SUMMARY: join(workspace, 'step-summary.md'),
      // The aws CLI example's "any credentials".
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    delete env.AWS_PROFILE;
    delete env.REDIS_URL;
    if (SKIP_WITHOUT_REDIS === false) {
      redis = await startRedis();
      env.REDIS_URL = redis.url;
      env.GAMEDAY_PREFIX = redis.prefix();
      // Takes what the --queue and --detach examples enqueue; its journals stay out of the workspace's results.
      const taker = start(`gameday worker --results ${join(workspace, '.worker-results')}`);
      worker = taker.child;
      await waitFor('the test worker to be ready', () => /\bready\b/.test(taker.output()), { timeoutMs: 30_000, intervalMs: 50 });
    }
  });

  after(async () => {
    if (worker !== undefined) {
      const exited = new Promise((resolve) => worker?.once('close', resolve));
      interrupt(worker);
      await exited;
    }
    await redis?.stop();
    if (workspace !== '') await rm(workspace, { recursive: true, force: true });
  });

  it('exclude only examples that are still shown, each for a reason', () => {
    const shown = new Set(examples.map((e) => e.command));
    for (const [command, reason] of Object.entries(CANNOT_RUN_HERE)) {
      assert.ok(shown.has(command), `CANNOT_RUN_HERE names '${command}', which no README block, --help or experiment comment shows any more`);
      assert.ok(reason.length > 10, `a reason for '${command}'`);
    }
    assert.ok(examples.length - Object.keys(CANNOT_RUN_HERE).length >= 30, `${examples.length} examples, most of them run`);
  });

  const runnable = examples.filter((e) => CANNOT_RUN_HERE[e.command] === undefined);
  for (const example of runnable.filter((e) => !NEEDS_SIM_4566.test(e.command))) {
    it(`${example.command}   (${example.sources.join(', ')})`, async (t) => {
      if (NEEDS_REDIS.test(example.command) && redis === undefined) {
        t.skip(String(SKIP_WITHOUT_REDIS));
        return;
      }
      const { code, output } = await run(example);
      assert.equal(code, 0, `'${example.command}' exited with ${String(code)}:\n${output.slice(-3000)}`);
      assert.doesNotMatch(output, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
    });
  }

  describe('with a gameday sim on port 4566, as they say', () => {
    let sim: ReturnType<typeof start> | undefined;
    before(async () => {
      sim = start('gameday sim --port 4566');
      await waitFor('the simulated region on port 4566', () => /\bready\b/.test(sim?.output() ?? '') || sim?.child.exitCode !== null, {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      assert.match(sim.output(), /\bready\b/, sim.output());
    });
    after(async () => {
      if (sim === undefined) return;
      interrupt(sim.child);
      await sim.done;
    });
    for (const example of runnable.filter((e) => NEEDS_SIM_4566.test(e.command))) {
      it(`${example.command}   (${example.sources.join(', ')})`, async () => {
        const { code, output } = await run(example);
        assert.equal(code, 0, `'${example.command}' exited with ${String(code)}:\n${output.slice(-3000)}`);
      });
    }
  });

  it('npm run demo:hook ran the local outage experiment without starting a simulated region', () => {
    const ran = outcomes.get('npm run demo:hook');
    assert.ok(ran !== undefined, 'npm run demo:hook is shown and was run above');
    const { code, output } = ran;
    assert.equal(code, 0, output.slice(-3000));
    assert.match(output, /no simulated region is started/);
    assert.doesNotMatch(output, /starting the simulated region/);
  });
});
