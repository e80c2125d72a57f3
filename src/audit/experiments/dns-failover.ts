import type { DnsRecord, HealthCheck } from '../../architecture/model.js';
import type { ProvingExperiment } from '../finding.js';
import type { AuditContext } from '../rules/rule.js';
import { seconds, writeExperiment } from './write.js';

/** The name a twin gives a Route 53 health check: its Name tag, else its id (the twin keeps both). */
export function twinHealthCheckName(hc: HealthCheck): string {
  return hc.tags.Name ?? hc.id;
}

/** A failover pair's SECONDARY as the experiments see it: its record, and whether the twin answers its name. */
export interface Secondary {
  record: DnsRecord;
  /** False for an alias to what the architecture does not hold (another region's load balancer): the twin answers nothing. */
  answered: boolean;
}

/**
 * The dns probe on the record, and the answer it must switch to. A secondary of plain values answers exactly those
 * (the probe sorts them). An alias's addresses are not known before the run, so any change counts; and one the twin
 * cannot answer leaves the probe an empty answer after the flip, which is then within tolerance (in the account it is
 * the secondary's addresses).
 */
export function dnsProbe(name: string, secondary: Secondary | undefined): { probe: Record<string, unknown>; to: { to?: string } } {
  const values = secondary?.record.alias === undefined ? secondary?.record.values : undefined;
  const empty = secondary !== undefined && !secondary.answered;
  return {
    probe: { name: 'dns', probe: 'dns', args: { name, server: '${sim:dns.server}' }, ...(empty ? { tolerance: { allowEmpty: true } } : {}), interval: '5s' },
    to: values === undefined || values.length === 0 ? {} : { to: [...values].sort().join(',') },
  };
}

/**
 * The primary's health check fails (`aws.route53.fail-health-check`, Inverted) and clients must be sent to the
 * secondary within the RTO. Two parts of that time the fault does not make happen, so they come off the window the
 * answer must flip in:
 * - the TTL: the dns probe reads the authoritative answer, which a client's resolver keeps for the TTL after it changes;
 * - all but one of the failure threshold's checks: Inverted applies at the next evaluation, where a real failure
 *   needs FailureThreshold failed checks, one RequestInterval apart (Route 53 Developer Guide, how health is determined).
 * A window of zero or less means the claim cannot hold, and the experiment says so by allowing no time at all.
 */
export function dnsFailoverExperiment(
  ctx: AuditContext,
  rule: string,
  record: DnsRecord,
  hc: HealthCheck,
  ttlSeconds: number,
  secondary: Secondary | undefined,
): ProvingExperiment {
  const rto = seconds(ctx.objectives.rtoSeconds);
  const windowS = ctx.objectives.rtoSeconds - ttlSeconds - hc.requestIntervalSeconds * (hc.failureThreshold - 1);
  const flip = windowS <= 0 ? '0s' : seconds(windowS);
  const name = record.name.replace(/\.$/, '');
  const hcName = twinHealthCheckName(hc);
  const dns = dnsProbe(name, secondary);
  return writeExperiment(ctx, {
    rule,
    resource: name,
    claim: `When ${name}'s primary fails its health check, clients are sent to the secondary within ${rto}: the inverted check flips Route 53's answer within ${flip} (the RTO less the ${ttlSeconds}-s TTL and ${hc.failureThreshold - 1} more check(s) of ${hc.requestIntervalSeconds} s).`,
    tags: ['route53', 'dns', 'failover'],
    probes: [dns.probe],
    faults: [{ name: 'fail-primary-check', action: 'aws.route53.fail-health-check', args: { healthCheckId: `\${sim:route53.healthcheck.${hcName}.id}` } }],
    recovery: { stableFor: '30s', timeout: seconds(Math.max(600, ctx.objectives.rtoSeconds * 2)) },
    objectives: { switchover: { probe: 'dns', within: flip, ...dns.to } },
    forAccount: [
      { sim: 'dns.server', account: 'nothing: drop the server argument, the record resolves through the system’s DNS' },
      { sim: `route53.healthcheck.${hcName}.id`, account: hc.id },
    ],
  });
}
