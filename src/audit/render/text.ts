import type { AuditReport, Finding } from '../finding.js';
import { countLine, experimentLine, layerSections, objectivesLine, proofLine, proofOf, type RenderOptions, sourceLine } from './common.js';

const BAR = 20;

/** A score of 0–100 as a bar of `BAR` cells, so the weakest layer stands out in a terminal at a glance. */
export function scoreBar(score: number): string {
  const full = Math.round((Math.max(0, Math.min(100, score)) / 100) * BAR);
  return `${'█'.repeat(full)}${'░'.repeat(BAR - full)}`;
}

/**
 * The report for a terminal: readiness per layer first (what a reader wants to know), then each layer's findings,
 * most severe first, with their evidence, fix, experiment and proof, then what could not be judged.
 */
export function renderAuditText(report: AuditReport, options: RenderOptions = {}): string {
  const sections = layerSections(report);
  const width = Math.max(...sections.map((s) => s.layer.length));
  const lines = [`audit of ${sourceLine(report)}`, `objectives: ${objectivesLine(report)}`, '', 'readiness:'];
  for (const s of sections)
    lines.push(
      `  ${s.layer.padEnd(width)}  ${scoreBar(s.score)} ${String(s.score).padStart(3)}  (${s.findings.length} finding${s.findings.length === 1 ? '' : 's'})`,
    );
  for (const s of sections) {
    if (s.findings.length === 0) continue;
    lines.push('', `${s.layer}:`);
    for (const f of s.findings) lines.push(...findingLines(report, f, options));
  }
  if (report.unmodelled.length > 0) {
    lines.push('', 'not judged (not modelled):');
    for (const u of report.unmodelled) lines.push(`  ${u.resource}: ${u.what}`);
  }
  lines.push('', countLine(report));
  return `${lines.join('\n')}\n`;
}

function findingLines(report: AuditReport, f: Finding, options: RenderOptions): string[] {
  const lines = [
    `  [${f.severity.toUpperCase()}] ${f.title}`,
    `    rule:       ${f.rule}`,
    `    principle:  ${f.principle}`,
    ...f.evidence.map((e, i) => `    ${i === 0 ? 'evidence:  ' : '           '} ${e}`),
    `    fix:        ${f.fix}`,
    `    reference:  ${f.reference}`,
    `    experiment: ${experimentLine(f, options)}`,
  ];
  const proof = proofOf(report, f);
  if (proof !== undefined) {
    lines.push(`    proof:      ${proofLine(proof, f)}`);
    for (const m of proof.measurements) lines.push(`                ${m.name}: ${m.value}`);
    if (proof.journal !== undefined) lines.push(`                journal: ${proof.journal}`);
  }
  return lines;
}
