import { performance } from 'node:perf_hooks';
import type { InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import { no, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { sdk } from '../../aws/sdk.js';

/**
 * The statuses DescribeInstanceRefreshes reports
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html).
 */
export const INSTANCE_REFRESH_STATUSES = [
  'Pending',
  'InProgress',
  'Successful',
  'Failed',
  'Cancelling',
  'Cancelled',
  'RollbackInProgress',
  'RollbackFailed',
  'RollbackSuccessful',
  'Baking',
] as const;

/** Where the moto claims of the release probes are checked. */
export const MOTO_RELEASE_TEST = 'test/conformance/moto-release.test.ts';

/** The probe's value when the group has no instance refresh (or none with the given id). */
export const NO_REFRESH = 'none';

const args = z.strictObject({
  autoScalingGroupName: z.string().min(1),
  instanceRefreshId: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The refresh to watch; default the group’s latest (by StartTime), so a refresh started during the run is the one watched.' }),
});

const status = z.enum([...INSTANCE_REFRESH_STATUSES, NO_REFRESH]);
const tolerance = z
  .strictObject({
    status: z
      .union([status, z.array(status).min(1)])
      .optional()
      .meta({ description: `Expected status or statuses, such as [Successful, RollbackSuccessful]; '${NO_REFRESH}' accepts a group without a refresh.` }),
    minPercentageComplete: z.number().int().min(0).max(100).optional(),
    maxPercentageComplete: z.number().int().min(0).max(100).optional(),
  })
  .meta({ description: 'Default: any refresh, or none, that has not failed (Failed or RollbackFailed).' });
type RefreshTolerance = z.output<typeof tolerance>;

/** What has gone wrong unless the tolerance says otherwise. */
const FAILED = new Set(['Failed', 'RollbackFailed']);

/** The refresh the probe watches: the one named, else the latest started (by StartTime, whatever order the list comes in). */
function pick(refreshes: readonly InstanceRefresh[], id: string | undefined): InstanceRefresh | undefined {
  if (id !== undefined) return refreshes.find((r) => r.InstanceRefreshId === id);
  return [...refreshes].sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0))[0];
}

/** One line a person reads in the journal: id, status, progress, reason. */
function describe(r: InstanceRefresh): string {
  const reason = r.StatusReason === undefined || r.StatusReason === '' ? '' : `: ${r.StatusReason}`;
  const left = r.InstancesToUpdate === undefined ? '' : `, ${r.InstancesToUpdate} to update`;
  return `refresh ${r.InstanceRefreshId ?? '?'} ${r.Status ?? '?'} at ${r.PercentageComplete ?? 0}%${left}${reason}`;
}

/**
 * `aws.asg.instance-refresh-status`: the status of a group's latest (or a named) instance refresh, as
 * DescribeInstanceRefreshes reports it: its value is the status (`none` without a refresh), its sample detail the
 * percentage complete and the status reason. Judged against expected statuses and bounds on the percentage complete.
 */
export const instanceRefreshStatusProbe: ProbeDefinition<z.output<typeof args>, RefreshTolerance> = {
  id: 'aws.asg.instance-refresh-status',
  summary: "Reports the status and progress of an Auto Scaling group's latest (or a named) instance refresh (default tolerance: not Failed or RollbackFailed).",
  measures: ['availability'],
  permissions: { read: ['autoscaling:DescribeInstanceRefreshes'], write: [] },
  capabilities: {
    services: ['autoscaling'],
    support: {
      sim: yes('The refreshes the region runs, with status, percentage complete and status reason; a group without one has an empty list.'),
      moto: no(
        `moto 5.2.1 does not implement DescribeInstanceRefreshes: it answers an HTML error page, which the probe reports as a failed sample (${MOTO_RELEASE_TEST}: "aws.asg.instance-refresh-status says moto does not implement it").`,
      ),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': no(
        'Its Auto Scaling coverage (docs.localstack.cloud/references/coverage/coverage_autoscaling) lists CancelInstanceRefresh as not implemented; DescribeInstanceRefreshes assumed the same (unverified).',
      ),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  open(a, ctx) {
    return {
      async sample(signal) {
        const started = performance.now();
        try {
          const client = await ctx.aws.autoScaling();
          const { DescribeInstanceRefreshesCommand } = await sdk.autoScaling();
          const refreshes: InstanceRefresh[] = [];
          let token: string | undefined;
          do {
            const out = await client.send(
              new DescribeInstanceRefreshesCommand({
                AutoScalingGroupName: a.autoScalingGroupName,
                ...(a.instanceRefreshId === undefined ? {} : { InstanceRefreshIds: [a.instanceRefreshId] }),
                NextToken: token,
              }),
              { abortSignal: signal },
            );
            refreshes.push(...(out.InstanceRefreshes ?? []));
            token = out.NextToken;
          } while (token !== undefined && token !== '');
          const latencyMs = performance.now() - started;
          const r = pick(refreshes, a.instanceRefreshId);
          if (r === undefined) {
            const which = a.instanceRefreshId === undefined ? 'no instance refresh' : `no instance refresh ${a.instanceRefreshId}`;
            return { value: NO_REFRESH, latencyMs, detail: `${which} of ${a.autoScalingGroupName}` };
          }
          return { value: r.Status ?? 'unknown', latencyMs, detail: describe(r), text: String(r.PercentageComplete ?? '') };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    const value = typeof o.value === 'string' ? o.value : undefined;
    if (value === undefined) return 'no instance refresh status';
    const said = o.detail ?? value;
    const wanted = t.status === undefined ? undefined : Array.isArray(t.status) ? t.status : [t.status];
    if (wanted !== undefined && !wanted.includes(value as (typeof wanted)[number])) return `${said}, expected ${wanted.join(' or ')}`;
    if (wanted === undefined && FAILED.has(value)) return said;
    if (value === NO_REFRESH) return null;
    const pct = o.text === undefined || o.text === '' ? undefined : Number(o.text);
    if (t.minPercentageComplete !== undefined && (pct ?? 0) < t.minPercentageComplete) return `${said}, expected at least ${t.minPercentageComplete}%`;
    if (t.maxPercentageComplete !== undefined && (pct ?? 0) > t.maxPercentageComplete) return `${said}, expected at most ${t.maxPercentageComplete}%`;
    return null;
  },
};
