import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gameday, ROOT, tempDir } from '../support/cli.js';
import { SKIP_WITHOUT_REDIS, startRedis } from '../support/redis.js';
import { allInstances, armApiFault, requestLog, startSim, type Sim } from '../support/sim.js';

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The machine's AWS configuration kept out of the child: no profile, keys, files or instance metadata. */
const NO_AWS = {
  AWS_PROFILE: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_CONFIG_FILE: '/nonexistent/gameday-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/gameday-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  REDIS_URL: '',
  GAMEDAY_ALLOWED_ACCOUNT_IDS: '',
};

interface DoctorJson {
  ready: boolean;
  environment: { type: string; region: string; endpoint: string | null; retryMode: string };
  checks: { check: string; status: string; detail: string }[];
}

const lines = (stdout: string, status: string): string[] => stdout.split('\n').filter((l) => l.startsWith(`${status} `));

describe('gameday doctor against a simulated region', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ speed: 50 });
  });
  after(async () => {
    await sim.close();
  });

  it('passes every check, names account, region and endpoint, and changes nothing', async () => {
    const before = await allInstances(sim.ec2);
    const res = await gameday(['doctor', '--endpoint', sim.endpoint], { env: NO_AWS });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(res.stderr, '');
    assert.match(res.stdout, new RegExp(`^doctor: no experiment \\(sim, us-east-1, ${sim.endpoint}, standard retries\\)`));
    assert.match(res.stdout, new RegExp(`^ok +endpoint +${sim.endpoint} answers: a simulated region, ready$`, 'm'));
    assert.match(res.stdout, /^ok +credentials +the simulated region's fixed credentials, access key AKID…0000$/m);
    assert.match(res.stdout, /^ok +identity +account 123456789012 as arn:aws:iam::123456789012:user\/gameday-sim$/m);
    assert.match(res.stdout, /^ok +permission ec2:TerminateInstances +dry-run: allowed \(DryRun answered DryRunOperation\)$/m);
    assert.match(res.stdout, /^ok +permission rds:FailoverDBCluster +simulate: allowed by the policies of arn:aws:iam::123456789012:user\/gameday-sim/m);
    assert.match(res.stdout, /^skip +redis +not configured/m);
    assert.deepEqual([...lines(res.stdout, 'warn'), ...lines(res.stdout, 'fail')], []);
    assert.match(res.stdout, /^ready: \d+ ok, 0 warnings, 0 failed, 1 skipped$/m);

    // Dry runs only: every mutating EC2 call was answered DryRunOperation, and every instance is as it was.
    const mutating = (await requestLog(sim.endpoint)).filter((r) => r.service === 'ec2' && /^(Terminate|Stop|Start|Reboot)Instances$/.test(r.action));
    assert.deepEqual([...new Set(mutating.map((r) => r.action))].sort(), ['RebootInstances', 'StartInstances', 'StopInstances', 'TerminateInstances']);
    assert.ok(
      mutating.every((r) => r.errorCode === 'DryRunOperation'),
      JSON.stringify(mutating),
    );
    assert.deepEqual(
      (await allInstances(sim.ec2)).map((i) => [i.InstanceId, i.State?.Name]),
      before.map((i) => [i.InstanceId, i.State?.Name]),
    );
  });

  it('says which permissions are denied and which could not be checked (--json)', async () => {
    await armApiFault(sim.endpoint, { service: 'ec2', action: 'StopInstances', error: 'UnauthorizedOperation' });
    await armApiFault(sim.endpoint, { service: 'iam', action: 'SimulatePrincipalPolicy', error: 'AccessDenied' });
    const res = await gameday(['doctor', '--endpoint', sim.endpoint, '--json'], { env: NO_AWS });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const out = JSON.parse(res.stdout) as DoctorJson;
    assert.equal(out.ready, false);
    assert.deepEqual(out.environment, { type: 'sim', region: 'us-east-1', endpoint: sim.endpoint, profile: null, retryMode: 'standard', maxAttempts: 3 });
    const stop = out.checks.find((c) => c.check === 'permission ec2:StopInstances');
    assert.deepEqual(stop, {
      check: 'permission ec2:StopInstances',
      status: 'fail',
      detail: 'dry-run: denied (DryRun answered UnauthorizedOperation): grant ec2:StopInstances to the caller',
    });
    const simulated = out.checks.filter((c) => c.detail.startsWith('simulate:'));
    assert.ok(simulated.length > 0);
    for (const c of simulated)
      assert.deepEqual(
        [c.status, c.detail],
        [
          'warn',
          'simulate: could not be checked: the caller may not call iam:SimulatePrincipalPolicy (AccessDenied); grant it, or trust the first run to tell',
        ],
      );
    assert.deepEqual(
      out.checks.filter((c) => c.status === 'fail').map((c) => c.check),
      ['permission ec2:StopInstances'],
    );
  });

  it('checks the world and the permissions an experiment file names, and its account allow-list', async () => {
    const tmp = await tempDir();
    try {
      const text = await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8');
      const edited = text.replace(
        /environment:\n {2}type: sim\n/,
        `environment:\n  type: sim\n  endpoint: ${sim.endpoint}\n  allowedAccountIds: ["210987654321"]\n`,
      );
      assert.notEqual(edited, text, 'test setup: environment block not found');
      const file = await tmp.write('exp.yaml', edited);
      const res = await gameday(['doctor', file], { env: NO_AWS });
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(
        res.stdout,
        /^fail +identity +account 123456789012 as arn:aws:iam::123456789012:user\/gameday-sim, which is not in the experiment's allowedAccountIds \(210987654321\): use credentials of an allowed account, or fix the list$/m,
      );
      // Only what terminate-one-instance calls: EC2, and the probes' services.
      const checked = res.stdout
        .split('\n')
        .filter((l) => / permission /.test(` ${l}`))
        .map((l) => /permission (\S+)/.exec(l)?.[1]);
      assert.ok(checked.includes('ec2:TerminateInstances'), res.stdout);
      assert.ok(!checked.includes('rds:FailoverDBCluster'), res.stdout);
      assert.ok(!checked.includes('fis:StartExperiment'), res.stdout);
    } finally {
      await tmp.cleanup();
    }
  });

  it('reports an unreachable Redis in one line', async () => {
    const port = await deadPort();
    const res = await gameday(['doctor', '--endpoint', sim.endpoint, '--redis', `redis://127.0.0.1:${port}`], { env: NO_AWS });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(res.stderr, '');
    assert.deepEqual(lines(res.stdout, 'fail'), [
      `fail  redis                                                 Cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}: start it, or fix --redis / REDIS_URL`,
    ]);
  });

  it('finds a running Redis', { skip: SKIP_WITHOUT_REDIS }, async () => {
    const redis = await startRedis();
    try {
      const res = await gameday(['doctor', '--endpoint', sim.endpoint, '--json'], { env: { ...NO_AWS, REDIS_URL: redis.url } });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const check = (JSON.parse(res.stdout) as DoctorJson).checks.find((c) => c.check === 'redis');
      assert.equal(check?.status, 'ok');
      assert.match(check?.detail ?? '', new RegExp(`^redis://127.0.0.1:${redis.port} answers \\(Redis \\d`));
    } finally {
      await redis.stop();
    }
  });
});

describe('gameday doctor with nothing at the endpoint', () => {
  it('fails in one clear line, skips what depends on it, and prints no stack trace', async () => {
    const port = await deadPort();
    const res = await gameday(['doctor', '--endpoint', `http://127.0.0.1:${port}`], { env: NO_AWS });
    assert.equal(res.code, 1);
    assert.equal(res.stderr, '');
    assert.deepEqual(lines(res.stdout, 'fail'), [
      `fail  endpoint     nothing answers at http://127.0.0.1:${port} (connection refused: nothing listens there): start one with \`gameday sim --port <port>\`, or fix --endpoint or environment.endpoint`,
    ]);
    assert.deepEqual(
      lines(res.stdout, 'skip').map((l) => l.split(/ +/)[1]),
      ['credentials', 'identity', 'permissions', 'redis'],
    );
    assert.doesNotMatch(res.stdout, /\n\s+at /);
    assert.match(res.stdout, /^not ready: 1 ok, 0 warnings, 1 failed, 4 skipped$/m);
  });

  it('refuses bad options with exit code 2', async () => {
    const bad = await gameday(['doctor', '--endpoint', 'localhost:4566'], { env: NO_AWS });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--endpoint needs an http:\/\/ or https:\/\/ URL, got 'localhost:4566'/);
    const profile = await gameday(['doctor', '--environment', 'sim', '--profile', 'prod'], { env: NO_AWS });
    assert.equal(profile.code, 2);
    assert.equal(profile.stderr, 'error: --profile names credentials of a live account; it applies to --environment aws, not sim.\n');
    // The same for a run or plan of an experiment that does not run against aws: nothing starts.
    const experiment = join(ROOT, 'experiments', 'terminate-one-instance.yaml');
    const plan = await gameday(['plan', experiment, '--profile', 'prod'], { env: NO_AWS });
    assert.equal(plan.code, 2);
    assert.equal(plan.stderr, `error: --profile names credentials of a live account, but ${experiment} runs on sim (environment.type); leave --profile out.\n`);
  });

  it('says which credentials are missing for a live account, and how to get them', async () => {
    // An endpoint that answers HTTP but is no AWS: credentials are looked for before anything is signed.
    const server = createHttpServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await gameday(['doctor', '--environment', 'aws', '--endpoint', `http://127.0.0.1:${port}`, '--profile', 'chaos'], { env: NO_AWS });
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stdout, /^warn +region +no region is set, so gameday uses us-east-1/m);
      assert.match(
        res.stdout,
        /^fail +credentials +none found \(.+\): check that profile chaos exists in ~\/\.aws\/config \(or AWS_CONFIG_FILE\); for an SSO profile, run `aws sso login --profile chaos`$/m,
      );
      assert.deepEqual(
        lines(res.stdout, 'skip').map((l) => l.split(/ +/)[1]),
        ['identity', 'permissions', 'redis'],
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
