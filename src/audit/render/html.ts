import { esc } from '../../report/escape.js';
import type { AuditReport, Finding, Severity } from '../finding.js';
import { countLine, experimentLine, layerSections, objectivesLine, outcomeWord, proofLine, proofOf, type RenderOptions, sourceLine } from './common.js';

/** The house style of `src/report/html.ts` (system font, bordered tables), with score bars and severity colours. */
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.bar{width:16rem;height:.9rem;background:#eaeef2;border-radius:3px;overflow:hidden}.bar>span{display:block;height:100%}.good{background:#2da44e}.fair{background:#d4a72c}.poor{background:#cf222e}
.sev{font-weight:600;padding:0 .35rem;border-radius:4px}.critical{background:#cf222e;color:#fff}.high{background:#fb8500;color:#fff}.medium{background:#d4a72c}.low{background:#ddf4ff}.info{background:#eaeef2}
.confirmed{color:#cf222e;font-weight:600}.refuted{color:#1a7f37;font-weight:600}.error{color:#57606a;font-weight:600}td code{display:block;white-space:nowrap}`;

const band = (score: number): string => (score >= 80 ? 'good' : score >= 50 ? 'fair' : 'poor');
const sev = (s: Severity): string => `<span class="sev ${s}">${esc(s)}</span>`;

/**
 * One self-contained page (inline CSS, no script, no external asset) of an audit: a readiness bar per layer, the
 * findings table, and each finding's evidence, fix, experiment and proof. Every text from the account is escaped: a
 * resource's name is the account owner's to choose.
 */
export function renderAuditHtml(report: AuditReport, options: RenderOptions = {}): string {
  const sections = layerSections(report);
  const readiness = sections
    .map(
      (s) =>
        `<tr><td>${esc(s.layer)}</td><td><div class="bar" title="${s.score}"><span class="${band(s.score)}" style="width:${Math.max(0, Math.min(100, s.score))}%"></span></div></td><td>${s.score}</td><td>${s.findings.length}</td></tr>`,
    )
    .join('');
  const ordered = sections.flatMap((s) => s.findings);
  const table = ordered
    .map((f, i) => {
      const proof = proofOf(report, f);
      return `<tr><td>${sev(f.severity)}</td><td>${esc(f.layer)}</td><td><a href="#f${i}">${esc(f.title)}</a></td><td>${proof === undefined ? '—' : `<span class="${proof.outcome}">${esc(outcomeWord(proof, f).toLowerCase())}</span>`}</td></tr>`;
    })
    .join('');
  const unmodelled =
    report.unmodelled.length === 0
      ? ''
      : `<h2>Not judged (not modelled)</h2>
<table id="unmodelled"><tr><th>resource</th><th>what</th></tr>${report.unmodelled.map((u) => `<tr><td><code>${esc(u.resource)}</code></td><td>${esc(u.what)}</td></tr>`).join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`gameday audit: ${report.architecture.source.name}`)}</title><style>${STYLE}</style></head>
<body>
<h1>gameday audit</h1>
<p>${esc(sourceLine(report))}. Objectives: ${esc(objectivesLine(report))}. <strong>${esc(countLine(report))}</strong>.</p>
<h2>Readiness</h2>
<table id="readiness"><tr><th>layer</th><th>readiness</th><th>score</th><th>findings</th></tr>${readiness}</table>
<h2>Findings</h2>
<table id="findings"><tr><th>severity</th><th>layer</th><th>finding</th><th>proof</th></tr>${table}</table>
${ordered.map((f, i) => findingSection(report, f, i, options)).join('\n')}
${unmodelled}
</body></html>
`;
}

function findingSection(report: AuditReport, f: Finding, i: number, options: RenderOptions): string {
  const proof = proofOf(report, f);
  const rows: [string, string][] = [
    ['rule', `<code>${esc(f.rule)}</code>`],
    ['principle', esc(f.principle)],
    ['evidence', f.evidence.map((e) => `<code>${esc(e)}</code>`).join('')],
    ['fix', esc(f.fix)],
    // Only a web page is a link: a `javascript:` reference would run on click.
    ['reference', /^https?:\/\//.test(f.reference) ? `<a href="${esc(f.reference)}">${esc(f.reference)}</a>` : esc(f.reference)],
    ['experiment', esc(experimentLine(f, options))],
  ];
  if (proof !== undefined) {
    rows.push(['proof', `<span class="${proof.outcome}">${esc(proofLine(proof, f))}</span>`]);
    for (const m of proof.measurements) rows.push([esc(m.name), esc(m.value)]);
    if (proof.journal !== undefined) rows.push(['journal', `<code>${esc(proof.journal)}</code>`]);
  }
  return `<h3 id="f${i}">${sev(f.severity)} ${esc(f.title)}</h3>
<table class="finding">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}
