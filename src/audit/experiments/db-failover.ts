import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { type AccountValue, seconds, writeExperiment } from './write.js';

/** A database as the failover experiment needs it: an instance or a cluster, and where the account serves it. */
export interface FailoverTarget {
  id: string;
  kind: 'instance' | 'cluster';
  endpoint?: string | undefined;
  port?: number | undefined;
}

/**
 * The write ledger an application's writes stand for: it writes through the database's endpoint name (resolved on
 * each connection, so it follows a failover's DNS flip) and counts what was acknowledged, for the RPO. On the twin
 * the URL and the resolver exist only there; the account's are said beside them.
 */
export function ledgerProbe(db: FailoverTarget): { probe: Record<string, unknown>; forAccount: AccountValue[] } {
  const endpoint = db.endpoint === undefined ? '<endpoint>' : `${db.endpoint}:${db.port ?? 5432}`;
  return {
    probe: {
      name: 'ledger',
      probe: 'sql.write-ledger',
      args: { url: `\${sim:rds.${db.id}.url}`, resolver: '${sim:dns.server}', timeout: '1s' },
      interval: '2s',
    },
    forAccount: [
      { sim: `rds.${db.id}.url`, account: `postgres://<user>@${endpoint}/postgres (and the password argument)` },
      { sim: 'dns.server', account: 'nothing: drop the resolver argument, the account’s names resolve through the system’s DNS' },
    ],
  };
}

/**
 * The database's primary fails over (`aws.rds.failover`) while a write ledger writes through its endpoint name, as an
 * application does. The claim of a Multi-AZ deployment: no acknowledged write is lost, and writes land on the new
 * primary within the RTO. A single-AZ instance has no standby to fail over to, so the run fails.
 */
export function dbFailoverExperiment(ctx: AuditContext, rule: string, db: FailoverTarget): ProvingExperiment {
  const rto = seconds(ctx.objectives.rtoSeconds);
  const ledger = ledgerProbe(db);
  return writeExperiment(ctx, {
    rule,
    resource: db.id,
    claim: `${db.id} fails over to a standby in another zone with no acknowledged write lost, writes landing on the new primary within ${rto}.`,
    tags: ['rds', 'multi-az', 'rpo'],
    probes: [ledger.probe],
    faults: [{ name: 'failover', action: 'aws.rds.failover', targets: { ...(db.kind === 'cluster' ? { type: 'aws:rds:cluster' } : {}), ids: [db.id] } }],
    recovery: { stableFor: '20s', timeout: seconds(Math.max(600, ctx.objectives.rtoSeconds * 2)) },
    objectives: { rpo: '0 writes', rto, switchover: { probe: 'ledger', within: rto } },
    forAccount: ledger.forAccount,
  });
}
