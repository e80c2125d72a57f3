import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AwsClientFactory } from '../../src/aws/client-factory.js';
import { makePlan } from '../../src/cli/plan.js';
import { runExperiment } from '../../src/engine/runner.js';
import type { LoadedExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { onSimRegion, requestLog } from '../support/sim.js';

const MUTATING = /^(?!Describe|Get|List)/;

/** A region of `topology` (a file of experiments/topologies, or the reference architecture), ready, at speed 30. */
async function onRegion(
  topology: string | undefined,
  use: (load: (text: string) => LoadedExperiment, aws: AwsClientFactory, endpoint: string) => Promise<void>,
): Promise<void> {
  await onSimRegion(await loadTopology(topology === undefined ? undefined : join(ROOT, 'experiments', 'topologies', topology)), 30, use);
}

/** An experiment of one fault on the reference web tier, with `safety` and `environment` extras. */
function experiment(fault: string, extra = ''): string {
  return `apiVersion: gameday/v1
metadata: { name: guarded }
environment: { type: sim, speed: 30 }
probes:
  - { name: site, probe: http, args: { url: "\${sim:alb.web-alb.url}/health" }, interval: 5s }
faults:
${fault}
recovery: { stableFor: 10s, timeout: 5m }
${extra}`;
}

const TERMINATE = (selection: string): string => `  - name: kill
    action: aws.ec2.terminate-instances
    targets: { tags: { "aws:autoscaling:groupName": web-asg }, selection: "${selection}" }`;

describe('gameday plan', () => {
  it('lists exactly what an AZ outage would touch, with the guards, using read-only calls only (the sim’s request log)', async () => {
    await onRegion('web-and-database.yaml', async (load, aws, endpoint) => {
      const before = (await requestLog(endpoint)).length;
      const loaded = load(
        (await readFile(join(ROOT, 'experiments', 'az-outage.yaml'), 'utf8')).replace('topologies/', `${join(ROOT, 'experiments', 'topologies')}/`),
      );
      const { plan, calls } = await makePlan(loaded, aws, 1);
      const requests = (await requestLog(endpoint)).slice(before);
      assert.ok(requests.length > 0);
      assert.deepEqual(
        requests.filter((r) => MUTATING.test(r.action)).map((r) => r.action),
        [],
        'no mutating call reached the region',
      );
      assert.equal(calls.filter((c) => c.mutating).length, 0);
      assert.equal(plan.refusal, null);
      const [fault] = plan.faults;
      const types = fault?.resources.map((r) => r.type).sort();
      assert.deepEqual(types, ['aws:ec2:instance', 'aws:rds:cluster', 'aws:rds:db']);
      assert.ok(
        fault?.resources.every(
          (r) => r.type !== 'aws:ec2:instance' || (r.attributes as { Placement?: { AvailabilityZone?: string } }).Placement?.AvailabilityZone === 'us-east-1a',
        ),
      );
      assert.deepEqual(
        plan.guards.map((g) => [g.guard, g.status]),
        [
          ['account', 'passed'],
          ['region', 'passed'],
          ['max-targets', 'passed'],
          ['max-zones', 'passed'],
          ['max-group-percent', 'passed'],
          ['last-healthy', 'passed'],
        ],
      );
    });
  });
});

describe('safety guards', () => {
  it('refuse a run whose credentials are of another account, naming both, and change nothing', async () => {
    await onRegion(undefined, async (load, aws, endpoint) => {
      const loaded = load(
        experiment(TERMINATE('COUNT(1)')).replace(
          'environment: { type: sim, speed: 30 }',
          'environment: { type: sim, speed: 30, allowedAccountIds: ["111122223333"] }',
        ),
      );
      const before = (await requestLog(endpoint)).length;
      const journal = await runExperiment(loaded, { registry: defaultRegistry(), aws });
      assert.equal(journal.verdict.status, 'refused');
      assert.equal(journal.verdict.exitCode, 5);
      assert.match(
        journal.verdict.reason,
        /account 123456789012 as arn:aws:iam::123456789012:user\/gameday-sim, which is not in allowedAccountIds \(111122223333\)/,
      );
      assert.deepEqual(journal.activities, []);
      assert.deepEqual(
        (await requestLog(endpoint)).slice(before).filter((r) => MUTATING.test(r.action)),
        [],
      );
    });
  });

  it('refuse a fault aimed at another Region unless safety.allowedRegions lists it, before any call, as other guard refusals', async () => {
    await onRegion(undefined, async (load, aws, endpoint) => {
      const inEu = TERMINATE('COUNT(1)').replace('    action:', '    region: eu-west-1\n    action:');
      const before = (await requestLog(endpoint)).length;
      const journal = await runExperiment(load(experiment(inEu)), { registry: defaultRegistry(), aws });
      assert.equal(journal.verdict.status, 'refused');
      assert.equal(journal.verdict.exitCode, 5);
      assert.equal(
        journal.verdict.reason,
        "refused by the region guard: fault 'kill' acts in eu-west-1, not the environment's Region us-east-1; list it in safety.allowedRegions to allow it",
      );
      assert.deepEqual(journal.activities, []);
      assert.deepEqual(
        (await requestLog(endpoint)).slice(before).filter((r) => MUTATING.test(r.action)),
        [],
        'no mutating call reached the region',
      );
      const listed = await makePlan(load(experiment(inEu, 'safety: { allowedRegions: [us-east-1, eu-central-1] }')), aws, 7);
      assert.equal(listed.plan.refusal?.message, "fault 'kill' acts in eu-west-1, which is not in safety.allowedRegions (us-east-1, eu-central-1)");
      assert.equal(listed.calls.length, 0, 'refused before any call');
      // Allowed, the fault's targets are looked up in eu-west-1, which this us-east-1 region refuses to answer.
      await assert.rejects(makePlan(load(experiment(inEu, 'safety: { allowedRegions: [us-east-1, eu-west-1] }')), aws, 7), /SignatureDoesNotMatch/);
    });
  });

  it('refuse a region outside safety.allowedRegions, and caps on targets, zones and a group’s last healthy instance', async () => {
    await onRegion(undefined, async (load, aws) => {
      const refusal = async (fault: string, safety: string): Promise<string> =>
        (await makePlan(load(experiment(fault, `safety: ${safety}`)), aws, 7)).plan.refusal?.message ?? 'not refused';
      assert.match(
        await refusal(TERMINATE('COUNT(1)'), '{ allowedRegions: [eu-west-1] }'),
        /the region is us-east-1, which is not in safety.allowedRegions \(eu-west-1\)/,
      );
      assert.match(await refusal(TERMINATE('COUNT(2)'), '{ maxTargets: 1, maxZones: 3 }'), /would touch 2 resources, more than safety.maxTargets \(1\)/);
      assert.match(
        await refusal(TERMINATE('COUNT(2)'), '{ maxTargetsPerFault: 1, maxZones: 3 }'),
        /fault 'kill' would touch 2 resources, more than safety.maxTargetsPerFault \(1\)/,
      );
      // One instance per zone: two instances are two zones, more than the default of one.
      assert.match(
        await refusal(TERMINATE('COUNT(2)'), '{}'),
        /would touch 2 Availability Zones \(us-east-1\w, us-east-1\w\), more than safety.maxZones \(1\)/,
      );
      assert.match(await refusal(TERMINATE('ALL'), '{ maxZones: 3 }'), /every healthy instance of group web-asg \(3\); set safety.allowLastHealthy/);
      assert.match(
        await refusal(TERMINATE('COUNT(2)'), '{ maxZones: 3, maxGroupPercent: 50 }'),
        /2 of 3 instances of group web-asg \(67%\), more than safety.maxGroupPercent \(50%\)/,
      );
      assert.equal(await refusal(TERMINATE('ALL'), '{ maxZones: 3, allowLastHealthy: true }'), 'not refused');
    });
  });

  it('never select a resource without the opt-in tags, whatever the targets say', async () => {
    await onRegion('two-sites.yaml', async (load, aws) => {
      // secondary-asg's instances carry no gameday:allowed tag.
      const fault = `  - name: kill
    action: aws.ec2.terminate-instances
    targets: { tags: { "aws:autoscaling:groupName": secondary-asg }, selection: ALL }`;
      const loaded = load(
        experiment(fault, 'safety: { requireTags: { "gameday:allowed": "true" }, maxZones: 3, allowLastHealthy: true }').replace(
          'alb.web-alb.url',
          'alb.primary.url',
        ),
      );
      const { plan } = await makePlan(loaded, aws, 1);
      assert.deepEqual(plan.faults[0]?.resources, []);
      assert.equal(plan.faults[0]?.withoutOptIn, 2);
      const journal = await runExperiment(loaded, { registry: defaultRegistry(), aws });
      assert.equal(journal.verdict.status, 'invalid-fault');
      assert.match(journal.verdict.reason, /matched no aws:ec2:instance \(of 0 candidates; 2 more lack the opt-in tags\)/);
      assert.equal(journal.targets[0]?.withoutOptIn, 2);
    });
  });

  it('refuse a Route 53 fault on an unknown health check before anything runs, in one sentence', async () => {
    await onRegion('two-sites.yaml', async (load, aws) => {
      const fault = `  - name: fail
    action: aws.route53.fail-health-check
    args: { healthCheckId: 00000000-0000-0000-0000-000000000000 }`;
      const journal = await runExperiment(load(experiment(fault).replace('alb.web-alb.url', 'alb.primary.url')), { registry: defaultRegistry(), aws });
      assert.equal(journal.verdict.status, 'invalid-fault');
      assert.match(journal.verdict.reason, /^the plan could not be made: AWS refused route53:GetHealthCheck \(NoSuchHealthCheck\)/);
      assert.deepEqual(journal.activities, []);
    });
  });
});
