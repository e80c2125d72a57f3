/**
 * `aws.rds.failover` — forces a Multi-AZ failover of each selected DB instance (RebootDBInstance with ForceFailover),
 * waits until it is available again and checks that the primary moved to another zone. Nothing to undo: the old
 * primary becomes the standby. Refused (invalid-fault) for a single-AZ instance, with AWS's own error.
 */
import type { RebootDBInstanceCommandOutput } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import type { ActionDefinition } from '../../registry/types.js';
import { dbTargets, describeDb, sendRds, waitAvailable } from './db-instances.js';

const args = z.strictObject({
  /** How long to wait for the instance to be available again (wall time). */
  waitTimeout: duration().default(900_000),
});

export const rdsFailoverAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.failover',
  summary: 'Forces a Multi-AZ failover of the selected DB instances and waits until each serves from its other zone.',
  mutating: true,
  args,
  ...dbTargets,
  async run(a, ctx) {
    const { RebootDBInstanceCommand } = await sdk.rds();
    const moved: Record<string, string> = {};
    for (const target of ctx.targets) {
      const before = await describeDb(ctx, target.id);
      if (before.MultiAZ !== true) throw new ActionFailedError(`DB instance ${target.id} is not Multi-AZ: it has no standby to fail over to.`);
      await sendRds(ctx, new RebootDBInstanceCommand({ DBInstanceIdentifier: target.id, ForceFailover: true }), (out: RebootDBInstanceCommandOutput) => ({
        status: out.DBInstance?.DBInstanceStatus,
      }));
      const after = await waitAvailable(ctx, target.id, a.waitTimeout);
      if (after.AvailabilityZone === before.AvailabilityZone) {
        throw new ActionFailedError(`The failover of ${target.id} did not move the primary: it is still in ${before.AvailabilityZone ?? 'an unknown zone'}.`);
      }
      moved[target.id] = `${before.AvailabilityZone ?? '?'} -> ${after.AvailabilityZone ?? '?'}`;
    }
    return { output: { dbInstances: ctx.targets.map((t) => t.id), moved } };
  },
};
