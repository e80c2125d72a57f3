import { DEFAULT_OPT_IN_TAG } from '../../safety/iam-policy.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { type FailoverTarget, ledgerProbe } from './db-failover.js';
import { seconds, writeExperiment } from './write.js';

/**
 * How much longer than the RTO the zone stays dark (assumed): long enough that a database which only comes back with
 * its zone is seen to miss the RTO, however the run's samples fall.
 */
const DARK_BEYOND_RTO_S = 120;

/**
 * The loss of the database primary's zone, as FIS's AZ power-interruption scenario loses it
 * (https://docs.aws.amazon.com/fis/latest/userguide/az-availability-scenario.html): the zone's opted-in instances lose
 * power and its subnets are cut by a deny-all network ACL (`aws.scenario.az-outage`, `connectivity`), for longer than
 * the RTO. RDS is left to notice by itself (`failoverDatabases: false`): a Multi-AZ instance fails over to its standby
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html), a single-AZ one is down
 * until its zone returns. The write ledger writes through the endpoint name throughout; the claim is that writes land
 * again within the RTO with no acknowledged write lost.
 */
export function dbZoneLossExperiment(ctx: AuditContext, rule: string, db: FailoverTarget, zone: string): ProvingExperiment {
  const rtoS = ctx.objectives.rtoSeconds;
  const rto = seconds(rtoS);
  const darkS = rtoS + DARK_BEYOND_RTO_S;
  const ledger = ledgerProbe(db);
  return writeExperiment(ctx, {
    rule,
    resource: `${db.id}-${zone}`,
    claim: `${db.id} survives the loss of its primary's zone ${zone} (dark for ${seconds(darkS)}): writes land again within ${rto}, no acknowledged write lost.`,
    tags: ['rds', 'az', 'multi-az', 'rpo'],
    probes: [ledger.probe],
    faults: [
      {
        name: `lose-${zone}`,
        action: 'aws.scenario.az-outage',
        args: {
          availabilityZone: zone,
          // The zone's instances that opted in go dark with it; their VPC names the subnets the ACL cuts.
          instanceTags: { [DEFAULT_OPT_IN_TAG.key]: DEFAULT_OPT_IN_TAG.value },
          instances: 'stop',
          connectivity: true,
          capacity: false,
          failoverDatabases: false,
        },
        duration: seconds(darkS),
      },
    ],
    recovery: { stableFor: '20s', timeout: seconds(Math.max(600, rtoS * 2, darkS + 300)) },
    objectives: { rpo: '0 writes', rto, switchover: { probe: 'ledger', within: rto } },
    forAccount: ledger.forAccount,
  });
}
