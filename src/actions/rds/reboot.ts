/**
 * `aws.rds.reboot` — reboots each selected DB instance in place (RebootDBInstance without failover), or each selected
 * Multi-AZ DB cluster (`targets.type: aws:rds:cluster`, RebootDBCluster), and waits until it is available again.
 * Nothing to undo.
 */
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';
import { RDS_CLUSTER, rdsInventory, waitClusterAvailable } from './db-clusters.js';
import { dbTargets, sendRds, waitAvailable } from './db-instances.js';

const args = z.strictObject({ waitTimeout: duration().default(900_000) });

export const rdsRebootAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.reboot',
  summary: 'Reboots the selected DB instances or DB clusters in place and waits until they are available.',
  mutating: true,
  permissions: { read: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], write: ['rds:RebootDBInstance', 'rds:RebootDBCluster'] },
  capabilities: {
    services: ['rds'],
    support: {
      sim: yes(),
      moto: partial(
        'RebootDBInstance answers with the instance still available: nothing reboots (AWS-FACTS §2.2); RebootDBCluster is not checked against moto.',
      ),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('RebootDBInstance is implemented (aws_validated); RebootDBCluster is not implemented.'),
      aws: yes(),
    },
  },
  args,
  ...dbTargets,
  inventory: rdsInventory,
  async run(a, ctx) {
    const { RebootDBInstanceCommand, RebootDBClusterCommand } = await sdk.rds();
    for (const target of ctx.targets) {
      if (target.type === RDS_CLUSTER) {
        await sendRds(ctx, new RebootDBClusterCommand({ DBClusterIdentifier: target.id }));
        await waitClusterAvailable(ctx, target.id, a.waitTimeout);
      } else {
        await sendRds(ctx, new RebootDBInstanceCommand({ DBInstanceIdentifier: target.id, ForceFailover: false }));
        await waitAvailable(ctx, target.id, a.waitTimeout);
      }
    }
    return { output: { [ctx.targets[0]?.type === RDS_CLUSTER ? 'dbClusters' : 'dbInstances']: ctx.targets.map((t) => t.id) } };
  },
};
