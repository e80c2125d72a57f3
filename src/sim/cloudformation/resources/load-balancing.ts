import { TemplateError } from '../template-error.js';
import { number } from './values.js';
import { isMap, type Resource, type TranslationContext, type Zones } from './context.js';

/* Elastic Load Balancing v2: target groups, the listeners that forward to them, and Application Load Balancers. */

/** A target group: its health check, deregistration delay and whether it balances across zones. */
export function targetGroup(
  ctx: TranslationContext,
  r: Resource,
): { name: string; port: number | undefined; crossZone: boolean; spec: Record<string, unknown> } {
  const p = ctx.props(r);
  const at = (k: string): string => `${r.path}.Properties.${k}`;
  if (p.TargetType !== undefined && p.TargetType !== 'instance')
    ctx.note(`${at('TargetType')} is ${String(p.TargetType)}; the simulated region registers instances.`);
  if (p.HealthCheckEnabled === false || p.HealthCheckEnabled === 'false')
    ctx.note(`${at('HealthCheckEnabled')} is false; the simulated target group checks its targets anyway.`);
  if (p.Protocol === 'HTTPS' || p.HealthCheckProtocol === 'HTTPS') ctx.note(`${r.path}: HTTPS is served and checked as HTTP by the simulated region.`);
  if (p.HealthCheckPort !== undefined && p.HealthCheckPort !== 'traffic-port')
    ctx.note(`${at('HealthCheckPort')}: the simulated target group checks the traffic port.`);
  const matcher = isMap(p.Matcher) ? p.Matcher.HttpCode : undefined;
  if (isMap(p.Matcher) && p.Matcher.GrpcCode !== undefined)
    ctx.note(`${at('Matcher')}.GrpcCode is not modelled; the simulated target group matches HTTP codes.`);
  let deregistrationDelay: string | undefined;
  // ALBs balance across zones; a target group may turn it off for itself.
  let crossZone = true;
  if (Array.isArray(p.TargetGroupAttributes)) {
    for (const a of p.TargetGroupAttributes) {
      if (isMap(a) && a.Key === 'deregistration_delay.timeout_seconds') deregistrationDelay = `${number(a.Value ?? undefined, at('TargetGroupAttributes'))}s`;
      else if (isMap(a) && a.Key === 'load_balancing.cross_zone.enabled') crossZone = a.Value !== 'false' && a.Value !== false;
      else if (isMap(a)) ctx.note(`${at('TargetGroupAttributes')}: ${String(a.Key)} is not modelled.`);
    }
  }
  const healthCheck: Record<string, unknown> = {
    path: typeof p.HealthCheckPath === 'string' ? p.HealthCheckPath : '/',
    interval: `${number(p.HealthCheckIntervalSeconds, at('HealthCheckIntervalSeconds'), 30)}s`,
    timeout: `${number(p.HealthCheckTimeoutSeconds, at('HealthCheckTimeoutSeconds'), 5)}s`,
    healthyThreshold: number(p.HealthyThresholdCount, at('HealthyThresholdCount'), 5),
    unhealthyThreshold: number(p.UnhealthyThresholdCount, at('UnhealthyThresholdCount'), 2),
    matcher: typeof matcher === 'string' ? matcher : '200',
  };
  const name = ctx.name(r.id);
  return {
    name,
    port: p.Port === undefined ? undefined : number(p.Port, at('Port')),
    crossZone,
    spec: { name, healthCheck, ...(deregistrationDelay === undefined ? {} : { deregistrationDelay }) },
  };
}

/** Records which target group a listener forwards its load balancer to, in `forwards`. */
export function listener(ctx: TranslationContext, r: Resource, forwards: Map<string, { tg: string; path: string }>, targetGroups: Map<string, unknown>): void {
  const p = ctx.props(r);
  const lb = ctx.ownerOf(p.LoadBalancerArn);
  if (lb?.type !== 'AWS::ElasticLoadBalancingV2::LoadBalancer')
    throw new TemplateError(`${r.path}.Properties.LoadBalancerArn`, 'does not name a load balancer of the template');
  const actions = Array.isArray(p.DefaultActions) ? p.DefaultActions : [];
  const forward = actions.find((a) => isMap(a) && a.Type === 'forward');
  if (!isMap(forward)) {
    ctx.note(`${r.path} forwards to no target group; the simulated region only models forwarding listeners.`);
    return;
  }
  const config = isMap(forward.ForwardConfig) && Array.isArray(forward.ForwardConfig.TargetGroups) ? forward.ForwardConfig.TargetGroups : [];
  const arn = forward.TargetGroupArn ?? (isMap(config[0]) ? config[0].TargetGroupArn : undefined);
  const tg = ctx.ownerOf(arn);
  if (tg === undefined || !targetGroups.has(tg.id))
    throw new TemplateError(`${r.path}.Properties.DefaultActions`, 'forwards to no target group of the template');
  if (config.length > 1) ctx.note(`${r.path}: the simulated load balancer forwards to one target group, ${tg.id}.`);
  const port = p.Port === undefined ? 80 : number(p.Port, `${r.path}.Properties.Port`);
  ctx.note(`${r.path}: port ${port} is served on a free loopback port of the simulated region (\${sim:alb.${ctx.name(lb.id)}.url}).`);
  const existing = forwards.get(lb.id);
  if (existing !== undefined && existing.tg !== tg.id) {
    ctx.note(`${r.path}: the simulated load balancer ${lb.id} forwards to one target group, ${existing.tg}; this listener's ${tg.id} is not served.`);
    return;
  }
  forwards.set(lb.id, { tg: tg.id, path: r.path });
}

/** An Application Load Balancer with the target group its listener forwards to; undefined (noted) for other kinds. */
export function loadBalancer(
  ctx: TranslationContext,
  r: Resource,
  zones: Zones,
  forwards: Map<string, { tg: string }>,
  targetGroups: Map<string, { crossZone: boolean; spec: Record<string, unknown> }>,
): { spec: Record<string, unknown>; tg: string } | undefined {
  const p = ctx.props(r);
  if (p.Type !== undefined && p.Type !== 'application') {
    ctx.note(`${r.path} is a ${String(p.Type)} load balancer; the simulated region models Application Load Balancers only, so it is not built.`);
    return undefined;
  }
  const forward = forwards.get(r.id);
  if (forward === undefined)
    throw new TemplateError(
      r.path,
      'the simulated region needs every load balancer to forward to a target group through a listener (AWS::ElasticLoadBalancingV2::Listener)',
    );
  const used = zones.of(p.Subnets ?? undefined, `${r.path}.Properties.Subnets`);
  // The load balancer is enabled in its subnets' zones; a target elsewhere is `unused` (Target.NotInUse).
  const enabled = used !== undefined && used.length !== zones.list.length ? { availabilityZones: used } : {};
  if (p.SubnetMappings !== undefined) ctx.note(`${r.path}.Properties.SubnetMappings: the simulated load balancer serves from every zone of the stack.`);
  if (Array.isArray(p.LoadBalancerAttributes)) {
    for (const a of p.LoadBalancerAttributes) {
      if (!isMap(a)) continue;
      if (a.Key === 'load_balancing.cross_zone.enabled')
        ctx.note(
          `${r.path}.Properties.LoadBalancerAttributes: an Application Load Balancer always balances across zones and this cannot be changed; a target group can turn it off (TargetGroupAttributes).`,
        );
      else ctx.note(`${r.path}.Properties.LoadBalancerAttributes: ${String(a.Key)} is not modelled.`);
    }
  }
  const tg = targetGroups.get(forward.tg);
  return { spec: { name: ctx.name(r.id), crossZone: tg?.crossZone ?? true, ...enabled, targetGroup: tg?.spec }, tg: forward.tg };
}
