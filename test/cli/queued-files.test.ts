import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { bundleRunFiles, materializeRunFiles, RUN_FILES_MAX_BYTES } from '../../src/cli/run-files.js';
import { GamedayError } from '../../src/errors/gameday-error.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';
import { cronAt, listRuns, storedRuns, queueEnv, redisForSuite, startWorker, submitDetached, waitForStatus } from '../support/queue.js';
import { SKIP_WITHOUT_REDIS } from '../support/redis.js';
import { waitFor } from '../support/sim.js';

/** A home Region of its own, and eu-west-1 from the reference architecture's template at four instances. */
const TOPOLOGY = `availabilityZones: [a, b]
launchTemplates: [{ name: home-lt }]
loadBalancers: [{ name: home-alb, targetGroup: { name: home-tg } }]
autoScalingGroups: [{ name: home-asg, launchTemplate: home-lt, min: 1, max: 2, desired: 1, targetGroups: [home-tg] }]
regions:
  - { region: eu-west-1, template: ../templates/eu.yaml, parameters: { DesiredCapacity: "4" } }
`;

/**
 * Passes only on that topology: its probe needs the four instances of the template's group in eu-west-1, and its fault
 * prints the group's name, which only the template's stack (named after its file, eu.yaml) gives.
 */
const EXPERIMENT = `apiVersion: gameday/v1
metadata: { name: carried-topology }
environment:
  type: sim
  speed: 50
  topology: ../topologies/two.yaml
probes:
  - name: eu-capacity
    probe: aws.asg.in-service
    region: eu-west-1
    args: { autoScalingGroupName: "\${sim:stack.WebAsgName}" }
    tolerance: { atLeast: 4 }
    interval: 5s
faults:
  - name: name-the-group
    action: process.exec
    args: { command: [node, -e, "console.log(process.argv[1])", "\${sim:stack.WebAsgName}"] }
recovery:
  stableFor: 10s
  timeout: 2m
`;

/** Writes the experiment, its topology and the template the topology names under `dir`, as a user keeps them. */
async function writeWorld(dir: string): Promise<string> {
  await Promise.all(['experiments', 'topologies', 'templates'].map((d) => mkdir(join(dir, d), { recursive: true })));
  await copyFile(join(ROOT, 'infra', 'reference-architecture.yaml'), join(dir, 'templates', 'eu.yaml'));
  await writeFile(join(dir, 'topologies', 'two.yaml'), TOPOLOGY);
  const file = join(dir, 'experiments', 'carried.yaml');
  await writeFile(file, EXPERIMENT);
  return file;
}

describe('the files a queued run carries', () => {
  it('gathers the experiment, its topology and the template the topology names, by their layout under one folder', async () => {
    const tmp = await tempDir();
    try {
      const file = await writeWorld(join(tmp.dir, 'site'));
      const files = await bundleRunFiles(file);
      assert.equal(files.root, join(tmp.dir, 'site'));
      assert.equal(files.experiment, 'experiments/carried.yaml');
      assert.equal(files.topology, 'topologies/two.yaml');
      assert.deepEqual(Object.keys(files.texts).sort(), ['experiments/carried.yaml', 'templates/eu.yaml', 'topologies/two.yaml']);
      assert.equal(files.texts['topologies/two.yaml'], TOPOLOGY);

      // --topology outranks environment.topology, as it does for a run here.
      const other = await tmp.write('other.yaml', 'availabilityZones: [a]\n');
      const overridden = await bundleRunFiles(file, { topology: other });
      assert.equal(overridden.root, tmp.dir);
      assert.equal(overridden.topology, 'other.yaml');
      assert.deepEqual(Object.keys(overridden.texts).sort(), ['other.yaml', 'site/experiments/carried.yaml']);

      const written = await materializeRunFiles(files, 'gd-20261203T150000Z-0a0b0c');
      try {
        assert.equal((await stat(written.dir)).mode & 0o777, 0o700, 'the folder is private to the worker');
        assert.match(written.dir, new RegExp(`gameday-run-gd-20261203T150000Z-0a0b0c-p${process.pid}-\\w{6}$`));
        assert.equal(written.topology, join(written.dir, 'topologies', 'two.yaml'));
        assert.equal(await readFile(join(written.dir, 'templates', 'eu.yaml'), 'utf8'), files.texts['templates/eu.yaml']);
        assert.equal(
          written.submitterPaths(`Cannot use topology ${written.topology}: no such file.`),
          `Cannot use topology ${join(tmp.dir, 'site', 'topologies', 'two.yaml')}: no such file.`,
        );
      } finally {
        await written.remove();
      }
      await assert.rejects(stat(written.dir), /ENOENT/);
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses in one sentence a template the topology names that is missing, files above 5 MB, and a path leaving its folder', async () => {
    const tmp = await tempDir();
    try {
      const file = await writeWorld(join(tmp.dir, 'site'));
      const template = join(tmp.dir, 'site', 'templates', 'eu.yaml');
      await rm(template);
      await assert.rejects(bundleRunFiles(file), (error: unknown) => {
        assert.ok(error instanceof GamedayError);
        assert.equal(error.exitCode, 2);
        assert.equal(
          error.message,
          `Cannot queue ${file}: ${template}, named by regions.0.template of ${join(tmp.dir, 'site', 'topologies', 'two.yaml')}, cannot be read: no such file.`,
        );
        return true;
      });
      await rm(join(tmp.dir, 'site', 'topologies', 'two.yaml'));
      await assert.rejects(bundleRunFiles(file), {
        message: `Cannot queue ${file}: its topology ${join(tmp.dir, 'site', 'topologies', 'two.yaml')}, named by environment.topology of ${file}, cannot be read: no such file.`,
      });

      const big = await tmp.write('big.yaml', `availabilityZones: [a]\n# ${'x'.repeat(RUN_FILES_MAX_BYTES)}\n`);
      await assert.rejects(bundleRunFiles(file, { topology: big }), {
        message: `Cannot queue ${file}: its files total 5.0 MB, more than the 5.0 MB a queued run carries (the largest is ${big}, 5.0 MB).`,
      });
      await assert.rejects(
        materializeRunFiles({ experiment: 'a.yaml', texts: { 'a.yaml': '', '../escape.yaml': '' }, root: '/' }, 'gd-20261203T150000Z-0a0b0c'),
        {
          message: "The queued run carries a file at '../escape.yaml', which is not a path inside its folder; submit it again.",
        },
      );
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('a queued run on another machine', { skip: SKIP_WITHOUT_REDIS }, () => {
  const suite = redisForSuite();

  it('runs with the topology and template it was submitted with after both are gone from the disk', async () => {
    const env = queueEnv(suite.redis());
    const site = join(suite.tmp().dir, 'site');
    const file = await writeWorld(site);
    const runId = await submitDetached(env, file);
    // The worker's machine has none of the submitter's files: the folder is gone before any worker starts.
    await rm(site, { recursive: true });
    const workerTmp = join(suite.tmp().dir, 'worker-tmp');
    await mkdir(workerTmp);
    const results = join(suite.tmp().dir, 'results');
    const worker = await startWorker({ ...env, TMPDIR: workerTmp } as typeof env, results);
    try {
      const done = await waitForStatus(env, runId, 'to finish', (s) => s.state === 'finished', 120_000);
      assert.equal(done.verdict, 'passed', done.reason);
      assert.equal(done.file, file, 'the run is still named by the submitter’s path');
      const journal = JSON.parse(await readFile(join(results, `${runId}.json`), 'utf8')) as Journal;
      const fault = journal.activities.find((a) => a.name === 'name-the-group');
      assert.match(String(fault?.output?.stdout ?? ''), /^eu-WebAutoScalingGroup-\w+\n?$/, JSON.stringify(fault?.output));
      // The private copy is removed once the run has ended.
      await waitFor('the run’s files to be removed', async () => (await readdir(workerTmp)).length === 0, { timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      await worker.stop();
    }
  });

  it('resumes a game day whose worker was killed during its second run: each of its three runs ran once, and all finished', async () => {
    const env = queueEnv(suite.redis());
    const tmp = suite.tmp();
    const ranLog = join(tmp.dir, 'ran.log');
    // The probe watches something of this test's own that stays up: its Redis.
    const redisPort = new URL(env.REDIS_URL).port;
    // Each run appends its experiment's name once when its fault starts; the second holds its fault long enough to be
    // killed in it.
    const experiment = (name: string, holdMs: number): Promise<string> =>
      tmp.write(
        `${name}.yaml`,
        `apiVersion: gameday/v1
metadata: { name: ${name} }
environment: { type: sim }
probes:
  - { name: redis-up, probe: tcp, args: { host: 127.0.0.1, port: ${redisPort} }, interval: 1s }
faults:
  - name: mark
    action: process.exec
    args:
      command: [node, -e, "require('fs').appendFileSync(process.argv[1], process.argv[2] + '\\\\n'); setTimeout(() => {}, Number(process.argv[3]))", "${ranLog}", "${name}", "${holdMs}"]
      timeout: 2m
recovery: { stableFor: 1s, timeout: 1m }
`,
      );
    const files = [await experiment('day-one', 0), await experiment('day-two', 60_000), await experiment('day-three', 0)];
    // Both workers on one machine: the second removes what the killed one left of the run it was in.
    const workerTmp = join(tmp.dir, 'game-day-tmp');
    await mkdir(workerTmp);
    const machine = { ...env, TMPDIR: workerTmp } as typeof env;
    const first = await startWorker(machine, join(tmp.dir, 'first'));
    let second: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const at = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
      const added = await gameday(['schedule', 'add', 'resumable', '--cron', cronAt(at, 'UTC'), ...files], { env: { ...env } });
      assert.equal(added.code, 0, added.stderr);
      const running = await waitFor(
        'the game day’s second run to be in its fault',
        async () => {
          const runs = await storedRuns(env);
          const two = runs.find((r) => r.experiment === 'day-two');
          return two?.state === 'running' && (await readFile(ranLog, 'utf8').catch(() => '')).includes('day-two') && two;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      await first.stop('SIGKILL');
      assert.equal((await readdir(workerTmp)).length, 1, 'the killed worker left the files of the run it was in');
      second = await startWorker(machine, join(tmp.dir, 'second'));
      const runs = await waitFor(
        'three finished runs',
        async () => {
          const all = await storedRuns(env);
          return all.length >= 3 && all.every((r) => r.state === 'finished') && all;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      await waitFor('the game day to end', async () => /game day resumable ran /.test(second?.stderr() ?? ''), { timeoutMs: 10_000, intervalMs: 100 });
      const byName = [...runs].sort((a, b) => a.submittedAt - b.submittedAt);
      assert.deepEqual(
        byName.map((r) => r.experiment),
        ['day-one', 'day-two', 'day-three'],
      );
      assert.equal(byName[1]?.runId, running.runId, 'the second run was not submitted again');
      assert.deepEqual(
        byName.map((r) => r.verdict),
        ['passed', 'aborted', 'passed'],
        JSON.stringify(byName.map((r) => r.reason)),
      );
      assert.match(byName[1]?.reason ?? '', /^worker lost: /);
      assert.deepEqual((await readFile(ranLog, 'utf8')).trim().split('\n'), ['day-one', 'day-two', 'day-three'], 'each fault ran once');
      // Resumed without a second jitter, and only once the lost run had ended.
      assert.match(second.stderr(), /game day resumable resumed after its worker was lost \(3 experiment\(s\), in sequence; 2 already submitted\)/);
      assert.ok((byName[2]?.submittedAt ?? 0) >= (byName[1]?.endedAt ?? Infinity), 'the third run was submitted after the second ended');
      assert.equal((await listRuns(env)).length, 3);
      assert.deepEqual(await readdir(workerTmp), [], 'no run left its files behind');
    } finally {
      await first.stop('SIGKILL');
      await second?.stop();
      await gameday(['schedule', 'remove', 'resumable'], { env: { ...env } });
    }
  });
});
