import { withStackOutputs, type Topology } from './topology.js';

type Named = { readonly name: string };
type Database = { readonly id: string; readonly url: string; readonly dnsName: string; readonly host: string; readonly port: number };

/** What the outputs are read from: the world's resources, as little of them as the keys need. */
export interface OutputSources {
  readonly topology: Topology;
  readonly vpcId: string;
  readonly durations: { readonly seed: number };
  readonly dns: { readonly address: string };
  readonly loadBalancers: ReadonlyMap<
    string,
    Named & {
      readonly url: string;
      readonly address: string;
      readonly port: number;
      readonly dnsName: string;
      readonly arn: string;
      readonly targetGroup: Named & { readonly arn: string };
    }
  >;
  readonly launchTemplates: ReadonlyMap<string, Named & { readonly id: string; readonly processName: string; readonly versions: readonly unknown[] }>;
  /** A group's launch template: its instances' workload process is what SSM's kill-process names. */
  readonly autoScalingGroups: ReadonlyMap<string, Named & { readonly options: { readonly arn: string; readonly launchTemplate: { readonly name: string } } }>;
  readonly databases: ReadonlyMap<string, Database>;
  readonly dbClusters: ReadonlyMap<string, Database & { readonly readerDnsName: string }>;
  readonly hostedZones: ReadonlyMap<string, { readonly declaredName?: string | undefined; readonly id: string }>;
  readonly healthChecks: ReadonlyMap<string, { readonly name?: string | undefined; readonly id: string }>;
  readonly fisTemplateIds: ReadonlyMap<string, string>;
  readonly network: { readonly natGateways: readonly (Named & { readonly id: string })[] };
  /** Standalone instances' ids by their topology name. */
  readonly namedInstances: ReadonlyMap<string, string>;
}

/** The values experiments can use as `${sim:…}`: each resource's address, ARN and name under a stable key. */
export function worldOutputs(world: OutputSources, endpoint: string): Record<string, string> {
  const out: Record<string, string> = {
    'region.endpoint': endpoint,
    'region.name': world.topology.region,
    'region.accountId': world.topology.accountId,
    'region.seed': String(world.durations.seed),
  };
  for (const lb of world.loadBalancers.values()) {
    out[`alb.${lb.name}.url`] = lb.url;
    out[`alb.${lb.name}.address`] = lb.address;
    out[`alb.${lb.name}.port`] = String(lb.port);
    out[`alb.${lb.name}.dnsName`] = lb.dnsName;
    out[`alb.${lb.name}.arn`] = lb.arn;
    out[`alb.${lb.name}.fullName`] = lb.arn.slice(lb.arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length);
    out[`alb.${lb.name}.region`] = world.topology.region;
    out[`tg.${lb.targetGroup.name}.arn`] = lb.targetGroup.arn;
    out[`tg.${lb.targetGroup.name}.fullName`] = lb.targetGroup.arn.slice(lb.targetGroup.arn.lastIndexOf(':') + 1);
  }
  for (const lt of world.launchTemplates.values()) {
    out[`lt.${lt.name}.id`] = lt.id;
    out[`lt.${lt.name}.latestVersion`] = String(lt.versions.length);
  }
  for (const a of world.topology.apps) out[`app.${a.name}.imageId`] = a.imageId;
  for (const asg of world.autoScalingGroups.values()) {
    out[`asg.${asg.name}.name`] = asg.name;
    out[`asg.${asg.name}.arn`] = asg.options.arn;
    out[`asg.${asg.name}.region`] = world.topology.region;
    out[`asg.${asg.name}.processName`] = world.launchTemplates.get(asg.options.launchTemplate.name)?.processName ?? 'gameday-app';
  }
  for (const db of [...world.databases.values(), ...world.dbClusters.values()]) {
    out[`rds.${db.id}.url`] = db.url;
    out[`rds.${db.id}.endpoint`] = db.dnsName;
    out[`rds.${db.id}.address`] = db.host;
    out[`rds.${db.id}.port`] = String(db.port);
    out[`rds.${db.id}.region`] = world.topology.region;
  }
  for (const c of world.dbClusters.values()) {
    out[`rds.${c.id}.readerEndpoint`] = c.readerDnsName;
    out[`rds.${c.id}.readerUrl`] = `postgres://postgres@${c.readerDnsName}:${c.port}/postgres`;
  }
  out['dns.server'] = world.dns.address;
  for (const zone of world.hostedZones.values()) if (zone.declaredName !== undefined) out[`route53.zone.${zone.declaredName}.id`] = zone.id;
  for (const hc of world.healthChecks.values()) if (hc.name !== undefined) out[`route53.healthcheck.${hc.name}.id`] = hc.id;
  for (const [name, id] of world.fisTemplateIds) out[`fis.template.${name}.id`] = id;
  for (const nat of world.network.natGateways) out[`nat.${nat.name}.id`] = nat.id;
  for (const [name, id] of world.namedInstances) out[`instance.${name}.id`] = id;
  out['vpc.id'] = world.vpcId;
  for (const c of world.topology.clients) {
    out[`client.${c.name}.address`] = c.address;
    if (c.subnet !== undefined) out[`client.${c.name}.subnet`] = c.subnet;
  }
  return withStackOutputs(world.topology, out);
}
