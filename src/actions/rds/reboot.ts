/**
 * `aws.rds.reboot` — reboots each selected DB instance in place (RebootDBInstance without failover) and waits until it
 * is available again. Nothing to undo.
 */
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { duration } from '../../experiment/fields.js';
import type { ActionDefinition } from '../../registry/types.js';
import { dbTargets, sendRds, waitAvailable } from './db-instances.js';

const args = z.strictObject({ waitTimeout: duration().default(900_000) });

export const rdsRebootAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.reboot',
  summary: 'Reboots the selected DB instances in place and waits until they are available.',
  mutating: true,
  args,
  ...dbTargets,
  async run(a, ctx) {
    const { RebootDBInstanceCommand } = await sdk.rds();
    for (const target of ctx.targets) {
      await sendRds(ctx, new RebootDBInstanceCommand({ DBInstanceIdentifier: target.id, ForceFailover: false }));
      await waitAvailable(ctx, target.id, a.waitTimeout);
    }
    return { output: { dbInstances: ctx.targets.map((t) => t.id) } };
  },
};
