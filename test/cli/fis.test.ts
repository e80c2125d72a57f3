/**
 * `gameday fis export`, `gameday fis import` and `run --via-fis`, through the real binary: templates the simulated
 * FIS accepts and runs, experiments that validate, and every fault one side cannot express named, never dropped.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateExperimentTemplateCommand, FisClient } from '@aws-sdk/client-fis';
import { parse } from 'yaml';
import { gameday, ROOT, tempDir } from '../support/cli.js';
import { CREDENTIALS, startSim } from '../support/sim.js';

const ROLE = 'arn:aws:iam::123456789012:role/gameday-fis';

describe('gameday fis export / import', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => tmp.cleanup());

  it("exports an experiment's faults as a template the simulated FIS accepts: targets, selection, startInstancesAfterDuration, alarm stop conditions", async () => {
    const out = join(tmp.dir, 'stop-half.json');
    const r = await gameday(['fis', 'export', 'experiments/stop-half-fleet.yaml', '--role-arn', ROLE, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const template = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    // The opt-in (safety.requireTags) travels as resourceTags, which FIS ANDs with the fault's own.
    assert.deepEqual(template.targets, {
      'stop-half': {
        resourceType: 'aws:ec2:instance',
        resourceTags: { 'aws:autoscaling:groupName': 'web-asg', 'gameday:allowed': 'true' },
        selectionMode: 'PERCENT(50)',
      },
    });
    assert.deepEqual(template.actions, {
      'stop-half': { actionId: 'aws:ec2:stop-instances', targets: { Instances: 'stop-half' }, parameters: { startInstancesAfterDuration: 'PT2M' } },
    });
    assert.equal(template.roleArn, ROLE);
    assert.match(r.stderr, /create it with: aws fis create-experiment-template --cli-input-json file:\/\//);
    // FIS rounds PERCENT(n) down where gameday rounds up: the difference is named, not hidden.
    assert.match(r.stderr, /selection: PERCENT\(50\): FIS rounds the share down/);

    // The alarm stop condition becomes the alarm's ARN in the experiment's account; the zone's databases are named as not expressed.
    const az = await gameday(['fis', 'export', 'experiments/az-outage.yaml']);
    assert.equal(az.code, 0, az.stderr);
    const azTemplate = JSON.parse(az.stdout) as {
      stopConditions: unknown;
      actions: Record<string, { actionId: string }>;
      targets: Record<string, { filters: unknown }>;
    };
    assert.deepEqual(azTemplate.stopConditions, [
      { source: 'aws:cloudwatch:alarm', value: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-healthy-hosts' },
    ]);
    assert.equal(azTemplate.actions['lose-us-east-1a']?.actionId, 'aws:ec2:terminate-instances');
    assert.deepEqual(azTemplate.targets['lose-us-east-1a']?.filters, [{ path: 'Placement.AvailabilityZone', values: ['us-east-1a'] }]);
    assert.match(
      az.stderr,
      /warning: not expressed in the template: fault 'lose-us-east-1a' \(aws\.scenario\.az-outage\), its database failovers: FIS selects databases by ARN or tag/,
    );

    // What the export wrote is what CreateExperimentTemplate takes.
    const sim = await startSim({ speed: 30, ready: false });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      for (const body of [template, azTemplate]) {
        const created = await fis.send(new CreateExperimentTemplateCommand({ ...(body as object), clientToken: String(Math.random()) } as never));
        assert.match(created.experimentTemplate?.id ?? '', /^EXT/);
      }
    } finally {
      fis.destroy();
      await sim.close();
    }
  });

  it('carries each safety field into the template where FIS can hold it exactly, and names it on stderr where it cannot', async () => {
    const base = await readFile(join(ROOT, 'experiments', 'stop-half-fleet.yaml'), 'utf8');
    /** Exports stop-half-fleet with other targets and safety section; the template and what stderr names. */
    const exportWith = async (name: string, targets: string, safety: string): Promise<{ targets: Record<string, Record<string, unknown>>; stderr: string }> => {
      const file = await tmp.write(
        `${name}.yaml`,
        base
          .replace(/ {4}targets:\n[\s\S]*?\n {4}duration:/, `    targets: ${targets}\n    duration:`)
          .replace(/\nsafety:[\s\S]*?\nrecovery:/, `\nsafety: ${safety}\nrecovery:`),
      );
      const r = await gameday(['fis', 'export', file, '--role-arn', ROLE]);
      assert.equal(r.code, 0, r.stderr);
      return { targets: (JSON.parse(r.stdout) as { targets: Record<string, Record<string, unknown>> }).targets, stderr: r.stderr };
    };
    const named = (stderr: string, field: string): boolean => new RegExp(`warning: not expressed in the template: safety\\.${field} \\(`).test(stderr);
    const byTags = '{ tags: { "aws:autoscaling:groupName": web-asg }, selection: PERCENT(50) }';
    const inZoneA =
      '{ tags: { "aws:autoscaling:groupName": web-asg }, filters: [{ path: Placement.AvailabilityZone, values: [us-east-1a] }], selection: COUNT(1) }';

    const optIn = await exportWith('opt-in', byTags, '{ requireTags: { "gameday:allowed": "true", team: web }, maxZones: 3, allowLastHealthy: true }');
    assert.deepEqual(optIn.targets['stop-half']?.resourceTags, { 'aws:autoscaling:groupName': 'web-asg', 'gameday:allowed': 'true', team: 'web' });
    assert.ok(!named(optIn.stderr, 'requireTags'), optIn.stderr);
    // FIS takes ARNs or tags, not both: instances named by id cannot carry the opt-in.
    const byId = await exportWith('opt-in-ids', '{ ids: [i-0123456789abcdef0], selection: ALL }', '{ requireTags: { "gameday:allowed": "true" } }');
    assert.equal(byId.targets['stop-half']?.resourceTags, undefined);
    assert.match(
      byId.stderr,
      /not expressed in the template: safety\.requireTags \(gameday:allowed=true\) on fault 'stop-half' \(aws\.ec2\.stop-instances\): an FIS target takes resource ARNs or tags, not both/,
    );

    // A cap is expressed when the template's selection cannot exceed it; otherwise it is named.
    const capped = await exportWith('capped', inZoneA, '{ maxTargets: 1, maxTargetsPerFault: 1, maxZones: 1, allowLastHealthy: true }');
    assert.equal(capped.targets['stop-half']?.selectionMode, 'COUNT(1)');
    for (const field of ['maxTargets', 'maxTargetsPerFault', 'maxZones'])
      assert.ok(!named(capped.stderr, field), `${field} is held by COUNT(1) in one zone: ${capped.stderr}`);
    const open = await exportWith('open', byTags, '{ maxTargets: 1, maxTargetsPerFault: 1, maxGroupPercent: 34 }');
    for (const field of ['maxTargets', 'maxTargetsPerFault', 'maxGroupPercent', 'maxZones', 'allowLastHealthy'])
      assert.ok(named(open.stderr, field), `${field} is not named: ${open.stderr}`);
    // One instance is in one zone.
    const one = await exportWith('one', byTags.replace('PERCENT(50)', 'COUNT(1)'), '{ maxZones: 1 }');
    assert.ok(!named(one.stderr, 'maxZones'), one.stderr);
    const two = await exportWith('two', byTags.replace('PERCENT(50)', 'COUNT(2)'), '{ maxZones: 1 }');
    assert.ok(named(two.stderr, 'maxZones'), two.stderr);
    const wide = await exportWith('wide', inZoneA.replace('[us-east-1a]', '[us-east-1a, us-east-1b]'), '{ maxZones: 1, allowLastHealthy: true }');
    assert.ok(named(wide.stderr, 'maxZones'), wide.stderr);
    assert.ok(!named(wide.stderr, 'allowLastHealthy'), wide.stderr);
  });

  it('names every fault FIS cannot express, and writes nothing when it can express none', async () => {
    const r = await gameday(['fis', 'export', 'experiments/route53-failover.yaml']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /fault 'fail-primary-check' \(aws\.route53\.fail-health-check\): FIS has no action that fails a Route 53 health check/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const aws = await tmp.write(
      'aws.yaml',
      (await readFile(join(ROOT, 'experiments', 'stop-half-fleet.yaml'), 'utf8'))
        .replace(/environment:[\s\S]*?\nprobes:/, 'environment: { type: aws, region: eu-west-1, allowedAccountIds: ["111111111111"] }\nprobes:')
        .replace(/url: .*/, 'url: "https://example.invalid/health" }'),
    );
    const noRole = await gameday(['fis', 'export', aws]);
    assert.equal(noRole.code, 2, noRole.stderr);
    assert.equal(noRole.stderr.trim().split('\n').length, 1);
    assert.match(noRole.stderr, /needs the FIS service role: pass --role-arn or set environment\.fisRoleArn/);
  });

  it('imports a template: native faults with their offsets and durations, probes to fill in, and the actions it cannot import named', async () => {
    const template = {
      description: 'Power interruption of us-east-1a, then an ECS task stop',
      roleArn: ROLE,
      targets: {
        web: {
          resourceType: 'aws:ec2:instance',
          resourceTags: { 'aws:autoscaling:groupName': 'web-asg' },
          filters: [{ path: 'Placement.AvailabilityZone', values: ['us-east-1a'] }],
          selectionMode: 'ALL',
        },
        db: { resourceType: 'aws:rds:db', resourceArns: ['arn:aws:rds:us-east-1:123456789012:db:orders-db'], selectionMode: 'ALL' },
        tasks: { resourceType: 'aws:ecs:task', resourceTags: { app: 'web' }, selectionMode: 'COUNT(1)' },
      },
      actions: {
        pause: { actionId: 'aws:fis:wait', parameters: { duration: 'PT30S' } },
        'stop-web': {
          actionId: 'aws:ec2:stop-instances',
          parameters: { startInstancesAfterDuration: 'PT5M' },
          targets: { Instances: 'web' },
          startAfter: ['pause'],
        },
        'failover-db': {
          actionId: 'aws:rds:reboot-db-instances',
          parameters: { forceFailover: 'true' },
          targets: { DBInstances: 'db' },
          startAfter: ['pause'],
        },
        'stop-task': { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'tasks' }, startAfter: ['stop-web'] },
      },
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-healthy-hosts' }],
      tags: { 'gameday:experiment': 'power-interruption' },
    };
    // As `aws fis get-experiment-template` prints it.
    const file = await tmp.write('template.json', JSON.stringify({ experimentTemplate: { id: 'EXT123', ...template } }));
    const out = join(tmp.dir, 'imported.yaml');
    const r = await gameday(['fis', 'import', file, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: action 'stop-task' \(aws:ecs:stop-task\) is not imported: gameday has no native equivalent/);
    const text = await readFile(out, 'utf8');
    assert.match(text, /# Fill in before running/);
    const e = parse(text) as {
      metadata: { name: string };
      environment: Record<string, unknown>;
      faults: Record<string, unknown>[];
      probes: { probe: string; args: Record<string, string> }[];
      stopConditions: unknown;
    };
    assert.equal(e.metadata.name, 'power-interruption');
    assert.deepEqual(e.environment, { type: 'aws', region: 'us-east-1', allowedAccountIds: ['123456789012'], fisRoleArn: ROLE });
    assert.deepEqual(e.faults, [
      {
        name: 'stop-web',
        action: 'aws.ec2.stop-instances',
        targets: {
          tags: { 'aws:autoscaling:groupName': 'web-asg' },
          filters: [{ path: 'Placement.AvailabilityZone', values: ['us-east-1a'] }],
          selection: 'ALL',
        },
        startAfter: '30s',
        duration: '5m',
      },
      { name: 'failover-db', action: 'aws.rds.failover', targets: { ids: ['orders-db'], selection: 'ALL' }, startAfter: '30s' },
    ]);
    assert.deepEqual(
      e.probes.map((p) => p.probe),
      ['http', 'aws.asg.in-service', 'aws.rds.status'],
    );
    assert.deepEqual(e.stopConditions, [{ alarm: 'web-healthy-hosts' }]);
    // Once its probe is filled in, it is a valid experiment.
    const valid = await gameday(['validate', out], { env: { SITE_URL: 'https://shop.example.com/health' } });
    assert.equal(valid.code, 0, valid.stderr);

    // Round trip: what export writes, import reads back as the same faults.
    const exported = join(tmp.dir, 'exported.json');
    assert.equal((await gameday(['fis', 'export', 'experiments/stop-half-fleet.yaml', '--out', exported])).code, 0);
    const back = parse((await gameday(['fis', 'import', exported])).stdout) as { faults: unknown[] };
    assert.deepEqual(back.faults, [
      {
        name: 'stop-half',
        action: 'aws.ec2.stop-instances',
        targets: { tags: { 'aws:autoscaling:groupName': 'web-asg', 'gameday:allowed': 'true' }, selection: 'PERCENT(50)' },
        duration: '2m',
      },
    ]);
  });

  it('refuses a file that is not a template in one sentence naming the field', async () => {
    const notJson = await tmp.write('broken.json', '{ "description": ');
    const a = await gameday(['fis', 'import', notJson]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /broken\.json is not JSON/);
    const noActions = await tmp.write('empty.json', JSON.stringify({ description: 'x', roleArn: ROLE, targets: {}, actions: {} }));
    const b = await gameday(['fis', 'import', noActions]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /empty\.json: actions: a template needs at least one action/);
    const cycle = await tmp.write(
      'cycle.json',
      JSON.stringify({
        description: 'x',
        roleArn: ROLE,
        actions: {
          a: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['b'] },
          b: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['a'] },
        },
      }),
    );
    const c = await gameday(['fis', 'import', cycle]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /startAfter forms a cycle/);
    for (const r of [a, b, c]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe('gameday run --via-fis', () => {
  it("runs the experiment's own faults through FIS from a template it writes, creates and deletes, and measures recovery as for a native run", async () => {
    const tmp = await tempDir();
    try {
      const journal = join(tmp.dir, 'journal.json');
      const r = await gameday(['run', 'experiments/stop-half-fleet.yaml', '--via-fis', '--journal', journal, '--view', 'none'], { timeoutMs: 300_000 });
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
      const j = JSON.parse(await readFile(journal, 'utf8')) as {
        verdict: { status: string };
        activities: {
          kind: string;
          name: string;
          action?: string;
          calls: { operation: string; ok: boolean }[];
          output?: { state?: string; resolvedTargets?: unknown[] };
        }[];
        measurement: { recovered: boolean };
      };
      assert.equal(j.verdict.status, 'passed');
      const fault = j.activities.find((a) => a.kind === 'fault');
      assert.equal(fault?.name, 'via-fis');
      assert.deepEqual(
        fault?.calls.filter((c) => !/^(Get|List)/.test(c.operation)).map((c) => c.operation),
        ['CreateExperimentTemplate', 'StartExperiment', 'DeleteExperimentTemplate'],
      );
      assert.equal(fault?.output?.state, 'completed');
      assert.equal(fault?.output?.resolvedTargets?.length, 2, 'PERCENT(50) of 3 instances is 2, rounded up as FIS does');
      assert.ok(j.measurement.recovered);
    } finally {
      await tmp.cleanup();
    }
  });

  it("plans the FIS run with read-only calls: the template's instances chosen by the plan, as a run would pin them", async () => {
    const r = await gameday(['plan', 'experiments/stop-half-fleet.yaml', '--via-fis', '--seed', '42', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { seed: number; faults: { action: string; resources: { type: string }[] }[]; calls: { mutating: boolean }[] };
    assert.equal(plan.seed, 42);
    assert.equal(plan.faults[0]?.action, 'aws.fis.experiment');
    assert.deepEqual(
      plan.faults[0]?.resources.map((x) => x.type),
      ['aws:ec2:instance', 'aws:ec2:instance'],
      'PERCENT(50) of three instances',
    );
    assert.ok(plan.calls.length > 0 && plan.calls.every((c) => !c.mutating));
  });

  it('refuses, naming the fault, an experiment FIS cannot express, before any region starts', async () => {
    const r = await gameday(['run', 'experiments/route53-failover.yaml', '--via-fis', '--view', 'plain']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot run through FIS: fault 'fail-primary-check' \(aws\.route53\.fail-health-check\) is not expressible/);
    assert.doesNotMatch(r.stderr, /starting the simulated region/);
  });
});
