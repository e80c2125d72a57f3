/**
 * The LocalStack workflow's commands, run here against moto_server standing in for LocalStack (no Docker here).
 * LocalStack's community EC2 is moto underneath (AWS-FACTS §1.2), and Pro's Auto Scaling likely inherits moto's
 * synchronous relaunch, so moto gives the same mock semantics. The init hook itself (deploy-reference.sh, with an
 * `awslocal` that is `aws --endpoint-url`, which is all awslocal is) deploys the free tier's template through
 * CloudFormation; then each experiment step's exact `gameday` command runs with the workflow's environment, only
 * AWS_ENDPOINT_URL pointing at moto. Differences from LocalStack: moto serves every service on one port whatever
 * SERVICES says (so the journal's calls are checked against the tier's list here), and moto's stop/start and
 * terminate/relaunch are instant, as LocalStack's mock EC2 is.
 *
 * Availability: needs moto_server and the AWS CLI on PATH; skipped without them, failed under CI=true.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { gameday, ROOT, runProgram, tempDir } from '../support/cli.js';
import {
  composeTiers,
  experimentSteps,
  flagValue,
  hostPathOf,
  localStackExperiments,
  matchesGlob,
  readWorkflow,
  servicesOf,
  SIGNING_TO_LOCALSTACK,
  type ComposeService,
  type ExperimentStep,
  type LocalStackExperiment,
  type Workflow,
} from '../support/localstack-setup.js';
import { buildFixture, findOnPath, MOTO_CREDENTIALS, MOTO_REGION, motoAvailability, motoClients, startMoto, type Moto } from '../support/moto.js';

/** `run` when moto_server and the AWS CLI (the hook's awslocal) both work; otherwise skipped, or failed on CI. */
function availabilityOf(): { status: 'run' } | { status: 'skip' | 'fail'; reason: string } {
  const moto = motoAvailability();
  if (moto.status !== 'run') return moto;
  if (findOnPath('aws') === undefined) return { status: process.env.CI === 'true' ? 'fail' : 'skip', reason: 'the AWS CLI (aws) was not found on PATH' };
  return { status: 'run' };
}
const availability = availabilityOf();
const skip = availability.status === 'skip' ? availability.reason : false;

interface Journal {
  experiment: { name: string };
  verdict: { status: string };
  audit: { calls: { service: string; operation: string; ok: boolean }[] };
}

describe("the LocalStack workflow's commands against moto_server", { skip }, () => {
  let server: Moto;
  let tiers: { free: ComposeService; paid: ComposeService };
  let workflow: Workflow;
  let runs: ExperimentStep[];
  let experiments: LocalStackExperiment[];
  let shims: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    if (availability.status === 'fail') throw new Error(availability.reason);
    server = await startMoto();
    tiers = await composeTiers();
    workflow = await readWorkflow();
    runs = experimentSteps(Object.values(workflow.jobs)[0]?.steps ?? []);
    experiments = await localStackExperiments();
    shims = await tempDir('gameday-awslocal-');
    // awslocal is the AWS CLI pointed at LocalStack's gateway; here the gateway is moto's.
    await shims.write('awslocal', '#!/usr/bin/env bash\nexec aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n');
    await runProgram('chmod', ['+x', join(shims.dir, 'awslocal')]);
  });

  after(async () => {
    await shims?.cleanup();
    await server?.close();
  });

  /** The workflow job's environment, with LocalStack's gateway replaced by moto's. */
  function workflowEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(Object.values(workflow.jobs)[0]?.env ?? {}) };
    delete env.LOCALSTACK_AUTH_TOKEN;
    return { ...env, AWS_ENDPOINT_URL: server.endpoint, ...extra };
  }

  /** Runs a workflow step's gameday command in a fresh folder (its relative --results/--report land there). */
  async function runStep(
    run: ExperimentStep,
    env: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; stderr: string; dir: string; journal: Journal; junit: { path: string; text: string } }> {
    const work = await tempDir('gameday-localstack-run-');
    const args = run.args.map((a, i) => (i === 1 ? join(ROOT, a) : a));
    const result = await gameday(args, { cwd: work.dir, env, timeoutMs: 180_000 });
    const resultsDir = join(work.dir, flagValue(run.args, '--results') ?? 'gameday-results');
    const journals = (await readdir(resultsDir)).filter((f) => f.endsWith('.json'));
    assert.equal(journals.length, 1, `one journal in ${resultsDir}: ${result.stderr}`);
    const journal = JSON.parse(await readFile(join(resultsDir, journals[0] ?? ''), 'utf8')) as Journal;
    const reportDir = flagValue(run.args, '--report') ?? '?';
    const glob = String(Object.values(workflow.jobs)[0]?.steps.find((s) => s.uses?.startsWith('dorny/test-reporter@'))?.with?.path);
    const junitFiles = (await readdir(join(work.dir, reportDir))).map((f) => `${reportDir}/${f}`).filter((f) => matchesGlob(glob, f));
    assert.equal(junitFiles.length, 1, `the published glob ${glob} finds the run's JUnit file`);
    const path = join(work.dir, junitFiles[0] ?? '');
    return { code: result.code, stderr: result.stderr, dir: work.dir, journal, junit: { path, text: await readFile(path, 'utf8') } };
  }

  function assertCallsWithin(journal: Journal, services: readonly string[], tier: string): void {
    const called = new Set(journal.audit.calls.map((c) => SIGNING_TO_LOCALSTACK[c.service] ?? c.service));
    assert.ok(called.size > 0, 'the journal records the AWS calls');
    // moto answers any service; LocalStack loads only SERVICES, so a call outside it would fail there.
    for (const s of called) assert.ok(services.includes(s), `the run called ${s}, which the ${tier} tier does not load`);
  }

  it('free tier: the init hook deploys the EC2 fleet with CloudFormation, and each free experiment passes and writes its JUnit report', async () => {
    await server.reset();
    const free = tiers.free;
    const template = hostPathOf(free, free.environment.GAMEDAY_STACK_TEMPLATE?.default ?? '');
    assert.ok(template !== undefined);
    const stackName = free.environment.GAMEDAY_STACK_NAME?.default ?? '';
    const hook = await runProgram(join(ROOT, 'localstack', 'init', 'ready.d', 'deploy-reference.sh'), [], {
      env: {
        ...process.env,
        ...workflowEnv(),
        PATH: `${shims.dir}:${process.env.PATH ?? ''}`,
        GAMEDAY_STACK_NAME: stackName,
        GAMEDAY_STACK_TEMPLATE: template,
        GAMEDAY_STACK_PARAMETERS: free.environment.GAMEDAY_STACK_PARAMETERS?.default ?? '',
      },
      timeoutMs: 120_000,
    });
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, new RegExp(`stack ${stackName} is CREATE_COMPLETE`));

    const config = { region: MOTO_REGION, endpoint: server.endpoint, credentials: MOTO_CREDENTIALS };
    const cfn = new CloudFormationClient(config);
    const clients = motoClients(server.endpoint);
    try {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      assert.equal(stack?.StackStatus, 'CREATE_COMPLETE');
      const fleet = await clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:gameday:fleet', Values: ['web'] },
            { Name: 'tag:gameday:allowed', Values: ['true'] },
          ],
        }),
      );
      const instances = (fleet.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      assert.equal(instances.length, 3);
      assert.deepEqual(instances.map((i) => i.Placement?.AvailabilityZone).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
      assert.ok(instances.every((i) => i.State?.Name === 'running'));

      const freeRuns = runs.filter((r) => experiments.find((e) => e.file === r.file)?.tier === 'free');
      assert.ok(freeRuns.length > 0);
      for (const run of freeRuns) {
        const out = await runStep(run, workflowEnv());
        try {
          assert.equal(out.code, 0, `${run.file}: ${out.stderr}`);
          assert.equal(out.journal.verdict.status, 'passed');
          assert.match(out.junit.text, new RegExp(`<testsuite name="${out.journal.experiment.name}" tests="\\d+" failures="0" errors="0"`));
          assertCallsWithin(out.journal, servicesOf(free), 'free');
        } finally {
          await runProgram('rm', ['-rf', out.dir]);
        }
      }
      // The stop's undo started the instance again: the fleet is whole for the next experiment.
      const whole = await clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:gameday:fleet', Values: ['web'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      );
      assert.equal((whole.Reservations ?? []).flatMap((r) => r.Instances ?? []).length, 3);
    } finally {
      cfn.destroy();
      clients.destroy();
    }
  });

  it('paid tier: each paid experiment passes against an Auto Scaling group and writes its JUnit report', async () => {
    await server.reset();
    // The reference architecture is written on another branch: the group the stack would hold is built directly,
    // named as the workflow's "Read the stack's outputs" step would export it.
    const clients = motoClients(server.endpoint);
    try {
      const fixture = await buildFixture(clients, 3);
      const paidRuns = runs.filter((r) => experiments.find((e) => e.file === r.file)?.tier === 'paid');
      assert.ok(paidRuns.length > 0);
      for (const run of paidRuns) {
        const out = await runStep(run, workflowEnv({ GAMEDAY_ASG_NAME: fixture.asgName }));
        try {
          assert.equal(out.code, 0, `${run.file}: ${out.stderr}`);
          assert.equal(out.journal.verdict.status, 'passed');
          assert.match(out.junit.text, /failures="0"/);
          assertCallsWithin(out.journal, servicesOf(tiers.paid), 'paid');
          // moto relaunched inside TerminateInstances, as LocalStack's mock EC2 likely does: a terminate landed.
          assert.ok(out.journal.audit.calls.some((c) => c.operation === 'TerminateInstances' && c.ok));
        } finally {
          await runProgram('rm', ['-rf', out.dir]);
        }
      }
    } finally {
      clients.destroy();
    }
  });
});
