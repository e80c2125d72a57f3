import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, DescribeNetworkAclsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { regionOutageAction } from '../../src/actions/scenario/region-outage.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { makePlan } from '../../src/cli/plan.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseExperiment, type LoadedExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { ActionContext, CallRecord } from '../../src/registry/types.js';
import { PlanFence } from '../../src/safety/fence.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { CREDENTIALS, requestLog } from '../support/sim.js';

/** An experiment whose one fault takes us-east-1 dark, with `args` and `safety` as given. */
const experiment = (args: string, safety: string): string => `apiVersion: gameday/v1
metadata: { name: region-dark }
environment: { type: sim, speed: 40 }
probes:
  - { name: site, probe: http, args: { url: "\${sim:alb.web-alb.url}/health" }, interval: 5s }
faults:
  - name: dark
    action: aws.scenario.region-outage
    args: ${args}
recovery: { stableFor: 10s, timeout: 5m }
safety: ${safety}
`;

/** Each subnet's network ACL, by subnet id. */
async function aclOf(ec2: EC2Client, subnetIds: string[]): Promise<Map<string, string>> {
  const out = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }));
  const found = new Map<string, string>();
  for (const acl of out.NetworkAcls ?? [])
    for (const a of acl.Associations ?? []) if (a.SubnetId !== undefined && subnetIds.includes(a.SubnetId)) found.set(a.SubnetId, acl.NetworkAclId ?? '');
  return found;
}

describe('aws.scenario.region-outage against the simulated region (us-east-1)', () => {
  let region: SimRegion;
  let aws: AwsClientFactory;
  let load: (text: string) => LoadedExperiment;
  before(async () => {
    region = await SimRegion.start({ topology: await loadTopology(undefined), speed: 40 });
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
    await region.world.ready(60_000);
    const registry = defaultRegistry();
    load = (text) => parseExperiment(text, join(ROOT, 'experiments', 'inline.yaml'), { registry, env: {}, simOutputs: region.outputs() });
  });
  after(async () => {
    await aws.destroy();
    await region.stop();
  });

  it('is refused without instance tags, in one sentence naming the argument', () => {
    assert.throws(
      () => load(experiment('{ region: us-east-1, instanceTags: {} }', '{ allowedRegions: [us-east-1], maxZones: 3 }')),
      /instanceTags.*name at least one tag: a Region outage never selects every instance implicitly/s,
    );
    assert.throws(() => load(experiment('{ instanceTags: { "gameday:allowed": "true" } }', '{ allowedRegions: [us-east-1], maxZones: 3 }')), /region/);
  });

  it('is refused, before any call, unless safety.allowedRegions lists the Region, even the environment’s own', async () => {
    const before = (await requestLog(region.endpoint)).length;
    const { plan } = await makePlan(load(experiment('{ region: us-east-1, instanceTags: { "gameday:allowed": "true" } }', '{ maxZones: 3 }')), aws, 1);
    assert.equal(plan.refusal?.guard, 'region');
    assert.equal(
      plan.refusal?.message,
      "fault 'dark' takes the whole Region us-east-1, which safety.allowedRegions must list explicitly (a Region outage is never implied)",
    );
    assert.deepEqual((await requestLog(region.endpoint)).slice(before), [], 'refused before any call');
  });

  it("stops every zone's opted-in instances and cuts every subnet with a deny-all ACL; the undo gives everything back", async () => {
    const { plan } = await makePlan(
      load(
        experiment(
          '{ region: us-east-1, instanceTags: { "gameday:allowed": "true" } }',
          '{ allowedRegions: [us-east-1], maxZones: 3, allowLastHealthy: true }',
        ),
      ),
      aws,
      1,
    );
    assert.equal(plan.refusal, null, plan.refusal?.message);
    const [fault] = plan.faults;
    assert.ok(fault !== undefined);
    assert.equal(fault.region, 'us-east-1');
    assert.ok(fault.resources.every((r) => r.region === 'us-east-1'));
    const instances = fault.resources.filter((r) => r.type === 'aws:ec2:instance');
    const subnets = fault.resources.filter((r) => r.type === 'aws:ec2:subnet').map((r) => r.id);
    const zones = (type: string): string[] =>
      [
        ...new Set(
          fault.resources
            .filter((r) => r.type === type)
            .map((r) => {
              const a = r.attributes as { Placement?: { AvailabilityZone?: string }; AvailabilityZone?: string };
              return a.Placement?.AvailabilityZone ?? a.AvailabilityZone ?? '?';
            }),
        ),
      ].sort();
    assert.deepEqual(zones('aws:ec2:instance'), ['us-east-1a', 'us-east-1b', 'us-east-1c'], 'instances in every zone');
    assert.deepEqual(zones('aws:ec2:subnet'), ['us-east-1a', 'us-east-1b', 'us-east-1c'], 'subnets in every zone');

    const ec2 = await aws.ec2();
    const original = await aclOf(ec2, subnets);
    const calls: CallRecord[] = [];
    const ctx: ActionContext = {
      runId: 'region-outage-test',
      signal: AbortSignal.timeout(60_000),
      clock: systemClock,
      logger: silentLogger,
      aws,
      speed: 40,
      recordCall: (c) => calls.push(c),
      fence: new PlanFence(fault.resources),
      targets: fault.resources,
    };
    const args = regionOutageAction.args.parse({ region: 'us-east-1', instanceTags: { 'gameday:allowed': 'true' } });
    const result = await regionOutageAction.run(args, ctx);
    assert.deepEqual(result.output.zones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    assert.ok(
      calls.every((c) => c.region === 'us-east-1'),
      'every call says its Region',
    );
    assert.deepEqual(
      calls.filter((c) => c.mutating && c.service === 'rds'),
      [],
      'no database is failed over inside the Region',
    );

    const ids = instances.map((r) => r.id);
    const states = async (): Promise<string[]> =>
      ((await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .map((i) => i.State?.Name ?? '');
    assert.ok(
      (await states()).every((s) => ['stopping', 'stopped', 'shutting-down', 'terminated'].includes(s)),
      'every opted-in instance lost power',
    );
    const cut = await aclOf(ec2, subnets);
    const denyAcls = new Set(cut.values());
    assert.equal(cut.size, subnets.length);
    for (const [subnet, acl] of cut) assert.notEqual(acl, original.get(subnet), `${subnet} moved to the deny ACL`);
    const deny = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [...denyAcls] }));
    for (const acl of deny.NetworkAcls ?? [])
      for (const egress of [false, true])
        assert.ok(
          acl.Entries?.some((e) => e.RuleNumber === 1 && e.RuleAction === 'deny' && e.Egress === egress && e.CidrBlock === '0.0.0.0/0'),
          `${acl.NetworkAclId ?? ''} denies all ${egress ? 'egress' : 'ingress'}`,
        );

    assert.ok(regionOutageAction.rollback !== undefined);
    await regionOutageAction.rollback(args, result, ctx);
    assert.deepEqual(await aclOf(ec2, subnets), original, 'every subnet has its own ACL back');
    const left = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'tag:gameday:run', Values: ['region-outage-test'] }] }));
    assert.deepEqual(left.NetworkAcls ?? [], [], 'the deny ACLs are deleted');
    assert.ok(
      (await states()).every((s) => ['pending', 'running', 'shutting-down', 'terminated'].includes(s)),
      'the stopped instances were started again (a group may have replaced some meanwhile)',
    );
  });
});
