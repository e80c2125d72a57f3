import type { DescribeInstancesCommandOutput, Filter, Instance } from '@aws-sdk/client-ec2';
import { ActionFailedError } from '../../errors/action-error.js';
import type { ActivityContext, Resource, TargetSpec } from '../../registry/types.js';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';

export const EC2_INSTANCE = 'aws:ec2:instance';

/** Sends an EC2 command through the context's client, recorded for the journal. */
export function sendEc2<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: ActivityContext,
  command: C,
  summarize?: (output: O) => Record<string, unknown>,
): Promise<O> {
  return awsSend(ctx, 'ec2', command, summarize);
}

/**
 * What stands in for an undo after instances are terminated, as the plan says it: nothing brings a terminated instance
 * back, but an Auto Scaling group replaces its own.
 */
export function terminationUndo(resources: readonly Resource[]): string {
  const groups = [
    ...new Set(
      resources
        .filter((r) => r.type === EC2_INSTANCE)
        .map((r) => r.tags['aws:autoscaling:groupName'])
        .filter((g) => g !== undefined),
    ),
  ];
  const outside = resources.some((r) => r.type === EC2_INSTANCE && r.tags['aws:autoscaling:groupName'] === undefined);
  if (groups.length === 0) return 'none — terminated instances cannot be restored';
  const replaced = `none — ${groups.length === 1 ? `the Auto Scaling group's replacement restores capacity (${groups.join('')})` : `the Auto Scaling groups' replacements restore capacity (${groups.join(', ')})`}`;
  return outside ? `${replaced}; instances outside a group cannot be restored` : replaced;
}

/** What every action on EC2 instances shares: its target type and how candidates are listed. */
export const instanceTargets = { targetType: EC2_INSTANCE, inventory: instanceInventory } as const;

/** `id:state` pairs of a state-change response, for the journal. */
export function stateSummary(
  changes: { InstanceId?: string | undefined; CurrentState?: { Name?: string | undefined } | undefined }[] | undefined,
): Record<string, unknown> {
  return { states: (changes ?? []).map((i) => `${i.InstanceId ?? ''}:${i.CurrentState?.Name ?? ''}`) };
}

/** Paths of target filters that map onto DescribeInstances filters, so the listing is narrowed server-side. */
const SERVER_FILTERS: Record<string, string> = {
  'State.Name': 'instance-state-name',
  'Placement.AvailabilityZone': 'availability-zone',
  SubnetId: 'subnet-id',
  VpcId: 'vpc-id',
  InstanceType: 'instance-type',
};

/** The ARN partition of a region. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

function toResource(i: Instance, region: string, owner: string | undefined): Resource {
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const id = i.InstanceId ?? '';
  return {
    type: EC2_INSTANCE,
    id,
    arn: `arn:${partitionOf(region)}:ec2:${region}:${owner ?? ''}:instance/${id}`,
    tags,
    attributes: i as unknown as Record<string, unknown>,
  };
}

/**
 * Lists the instances a target spec can match, page by page. Unless the spec filters on `State.Name`, only running
 * instances are candidates: a fault on an instance that is already down proves nothing.
 */
export async function instanceInventory(spec: TargetSpec, ctx: ActivityContext): Promise<Resource[]> {
  const client = await ctx.aws.ec2();
  const { DescribeInstancesCommand } = await sdk.ec2();
  const filters: Filter[] = [];
  for (const [k, v] of Object.entries(spec.tags ?? {})) filters.push({ Name: `tag:${k}`, Values: [v] });
  for (const f of spec.filters ?? []) {
    const name = SERVER_FILTERS[f.path];
    if (name !== undefined) filters.push({ Name: name, Values: f.values });
  }
  if (!(spec.filters ?? []).some((f) => f.path === 'State.Name')) filters.push({ Name: 'instance-state-name', Values: ['running'] });
  const ids = (spec.ids ?? []).filter((id) => id.startsWith('i-'));
  const out: Resource[] = [];
  let token: string | undefined;
  const region = await client.config.region();
  do {
    const page: DescribeInstancesCommandOutput = await sendEc2(
      ctx,
      new DescribeInstancesCommand({ Filters: filters, ...(ids.length > 0 ? { InstanceIds: ids } : { MaxResults: 1000 }), NextToken: token }),
    );
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) out.push(toResource(i, region, r.OwnerId));
    token = page.NextToken;
  } while (token !== undefined && token !== '');
  return out;
}

/**
 * Current states of instances, by id. An instance EC2 no longer lists is `terminated`: terminated instances stay
 * visible only for a while ("about an hour", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html),
 * after which naming one in `InstanceIds` fails the whole call with InvalidInstanceID.NotFound; an `instance-id` filter
 * lists those that remain instead, so a rollback late after a replacement still reads the others.
 */
export async function instanceStates(ctx: ActivityContext, ids: string[]): Promise<Map<string, string>> {
  const { DescribeInstancesCommand } = await sdk.ec2();
  const states = new Map<string, string>();
  let token: string | undefined;
  do {
    const page: DescribeInstancesCommandOutput = await sendEc2(
      ctx,
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids }], NextToken: token }),
    );
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) states.set(i.InstanceId ?? '', i.State?.Name ?? 'unknown');
    token = page.NextToken;
  } while (token !== undefined && token !== '');
  for (const id of ids) if (!states.has(id)) states.set(id, 'terminated');
  return states;
}

/**
 * Proof the fault landed: every instance reaches one of `expected` states. EC2 reads are eventually consistent, so a
 * describe right after the change may still show the old state; this waits a bounded `graceMs` before it throws
 * `ActionFailedError`.
 */
export async function verifyStates(ctx: ActivityContext, ids: string[], expected: string[], what: string, graceMs = 30_000): Promise<Record<string, string>> {
  try {
    return await waitForStates(ctx, ids, expected, graceMs);
  } catch (error) {
    if (!(error instanceof ActionFailedError)) throw error;
    const states = await instanceStates(ctx, ids);
    const wrong = ids.filter((id) => !expected.includes(states.get(id) ?? 'missing'));
    throw new ActionFailedError(
      `${what} did not land: ${wrong.map((id) => `${id} is ${states.get(id) ?? 'missing'}`).join(', ')} (expected ${expected.join(' or ')}).`,
    );
  }
}

/**
 * Polls until every instance is in `wanted`, with backoff, bounded by `timeoutMs`; awaits a condition, never a fixed time.
 */
export async function waitForStates(ctx: ActivityContext, ids: string[], wanted: string[], timeoutMs: number): Promise<Record<string, string>> {
  const deadline = ctx.clock.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const states = await instanceStates(ctx, ids);
    if (ids.every((id) => wanted.includes(states.get(id) ?? ''))) return Object.fromEntries(states);
    if (ctx.clock.now() + delay > deadline) {
      throw new ActionFailedError(
        `Instances did not reach ${wanted.join(' or ')} within ${Math.round(timeoutMs / 1000)}s: ${ids.map((id) => `${id} is ${states.get(id) ?? 'missing'}`).join(', ')}.`,
      );
    }
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(2_000, delay * 1.5);
  }
}

/** An instance action's intent: the state of each target before the change. */
export async function instanceIntent(targets: readonly Resource[], ctx: ActivityContext): Promise<{ states: Record<string, string> }> {
  const ids = targets.filter((t) => t.type === EC2_INSTANCE).map((t) => t.id);
  return { states: ids.length === 0 ? {} : Object.fromEntries(await instanceStates(ctx, ids)) };
}

/** The states recorded by `instanceIntent`, read back from an undo log. */
export function priorStates(prior: Record<string, unknown>): Record<string, string> {
  return (prior.states as Record<string, string> | undefined) ?? {};
}

/** States in which a terminated instance is gone for good. */
const GONE = ['shutting-down', 'terminated'];

/**
 * What a lost run's termination left: each instance that was not gone before and is gone now, reported as lasting
 * (nothing brings it back), with its group when it has one.
 */
export function terminationsFound(
  targets: readonly Resource[],
  before: Record<string, string>,
  now: Map<string, string>,
): { landed: boolean; found: string[]; lasting: string[] } {
  const found: string[] = [];
  const lasting: string[] = [];
  for (const t of targets.filter((r) => r.type === EC2_INSTANCE)) {
    const was = before[t.id] ?? 'unknown';
    const is = now.get(t.id) ?? 'gone';
    if (!GONE.includes(was) && (GONE.includes(is) || is === 'gone')) {
      const group = t.tags['aws:autoscaling:groupName'];
      lasting.push(
        `${t.id} was terminated by the lost run (${was} before, ${is} now); a terminated instance cannot be restored${group === undefined ? '' : `, its group ${group} replaces it`}`,
      );
    } else found.push(`${t.id} is ${is}, as before the fault (${was}): the termination did not reach it`);
  }
  return { landed: lasting.length > 0, found, lasting };
}
