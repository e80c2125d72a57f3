import { fillSimReferences, type Topology } from '../topology.js';
import { elbHostedZoneId } from '../world/elb-hosted-zone.js';
import { DEFAULT_CHECKER_REGIONS, type Route53HealthCheckConfig, type SimHealthCheck } from '../world/health-check.js';
import { fqdn, SimHostedZone, type RecordSet } from '../world/hosted-zone.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';

/** What declaring the topology's Route 53 needs of the world. */
export interface Route53Declarations {
  readonly topology: Topology;
  readonly loadBalancers: ReadonlyMap<string, SimLoadBalancer>;
  readonly hostedZones: Map<string, SimHostedZone>;
  createHealthCheck(callerReference: string, config: Route53HealthCheckConfig, name?: string): SimHealthCheck;
  aliasTargetOf(lbName: string): { hostedZoneId: string; dnsName: string } | undefined;
  /** The world's outputs, every Region's: a record's values may name them as `${sim:…}` (a CNAME to an RDS endpoint). */
  references(): Record<string, string>;
}

/** The topology's health checks and hosted zones; ALB targets are known once the listeners are up. */
export function declareRoute53(world: Route53Declarations): void {
  const checkIds = new Map<string, string>();
  for (const spec of world.topology.healthChecks) {
    let ipAddress: string | undefined;
    let fullyQualifiedDomainName: string | undefined;
    let port: number;
    if (spec.target.startsWith('alb:')) {
      const lb = world.loadBalancers.get(spec.target.slice(4));
      if (lb === undefined) throw new Error(`Health check '${spec.name}' targets an undeclared load balancer.`);
      ipAddress = lb.address;
      port = lb.port;
    } else {
      const i = spec.target.lastIndexOf(':');
      const host = spec.target.slice(0, i);
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) ipAddress = host;
      else fullyQualifiedDomainName = host;
      port = Number(spec.target.slice(i + 1));
    }
    const hc = world.createHealthCheck(
      `gameday-sim-${spec.name}`,
      {
        type: spec.type,
        ipAddress,
        port,
        resourcePath: spec.type === 'TCP' ? undefined : spec.resourcePath,
        fullyQualifiedDomainName,
        requestInterval: spec.requestInterval,
        failureThreshold: spec.failureThreshold,
        inverted: spec.inverted,
        disabled: spec.disabled,
        enableSNI: spec.type === 'HTTPS',
        measureLatency: false,
        regions: [...(spec.regions ?? DEFAULT_CHECKER_REGIONS)],
      },
      spec.name,
    );
    Object.assign(hc.tags, spec.tags);
    checkIds.set(spec.name, hc.id);
  }
  let outputs: Record<string, string> | undefined;
  const references = (): Record<string, string> => (outputs ??= world.references());
  for (const spec of world.topology.hostedZones) {
    const zone = new SimHostedZone({ name: spec.name, callerReference: `gameday-sim-${spec.name}`, declared: true });
    for (const r of spec.records) {
      const name =
        r.name === '@' ? zone.name : r.name.endsWith('.') ? fqdn(r.name) : zone.contains(fqdn(r.name)) ? fqdn(r.name) : fqdn(`${r.name}.${zone.name}`);
      const target =
        r.alias === undefined
          ? undefined
          : r.alias.startsWith('dns:')
            ? { hostedZoneId: r.aliasHostedZoneId ?? elbHostedZoneId(world.topology.region), dnsName: fqdn(r.alias.slice(4)) }
            : world.aliasTargetOf(r.alias.slice(4));
      const record: RecordSet = {
        name,
        type: r.type,
        ttl: target === undefined ? r.ttl : undefined,
        values: (r.values ?? []).map((v) => fillSimReferences(v, references())),
        alias: target === undefined ? undefined : { ...target, evaluateTargetHealth: r.evaluateTargetHealth },
        setIdentifier: r.setIdentifier,
        failover: r.failover,
        weight: r.weight,
        healthCheckId: r.healthCheck === undefined ? undefined : checkIds.get(r.healthCheck),
        region: r.region,
        geolocation: r.geolocation,
        multiValueAnswer: r.multiValueAnswer,
        geoproximity: r.geoproximity,
      };
      zone.records.push(record);
    }
    world.hostedZones.set(zone.id, zone);
  }
}
