import { type Architecture, regionSlice } from './model.js';
import { alarmsOf } from './topology/alarms.js';
import { groupsOf, launchTemplatesOf, loadBalancersOf, natOf, standaloneInstancesOf } from './topology/compute.js';
import { type MapContext, Namer } from './topology/context.js';
import { databasesOf, dbClustersOf } from './topology/data.js';
import { healthChecksOf, hostedZonesOf } from './topology/dns.js';

/** The most zones a topology holds. */
const MAX_ZONES = 6;
const NAME = { pattern: /^[A-Za-z][A-Za-z0-9-]{0,31}$/, max: 32, lower: false };
const DB_ID = { pattern: /^[a-z][a-z0-9-]{0,50}$/, max: 51, lower: true };

/**
 * An architecture as a simulated region's topology (the format of `src/sim/topology.ts`, which this module does not
 * import: the reader and the sim stay separate worlds, and the caller validates). Everything the topology cannot
 * express is a note naming the resource, never dropped in silence. `names` maps every AWS name to its topology name
 * (of the first Region, when several were read). Several Regions give the first as the top level and the others as
 * `regions: [{ region, availabilityZones, launchTemplates, loadBalancers, autoScalingGroups, databases, … }]`.
 */
export function topologyOf(a: Architecture): { topology: Record<string, unknown>; notes: string[]; names: Record<string, Record<string, string>> } {
  if (a.regions === undefined || a.regions.length < 2) return regionTopologyOf(a);
  // Several Regions: the first is the top level (with Route 53), each other one an entry of `regions`, without the
  // account-wide keys.
  const home = regionTopologyOf(regionSlice(a, a.region));
  const regions = a.regions.slice(1).map((region) => {
    const { topology, notes } = regionTopologyOf(regionSlice(a, region));
    home.notes.push(...notes.map((n) => `${region}: ${n}`));
    const { accountId: _account, hostedZones: _zones, healthChecks: _checks, ...regional } = topology;
    return regional;
  });
  return { ...home, topology: { ...home.topology, regions } };
}

/** One Region's architecture as a topology. */
function regionTopologyOf(a: Architecture): { topology: Record<string, unknown>; notes: string[]; names: Record<string, Record<string, string>> } {
  const notes: string[] = [];
  const zones = zonesOf(a, notes);
  const ctx: MapContext = {
    a,
    notes,
    names: {
      launchTemplate: new Namer('launch template', notes, NAME),
      loadBalancer: new Namer('load balancer', notes, NAME),
      targetGroup: new Namer('target group', notes, NAME),
      group: new Namer('Auto Scaling group', notes, NAME),
      instance: new Namer('instance', notes, NAME),
      healthCheck: new Namer('health check', notes, NAME),
      nat: new Namer('NAT gateway', notes, NAME),
      db: new Namer('RDS identifier', notes, DB_ID),
    },
    zones,
    zone: (z) => (z.length === a.region.length + 1 && z.startsWith(a.region) ? z.slice(-1) : z),
    loadBalancerByArn: new Map(),
    targetGroupByArn: new Map(),
    launchTemplateById: new Map(),
  };
  const topology: Record<string, unknown> = { region: a.region };
  if (/^\d{12}$/.test(a.accountId)) topology.accountId = a.accountId;
  if (zones.length > 0) topology.availabilityZones = zones.map((z) => ctx.zone(z));
  const vpc = mainVpc(a);
  if (vpc !== undefined) topology.vpcCidr = vpc.cidr;
  const launchTemplates = launchTemplatesOf(ctx);
  const loadBalancers = loadBalancersOf(ctx);
  const made: Record<string, unknown>[] = [];
  const autoScalingGroups = groupsOf(ctx, made);
  const instances = standaloneInstancesOf(ctx, made);
  launchTemplates.push(...made);
  // A topology needs a launch template even when the account has none (nothing else refers to it).
  if (launchTemplates.length === 0) launchTemplates.push({ name: 'twin-lt' });
  Object.assign(topology, { launchTemplates, loadBalancers, autoScalingGroups });
  if (instances.length > 0) topology.instances = instances;
  Object.assign(topology, natOf(ctx));
  topology.databases = databasesOf(ctx);
  topology.dbClusters = dbClustersOf(ctx);
  const { checks, nameById } = healthChecksOf(ctx);
  topology.healthChecks = checks;
  topology.hostedZones = hostedZonesOf(ctx, nameById);
  topology.alarms = alarmsOf(ctx);
  for (const s of a.stacks)
    for (const p of s.updatePolicies)
      notes.push(`Stack '${s.name}' replaces Auto Scaling group '${p.autoScalingGroup}' on updates with ${p.policy}, which a topology does not hold.`);
  for (const u of a.unmodelled) notes.push(`${u.resource}: ${u.what}`);
  const names = Object.fromEntries(Object.entries(ctx.names).map(([kind, namer]) => [kind, namer.mapping()]));
  return { topology, notes, names };
}

/** The VPC the fleet runs in: the one most of the groups' subnets are in, else the only non-default one. */
function mainVpc(a: Architecture): Architecture['vpcs'][number] | undefined {
  const subnetIds = new Set([...a.autoScalingGroups.flatMap((g) => g.subnetIds), ...a.loadBalancers.flatMap((l) => l.subnetIds)]);
  const counts = new Map<string, number>();
  for (const s of a.subnets) if (subnetIds.has(s.id)) counts.set(s.vpcId, (counts.get(s.vpcId) ?? 0) + 1);
  const best = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
  return a.vpcs.find((v) => v.id === best) ?? a.vpcs.find((v) => !v.isDefault) ?? a.vpcs[0];
}

/**
 * The topology's zones: the region's available zones, or, where there are more than a topology holds, those the
 * resources use first, then the others in name order.
 */
function zonesOf(a: Architecture, notes: string[]): string[] {
  const used = new Set([
    ...a.autoScalingGroups.flatMap((g) => g.zones),
    ...a.loadBalancers.flatMap((l) => l.zones),
    ...a.instances.map((i) => i.zone),
    ...a.databases.flatMap((d) => (d.zone === undefined ? [] : [d.zone])),
  ]);
  const all = a.regionZones.length > 0 ? a.regionZones : [...new Set([...a.subnets.map((s) => s.zone), ...used])].filter((z) => z !== '').sort();
  if (all.length <= MAX_ZONES) return all;
  const chosen = [...all.filter((z) => used.has(z)), ...all.filter((z) => !used.has(z))].slice(0, MAX_ZONES).sort();
  notes.push(`The region has ${all.length} zones; the twin has ${chosen.join(', ')} (a topology holds at most ${MAX_ZONES}).`);
  return chosen;
}
