/**
 * `auditArchitecture`: the readiness diagnostic. A pure function of an architecture read elsewhere (no AWS call, no
 * I/O): every layer's rules judge it, each weakness a finding with its evidence and the experiment that would show it
 * on the twin, and every playbook claim that holds an `info` finding with the experiment that proves it, so a sound
 * architecture still gets its game day.
 */
import type { Architecture } from '../architecture/model.js';
import { type AuditObjectives, type AuditReport, type Finding, SEVERITIES } from './finding.js';
import { databaseRules } from './rules/database.js';
import { deploymentRules } from './rules/deployments.js';
import { dnsRules } from './rules/dns.js';
import { loadBalancingRules } from './rules/load-balancing.js';
import { networkRules } from './rules/network.js';
import type { AuditContext, Rule, TwinOptions } from './rules/rule.js';
import { zoneRules } from './rules/zones.js';
import { scoreLayers } from './score.js';

/** Every rule, layer by layer, in the playbook's order. */
export const RULES: Rule[] = [...zoneRules, ...loadBalancingRules, ...databaseRules, ...dnsRules, ...deploymentRules, ...networkRules];

export function auditArchitecture(a: Architecture, objectives: AuditObjectives, options: TwinOptions): AuditReport {
  const ctx: AuditContext = { a, objectives, options };
  const findings: Finding[] = RULES.flatMap((rule) => rule(ctx));
  // Most severe first; within a severity, the playbook's layer order the rules were run in.
  const ordered = findings.map((f, i) => ({ f, i })).sort((x, y) => SEVERITIES.indexOf(x.f.severity) - SEVERITIES.indexOf(y.f.severity) || x.i - y.i);
  return {
    architecture: { source: a.source, region: a.region, accountId: a.accountId },
    objectives,
    findings: ordered.map((x) => x.f),
    scores: scoreLayers(findings),
    unmodelled: a.unmodelled,
  };
}
