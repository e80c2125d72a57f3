import { tags } from './values.js';
import { isMap, type Resource, type TranslationContext, type Zones } from './context.js';

/* EC2 instances outside any Auto Scaling group. */

/**
 * An AWS::EC2::Instance launched from a launch template of the template, as a standalone instance of the region: its
 * subnet's zone, and the target groups whose `Targets` name it. An instance without such a launch template is noted
 * and not built (the region launches only from launch templates).
 */
export function standaloneInstance(
  ctx: TranslationContext,
  r: Resource,
  zones: Zones,
  targetGroups: Resource[],
  built: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  const p = ctx.props(r);
  const at = (k: string): string => `${r.path}.Properties.${k}`;
  const spec = isMap(p.LaunchTemplate) ? p.LaunchTemplate : undefined;
  const lt = spec === undefined ? undefined : ctx.ownerOf(spec.LaunchTemplateId ?? spec.LaunchTemplateName);
  if (lt?.type !== 'AWS::EC2::LaunchTemplate') {
    ctx.note(`${r.path}: an instance not launched from a launch template of the template is not modelled by the simulated region.`);
    return undefined;
  }
  const zone =
    zones.of(p.SubnetId === undefined ? undefined : [p.SubnetId], at('SubnetId'))?.[0] ??
    (typeof p.AvailabilityZone === 'string' ? p.AvailabilityZone : undefined) ??
    zones.list[0];
  const memberOf = targetGroups.filter((tg) => {
    const targets = ctx.props(tg).Targets;
    return built.has(tg.id) && Array.isArray(targets) && targets.some((t) => isMap(t) && ctx.ownerOf(t.Id)?.id === r.id);
  });
  return {
    name: ctx.name(r.id),
    launchTemplate: ctx.name(lt.id),
    availabilityZone: zone,
    targetGroups: memberOf.map((tg) => ctx.name(tg.id)),
    tags: tags(p.Tags ?? undefined, at('Tags')),
  };
}
