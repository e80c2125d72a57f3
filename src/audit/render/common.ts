import { type AuditReport, type Finding, LAYERS, type Layer, type Proof, SEVERITIES, type Severity } from '../finding.js';

/**
 * What every audit renderer shares, so the text, Markdown and HTML pages order, group and word a report the same way:
 * a reader who compares the terminal with the page finds the same findings in the same places.
 */

/** Options of a rendering that the report itself does not hold. */
export interface RenderOptions {
  /** Where `--write-experiments` wrote the experiment files: their paths are shown under it. */
  experimentsDir?: string | undefined;
}

/** One layer of the playbook with its score and its findings, most severe first. */
export interface LayerSection {
  layer: Layer;
  score: number;
  findings: Finding[];
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** The layers in the playbook's order, each with its score (100 when the report gives none) and findings by severity. */
export function layerSections(report: AuditReport): LayerSection[] {
  return LAYERS.map((layer) => ({
    layer,
    score: report.scores.find((s) => s.layer === layer)?.score ?? 100,
    findings: report.findings.filter((f) => f.layer === layer).sort((a, b) => rank(a.severity) - rank(b.severity)),
  }));
}

/** The proof of a finding: the one for its rule and the same evidence. */
export function proofOf(report: AuditReport, finding: Finding): Proof | undefined {
  const key = finding.evidence.join('\n');
  return report.proofs?.find((p) => p.rule === finding.rule && p.evidence.join('\n') === key);
}

/** How many findings of each severity, most severe first, leaving out the severities with none. */
export function severityCounts(report: AuditReport): { severity: Severity; count: number }[] {
  return SEVERITIES.map((severity) => ({ severity, count: report.findings.filter((f) => f.severity === severity).length })).filter((c) => c.count > 0);
}

/** "4 findings: 1 critical, 3 high", or "no findings". */
export function countLine(report: AuditReport): string {
  const n = report.findings.length;
  if (n === 0) return 'no findings';
  return `${n} finding${n === 1 ? '' : 's'}: ${severityCounts(report)
    .map((c) => `${c.count} ${c.severity}`)
    .join(', ')}`;
}

/** Where a finding's experiment is, or why none proves it. */
export function experimentLine(finding: Finding, options: RenderOptions): string {
  if (finding.experiment === undefined) return `no experiment: ${finding.unprovable ?? 'no fault shows it'}`;
  const dir = options.experimentsDir;
  const file = dir === undefined ? finding.experiment.file : `${dir.replace(/\/$/, '')}/${finding.experiment.file}`;
  return `${file} (${finding.experiment.claim})`;
}

/**
 * A proof's outcome as a word. An `info` finding is a playbook claim that holds, so its experiment passing means the
 * claim HELD (not that a weakness was refuted), and failing means it BROKE.
 */
export function outcomeWord(proof: Proof, finding: Finding): string {
  if (finding.severity === 'info' && proof.outcome !== 'error') return proof.outcome === 'refuted' ? 'HELD' : 'BROKEN';
  return proof.outcome.toUpperCase();
}

/** A proof's outcome in one line: the outcome, the run's verdict or error, and its wall time. */
export function proofLine(proof: Proof, finding: Finding): string {
  const detail = proof.outcome === 'error' ? (proof.error ?? 'the run could not be made') : `verdict ${proof.verdict ?? '?'}`;
  return `${outcomeWord(proof, finding)}: ${detail}, ${(proof.wallMs / 1000).toFixed(1)} s wall`;
}

/** The objectives the audit judged against, in one line. */
export function objectivesLine(report: AuditReport): string {
  const need = Object.entries(report.objectives.need).map(([group, n]) => `${group}=${n}`);
  return `RTO ${formatSeconds(report.objectives.rtoSeconds)}${need.length === 0 ? '' : `; need ${need.join(', ')}`}`;
}

/** Where the architecture was read from, in one line. */
export function sourceLine(report: AuditReport): string {
  const a = report.architecture;
  const at = a.source.endpoint === undefined ? '' : ` at ${a.source.endpoint}`;
  return `${a.source.kind} ${a.source.name}${at}, ${a.region}, account ${a.accountId}`;
}

/** 300 → "5m", 90 → "1m30s", 45 → "45s". */
export function formatSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  if (m === 0) return `${s}s`;
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}
