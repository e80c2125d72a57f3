/**
 * The LocalStack set-up's structure, read as docker compose and GitHub Actions read it: pinned images and actions, the
 * services each tier loads covering what its experiments call, the init hook and template wired through the
 * volumes, and a workflow that runs exactly the experiments under experiments/localstack/ and publishes the JUnit
 * files `gameday run --report` writes. (LocalStack itself cannot run here: no Docker. The commands are run against
 * moto_server in moto-run.test.ts.)
 */
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { capabilityMatrix, servicesUsed } from '../../src/registry/capability-matrix.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { gameday, ROOT } from '../support/cli.js';
import {
  COMMUNITY_SERVICES,
  COMPOSE_FILE,
  COMPOSE_PRO_FILE,
  composeTiers,
  experimentSteps,
  flagValue,
  hostPathOf,
  localStackExperiments,
  matchesGlob,
  readWorkflow,
  servicesOf,
  type ComposeService,
  type LocalStackExperiment,
  type Workflow,
  type WorkflowStep,
  WORKFLOW_FILE,
} from '../support/localstack-setup.js';

const PINNED_TAG = /^localstack\/localstack(-pro)?:\d+\.\d+\.\d+$/;
const PINNED_ACTION = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

/**
 * The pinned commits and the release each is, with the inputs that release's action.yml declares: verified against
 * the actions' own repositories on 2026-12-02 (`git tag --points-at <sha>`, `git show <sha>:action.yml`). A pin
 * changed without its row here, or a comment naming another release, fails the test.
 */
const VERIFIED_PINS: Readonly<Record<string, { tag: string; inputs: readonly string[] }>> = {
  'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683': {
    tag: 'v4.2.2',
    inputs: [
      'repository',
      'ref',
      'token',
      'ssh-key',
      'ssh-known-hosts',
      'ssh-strict',
      'ssh-user',
      'persist-credentials',
      'path',
      'clean',
      'filter',
      'sparse-checkout',
      'sparse-checkout-cone-mode',
      'fetch-depth',
      'fetch-tags',
      'show-progress',
      'lfs',
      'submodules',
      'set-safe-directory',
      'github-server-url',
    ],
  },
  'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020': {
    tag: 'v4.4.0',
    inputs: [
      'always-auth',
      'node-version',
      'node-version-file',
      'architecture',
      'check-latest',
      'registry-url',
      'scope',
      'token',
      'cache',
      'cache-dependency-path',
      'mirror',
      'mirror-token',
    ],
  },
  // v1.9.1 is 31a54ee7ebcacc03a09ea97a7e5465a47b84aea5; this commit is v2.1.1.
  'dorny/test-reporter@dc3a92680fcc15842eef52e8c4606ea7ce6bd3f3': {
    tag: 'v2.1.1',
    inputs: [
      'artifact',
      'name',
      'path',
      'path-replace-backslashes',
      'reporter',
      'list-suites',
      'list-tests',
      'max-annotations',
      'fail-on-error',
      'fail-on-empty',
      'working-directory',
      'only-summary',
      'use-actions-summary',
      'badge-title',
      'token',
    ],
  },
  'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02': {
    tag: 'v4.6.2',
    inputs: ['name', 'path', 'if-no-files-found', 'retention-days', 'compression-level', 'overwrite', 'include-hidden-files'],
  },
};

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

describe('the LocalStack set-up', () => {
  let tiers: { free: ComposeService; paid: ComposeService };
  let workflow: Workflow;
  let steps: WorkflowStep[];
  let experiments: LocalStackExperiment[];

  before(async () => {
    tiers = await composeTiers();
    workflow = await readWorkflow();
    const job = Object.values(workflow.jobs)[0];
    assert.ok(job !== undefined, 'the workflow has a job');
    steps = job.steps;
    experiments = await localStackExperiments();
  });

  describe('docker-compose.yml and docker-compose.pro.yml', () => {
    it('pin both images to one release, free by default and Pro in the override', () => {
      const free = tiers.free.image;
      const paid = tiers.paid.image;
      assert.ok(free?.default !== undefined && paid?.default !== undefined, 'both tiers name an image with a default');
      assert.match(free.default, PINNED_TAG);
      assert.match(paid.default, PINNED_TAG);
      assert.ok(free.default.startsWith('localstack/localstack:'), `free tier image ${free.default}`);
      assert.ok(paid.default.startsWith('localstack/localstack-pro:'), `paid tier image ${paid.default}`);
      assert.equal(free.default.split(':')[1], paid.default.split(':')[1], 'the same LocalStack release in both tiers');
      // Overridable, but never `latest` by default (since 2026-03-23 latest needs a token).
      assert.equal(free.name, 'LOCALSTACK_IMAGE');
      assert.equal(paid.name, 'LOCALSTACK_PRO_IMAGE');
    });

    it('take the auth token from the environment: optional for free, required (with a message) for Pro', () => {
      const free = tiers.free.environment.LOCALSTACK_AUTH_TOKEN;
      const paid = tiers.paid.environment.LOCALSTACK_AUTH_TOKEN;
      assert.equal(free?.name, 'LOCALSTACK_AUTH_TOKEN');
      assert.equal(free?.default, '');
      assert.equal(paid?.name, 'LOCALSTACK_AUTH_TOKEN');
      assert.equal(paid?.required, true);
      assert.match(paid?.raw ?? '', /needs LOCALSTACK_AUTH_TOKEN/);
    });

    it('publish the gateway on port 4566 (and the RDS ports for Pro)', () => {
      assert.ok(
        tiers.free.ports.some((p) => /(^|:)4566:4566$/.test(p)),
        tiers.free.ports.join(', '),
      );
      assert.ok(
        tiers.paid.ports.some((p) => p.endsWith('4510-4559:4510-4559')),
        tiers.paid.ports.join(', '),
      );
    });

    it("mount the ready.d hook, and each tier's template resolves to a mounted host path", async () => {
      for (const [tier, service] of Object.entries(tiers)) {
        const hook = hostPathOf(service, '/etc/localstack/init/ready.d/deploy-reference.sh');
        assert.equal(hook, join(ROOT, 'localstack', 'init', 'ready.d', 'deploy-reference.sh'), tier);
        assert.ok(await executable(hook), `${hook} is executable (LocalStack runs only executable .sh hooks)`);
        const template = service.environment.GAMEDAY_STACK_TEMPLATE?.default ?? '';
        assert.ok(template !== '', `${tier}: GAMEDAY_STACK_TEMPLATE has a default`);
        const host = hostPathOf(service, template);
        assert.ok(host !== undefined, `${tier}: ${template} is inside a mounted folder`);
        if (tier === 'free') assert.equal(host, join(ROOT, 'localstack', 'templates', 'ec2-fleet.yaml'));
        // The reference architecture is written on another branch; only its place is fixed here.
        else assert.equal(host, join(ROOT, 'infra', 'reference-architecture.yaml'));
      }
      assert.ok(await stat(join(ROOT, 'localstack', 'templates', 'ec2-fleet.yaml')).then((s) => s.isFile()));
    });

    it('load only community services in the free tier, and in each tier every service its experiments call', () => {
      const free = servicesOf(tiers.free);
      const paid = servicesOf(tiers.paid);
      for (const s of free) assert.ok(COMMUNITY_SERVICES.includes(s), `the free tier lists ${s}, which the community image does not have`);
      // What the init hook's deployment calls.
      for (const s of ['cloudformation', 'iam']) {
        assert.ok(free.includes(s), `free lists ${s}`);
        assert.ok(paid.includes(s), `paid lists ${s}`);
      }
      for (const e of experiments) {
        const listed = e.tier === 'free' ? free : paid;
        for (const s of servicesUsed(defaultRegistry(), e.ids, { alarms: e.alarms }))
          assert.ok(listed.includes(s), `${e.file} calls ${s}, which the ${e.tier} tier's SERVICES leaves out`);
      }
      // Everything the brief's reference architecture needs is in the paid list.
      for (const s of ['ec2', 'autoscaling', 'elbv2', 'rds', 'route53', 'fis', 'sts', 'cloudwatch']) assert.ok(paid.includes(s), `paid lists ${s}`);
    });
  });

  describe('experiments/localstack/', () => {
    it('has experiments, each for one tier, against LocalStack at AWS_ENDPOINT_URL', () => {
      assert.ok(
        experiments.some((e) => e.tier === 'free'),
        'at least one runs on the free tier',
      );
      for (const e of experiments) {
        assert.ok(e.tier !== undefined, `${e.file} is tagged localstack-free or localstack-paid`);
        assert.equal(e.environment.type, 'localstack', e.file);
        assert.match(e.environment.endpoint ?? '', /^\$\{env:AWS_ENDPOINT_URL(:-http:\/\/localhost\.localstack\.cloud:4566)?\}$/, e.file);
      }
    });

    it('uses only actions and probes the capability matrix says its tier can serve (no workload probes)', () => {
      for (const e of experiments) {
        const column = e.tier === 'free' ? 'localstack-free' : 'localstack-paid';
        for (const id of e.ids) {
          const row = capabilityMatrix(defaultRegistry()).find((r) => r.id === id);
          assert.ok(row !== undefined, `${e.file}: ${id} is in the matrix`);
          assert.notEqual(row.support[column].support, 'no', `${e.file} uses ${id}, which ${column} cannot serve: ${row.support[column].note ?? ''}`);
          assert.ok(row.services.length > 0, `${e.file} uses ${id}, which probes a workload; LocalStack runs none`);
        }
      }
    });

    it('validate', async () => {
      const result = await gameday(['validate', ...experiments.map((e) => e.file)], { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('ok: ')).length,
        experiments.length,
      );
    });
  });

  describe('.github/workflows/localstack.yml', () => {
    it('pins every action to a commit SHA and the runner to a release', () => {
      const uses = steps.flatMap((s) => (s.uses === undefined ? [] : [s.uses]));
      assert.ok(uses.length >= 3, uses.join(', '));
      for (const u of uses) assert.match(u, PINNED_ACTION, `${u} is pinned to a commit`);
      for (const job of Object.values(workflow.jobs)) assert.doesNotMatch(job['runs-on'], /latest/);
    });

    it('names the release of every pinned action in a comment, and passes only inputs that release declares', async () => {
      const text = await readFile(WORKFLOW_FILE, 'utf8');
      const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
      assert.equal(lines.length, steps.filter((s) => s.uses !== undefined).length, 'every uses: line is read');
      for (const line of lines) {
        const m = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(line);
        assert.ok(m !== null, `'${line.trim()}' carries a '# vX.Y.Z' comment after its commit`);
        const [, action = '', sha = '', tag = ''] = m;
        const verified = VERIFIED_PINS[`${action}@${sha}`];
        assert.ok(verified !== undefined, `${action}@${sha} is in the table of pins verified against the action's repository`);
        assert.equal(tag, verified.tag, `${action}@${sha} is ${verified.tag}, not ${tag}`);
      }
      for (const step of steps) {
        if (step.uses === undefined) continue;
        const verified = VERIFIED_PINS[step.uses];
        for (const input of Object.keys(step.with ?? {})) {
          assert.ok(verified?.inputs.includes(input), `${step.uses} (${verified?.tag ?? '?'}) declares no input '${input}'`);
        }
      }
    });

    it('starts LocalStack from the compose files (Pro only with the token) and waits for the init hook', async () => {
      const text = steps.map((s) => s.run ?? '').join('\n');
      const composeFiles = [...text.matchAll(/COMPOSE_FILE=([^"\s]+)/g)].map((m) => m[1] ?? '');
      assert.deepEqual(composeFiles, ['localstack/docker-compose.yml:localstack/docker-compose.pro.yml', 'localstack/docker-compose.yml']);
      assert.deepEqual([...new Set(composeFiles.flatMap((f) => f.split(':')))].map((f) => join(ROOT, f)).sort(), [COMPOSE_FILE, COMPOSE_PRO_FILE].sort());
      assert.match(text, /if \[ -n "\$LOCALSTACK_AUTH_TOKEN" \]; then\n\s+echo "tier=paid"/);
      const order = (needle: RegExp): number => steps.findIndex((s) => needle.test(s.run ?? ''));
      const up = order(/^docker compose up --detach$/m);
      const wait = order(/^localstack\/wait-ready\.sh$/m);
      const firstRun = order(/node bin\/gameday\.js run /);
      assert.ok(up >= 0 && wait > up && firstRun > wait, `compose up (${up}), then wait-ready (${wait}), then the experiments (${firstRun})`);
      assert.ok(await executable(join(ROOT, 'localstack', 'wait-ready.sh')));
      assert.ok(
        steps.some((s) => s.if === '${{ always() }}' && /docker compose down/.test(s.run ?? '')),
        'LocalStack is stopped whatever happened',
      );
    });

    it("points gameday at the published gateway with a region and LocalStack's test credentials", () => {
      const env = Object.values(workflow.jobs)[0]?.env ?? {};
      assert.equal(env.AWS_ENDPOINT_URL, 'http://127.0.0.1:4566');
      assert.ok(tiers.free.ports.includes('127.0.0.1:4566:4566'), 'the gateway is published on 127.0.0.1:4566');
      assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
      assert.equal(env.AWS_ACCESS_KEY_ID, 'test');
      assert.equal(env.AWS_SECRET_ACCESS_KEY, 'test');
      assert.equal(env.LOCALSTACK_AUTH_TOKEN, '${{ secrets.LOCALSTACK_AUTH_TOKEN }}');
    });

    it('reads the Auto Scaling group from the stack the init hook deploys', () => {
      const read = steps.find((s) => /describe-stacks/.test(s.run ?? ''));
      assert.ok(read !== undefined);
      assert.match(read.run ?? '', new RegExp(`--stack-name ${tiers.paid.environment.GAMEDAY_STACK_NAME?.default ?? '?'} `));
      assert.match(read.run ?? '', /GAMEDAY_ASG_NAME=/);
    });

    it('runs exactly the experiments under experiments/localstack/, each once, the paid ones only on the paid tier', () => {
      const runs = experimentSteps(steps);
      assert.deepEqual(runs.map((r) => r.file).sort(), experiments.map((e) => e.file).sort());
      for (const r of runs) {
        const e = experiments.find((x) => x.file === r.file);
        assert.equal(r.args[0], 'run');
        assert.match(r.step.if ?? '', /!cancelled\(\)/, `${r.file} runs even after an earlier experiment failed`);
        if (e?.tier === 'paid') assert.match(r.step.if ?? '', /steps\.tier\.outputs\.tier == 'paid'/, r.file);
        else assert.doesNotMatch(r.step.if ?? '', /tier/, r.file);
      }
    });

    it('publishes and uploads the JUnit files that gameday run --report writes', () => {
      const runs = experimentSteps(steps);
      const dirs = new Set(runs.map((r) => flagValue(r.args, '--report')));
      assert.equal(dirs.size, 1, 'one report folder');
      const [dir] = [...dirs];
      assert.ok(dir !== undefined);
      const publish = steps.find((s) => s.uses?.startsWith('dorny/test-reporter@'));
      assert.ok(publish !== undefined, 'a test-report step');
      const glob = String(publish.with?.path);
      assert.equal(publish.with?.reporter, 'java-junit');
      // gameday run --report DIR writes DIR/<run id>.junit.xml (src/cli/run.ts writeReports).
      assert.ok(matchesGlob(glob, `${dir}/gd-20261130T025013Z-8f9967.junit.xml`), `${glob} matches what --report ${dir} writes`);
      assert.ok(!matchesGlob(glob, `${dir}/gd-20261130T025013Z-8f9967.md`));
      const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      assert.ok(
        String(upload?.with?.path)
          .split('\n')
          .map((l) => l.trim().replace(/\/$/, ''))
          .includes(dir),
        'the report folder is uploaded',
      );
      const results = new Set(runs.map((r) => flagValue(r.args, '--results')));
      assert.equal(results.size, 1);
      assert.ok(String(upload?.with?.path).includes(`${[...results][0] ?? '?'}/`), 'the journals are uploaded');
    });
  });
});
