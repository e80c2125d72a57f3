import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { MOTO_DATA_TEST, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';

const args = z
  .strictObject({ dbInstanceIdentifier: z.string().min(1).optional(), dbClusterIdentifier: z.string().min(1).optional() })
  .refine((a) => (a.dbInstanceIdentifier === undefined) !== (a.dbClusterIdentifier === undefined), {
    error: 'name exactly one of dbInstanceIdentifier or dbClusterIdentifier',
  });
const tolerance = z.strictObject({ status: z.array(z.string()).min(1).default(['available']) });

/**
 * `aws.rds.status`: the status of a DB instance (DescribeDBInstances) or of a Multi-AZ DB cluster (DescribeDBClusters);
 * within tolerance while it is one of the expected statuses.
 */
export const rdsStatusProbe: ProbeDefinition<z.output<typeof args>, z.output<typeof tolerance>> = {
  id: 'aws.rds.status',
  summary: 'Reads the status of an RDS DB instance or DB cluster (default tolerance: available).',
  measures: ['availability'],
  permissions: { read: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], write: [] },
  capabilities: {
    services: ['rds'],
    support: {
      sim: yes('rebooting, failing-over, available as RDS reports them.'),
      moto: partial(`Always available: moto has no rebooting or failing-over status (${MOTO_DATA_TEST}: "reports a failover that did not move the primary").`),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('The native RDS provider describes instances and clusters; transitional statuses are unverified.'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: { status: ['available'] },
  open(a, ctx) {
    return {
      async sample(signal) {
        const started = performance.now();
        try {
          const client = await ctx.aws.rds();
          const { DescribeDBInstancesCommand, DescribeDBClustersCommand } = await sdk.rds();
          if (a.dbClusterIdentifier !== undefined) {
            const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: a.dbClusterIdentifier }), { abortSignal: signal });
            return { value: out.DBClusters?.[0]?.Status ?? 'missing', latencyMs: performance.now() - started };
          }
          const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: a.dbInstanceIdentifier }), { abortSignal: signal });
          const db = out.DBInstances?.[0];
          return { value: db?.DBInstanceStatus ?? 'missing', latencyMs: performance.now() - started, text: db?.AvailabilityZone ?? '' };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check: (o, t) =>
    o.error !== undefined ? o.error : t.status.includes(String(o.value)) ? null : `status ${String(o.value)}, expected ${t.status.join(' or ')}`,
};
