import type { DnsRecord, HealthCheck } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { seconds, writeExperiment } from './write.js';

/** The name a twin gives a Route 53 health check: its Name tag, else its id (the twin keeps both). */
export function twinHealthCheckName(hc: HealthCheck): string {
  return hc.tags.Name ?? hc.id;
}

/**
 * The primary's health check fails (`aws.route53.fail-health-check`, Inverted) and a client resolving the record
 * must see the answer change within the RTO: Route 53 notices after its interval × failure threshold, and a resolver
 * keeps the old answer for the TTL, so a record whose sum exceeds the RTO fails the run.
 */
export function dnsFailoverExperiment(ctx: AuditContext, rule: string, record: DnsRecord, hc: HealthCheck): ProvingExperiment {
  const rto = seconds(ctx.objectives.rtoSeconds);
  const name = record.name.replace(/\.$/, '');
  const hcName = twinHealthCheckName(hc);
  return writeExperiment(ctx, {
    rule,
    resource: name,
    claim: `When ${name}'s primary fails its health check, DNS answers with the secondary within ${rto}.`,
    tags: ['route53', 'dns', 'failover'],
    probes: [{ name: 'dns', probe: 'dns', args: { name, server: '${sim:dns.server}' }, interval: '5s' }],
    faults: [{ name: 'fail-primary-check', action: 'aws.route53.fail-health-check', args: { healthCheckId: `\${sim:route53.healthcheck.${hcName}.id}` } }],
    recovery: { stableFor: '30s', timeout: seconds(Math.max(600, ctx.objectives.rtoSeconds * 2)) },
    objectives: { switchover: { probe: 'dns', within: rto } },
    forAccount: [
      { sim: 'dns.server', account: 'nothing: drop the server argument, the record resolves through the system’s DNS' },
      { sim: `route53.healthcheck.${hcName}.id`, account: hc.id },
    ],
  });
}
