import type { AutoScalingGroup, Instance, LaunchTemplate, LoadBalancer, TargetGroup } from '../model.js';
import { type MapContext, seconds, userTags } from './context.js';

type Json = Record<string, unknown>;

const MARKET_TYPES = new Set(['spot', 'capacity-block']);

/** Launch templates: the image and instance type of the default version, else of the instances launched from it. */
export function launchTemplatesOf(ctx: MapContext): Json[] {
  const out: Json[] = [];
  for (const lt of ctx.a.launchTemplates) {
    const name = ctx.names.launchTemplate.name(lt.name);
    ctx.launchTemplateById.set(lt.id, name);
    out.push(launchTemplateOf(ctx, lt, name));
  }
  return out;
}

function launchTemplateOf(ctx: MapContext, lt: LaunchTemplate, name: string): Json {
  const launched = ctx.a.instances.filter(
    (i) => i.launchTemplate?.id === lt.id || ctx.a.autoScalingGroups.some((g) => g.launchTemplate?.id === lt.id && g.name === i.autoScalingGroup),
  );
  const first = lt.versions.find((v) => v.number === 1) ?? lt.versions.find((v) => v.number === lt.defaultVersion);
  const imageId = first?.imageId ?? launched[0]?.imageId;
  const instanceType = first?.instanceType ?? launched[0]?.instanceType;
  const out: Json = { name, ...(instanceType === undefined ? {} : { instanceType }), ...(imageId === undefined ? {} : { imageId }) };
  if (instanceType === undefined || imageId === undefined)
    ctx.notes.push(`Launch template '${lt.name}' (${lt.id}): its image or instance type could not be read, so the twin uses the sim's defaults.`);
  const lifecycles = new Set(launched.map((i) => i.lifecycle));
  const market = lifecycles.size === 1 ? [...lifecycles][0] : undefined;
  if (market !== undefined && MARKET_TYPES.has(market)) out.marketType = market;
  const later = lt.versions.filter((v) => v.number > 1);
  if (later.length > 0)
    out.versions = later.map((v) => ({
      ...(v.imageId === undefined ? {} : { imageId: v.imageId }),
      ...(v.instanceType === undefined ? {} : { instanceType: v.instanceType }),
    }));
  if (lt.defaultVersion !== 1 && lt.defaultVersion <= 1 + later.length) out.defaultVersion = lt.defaultVersion;
  return out;
}

/** The launch template a group launches from: its own, or one made for its launch configuration. */
function groupLaunchTemplate(ctx: MapContext, g: AutoScalingGroup, extra: Json[]): string {
  const named = g.launchTemplate;
  const lt = named === undefined ? undefined : ctx.a.launchTemplates.find((l) => l.id === named.id || l.name === named.name);
  if (lt !== undefined) return ctx.names.launchTemplate.name(lt.name);
  return madeLaunchTemplate(
    ctx,
    g.launchConfigurationName ?? `${g.name}-launch`,
    ctx.a.instances.find((i) => i.autoScalingGroup === g.name),
    extra,
    `Auto Scaling group '${g.name}'`,
  );
}

/** A launch template made for what has none (a launch configuration, a standalone instance), from an instance of it. */
function madeLaunchTemplate(ctx: MapContext, original: string, instance: Instance | undefined, extra: Json[], owner: string): string {
  const name = ctx.names.launchTemplate.name(original);
  if (!extra.some((e) => e.name === name)) {
    extra.push({ name, ...(instance === undefined ? {} : { instanceType: instance.instanceType, imageId: instance.imageId }) });
    ctx.notes.push(
      `${owner} has no launch template the twin knows; it launches from '${name}', made from ${instance === undefined ? "the sim's defaults" : `instance ${instance.id}`}.`,
    );
  }
  return name;
}

/** Load balancers: ALBs, each with the one target group a topology gives it. */
export function loadBalancersOf(ctx: MapContext): Json[] {
  const out: Json[] = [];
  for (const lb of ctx.a.loadBalancers) {
    if (lb.type === 'gateway') {
      ctx.notes.push(`Gateway load balancer '${lb.name}' (${lb.arn}) is not modelled: the twin has application load balancers only.`);
      continue;
    }
    if (lb.type !== 'application')
      ctx.notes.push(`Load balancer '${lb.name}' is a ${lb.type} load balancer; the twin models it as an application load balancer.`);
    const name = ctx.names.loadBalancer.name(lb.name);
    ctx.loadBalancerByArn.set(lb.arn, name);
    const spec: Json = { name, crossZone: lb.crossZone, targetGroup: targetGroupOf(ctx, lb) };
    const zones = lb.zones.filter((z) => ctx.zones.includes(z));
    if (zones.length > 0 && zones.length < ctx.zones.length) spec.availabilityZones = zones.map((z) => ctx.zone(z));
    if (lb.scheme === 'internal') ctx.notes.push(`Load balancer '${lb.name}' is internal; the twin's load balancers have no scheme.`);
    const odd = lb.listeners.filter((l) => l.protocol !== 'HTTP' || l.port !== 80).map((l) => `${l.protocol} ${l.port}`);
    if (odd.length > 0 || lb.listeners.length > 1)
      ctx.notes.push(
        `Load balancer '${lb.name}' listens on ${lb.listeners.map((l) => `${l.protocol} ${l.port}`).join(', ')}; the twin serves one HTTP listener.`,
      );
    out.push(spec);
  }
  for (const tg of ctx.a.targetGroups)
    if (!ctx.targetGroupByArn.has(tg.arn))
      ctx.notes.push(`Target group '${tg.name}' (${tg.arn}) is not the target group of a modelled load balancer's listener, so it is not in the twin.`);
  return out;
}

function targetGroupOf(ctx: MapContext, lb: LoadBalancer): Json {
  const arns = [
    ...new Set([...lb.listeners.flatMap((l) => l.targetGroupArns), ...ctx.a.targetGroups.filter((t) => t.loadBalancerArns.includes(lb.arn)).map((t) => t.arn)]),
  ];
  const tg = arns
    .map((arn) => ctx.a.targetGroups.find((t) => t.arn === arn))
    .find((t): t is TargetGroup => t !== undefined && !ctx.targetGroupByArn.has(t.arn));
  for (const arn of arns.filter((a) => a !== tg?.arn))
    ctx.notes.push(`Load balancer '${lb.name}' also forwards to target group ${arn}; the twin gives each load balancer one target group.`);
  if (tg === undefined) {
    const name = ctx.names.targetGroup.name(`${lb.name}-tg`);
    ctx.notes.push(`Load balancer '${lb.name}' has no target group of its own that could be read; the twin gives it '${name}' with default health checks.`);
    return { name };
  }
  const name = ctx.names.targetGroup.name(tg.name);
  ctx.targetGroupByArn.set(tg.arn, name);
  const hc = tg.healthCheck;
  const healthCheck: Json = {
    interval: seconds(hc.intervalSeconds),
    timeout: seconds(hc.timeoutSeconds),
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
  };
  if (hc.protocol === undefined || hc.protocol.startsWith('HTTP')) {
    if (hc.path !== undefined) healthCheck.path = hc.path;
    if (hc.matcher !== undefined && /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(hc.matcher)) healthCheck.matcher = hc.matcher;
    else if (hc.matcher !== undefined)
      ctx.notes.push(`Target group '${tg.name}' matches health check codes '${hc.matcher}', which the twin cannot; it uses 200.`);
  } else ctx.notes.push(`Target group '${tg.name}' checks health over ${hc.protocol}; the twin checks HTTP.`);
  if (!hc.enabled) ctx.notes.push(`Target group '${tg.name}' has health checks turned off; the twin checks.`);
  const out: Json = { name, healthCheck };
  // 300 s is AWS's default ("The default value is 300 seconds", ELB user guide, target group attributes) and the sim's.
  if (tg.deregistrationDelaySeconds !== undefined && tg.deregistrationDelaySeconds !== 300) out.deregistrationDelay = seconds(tg.deregistrationDelaySeconds);
  return out;
}

/** Auto Scaling groups; launch templates made for launch configurations are added to `extraTemplates`. */
export function groupsOf(ctx: MapContext, extraTemplates: Json[]): Json[] {
  const out: Json[] = [];
  for (const g of ctx.a.autoScalingGroups) {
    const spec: Json = {
      name: ctx.names.group.name(g.name),
      launchTemplate: groupLaunchTemplate(ctx, g, extraTemplates),
      min: g.min,
      max: g.max,
      desired: g.desired,
    };
    const zones = g.zones.filter((z) => ctx.zones.includes(z));
    if (zones.length < ctx.zones.length) spec.availabilityZones = zones.map((z) => ctx.zone(z));
    if (g.healthCheckType === 'EC2' || g.healthCheckType === 'ELB') spec.healthCheckType = g.healthCheckType;
    else ctx.notes.push(`Auto Scaling group '${g.name}' uses ${g.healthCheckType} health checks; the twin uses EC2 checks.`);
    spec.healthCheckGracePeriod = seconds(g.healthCheckGracePeriodSeconds);
    spec.targetGroups = g.targetGroupArns.flatMap((arn) => {
      const name = ctx.targetGroupByArn.get(arn);
      if (name === undefined) ctx.notes.push(`Auto Scaling group '${g.name}' registers with target group ${arn}, which is not in the twin.`);
      return name === undefined ? [] : [name];
    });
    for (const clb of g.loadBalancerNames)
      ctx.notes.push(`Auto Scaling group '${g.name}' registers with Classic Load Balancer '${clb}', which the twin does not model.`);
    spec.tags = userTags(g.tags);
    groupVersioning(ctx, g, spec);
    out.push(spec);
  }
  return out;
}

/** What a group says of its processes and launch template version, where the schema takes it. */
function groupVersioning(ctx: MapContext, g: AutoScalingGroup, spec: Json): void {
  if (g.suspendedProcesses.length > 0) spec.suspendedProcesses = [...g.suspendedProcesses];
  const version = g.launchTemplate?.version;
  const lt = ctx.a.launchTemplates.find((l) => l.id === g.launchTemplate?.id);
  if (version === undefined) return;
  const wanted = lt === undefined ? undefined : version === '$Latest' ? lt.latestVersion : version === '$Default' ? lt.defaultVersion : Number(version);
  if (version !== '$Default') {
    // A numbered version the twin holds only when the template's versions were read and emitted with it.
    const held = version === '$Latest' || (wanted !== undefined && lt?.versions.some((v) => v.number === wanted) === true);
    if (held) spec.launchTemplateVersion = version;
    // A version that is the default one launches what the twin's default launches: nothing to say.
    else if (wanted !== lt?.defaultVersion)
      ctx.notes.push(`Auto Scaling group '${g.name}' launches version ${version} of its launch template; the twin launches the default.`);
  }
  if (lt === undefined || wanted === undefined) return;
  const drifted = g.instances.filter((i) => /^\d+$/.test(i.launchTemplateVersion ?? '') && Number(i.launchTemplateVersion) !== wanted).length;
  if (drifted === 0) return;
  if (wanted >= 2) spec.driftedInstances = Math.min(drifted, g.desired);
  else
    ctx.notes.push(
      `Auto Scaling group '${g.name}' has ${drifted} instances on a launch template version other than ${wanted}; the twin's instances all run it.`,
    );
}

/** Instances outside any Auto Scaling group. */
export function standaloneInstancesOf(ctx: MapContext, extraTemplates: Json[]): Json[] {
  const out: Json[] = [];
  for (const i of ctx.a.instances) {
    if (i.autoScalingGroup !== undefined || i.state === 'shutting-down') continue;
    const name = ctx.names.instance.name(i.tags.Name ?? i.id);
    const known = i.launchTemplate === undefined ? undefined : ctx.launchTemplateById.get(i.launchTemplate.id);
    const launchTemplate = known ?? madeLaunchTemplate(ctx, `${name}-launch`, i, extraTemplates, `Instance ${i.id}`);
    const targetGroups = ctx.a.targetGroups.filter((t) => t.targets.some((x) => x.id === i.id)).flatMap((t) => ctx.targetGroupByArn.get(t.arn) ?? []);
    out.push({ name, launchTemplate, availabilityZone: ctx.zone(i.zone), targetGroups, tags: userTags(i.tags) });
  }
  return out;
}

/** NAT gateways and the zone each zone's private subnets route through. */
export function natOf(ctx: MapContext): { natGateways?: Json[]; natRoutes?: Record<string, string> } {
  const nats = ctx.a.natGateways.filter((n) => n.state === 'available' || n.state === 'pending');
  if (nats.length === 0) return {};
  const routes: Record<string, string> = {};
  for (const table of ctx.a.routeTables) {
    const nat = nats.find((n) => table.natGatewayIds.includes(n.id));
    if (nat === undefined) continue;
    const subnets = ctx.a.subnets.filter(
      (s) => table.subnetIds.includes(s.id) || (table.main && s.vpcId === table.vpcId && !ctx.a.routeTables.some((t) => t.subnetIds.includes(s.id))),
    );
    for (const s of subnets) routes[ctx.zone(s.zone)] = ctx.names.nat.name(nat.name ?? nat.id);
  }
  const natGateways = nats.map((n) => ({ name: ctx.names.nat.name(n.name ?? n.id), availabilityZone: ctx.zone(n.zone) }));
  return { natGateways, natRoutes: routes };
}
