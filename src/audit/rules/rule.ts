import type { Architecture } from '../../architecture/model.js';
import type { AuditObjectives, Finding, Layer, ProvingExperiment, Severity } from '../finding.js';

/** Where generated experiments run: the twin's topology file (relative to where they are written) and its speed. */
export interface TwinOptions {
  twin: string;
  speed?: number | undefined;
}

/** What every rule reads: the architecture, what the operator declared, and where experiments run. */
export interface AuditContext {
  a: Architecture;
  objectives: AuditObjectives;
  options: TwinOptions;
}

/** A rule's fixed description: what it checks and which principle and page back it. */
export interface RuleInfo {
  id: string;
  layer: Layer;
  severity: Severity;
  principle: string;
  fix: string;
  reference: string;
}

/** One layer's rules: each returns its findings (none when the architecture meets it). */
export type Rule = (ctx: AuditContext) => Finding[];

/** What one finding adds to its rule's description. */
export type Verdict = { title: string; evidence: string[]; severity?: Severity | undefined } & (
  | { experiment: ProvingExperiment; unprovable?: undefined }
  | { unprovable: string; experiment?: undefined }
);

/** A finding of `rule`: its fixed description, with what this resource showed. */
export function finding(rule: RuleInfo, v: Verdict): Finding {
  return {
    rule: rule.id,
    layer: rule.layer,
    severity: v.severity ?? rule.severity,
    title: v.title,
    evidence: v.evidence,
    principle: rule.principle,
    fix: rule.fix,
    reference: rule.reference,
    ...(v.experiment === undefined ? { unprovable: v.unprovable } : { experiment: v.experiment }),
  };
}
