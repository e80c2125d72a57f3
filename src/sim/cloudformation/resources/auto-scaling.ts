import { TemplateError } from '../template-error.js';
import { number } from './values.js';
import { isMap, type Resource, type TranslationContext, type Zones } from './context.js';

/* EC2 Auto Scaling groups and the launch templates they launch from. */

/** An Auto Scaling group's spec, with the launch template and the served target groups it uses. */
export function autoScalingGroup(
  ctx: TranslationContext,
  r: Resource,
  zones: Zones,
  lbOfTg: Map<string, string>,
): { spec: Record<string, unknown>; launchTemplate: string; targetGroupIds: string[] } {
  const p = ctx.props(r);
  const at = (k: string): string => `${r.path}.Properties.${k}`;
  if (p.LaunchConfigurationName !== undefined)
    throw new TemplateError(
      at('LaunchConfigurationName'),
      'launch configurations are not modelled; the simulated region launches from launch templates (AWS::EC2::LaunchTemplate)',
    );
  let spec = p.LaunchTemplate;
  let specPath = at('LaunchTemplate');
  if (spec === undefined && isMap(p.MixedInstancesPolicy) && isMap(p.MixedInstancesPolicy.LaunchTemplate)) {
    spec = p.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification;
    specPath = at('MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification');
    ctx.note(`${at('MixedInstancesPolicy')}: the simulated group launches one instance type, its launch template's.`);
  }
  const lt = isMap(spec) ? ctx.ownerOf(spec.LaunchTemplateId ?? spec.LaunchTemplateName) : undefined;
  if (lt?.type !== 'AWS::EC2::LaunchTemplate') throw new TemplateError(specPath, 'does not name a launch template of the template (LaunchTemplateId: !Ref …)');
  const min = number(p.MinSize, at('MinSize'));
  const max = number(p.MaxSize, at('MaxSize'));
  const desired = number(p.DesiredCapacity, at('DesiredCapacity'), min);
  const groupZones =
    zones.of(p.VPCZoneIdentifier ?? undefined, at('VPCZoneIdentifier')) ?? (Array.isArray(p.AvailabilityZones) ? p.AvailabilityZones.map(String) : undefined);
  const targetGroupIds: string[] = [];
  (Array.isArray(p.TargetGroupARNs) ? p.TargetGroupARNs : []).forEach((arn, i) => {
    const tg = ctx.ownerOf(arn);
    if (tg?.type !== 'AWS::ElasticLoadBalancingV2::TargetGroup')
      throw new TemplateError(`${at('TargetGroupARNs')}[${i}]`, 'is not a target group of the template');
    if (lbOfTg.has(tg.id)) targetGroupIds.push(tg.id);
  });
  if (p.LoadBalancerNames !== undefined) ctx.note(`${at('LoadBalancerNames')}: Classic Load Balancers are not modelled.`);
  const type = p.HealthCheckType ?? 'EC2';
  if (type !== 'EC2' && type !== 'ELB') ctx.note(`${at('HealthCheckType')} is ${String(type)}; the simulated group uses EC2 health checks.`);
  const tags: Record<string, string> = {};
  (Array.isArray(p.Tags) ? p.Tags : []).forEach((t, i) => {
    if (!isMap(t) || typeof t.Key !== 'string' || t.Value === undefined)
      throw new TemplateError(`${at('Tags')}[${i}]`, 'a tag is { Key, Value, PropagateAtLaunch }');
    tags[t.Key] = String(t.Value);
    if (t.PropagateAtLaunch !== true && t.PropagateAtLaunch !== 'true')
      ctx.note(`${at('Tags')}[${i}] (${t.Key}) is not propagated at launch in AWS; the simulated group puts it on its instances too.`);
  });
  return {
    spec: {
      name: ctx.name(r.id),
      launchTemplate: ctx.name(lt.id),
      min,
      max,
      desired,
      ...(groupZones === undefined ? {} : { availabilityZones: groupZones }),
      // The version the group names (`!GetAtt Lt.LatestVersionNumber` reads as 1: a template makes one version).
      ...(isMap(spec) && spec.Version !== undefined && spec.Version !== null ? { launchTemplateVersion: String(spec.Version) } : {}),
      healthCheckType: type === 'ELB' ? 'ELB' : 'EC2',
      healthCheckGracePeriod: `${number(p.HealthCheckGracePeriod, at('HealthCheckGracePeriod'), 0)}s`,
      targetGroups: targetGroupIds.map((id) => ctx.name(id)),
      tags,
    },
    launchTemplate: lt.id,
    targetGroupIds,
  };
}

/** A launch template's spec; `port` is what its groups' target groups send traffic to. */
export function launchTemplate(ctx: TranslationContext, r: Resource, port: number | undefined): Record<string, unknown> {
  const p = ctx.props(r);
  const data = isMap(p.LaunchTemplateData) ? p.LaunchTemplateData : {};
  const at = `${r.path}.Properties.LaunchTemplateData`;
  const out: Record<string, unknown> = { name: ctx.name(r.id), port: port ?? 8080 };
  if (typeof data.InstanceType === 'string') out.instanceType = data.InstanceType;
  else ctx.note(`${at}.InstanceType is not set; the simulated instances are t3.micro.`);
  if (typeof data.ImageId === 'string' && /^ami-[0-9a-z]{8,17}$/.test(data.ImageId)) out.imageId = data.ImageId;
  else ctx.note(`${at}.ImageId '${String(data.ImageId)}' is not an AMI id; the simulated instances use the sim's image.`);
  if (data.UserData !== undefined) ctx.note(`${at}.UserData is not run; each simulated instance serves the sim's workload on port ${port ?? 8080}.`);
  return out;
}
