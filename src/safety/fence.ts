import { SafetyError } from '../errors/safety-error.js';
import type { Fence, Resource } from '../registry/types.js';

/** Input fields through which AWS mutating calls name the resources they change. */
const RESOURCE_FIELDS = [
  'InstanceIds',
  'DBInstanceIdentifier',
  'DBClusterIdentifier',
  'HealthCheckId',
  'AutoScalingGroupName',
  'TargetGroupArn',
  'LoadBalancerArn',
  'ResourceArns',
  'experimentTemplateId',
  'VpcId',
  'NetworkAclId',
  'AssociationId',
  'id',
] as const;

/** An FIS template target as the plan and the fence name it: its ARNs, or its type, tags and filters. */
export function fisTargetKeys(target: {
  resourceType?: string | undefined;
  resourceArns?: string[] | undefined;
  resourceTags?: Record<string, string> | undefined;
  filters?: { path?: string | undefined; values?: string[] | undefined }[] | undefined;
}): string[] {
  if (target.resourceArns !== undefined) return target.resourceArns;
  const tags = Object.entries(target.resourceTags ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  const filters = (target.filters ?? []).map((f) => `${f.path ?? ''} in [${(f.values ?? []).join(', ')}]`);
  return [`${target.resourceType ?? '?'} where ${[...tags, ...filters].join(' and ') || 'anything'}`];
}

/** The resource names a mutating call's input carries, in the fields above (an FIS template: its targets). */
export function namedResources(input: unknown): string[] {
  if (input === null || typeof input !== 'object') return [];
  const out: string[] = [];
  const template = input as { targets?: unknown; actions?: unknown };
  if (typeof template.targets === 'object' && template.targets !== null && typeof template.actions === 'object') {
    for (const t of Object.values(template.targets as Record<string, Parameters<typeof fisTargetKeys>[0]>)) out.push(...fisTargetKeys(t));
    // A template without targets (only aws:fis:wait) touches nothing.
    if (out.length === 0) out.push('aws:fis:no-targets');
    return out;
  }
  for (const field of RESOURCE_FIELDS) {
    const v = (input as Record<string, unknown>)[field];
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

/**
 * The run's scope: only resources of the plan may be named by a mutating call. A mutating call that names anything
 * else, or names nothing gameday can recognise, is refused before it is sent.
 */
export class PlanFence implements Fence {
  readonly #allowed = new Set<string>();

  constructor(resources: Iterable<Resource>) {
    for (const r of resources) {
      this.#allowed.add(r.id);
      if (r.arn !== undefined) this.#allowed.add(r.arn);
    }
  }

  admit(id: string): void {
    this.#allowed.add(id);
  }

  check(service: string, operation: string, input: unknown): void {
    const named = namedResources(input);
    if (named.length === 0) throw new SafetyError('scope', `${service}:${operation} names no resource gameday can check against the plan, so it was not sent`);
    const outside = named.filter((id) => !this.#allowed.has(id));
    if (outside.length > 0)
      throw new SafetyError(
        'scope',
        `${service}:${operation} would touch ${outside.join(', ')}, which ${outside.length === 1 ? 'is' : 'are'} not in the plan, so it was not sent`,
      );
  }
}
