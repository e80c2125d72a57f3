import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMutating } from '../../src/aws/audit.js';
import { loadTopology, parseTopology, type Topology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { CREDENTIALS, startSim } from '../support/sim.js';
import { twinOf } from './support.js';

const SPEED = 100;

/**
 * A topology as far as AWS's read APIs can show it. What a region's APIs cannot show is set to what the twin gets:
 * runtime-only fields (the workload's `port`, `bootTime`, a load balancer's listener `port` and loopback `address`),
 * the `timings` block, FIS templates (FIS holds them, not the architecture) and the CloudFormation `stack` block. A
 * target group without a deregistration delay drains for the region's default (what DescribeTargetGroupAttributes
 * then says), an alarm without a statistic uses the one the region gives it (Minimum for host counts, else Sum), and
 * what the region fills in itself is filled in on both sides (below).
 */
function normalised(t: Topology): Record<string, unknown> {
  const copy = structuredClone(t) as Topology & Record<string, unknown>;
  const defaultDelay = copy.timings.deregistrationDelay as number;
  for (const lt of copy.launchTemplates) {
    delete (lt as Record<string, unknown>).port;
    delete (lt as Record<string, unknown>).bootTime;
  }
  for (const lb of copy.loadBalancers) {
    delete (lb as Record<string, unknown>).port;
    delete (lb as Record<string, unknown>).address;
    lb.targetGroup.deregistrationDelay ??= defaultDelay;
  }
  for (const a of copy.alarms) a.statistic ??= a.metric.endsWith('HostCount') ? 'Minimum' : 'Sum';
  // Once the schema has launch template versions: DescribeAutoScalingGroups may name `$Default` by its number, which
  // launches the same instances; both sides are compared as the version number they resolve to.
  for (const g of copy.autoScalingGroups as Record<string, unknown>[]) {
    if (!('launchTemplateVersion' in g)) continue;
    const lt = copy.launchTemplates.find((l) => l.name === g.launchTemplate) as Record<string, unknown> | undefined;
    const latest = 1 + ((lt?.versions as unknown[] | undefined)?.length ?? 0);
    const version = String(g.launchTemplateVersion);
    g.launchTemplateVersion = version === '$Latest' ? latest : version === '$Default' ? ((lt?.defaultVersion as number | undefined) ?? 1) : Number(version);
  }
  // A later launch template version without an instance type launches the template's (what DescribeLaunchTemplateVersions then says).
  for (const lt of copy.launchTemplates) for (const v of lt.versions ?? []) v.instanceType ??= lt.instanceType;
  // The region tags a standalone instance with its name, as the console does.
  for (const i of copy.instances ?? []) i.tags = { Name: i.name, ...i.tags };
  // A DB subnet group over every zone is the default one.
  const zones = copy.availabilityZones.length;
  for (const db of [...copy.databases, ...copy.dbClusters] as { subnetGroupZones?: string[] }[])
    if (db.subnetGroupZones?.length === zones) delete db.subnetGroupZones;
  for (const key of ['timings', 'fisTemplates', 'stack']) delete copy[key];
  return copy;
}

describe('a twin of a simulated region', () => {
  for (const name of ['reference', 'two-sites', 'web-and-database', 'fragile']) {
    it(`equals the topology ${name}.yaml the region was started with, and reads it with read-only calls`, async () => {
      const source = await loadTopology(join(ROOT, 'experiments', 'topologies', `${name}.yaml`));
      const sim = await startSim({ topology: source, speed: SPEED });
      try {
        const { topology, notes, calls } = await twinOf(sim.endpoint, source.region, CREDENTIALS);
        const twin = parseTopology(topology, `twin of ${name}`);
        assert.deepEqual(normalised(twin), normalised(source), `notes:\n${notes.join('\n')}`);
        assert.ok(calls.length > 10, `${calls.length} calls`);
        assert.deepEqual(
          calls.filter((c) => c.mutating || isMutating(c.operation)).map((c) => c.operation),
          [],
          'the read made mutating calls',
        );
        // The simulated region serves every read: none fails.
        assert.deepEqual(
          calls.filter((x) => !x.ok).map((x) => x.operation),
          [],
        );
      } finally {
        await sim.close();
      }
    });
  }
});
