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
  'gameday worker --redis redis+sentinel://sentinel-1:26379,sentinel-2:26379/mymaster --grace 1m':
    "the reader's own Sentinels; test/orchestrator/sentinel.test.ts runs a worker through three started here",
  'gameday undo RUN': 'a run whose worker was lost or whose rollback failed, which no example leaves; test/orchestrator/undo-outstanding.test.ts finishes one',
  'gameday undo --journal gameday-results/gd-20260101T000000Z-abc123.json':
    "the journal of the reader's own run that left an undo outstanding; test/cli/rollback-failed.test.ts finishes one",
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
/** Examples running at once, each a CLI process (some with a simulated region in it). */
const AT_ONCE = 4;
/**
 * Examples whose exit code is a run's verdict, which holds only if its probes' answers come as fast as the
 * experiment's objectives ask (wall milliseconds): they run at the CPU's normal priority, every other example (which
 * has only to finish) at a lower one, so the examples beside a run do not slow its answers.
 */
const VERDICT = /^gameday run\b|^npm run\b/;
/**
 * `--prove` runs each finding's experiment on a simulated twin; the example asserts that the audit runs through (its
 * exit code is 0 whatever each proof finds), so its twins run faster than the others' regions.
 */
const PROVE_SPEED: { match: RegExp; speed: string } = { match: /--prove\b/, speed: '300' };
/** A rough cost of an example in seconds, for which to start first: the longest chain of waiting examples. */
const COST = (command: string): number =>
  /--prove\b/.test(command) ? 40 : VERDICT.test(command) ? 10 : /^gameday (audit|twin|plan|sim|doctor|worker)\b/.test(command) ? 4 : 2;

/**
 * What an example shares with others, and how: `own` (nothing else using it may run meanwhile), `add` (adds files of
 * its own beside those others add) or `read` (reads what the others there wrote).
 */
type Use = 'own' | 'add' | 'read';
function sharedBy(command: string): Map<string, Use> {
  const uses = new Map<string, Use>();
  // The queue's runs and a worker that would take them; a halt would abort them and a freeze window hold them, so those
  // wait for the runs shown before them, and each for its own kind.
  const kind = /^gameday (halt|resume|freeze)\b/.exec(command)?.[1];
  if (kind !== undefined) {
    uses.set('queue', 'read');
    uses.set(kind === 'freeze' ? 'freeze windows' : 'halt', 'own');
  } else if (NEEDS_REDIS.test(command) && !/^gameday (schedule|dashboard)\b/.test(command)) uses.set('queue', 'own');
  if (/^gameday schedule\b/.test(command)) uses.set('schedules', 'own');
  const server = /^gameday (sim|dashboard)\b/.exec(command)?.[1];
  if (server !== undefined) uses.set(`port ${/--port (\d+)/.exec(command)?.[1] ?? (server === 'sim' ? '4566' : '8090')}`, 'own');
  // An export, then the import of the file it wrote.
  if (/^gameday fis\b/.test(command)) uses.set('fis files', 'own');
  if (/--out experiments\//.test(command)) uses.set('experiments/', 'add');
  if (/\bexperiments\/\*|--experiments experiments\b/.test(command)) uses.set('experiments/', 'read');
  if (/^gameday run\b(?!.*--(queue|detach)\b)|^npm run\b/.test(command)) uses.set('gameday-results/', 'add');
  if (/\bgameday-results\//.test(command)) uses.set('gameday-results/', 'read');
  return uses;
}
/** Whether two examples may not run at once: they share something, and not both only read it or only add to it. */
function clash(a: ReadonlyMap<string, Use>, b: ReadonlyMap<string, Use>): boolean {
  return [...a].some(([what, use]) => {
    const other = b.get(what);
    return other !== undefined && (use === 'own' || use !== other);
  });
}

/**
 * A slot of `limit` for a task of `rank`; call what it resolves to when done. Slots go to the highest rank
 * (lexicographically) among the tasks asking, those that start asking in the same turn of the event loop included.
 */
function slots(limit: number): (rank: readonly number[]) => Promise<() => void> {
  let running = 0;
  const waiting: { rank: readonly number[]; go: () => void }[] = [];
  const higher = (a: readonly number[], b: readonly number[]): boolean => {
    const i = a.findIndex((x, k) => x !== b[k]);
    return i >= 0 && (a[i] ?? 0) > (b[i] ?? 0);
  };
  const hand = (): void => {
    while (running < limit && waiting.length > 0) {
      const next = waiting.reduce((best, w) => (higher(w.rank, best.rank) ? w : best));
      waiting.splice(waiting.indexOf(next), 1);
      running++;
      next.go();
    }
  };
  const release = (): void => {
    running--;
    setImmediate(hand);
  };
  return async (rank) => {
    await new Promise<void>((go) => {
      waiting.push({ rank, go });
      setImmediate(hand);
    });
    return release;
  };
}

const settled = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => undefined,
    () => undefined,
  );

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
  const outcomes = new Map<string, Outcome>();

  const start = (
    command: string,
    options: { extra?: NodeJS.ProcessEnv; niced?: boolean } = {},
  ): { child: ChildProcess; output: () => string; done: Promise<Outcome> } => {
    const [program, args] = options.niced === true ? ['nice', ['-n', '10', 'bash', '-c', command]] : ['bash', ['-c', command]];
    const child = spawn(program, args, { cwd: workspace, env: { ...env, ...options.extra }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
  const run = async (example: Example, runId: string | undefined, timeoutMs = 150_000): Promise<Outcome> => {
    const command = example.command.replace(/\bRUN\b/g, () => runId ?? 'RUN');
    const started = start(command, {
      niced: !VERDICT.test(command),
      extra: PROVE_SPEED.match.test(command) ? { GAMEDAY_SPEED: PROVE_SPEED.speed } : {},
    });
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
      outcomes.set(example.command, outcome);
      return outcome;
    } finally {
      clearTimeout(killer);
    }
  };

  const runnable = examples.filter((e) => CANNOT_RUN_HERE[e.command] === undefined);
  /** Each example's run, started in `before`; its test awaits it. */
  const ran = new Map<string, Promise<Outcome>>();
  /** The test's `gameday sim --port 4566` for the examples that talk to one: started once the examples' own servers there have stopped. */
  let sim: ReturnType<typeof start> | undefined;
  let simReady: Promise<string> = Promise.resolve('');
  let simStopped: Promise<void> = Promise.resolve();
  /** The test's worker is ready to take what the --queue and --detach examples enqueue. */
  let workerReady: Promise<unknown> = Promise.resolve();

  /**
   * Starts the examples, AT_ONCE at a time. An example waits for those shown before it that it clashes with (so they
   * run in the order shown, and its `RUN` is the last id they printed); one on port 4566 waits for the test's sim
   * there, which waits for every example serving on that port; one enqueueing a run for the test's worker. Of the examples
   * free to start, the one heading the costliest chain of examples waiting goes first, then the one shown first.
   */
  const startAll = (): void => {
    const todo = runnable.filter((e) => redis !== undefined || !NEEDS_REDIS.test(e.command));
    const uses = todo.map((e) => sharedBy(e.command));
    const onSim = todo.map((e) => NEEDS_SIM_4566.test(e.command));
    const servesOn4566 = uses.map((u) => u.has('port 4566'));
    const waitsFor = todo.map((_, i) =>
      todo.flatMap((__, j) => {
        if (onSim[i] === true) return servesOn4566[j] === true ? [j] : [];
        return j < i && onSim[j] !== true && clash(uses[i] ?? new Map(), uses[j] ?? new Map()) ? [j] : [];
      }),
    );
    const chain = new Map<number, number>();
    const chainFrom = (i: number): number => {
      const known = chain.get(i);
      if (known !== undefined) return known;
      const after = waitsFor.flatMap((on, j) => (on.includes(i) ? [chainFrom(j)] : []));
      const cost = COST(todo[i]?.command ?? '') + Math.max(0, ...after);
      chain.set(i, cost);
      return cost;
    };
    const rank = todo.map((_, i) => [chainFrom(i), -i]);
    const slot = slots(AT_ONCE);

    let simUp: (ready: Promise<string>) => void = () => undefined;
    simReady = new Promise<string>((resolve) => {
      simUp = resolve;
    });
    const runs: Promise<Outcome>[] = [];
    todo.forEach((example, i) => {
      const outcome = (async () => {
        await Promise.all((waitsFor[i] ?? []).map((j) => settled(runs[j] ?? Promise.resolve())));
        if (onSim[i] === true) await settled(simReady);
        if (/--queue|--detach/.test(example.command)) await settled(workerReady);
        const runId = (waitsFor[i] ?? []).flatMap((j) => [...(outcomes.get(todo[j]?.command ?? '')?.output.matchAll(RUN_ID) ?? [])].map((m) => m[0])).at(-1);
        const release = await slot(rank[i] ?? []);
        try {
          return await run(example, runId);
        } finally {
          release();
        }
      })();
      void settled(outcome);
      runs.push(outcome);
      ran.set(example.command, outcome);
    });

    const simOwners = runs.filter((_, i) => servesOn4566[i] === true);
    simUp(
      Promise.all(simOwners.map(settled)).then(async () => {
        const started = start('gameday sim --port 4566', { niced: true });
        sim = started;
        await waitFor('the simulated region on port 4566', () => /\bready\b/.test(started.output()) || started.child.exitCode !== null, {
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        return started.output();
      }),
    );
    simStopped = Promise.all([settled(simReady), ...runs.filter((_, i) => onSim[i] === true).map(settled)]).then(async () => {
      if (sim === undefined) return;
      interrupt(sim.child);
      await sim.done;
    });
  };

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'gameday-examples-'));
    // A clone as a reader has it: what the examples write lands in the copies, never in the repository (bin/ too: the
    // demo script runs from the clone it sits in).
    for (const dir of ['bin', 'experiments', 'infra', 'docs', 'schema', 'localstack']) await cp(join(ROOT, dir), join(workspace, dir), { recursive: true });
    await cp(join(ROOT, 'package.json'), join(workspace, 'package.json'));
    for (const dir of ['dist', 'node_modules']) await symlink(join(ROOT, dir), join(workspace, dir));
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
      // Its journals stay out of the workspace's results.
      const taker = start(`gameday worker --results ${join(workspace, '.worker-results')}`);
      worker = taker.child;
      workerReady = waitFor('the test worker to be ready', () => /\bready\b/.test(taker.output()), { timeoutMs: 30_000, intervalMs: 50 });
    }
    startAll();
    await workerReady;
  });

  after(async () => {
    await Promise.all([...ran.values()].map(settled));
    await simStopped;
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

  for (const example of runnable.filter((e) => !NEEDS_SIM_4566.test(e.command))) {
    it(`${example.command}   (${example.sources.join(', ')})`, async (t) => {
      if (NEEDS_REDIS.test(example.command) && redis === undefined) {
        t.skip(String(SKIP_WITHOUT_REDIS));
        return;
      }
      const { code, output } = await (ran.get(example.command) ?? Promise.reject(new Error(`'${example.command}' was not started`)));
      assert.equal(code, 0, `'${example.command}' exited with ${String(code)}:\n${output.slice(-3000)}`);
      assert.doesNotMatch(output, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
    });
  }

  describe('with a gameday sim on port 4566, as they say', () => {
    before(async () => {
      assert.match(await simReady, /\bready\b/);
    });
    after(() => simStopped);
    for (const example of runnable.filter((e) => NEEDS_SIM_4566.test(e.command))) {
      it(`${example.command}   (${example.sources.join(', ')})`, async () => {
        const { code, output } = await (ran.get(example.command) ?? Promise.reject(new Error(`'${example.command}' was not started`)));
        assert.equal(code, 0, `'${example.command}' exited with ${String(code)}:\n${output.slice(-3000)}`);
      });
    }
  });

  it('npm run demo:hook ran the local outage experiment without starting a simulated region', async () => {
    await ran.get('npm run demo:hook');
    const outcome = outcomes.get('npm run demo:hook');
    assert.ok(outcome !== undefined, 'npm run demo:hook is shown and was run above');
    const { code, output } = outcome;
    assert.equal(code, 0, output.slice(-3000));
    assert.match(output, /no simulated region is started/);
    assert.doesNotMatch(output, /starting the simulated region/);
  });
});
