import type { AuditReport, Finding } from '../finding.js';
import { countLine, experimentLine, layerSections, objectivesLine, proofLine, proofOf, type RenderOptions, sourceLine } from './common.js';

/** A table cell: pipes and line breaks would end the cell or the row. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
/** Inline code that holds any text: a fence longer than any run of backticks inside it. */
const code = (s: string): string => {
  const fence = '`'.repeat(Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${fence}${fence.length > 1 ? ` ${s} ` : s}${fence}`;
};

/** The report as Markdown, for a pull request comment or a CI step summary: readiness table, then findings by layer. */
export function renderAuditMarkdown(report: AuditReport, options: RenderOptions = {}): string {
  const sections = layerSections(report);
  const out = [
    '# gameday audit',
    '',
    `${cell(sourceLine(report))}. Objectives: ${cell(objectivesLine(report))}. ${countLine(report)}.`,
    '',
    '| layer | readiness | findings |',
    '|---|---:|---:|',
    ...sections.map((s) => `| ${s.layer} | ${s.score} | ${s.findings.length} |`),
  ];
  for (const s of sections) {
    if (s.findings.length === 0) continue;
    out.push('', `## ${s.layer}`);
    for (const f of s.findings) out.push('', ...findingBlock(report, f, options));
  }
  if (report.unmodelled.length > 0) {
    out.push('', '## Not judged (not modelled)', '', '| resource | what |', '|---|---|');
    for (const u of report.unmodelled) out.push(`| ${cell(code(u.resource))} | ${cell(u.what)} |`);
  }
  return `${out.join('\n')}\n`;
}

function findingBlock(report: AuditReport, f: Finding, options: RenderOptions): string[] {
  const proof = proofOf(report, f);
  return [
    `### ${f.severity.toUpperCase()}: ${cell(f.title)}`,
    '',
    `- rule: ${code(f.rule)}`,
    `- principle: ${cell(f.principle)}`,
    `- evidence: ${f.evidence.map(code).join(', ')}`,
    `- fix: ${cell(f.fix)}`,
    `- reference: <${f.reference}>`,
    `- experiment: ${cell(experimentLine(f, options))}`,
    ...(proof === undefined
      ? []
      : [
          `- proof: **${cell(proofLine(proof, f))}**`,
          ...proof.measurements.map((m) => `  - ${cell(m.name)}: ${cell(m.value)}`),
          ...(proof.journal === undefined ? [] : [`  - journal: ${code(proof.journal)}`]),
        ]),
  ];
}
